/**
 * The event format shared by `toServerSentEvents`, `resumableStreams` and `fromServerSentEvents`:
 *
 * ```
 * id: 0                      one event per value: its number in the stream, then the value as JSON
 * data: {"content":"Hel",…}  (JSON has no raw line breaks, so content can never forge an event)
 *
 * : ping                     a heartbeat (a comment line)
 *
 * event: end                 the clean end, after the final chunk or the completion:
 * data: {"reason":"complete"}   'complete', or 'stopped' (resumableStreams' stop)
 *
 * event: error               a failure: { name, message, code?, status?, retryable?, … }, never a key
 * data: {"name":"ProviderError","message":"…","status":503,"retryable":true}
 * ```
 */
import { isAgenticraftError } from '../errors/AgenticraftError.js';

/** One event on its way to the wire. `data` is JSON text. */
export type SseFrame =
  | { readonly type: 'data'; readonly id: number; readonly data: string }
  | { readonly type: 'error'; readonly data: string }
  | { readonly type: 'end'; readonly data: string };

/** Why a stream ended cleanly, in the `end` event's data. */
export type SseEndReason = 'complete' | 'stopped';

/** What an `event: error` carries: the error's JSON without anything that could hold a secret. */
export interface SseErrorData {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly status?: number;
  readonly retryable?: boolean;
  readonly partialText?: string;
  readonly [field: string]: unknown;
}

const encoder = new TextEncoder();

export function encodeFrame(frame: SseFrame, ids: boolean): Uint8Array {
  if (frame.type === 'data') return encoder.encode(ids ? `id: ${frame.id}\ndata: ${frame.data}\n\n` : `data: ${frame.data}\n\n`);
  return encoder.encode(`event: ${frame.type}\ndata: ${frame.data}\n\n`);
}

export const HEARTBEAT: Uint8Array = encoder.encode(': ping\n\n');

export function endFrame(reason: SseEndReason): SseFrame {
  return { type: 'end', data: JSON.stringify({ reason }) };
}

export function errorFrame(error: unknown): SseFrame {
  return { type: 'error', data: JSON.stringify(errorData(error)) };
}

/** A value as one line of JSON; a value JSON cannot hold (undefined, a function) is `null`. */
export function valueJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

// Fields that could hold a request, a response or a secret are never sent, whatever class the error is.
const NEVER_SENT = new Set(['cause', 'stack', 'headers', 'request', 'response', 'apiKey', 'key', 'config', 'chunkCount']);

/**
 * The data of an `event: error`: a library error's own JSON (name, message, code, status, retryable, phase,
 * timeoutMs, reason, partialText, …: the library's errors never hold a key), flat JSON values only; any
 * other error as a `StreamInterruptedError` (reason 'error'), the way the library's operators wrap it, its
 * message scrubbed of anything shaped like a credential.
 */
export function errorData(error: unknown): SseErrorData {
  if (isAgenticraftError(error) && typeof error.toJSON === 'function') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(error.toJSON())) {
      if (NEVER_SENT.has(key) || value === undefined) continue;
      if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
      else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[key] = value;
    }
    out['name'] = error.name;
    out['message'] = scrub(error.message);
    return out as SseErrorData;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { name: 'StreamInterruptedError', message: `Stream failed: ${scrub(message)}`, reason: 'error' };
}

/** Credentials in foreign error messages: bearer tokens, `sk-…`-style keys, `api_key=…` pairs. */
export function scrub(text: string): string {
  return text
    .replace(/\bBearer\s+[^\s"',]+/gi, 'Bearer [redacted]')
    .replace(/\b(sk|pk|rk|xai|gsk)-[A-Za-z0-9_-]{8,}/g, '[redacted]')
    .replace(/\b(api[-_]?key|x-api-key|token|secret|password)(["']?\s*[:=]\s*["']?)[^\s"',&]+/gi, '$1$2[redacted]');
}

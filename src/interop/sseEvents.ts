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

/**
 * A value as one line of JSON; a value JSON cannot hold (undefined, a function) is `null`. An `Error` anywhere
 * inside it (a workflow's `step-failed` error, `workflow-complete`'s `result.errors`) is sent as `nestedErrorData`
 * says, never as its own enumerable fields (a foreign error's `config.headers` may hold a key) nor as `{}`.
 * Chunks do not come here (`valueFrames` writes them with plain `JSON.stringify`: the per-chunk fast path).
 */
export function valueJson(value: unknown): string {
  return JSON.stringify(value, withSafeErrors) ?? 'null';
}

// A `function` replacer: JSON.stringify has called `toJSON` already when it calls the replacer, so the error
// itself is `this[key]`, not `value`.
function withSafeErrors(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return isError(raw) ? nestedErrorData(raw) : value;
}

function isError(value: unknown): value is Error {
  return value instanceof Error || (typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Error]');
}

/**
 * An error inside a value: a library error as its `event: error` data (`errorData`); any other error as its
 * `name`, its message scrubbed, and its `code`, `status` and `retryable` when they are flat values — nothing
 * else of it (no `cause`, `config`, `headers`, `response`).
 */
export function nestedErrorData(error: Error): SseErrorData {
  if (isAgenticraftError(error)) return errorData(error);
  const out: Record<string, unknown> = {
    name: typeof error.name === 'string' ? scrub(error.name) : 'Error',
    message: scrub(typeof error.message === 'string' ? error.message : String(error.message)),
  };
  const { code, status, retryable } = error as { code?: unknown; status?: unknown; retryable?: unknown };
  if (typeof code === 'string') out['code'] = scrub(code);
  else if (typeof code === 'number' && Number.isFinite(code)) out['code'] = code;
  if (typeof status === 'number' && Number.isFinite(status)) out['status'] = status;
  if (typeof retryable === 'boolean') out['retryable'] = retryable;
  return out as SseErrorData;
}

// Fields that could hold a request, a response or a secret are never sent, whatever class the error is.
const NEVER_SENT = new Set(['cause', 'stack', 'headers', 'request', 'response', 'apiKey', 'key', 'config', 'chunkCount']);

/** The library's structured error fields, rebuilt from known parts only (never sent as they are). */
const STRUCTURED: ReadonlyMap<string, (value: unknown) => unknown> = new Map([
  ['issues', safeIssues],
  ['toolCalls', safeToolCalls],
]);

/** ObjectValidationError's issues: each one's message (scrubbed: a schema library may quote the value) and path. */
function safeIssues(value: unknown): unknown {
  if (!Array.isArray(value)) return undefined;
  return value.map((issue: { message?: unknown; path?: unknown } | null) => ({
    message: scrub(typeof issue?.message === 'string' ? issue.message : String(issue?.message ?? '')),
    path: Array.isArray(issue?.path) ? issue.path.filter((p: unknown) => typeof p === 'string' || (typeof p === 'number' && Number.isFinite(p))) : [],
  }));
}

/** MaxToolRoundsError's tool calls: their ids and names, never their arguments. */
function safeToolCalls(value: unknown): unknown {
  if (!Array.isArray(value)) return undefined;
  return value
    .filter((call: { id?: unknown; name?: unknown } | null) => typeof call?.id === 'string' && typeof call.name === 'string')
    .map((call: { id: string; name: string }) => ({ id: call.id, name: call.name }));
}

/**
 * The data of an `event: error`: a library error's own JSON (name, message, code, status, retryable, phase,
 * timeoutMs, reason, partialText, …: the library's errors never hold a key), flat JSON values only, plus an
 * `ObjectValidationError`'s `issues` (`{ message, path }` each) and a `MaxToolRoundsError`'s `toolCalls`
 * (`{ id, name }` each); any other error as a `StreamInterruptedError` (reason 'error'), the way the library's
 * operators wrap it, its message scrubbed of anything shaped like a credential.
 */
export function errorData(error: unknown): SseErrorData {
  if (isAgenticraftError(error) && typeof error.toJSON === 'function') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(error.toJSON())) {
      if (NEVER_SENT.has(key) || value === undefined) continue;
      const structured = STRUCTURED.get(key);
      if (structured !== undefined) {
        const safe = structured(value);
        if (safe !== undefined) out[key] = safe;
      } else if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
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

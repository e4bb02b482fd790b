/**
 * What the three SDK providers share: the cold, abortable Observable around an SDK stream, lazy SDK
 * loading, retry-after parsing and API-key redaction. Wire formats stay in each provider's own file.
 */
import { Observable, asyncScheduler, type SchedulerLike } from 'rxjs';
import type { ChunkMetadata, StreamChunk } from '../chunk.js';
import { StreamingResponse } from '../response.js';
import type { ChatRequest, Message } from './provider.js';
import { ProviderError, isProviderError } from '../errors/ProviderError.js';

export interface ChunkSink {
  /** Emits a chunk downstream (dropped once the subscriber has gone). */
  next(chunk: StreamChunk): void;
  /** Emits a non-final chunk stamped with the stream's clock: the per-delta hot path, no options object. */
  content(content: string, metadata: ChunkMetadata): void;
}

/** Turns one provider's wire events into chunks; `end` emits the final chunk or throws if the stream ended early. */
export interface StreamDecoder<TEvent> {
  event(event: TEvent): void;
  end(): void;
}

export interface SdkStreamSpec<TEvent> {
  /** The provider's name, for errors. */
  readonly provider: string;
  /** The clock for chunk timestamps. */
  readonly clock: SchedulerLike;
  /** Sends the request; must honour `signal` (also before headers arrive). */
  open(signal: AbortSignal): Promise<AsyncIterable<TEvent>>;
  decoder(sink: ChunkSink): StreamDecoder<TEvent>;
  /** Maps anything thrown (SDK errors, network errors) to a `ProviderError`. */
  toError(error: unknown): ProviderError;
  /**
   * Whether the SDK's iterator reads the response body to its end (OpenAI's and Anthropic's SSE streams do).
   * Then a stream that completed holds no request and teardown skips the abort. Ollama's iterator stops at
   * the `done` line and leaves the body open, so its request is aborted at teardown even after completion.
   */
  readonly readsBodyToEnd?: boolean;
  /** Extra teardown when the request is aborted (Ollama's iterator `abort()`). */
  teardown?(stream: AsyncIterable<TEvent> | undefined): void;
}

/**
 * A cold Observable over an SDK stream: each subscription opens one request, unsubscribing aborts it.
 * Errors after unsubscribe (the SDK's AbortError) are swallowed; everything else becomes a `ProviderError`.
 */
export function sdkStream<TEvent>(spec: SdkStreamSpec<TEvent>): Observable<StreamChunk> {
  return new Observable<StreamChunk>((subscriber) => {
    const controller = new AbortController();
    let stream: AsyncIterable<TEvent> | undefined;
    const { clock } = spec;
    // What was delivered, so a failure mid-stream carries it (text only: ~1 byte a char).
    const partial = new StreamingResponse({ keepChunks: false, scheduler: clock });
    const deliver = (c: StreamChunk): void => {
      partial.addChunk(c);
      subscriber.next(c);
    };
    const sink: ChunkSink = {
      next: deliver,
      content: (content, metadata) => deliver({ content, metadata, isFinal: false, timestamp: clock.now() }),
    };

    let finished = false;
    /** Whether a throw comes from the decoder (bad wire data) rather than the SDK's iterator (network). */
    let decoding = false;
    const run = async (): Promise<void> => {
      stream = await spec.open(controller.signal);
      if (subscriber.closed) return;
      const decoder = spec.decoder(sink);
      try {
        for await (const event of stream) {
          if (subscriber.closed) return;
          decoding = true;
          decoder.event(event);
          decoding = false;
        }
        if (subscriber.closed) return;
        decoding = true;
        decoder.end();
      } catch (error) {
        throw decoding ? decodeError(spec.provider, error) : error;
      }
      finished = true;
      subscriber.complete();
    };

    run().catch((error: unknown) => {
      if (subscriber.closed || controller.signal.aborted) return;
      const failure = isProviderError(error) ? error : safely(spec, error);
      const carries = partial.chunkCount > 0 && typeof failure.withPartialResponse === 'function';
      subscriber.error(carries ? failure.withPartialResponse(partial.end()) : failure);
    });

    return () => {
      // A body read to its end holds nothing to release: no abort (it costs ~40 µs of event dispatch).
      if (finished && spec.readsBodyToEnd === true) return;
      controller.abort(abortReason());
      spec.teardown?.(stream);
    };
  });
}

let unsubscribed: Error | undefined;

/**
 * The reason every teardown aborts with: an AbortError made once. `abort()` without a reason builds a new
 * DOMException (a stack trace, ~6 µs) per request; nothing reads it, since errors after unsubscribe are dropped.
 */
function abortReason(): Error {
  unsubscribed ??=
    typeof DOMException === 'function'
      ? new DOMException('The subscription ended', 'AbortError')
      : Object.assign(new Error('The subscription ended'), { name: 'AbortError' });
  return unsubscribed;
}

/** `spec.toError`, which must not throw: a mapping that fails still ends the stream with a `ProviderError`. */
function safely(spec: SdkStreamSpec<unknown>, error: unknown): ProviderError {
  try {
    return spec.toError(error);
  } catch (mappingError) {
    return new ProviderError(redact(`${spec.provider}: the request failed: ${error instanceof Error ? error.message : String(error)}`), {
      provider: spec.provider,
      retryable: false,
      cause: mappingError,
    });
  }
}

/**
 * What a decoder threw. Decoders throw `ProviderError`s for bad wire data on purpose; anything else they
 * throw is a wire shape they could not read — not a network failure, so not retryable.
 */
function decodeError(provider: string, error: unknown): unknown {
  if (isProviderError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(`${provider}: could not read the stream: ${message}`, {
    provider,
    code: 'malformed_response',
    retryable: false,
    cause: error,
  });
}

/**
 * Loads an optional peer SDK on first use. A missing package is a `ProviderError` with code
 * 'sdk_not_installed' naming the package to install (not retryable: installing is no job for retryStream).
 */
export async function loadSdk<T>(packageName: string, provider: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isModuleNotFound(error)) {
      throw new ProviderError(
        `The ${provider} provider needs the "${packageName}" package, which is not installed. Run: npm install ${packageName}`,
        { provider, code: 'sdk_not_installed', retryable: false, cause: error },
      );
    }
    throw error;
  }
}

/** A "module not found" error, also when wrapped (by a bundler or a test runner) as another error's cause. */
function isModuleNotFound(error: unknown): boolean {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  }
  return false;
}

/** `retry-after-ms` (ms) or `retry-after` (seconds or an HTTP date), in ms. */
export function retryAfterMs(
  headers: { get(name: string): string | null } | Record<string, string | undefined> | undefined | null,
  now: number = asyncScheduler.now(),
): number | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | null | undefined =>
    typeof (headers as { get?: unknown }).get === 'function'
      ? (headers as { get(name: string): string | null }).get(name)
      : (headers as Record<string, string | undefined>)[name];
  const ms = get('retry-after-ms');
  if (ms != null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = get('retry-after');
  if (after == null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Removes an API key (and any `Bearer <token>` / `sk-...` looking secret) from a message. */
export function redact(message: string, apiKey?: string): string {
  let out = message;
  if (apiKey && apiKey.length >= 4) out = out.split(apiKey).join('[redacted]');
  return out.replace(/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, '$1[redacted]').replace(/\bsk-[A-Za-z0-9_-]{8,}/g, 'sk-[redacted]');
}

/** The clock for chunk timestamps. */
export function clockOf(scheduler: SchedulerLike | undefined): SchedulerLike {
  return scheduler ?? asyncScheduler;
}

/** Maps a network-level failure (no HTTP response) to a retryable `ProviderError`. */
export function networkError(provider: string, error: unknown, apiKey?: string): ProviderError {
  const field = (value: unknown, key: string): unknown =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  const code = field(field(error, 'cause'), 'code') ?? field(error, 'code');
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(redact(`${provider}: connection failed: ${message}`, apiKey), {
    provider,
    code: typeof code === 'string' ? code : 'network_error',
    retryable: true,
    cause: error,
  });
}

/** An environment variable, trimmed; undefined when unset, empty, or outside Node. */
export function readEnv(name: string): string | undefined {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name]?.trim();
  return value ? value : undefined;
}

/** Tool-call arguments from the wire: '' means none (`{}`); malformed JSON stays the raw string so the agent can report it to the model. */
export function parseToolArguments(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/**
 * Tool-call arguments as the object Anthropic's `tool_use.input` and Ollama's `arguments` require: an
 * object as it is, malformed arguments kept as a raw string re-parsed if possible, anything else `{}`.
 */
export function toolArgumentsObject(args: unknown): Record<string, unknown> {
  if (isRecord(args)) return args;
  if (typeof args === 'string') {
    try {
      const parsed: unknown = JSON.parse(args);
      if (isRecord(parsed)) return parsed;
    } catch {
      // not JSON: no arguments
    }
  }
  return {};
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds a native request body. A failure (e.g. a tool whose schema cannot become JSON Schema) is a
 * non-retryable `ProviderError` with code 'invalid_request', and no request is sent.
 */
export function buildRequestBody<T>(provider: string, apiKey: string | undefined, build: () => T): T {
  try {
    return build();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ProviderError(redact(`${provider}: invalid request: ${message}`, apiKey), {
      provider,
      code: 'invalid_request',
      retryable: false,
      cause: error,
    });
  }
}

/**
 * Metadata for a provider's chunks: `{ provider, model, eventType, ...extra }`. Without `extra` (plain
 * content) it is one frozen object shared while model and event type stay the same (chunks are immutable),
 * so the hot path allocates no metadata per chunk.
 */
export function contentMetadata(provider: string): (model: string, eventType: string, extra?: ChunkMetadata) => ChunkMetadata {
  let last: ChunkMetadata | undefined;
  return (model, eventType, extra) => {
    if (last === undefined || last.model !== model || last.eventType !== eventType) last = Object.freeze({ provider, model, eventType });
    return extra ? { ...last, ...extra } : last; // `last` is frozen: the spread stays on V8's fast path
  };
}

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);

/** Checks a request's shape at `provider.stream(request)`: a bad request fails at the call, before anything is sent. */
export function assertChatRequest(provider: string, request: ChatRequest): void {
  if (typeof request !== 'object' || request === null) throw new TypeError(`${provider}: stream(request): request must be an object`);
  if (!Array.isArray(request.messages)) throw new TypeError(`${provider}: stream(request): request.messages must be an array`);
  request.messages.forEach((message: Message, i) => {
    if (typeof message !== 'object' || message === null || !ROLES.has(message.role) || typeof message.content !== 'string') {
      throw new TypeError(`${provider}: stream(request): messages[${i}] needs a role (system, user, assistant or tool) and a string content`);
    }
  });
}

/**
 * The SDK stream driver the three SDK providers share: the cold, abortable Observable around an SDK stream.
 * Wire formats stay in each provider's own file.
 */
import { Observable, type SchedulerLike } from 'rxjs';
import { checkedChunks, type ChunkMetadata, type StreamChunk } from '../chunk.js';
import { StreamingResponse, appendChecked } from '../response.js';
import { ProviderError, isProviderError } from '../errors/ProviderError.js';
import { redact, redactError } from './failures.js';

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

/**
 * A source that reads the response body itself and hands each event over synchronously: one `await` per
 * network read, not per event (see sseBody.ts). What `open` may resolve to instead of the SDK's stream.
 */
export interface EventPump<TEvent> {
  /**
   * Reads the body to its end, calling `onEvent` for each event. Stops reading (and resolves) once `onEvent`
   * returns false: the subscriber has gone and its teardown aborts the request. Rejects on bad wire data or a
   * network failure; what `onEvent` throws propagates.
   */
  pump(onEvent: (event: TEvent) => boolean): Promise<void>;
}

export interface SdkStreamSpec<TEvent> {
  /** The provider's name, for errors. */
  readonly provider: string;
  /** The clock for chunk timestamps. */
  readonly clock: SchedulerLike;
  /**
   * Sends the request; must honour `signal` (also before headers arrive). Resolves to the SDK's stream of
   * events, or to an {@link EventPump} reading the body.
   */
  open(signal: AbortSignal): Promise<AsyncIterable<TEvent> | EventPump<TEvent>>;
  decoder(sink: ChunkSink): StreamDecoder<TEvent>;
  /** Maps anything thrown (SDK errors, network errors) to a `ProviderError`. */
  toError(error: unknown): ProviderError;
  /**
   * The API key: every error this stream raises is a redacted copy ({@link redactError}) without it in its
   * message, fields or `cause` chain, also where a server echoed it.
   */
  readonly secret?: string | undefined;
  /**
   * How a stream that completed gives its request back, so teardown can skip the abort (its event dispatch
   * is not free): `true` when nothing is left to release (OpenAI's and Anthropic's SSE streams read the rest
   * of the body themselves after the last event), or a function that releases it another way and returns
   * whether it did (Ollama stops at the `done` line and cancels the body). Without it, or when the function
   * returns false, a completed stream's request is aborted at teardown like any other.
   */
  readonly releaseCompleted?: true | (() => boolean);
  /** Extra teardown, after the abort if there was one (Ollama: the iterator's `abort()`, or dropping it from the shared client's list). */
  teardown?(stream: AsyncIterable<TEvent> | EventPump<TEvent> | undefined): void;
}

/**
 * A cold Observable over an SDK stream: each subscription opens one request, unsubscribing aborts it.
 * Errors after unsubscribe (the SDK's AbortError) are swallowed; everything else becomes a `ProviderError`.
 */
export function sdkStream<TEvent>(spec: SdkStreamSpec<TEvent>): Observable<StreamChunk> {
  // The decoders make every chunk: the operators after a provider stream need not check them.
  return checkedChunks(new Observable<StreamChunk>((subscriber) => {
    const controller = new AbortController();
    let stream: AsyncIterable<TEvent> | EventPump<TEvent> | undefined;
    const { clock } = spec;
    // What was delivered, so a failure mid-stream carries it (text only, no chunks kept).
    const partial = new StreamingResponse({ keepChunks: false, scheduler: clock });
    const deliver = (c: StreamChunk): void => {
      appendChecked(partial, c);
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
        if (isPump(stream)) {
          await stream.pump((event) => {
            if (subscriber.closed) return false;
            decoding = true;
            decoder.event(event);
            decoding = false;
            return !subscriber.closed;
          });
        } else {
          for await (const event of stream) {
            if (subscriber.closed) return;
            decoding = true;
            decoder.event(event);
            decoding = false;
          }
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
      const failure = redactError(isProviderError(error) ? error : safely(spec, error), spec.secret);
      const carries = partial.chunkCount > 0 && typeof failure.withPartialResponse === 'function';
      subscriber.error(carries ? failure.withPartialResponse(partial.end()) : failure);
    });

    return () => {
      // A completed request given back as its provider says (releaseCompleted): no abort.
      const released = finished && (spec.releaseCompleted === true || (typeof spec.releaseCompleted === 'function' && spec.releaseCompleted()));
      if (!released) controller.abort(abortReason());
      spec.teardown?.(stream);
    };
  }));
}

function isPump<TEvent>(stream: AsyncIterable<TEvent> | EventPump<TEvent>): stream is EventPump<TEvent> {
  return typeof (stream as Partial<EventPump<TEvent>>).pump === 'function';
}

let unsubscribed: Error | undefined;

/**
 * The reason every teardown aborts with: an AbortError made once. `abort()` without a reason builds a new
 * DOMException, stack trace included, per request; nothing reads it, since errors after unsubscribe are dropped.
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


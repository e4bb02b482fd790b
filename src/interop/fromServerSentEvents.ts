import { Observable, asyncScheduler, timer, type SchedulerLike, type Subscription } from 'rxjs';
import { chunk, isStreamChunk, type StreamChunk } from '../chunk.js';
import { isRetryableStatus } from '../errors/ProviderError.js';
import { ServerSentEventsError } from '../errors/ServerSentEventsError.js';
import { assertFunction, assertNonNegativeInteger, assertNonNegativeNumber, assertObject, assertPositiveInteger, assertScheduler } from '../optionChecks.js';
import { StreamingResponse } from '../response.js';
import { errorFromEventData } from './remoteErrors.js';
import { SseParser, type ServerSentEvent } from './sseParser.js';

export interface ReconnectConfig {
  /**
   * Re-opens in a row that bring nothing past the furthest event already delivered before giving up
   * ('incomplete_stream'): a server that starts over on every re-open and drops again runs out of them.
   * @default 3
   */
  readonly retries?: number;
  /** ms before each re-open (a `retry:` field from the server overrides it). @default 1000 */
  readonly delay?: number;
}

export interface FromServerSentEventsConfig extends Omit<RequestInit, 'signal'> {
  /**
   * Re-open a dropped stream (one whose body ended with neither a final chunk, an `end` nor an `error`
   * event) with `Last-Event-ID`: `true` for the defaults, or `{ retries, delay }`. Without it a dropped
   * stream errors with code 'incomplete_stream'.
   * @default false
   */
  readonly reconnect?: boolean | ReconnectConfig;
  /** Largest event, in bytes; a larger one errors ('event_too_large') instead of growing memory. @default 1_048_576 */
  readonly maxEventBytes?: number;
  /** The `fetch` to use (a framework's test client, a fetch with a proxy agent). @default globalThis.fetch */
  readonly fetch?: (request: Request) => Promise<Response>;
  /** Aborts the request, as unsubscribing does (the Observable then completes without a value). */
  readonly signal?: AbortSignal;
  /** Clock for the reconnect delay and the reset chunk's timestamp. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

type Outcome = { readonly kind: 'finished' } | { readonly kind: 'dropped'; readonly cause?: unknown; readonly network: boolean };

/**
 * Reads a server-sent event stream (as `toServerSentEvents` or `resumableStreams` writes it) back as an
 * Observable of the values sent — chunks by default — in browsers and in Node (web `fetch` only).
 *
 * ```
 * server:   --a--b--(Fe|)        e = event: end
 * result:   --a--b--(F|)
 *
 * server:   --a--b--X            X = the body ends early (dropped); reconnect: re-open with Last-Event-ID: 1
 * server':        --c--(Fe|)     the server resumed at id 2
 * result:   --a--b-----c--(F|)   no event twice
 *
 * server':        --a'-b'-…      the server started over at id 0
 * result:   --a--b-----R--a'-b'  R = reset chunk: discard what was accumulated
 * ```
 *
 * Each subscription is one request (cold); unsubscribing aborts it. An `event: error` errors with the
 * library class it names (`ProviderError`, `StreamTimeoutError`, …) and its fields, `partialResponse` being
 * what this client received. HTTP errors, non-event-stream responses, malformed events and events over
 * `maxEventBytes` error with a `ServerSentEventsError` whose `code` says which. The values are delivered as
 * they were sent; the one value the library adds is the reset chunk after a restart (also in a stream of
 * other values, such as workflow events: check `isStreamChunk(v) && v.metadata.reset`).
 *
 * ## Examples
 *
 * ```ts
 * import { fromServerSentEvents, scanResponse } from 'agenticraft-rx';
 *
 * fromServerSentEvents('/chat', { method: 'POST', body: JSON.stringify({ prompt }), reconnect: true })
 *   .pipe(scanResponse())
 *   .subscribe((response) => (output.textContent = response.completeText));
 * ```
 *
 * @see toServerSentEvents — writes such a stream.
 * @param input A URL, a `Request`, or a `Response` already fetched (which cannot be re-opened).
 * @param config `fetch` options (`method`, `headers`, `body`, `credentials`, …) and the reading options.
 * @returns The values sent, then completion at the final chunk or `end` event.
 */
export function fromServerSentEvents<T = StreamChunk>(input: string | URL | Request | Response, config: FromServerSentEventsConfig = {}): Observable<T> {
  assertObject('fromServerSentEvents(config)', config);
  const { reconnect = false, maxEventBytes = DEFAULT_MAX_EVENT_BYTES, fetch: fetchOption, signal, scheduler = asyncScheduler, ...init } = config;
  const isInput = typeof input === 'string' || input instanceof URL || isRequest(input) || isResponse(input);
  if (!isInput) throw new TypeError(`fromServerSentEvents(input) must be a URL, a Request or a Response, got ${input === null ? 'null' : typeof input}`);
  if (typeof reconnect !== 'boolean') assertObject('fromServerSentEvents: reconnect', reconnect);
  const retries = typeof reconnect === 'object' ? (reconnect.retries ?? 3) : reconnect ? 3 : 0;
  const configuredDelay = typeof reconnect === 'object' ? (reconnect.delay ?? 1000) : 1000;
  assertNonNegativeInteger('fromServerSentEvents: reconnect.retries', retries);
  assertNonNegativeNumber('fromServerSentEvents: reconnect.delay', configuredDelay);
  assertPositiveInteger('fromServerSentEvents: maxEventBytes', maxEventBytes);
  if (fetchOption !== undefined) assertFunction('fromServerSentEvents: fetch', fetchOption);
  assertScheduler('fromServerSentEvents: scheduler', scheduler);
  const describe = isResponse(input) ? input.url || 'the response' : isRequest(input) ? input.url : String(input);

  return new Observable<T>((subscriber) => {
    const abort = new AbortController();
    const onAbort = (): void => {
      abort.abort();
      subscriber.complete();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    /** The last numeric id delivered (duplicates and gaps are judged by it); undefined after a reset. */
    let lastId: number | undefined;
    /** The last event id as received (any string), sent back as `Last-Event-ID`. */
    let lastEventId: string | undefined;
    /** The id of the current generation's first event (a re-open that repeats it started over). */
    let firstIdOfGeneration: string | undefined;
    let received = new StreamingResponse({ keepChunks: false, scheduler });
    let delivered = 0;
    /** Events delivered since the last reset, and the furthest position (numeric id, else that count) reached. */
    let inGeneration = 0;
    let furthest = -1;
    let connections = 0;
    let failures = 0;
    let delay = configuredDelay;
    let finished = false;
    let retryTimer: Subscription | undefined;
    const template = isRequest(input) ? input.clone() : undefined;

    const open = (): Promise<Response> => {
      if (isResponse(input)) return Promise.resolve(input);
      const headers = new Headers(template?.headers ?? init.headers);
      if (!headers.has('accept')) headers.set('Accept', 'text/event-stream');
      if (lastEventId !== undefined && lastEventId !== '') headers.set('Last-Event-ID', lastEventId);
      const request = template !== undefined ? new Request(template.clone(), { headers, signal: abort.signal }) : new Request(input, { ...init, headers, signal: abort.signal });
      return (fetchOption ?? globalThis.fetch)(request);
    };

    const fail = (error: unknown): void => {
      finished = true;
      abort.abort();
      subscriber.error(error);
    };

    const handle = (event: ServerSentEvent, firstOfConnection: boolean): void => {
      if (event.type === 'end') {
        finished = true;
        subscriber.complete();
        return;
      }
      if (event.type !== 'message' && event.type !== 'error') return;
      let value: unknown;
      try {
        value = JSON.parse(event.data);
      } catch {
        throw new ServerSentEventsError(`${describe}: an event's data is not JSON: ${JSON.stringify(event.data.slice(0, 80))}`, { code: 'malformed_event' });
      }
      if (event.type === 'error') {
        if (typeof value !== 'object' || value === null) {
          throw new ServerSentEventsError(`${describe}: an error event's data is not an object`, { code: 'malformed_event' });
        }
        finished = true;
        subscriber.error(errorFromEventData(value as Record<string, unknown>, received));
        return;
      }
      const id = event.id !== undefined && /^[0-9]+$/.test(event.id) ? Number(event.id) : undefined;
      if (firstOfConnection && connections > 1 && delivered > 0 && startedOver(event.id, id)) {
        // The server started over (or cannot resume): one generation must never be spliced onto another.
        const reset = chunk('', { metadata: { reset: true }, scheduler });
        received = new StreamingResponse({ keepChunks: false, scheduler });
        lastId = undefined;
        firstIdOfGeneration = undefined;
        inGeneration = 0;
        subscriber.next(reset as T);
      } else if (id !== undefined && lastId !== undefined) {
        if (id <= lastId) return; // seen already
        if (id !== lastId + 1) {
          throw new ServerSentEventsError(`${describe}: event id ${id} does not follow ${lastId}: events were lost`, { code: 'malformed_event' });
        }
      }
      if (id !== undefined) lastId = id;
      if (event.id !== undefined) lastEventId = event.id;
      if (inGeneration === 0) firstIdOfGeneration = event.id;
      // Only progress past the furthest event delivered so far renews the re-opens: a server that starts over
      // on every re-open (and drops again) runs out of retries instead of looping for ever.
      const position = id ?? inGeneration;
      inGeneration++;
      if (position > furthest) {
        furthest = position;
        failures = 0;
      }
      delivered++;
      if (isStreamChunk(value)) received.addChunk(value);
      subscriber.next(value as T);
      if (isStreamChunk(value) && value.isFinal) {
        finished = true;
        subscriber.complete();
      }
    };

    /**
     * Whether the first event of a re-opened connection begins again rather than going on: a numeric id that
     * is not the next one, no id at all, or an opaque (non-numeric) id where numbers came before or that
     * repeats the generation's first id. Otherwise an opaque id is trusted: the server resumed after the
     * `Last-Event-ID` it was sent.
     */
    const startedOver = (raw: string | undefined, id: number | undefined): boolean => {
      if (raw === undefined) return true;
      if (id !== undefined) return lastId === undefined || id !== lastId + 1;
      return lastId !== undefined || lastEventId === undefined || raw === firstIdOfGeneration;
    };

    const connect = async (): Promise<Outcome> => {
      connections++;
      let response: Response;
      try {
        response = await open();
      } catch (cause) {
        return { kind: 'dropped', cause, network: true };
      }
      if (!response.ok) {
        const text = await firstText(response, 200);
        throw new ServerSentEventsError(`${describe}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${text ? `: ${text}` : ''}`, {
          code: 'http_error',
          status: response.status,
          retryable: isRetryableStatus(response.status),
        });
      }
      const type = response.headers.get('content-type') ?? '';
      if (!/^text\/event-stream\s*(;|$)/i.test(type)) {
        const text = await firstText(response, 64);
        throw new ServerSentEventsError(
          `${describe}: expected an event stream (text/event-stream), got ${type === '' ? 'no content type' : JSON.stringify(type)} starting ${JSON.stringify(text)}`,
          { code: 'not_event_stream', retryable: false },
        );
      }
      if (response.body === null) return { kind: 'dropped', network: false };
      const reader = response.body.getReader();
      let first = true;
      const parser = new SseParser(
        (event) => {
          handle(event, first);
          if (event.type === 'message') first = false;
        },
        {
          maxEventBytes,
          onTooLarge: (bytes) => new ServerSentEventsError(`${describe}: an event of over ${bytes} bytes is larger than maxEventBytes (${maxEventBytes})`, { code: 'event_too_large' }),
          onRetry: (ms) => (delay = ms),
        },
      );
      try {
        for (;;) {
          let chunkRead: ReadableStreamReadResult<Uint8Array>;
          try {
            chunkRead = await reader.read();
          } catch (cause) {
            return finished || subscriber.closed ? { kind: 'finished' } : { kind: 'dropped', cause, network: false };
          }
          if (chunkRead.done) break;
          parser.push(chunkRead.value);
          if (finished || subscriber.closed) return { kind: 'finished' };
        }
        parser.end();
        return { kind: 'dropped', network: false };
      } finally {
        void reader.cancel().catch(() => undefined);
      }
    };

    const attempt = (): void => {
      connect().then(
        (outcome) => {
          if (outcome.kind === 'finished' || finished || subscriber.closed) return;
          if (failures < retries && !isResponse(input)) {
            failures++;
            retryTimer = timer(delay, scheduler).subscribe(attempt);
            return;
          }
          const error =
            outcome.network && delivered === 0
              ? new ServerSentEventsError(`${describe}: the request failed: ${(outcome.cause as Error | undefined)?.message ?? 'network error'}`, {
                  code: 'network',
                  cause: outcome.cause,
                })
              : new ServerSentEventsError(
                  `${describe}: the event stream ended after ${delivered} event(s) with neither a final chunk, an end nor an error event (the connection was dropped)`,
                  { code: 'incomplete_stream', retryable: true, cause: outcome.cause, partialResponse: received },
                );
          fail(error);
        },
        (error: unknown) => {
          if (!subscriber.closed) fail(error);
        },
      );
    };
    attempt();

    return () => {
      finished = true;
      retryTimer?.unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      abort.abort();
    };
  });
}

/** Up to `max` characters of a response body (for error messages), never throwing. */
async function firstText(response: Response, max: number): Promise<string> {
  try {
    if (response.body === null) return '';
    const reader = response.body.getReader();
    const { value } = await reader.read();
    void reader.cancel().catch(() => undefined);
    return value === undefined ? '' : new TextDecoder().decode(value.subarray(0, max * 4)).slice(0, max);
  } catch {
    return '';
  }
}

// Name-based, so Requests and Responses from another realm (a test runner's, a polyfill's) are recognised.
function isRequest(value: unknown): value is Request {
  return typeof Request !== 'undefined' && (value instanceof Request || Object.prototype.toString.call(value) === '[object Request]');
}

function isResponse(value: unknown): value is Response {
  return typeof Response !== 'undefined' && (value instanceof Response || Object.prototype.toString.call(value) === '[object Response]');
}

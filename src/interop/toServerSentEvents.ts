import { Observable, Subscription, asyncScheduler, interval, type SchedulerLike } from 'rxjs';
import { isStreamChunk } from '../chunk.js';
import { ServerSentEventsError } from '../errors/ServerSentEventsError.js';
import { assertObject, assertPositiveInteger, assertPositiveNumber, assertScheduler } from '../optionChecks.js';
import { encodeFrame, endFrame, errorFrame, HEARTBEAT, valueJson, type SseFrame } from './sseEvents.js';

export interface ToServerSentEventsConfig {
  /** ms between heartbeat comments (`: ping`), which keep proxies and load balancers from closing an idle stream. @default none */
  readonly heartbeatMs?: number;
  /** Number the events (`id: 0`, `id: 1`, …) so a client can reconnect with `Last-Event-ID`. @default true */
  readonly ids?: boolean;
  /**
   * Bytes the body may hold for a client that reads slower than the source produces; past this the client is
   * cut (the body errors with `ServerSentEventsError` code 'slow_client' and the source is unsubscribed)
   * rather than buffered without bound.
   * @default 4_194_304 (4 MiB)
   */
  readonly maxBufferedBytes?: number;
  /** Clock for the heartbeats. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/** The response headers of an event stream. */
export const sseHeaders: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  // nginx buffers proxied responses unless told not to (nginx#1505).
  'X-Accel-Buffering': 'no',
});

const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * Serves an Observable as a server-sent event stream: a web `ReadableStream<Uint8Array>` to hand to a
 * `Response` (Hono, Next.js, Bun, Deno, workers) or to `pipeServerSentEvents` (`node:http`, Express, Fastify).
 *
 * ```
 * source:  --a--b--F|             a, b = chunks, F = the final chunk
 * body:    --a--b--(Fe|)          id: 0 / data: {…a…}, id: 1, id: 2; e = event: end
 *
 * source:  --a--#                 # = ProviderError (503)
 * body:    --a--(x|)              x = event: error, data: {"name":"ProviderError","status":503,"retryable":true,…}
 *
 * cancel:  --a--!                 the client left: the source is unsubscribed (the LLM request is aborted)
 * ```
 *
 * Each value (a chunk, or any JSON-serialisable value such as a `WorkflowEvent` or an `ObjectSnapshot`) is
 * one event, `id: <n>` and `data: <json>`: JSON has no raw line break, so no content can forge an event. The
 * body ends after a final chunk (the source is unsubscribed then), the completion or an error, each followed
 * by one terminal event (`event: end`, data `{"reason":"complete"}`, or `event: error`). The source is
 * subscribed when the body is first read (lazy), and cancelling the body unsubscribes it. The error event's
 * data is `{ name, message, code?, status?, retryable?, … }` — the error's own fields, never a key.
 *
 * ## Examples
 *
 * ```ts
 * import { Hono } from 'hono';
 * import { Agent, sseHeaders, toServerSentEvents } from 'agenticraft-rx';
 *
 * const app = new Hono();
 * app.post('/chat', async (c) => {
 *   const { prompt } = await c.req.json();
 *   return new Response(toServerSentEvents(agent.stream(prompt), { heartbeatMs: 15_000 }), { headers: sseHeaders });
 * });
 * ```
 *
 * @see fromServerSentEvents — reads such a stream back, in a browser or in Node.
 * @param source Any Observable of JSON-serialisable values.
 * @param config Heartbeats, ids and the slow-client bound.
 * @returns The response body.
 */
export function toServerSentEvents<T>(source: Observable<T>, config: ToServerSentEventsConfig = {}): ReadableStream<Uint8Array> {
  assertObservable('toServerSentEvents(source)', source);
  const options = checkBodyConfig('toServerSentEvents', config);
  return sseBody(valueFrames(source), options);
}

/** The values of `source` as frames: numbered data events, then one terminal frame. */
export function valueFrames<T>(source: Observable<T>, firstId = 0): Observable<SseFrame> {
  return new Observable<SseFrame>((subscriber) => {
    let id = firstId;
    return source.subscribe({
      next: (value) => {
        const isChunk = isStreamChunk(value);
        let data: string;
        try {
          // A chunk as it is (the per-chunk fast path); any other value with its nested errors made safe.
          data = isChunk ? JSON.stringify(value) : valueJson(value);
        } catch (error) {
          subscriber.next(errorFrame(new TypeError(`toServerSentEvents: value ${id} is not JSON-serialisable: ${(error as Error).message}`)));
          return subscriber.complete();
        }
        subscriber.next({ type: 'data', id: id++, data });
        if (isChunk && value.isFinal) {
          subscriber.next(endFrame('complete'));
          subscriber.complete();
        }
      },
      error: (error: unknown) => {
        subscriber.next(errorFrame(error));
        subscriber.complete();
      },
      complete: () => {
        subscriber.next(endFrame('complete'));
        subscriber.complete();
      },
    });
  });
}

export interface SseBodyOptions {
  readonly heartbeatMs: number | undefined;
  readonly ids: boolean;
  readonly maxBufferedBytes: number;
  readonly scheduler: SchedulerLike;
}

export function checkBodyConfig(call: string, config: ToServerSentEventsConfig): SseBodyOptions {
  assertObject(`${call}(config)`, config);
  const { heartbeatMs, ids = true, maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES, scheduler = asyncScheduler } = config;
  if (heartbeatMs !== undefined) assertPositiveNumber(`${call}: heartbeatMs`, heartbeatMs);
  if (typeof ids !== 'boolean') throw new TypeError(`${call}: ids must be a boolean, got ${typeof ids}`);
  assertPositiveInteger(`${call}: maxBufferedBytes`, maxBufferedBytes);
  assertScheduler(`${call}: scheduler`, scheduler);
  return { heartbeatMs, ids, maxBufferedBytes, scheduler };
}

export function assertObservable(what: string, source: unknown): asserts source is Observable<unknown> {
  if (typeof source !== 'object' || source === null || typeof (source as { subscribe?: unknown }).subscribe !== 'function') {
    throw new TypeError(`${what} must be an Observable, got ${source === null ? 'null' : typeof source}`);
  }
}

/** Bytes a paced replay leaves waiting for the reader before it waits for the reader's next read. */
const REPLAY_AHEAD_BYTES = 64 * 1024;

/**
 * The byte stream of some frames. Backpressure: the stream's queue counts bytes (high-water mark 0, so the
 * frames are subscribed on the first read), and a queue past `maxBufferedBytes` cuts the client.
 *
 * `replay`, when given, comes first and goes at the reader's pace: each call gives the next page of frames
 * that are already stored (an empty page: caught up), asked for only when the reader has read what came
 * before (less than `REPLAY_AHEAD_BYTES` left waiting), so however long the replay, only a reader that falls
 * behind the live `frames`, subscribed once caught up, is cut. A terminal frame in a page ends the body.
 */
export function sseBody(frames: Observable<SseFrame>, options: SseBodyOptions, replay?: () => Observable<readonly SseFrame[]>): ReadableStream<Uint8Array> {
  const { heartbeatMs, ids, maxBufferedBytes, scheduler } = options;
  const ahead = Math.min(REPLAY_AHEAD_BYTES, Math.floor(maxBufferedBytes / 2));
  let subscription: Subscription | undefined;
  let done = false;
  let replaying = replay !== undefined;
  let page: readonly SseFrame[] = [];
  let at = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (done) return;
        if (subscription !== undefined && !replaying) return;
        if (subscription === undefined) {
          subscription = new Subscription();
          if (heartbeatMs !== undefined) subscription.add(interval(heartbeatMs, scheduler).subscribe(() => write(HEARTBEAT)));
        }
        const running = subscription;
        function finish(): void {
          if (done) return;
          done = true;
          running.unsubscribe();
          controller.close();
        }
        function write(bytes: Uint8Array): void {
          if (done) return;
          controller.enqueue(bytes);
          if ((controller.desiredSize ?? 0) < -maxBufferedBytes) {
            done = true;
            running.unsubscribe();
            controller.error(
              new ServerSentEventsError(`The client read too slowly: more than maxBufferedBytes (${maxBufferedBytes}) were waiting for it`, {
                code: 'slow_client',
              }),
            );
          }
        }
        const live = (): void => {
          running.add(
            frames.subscribe({
              next: (frame) => write(encodeFrame(frame, ids)),
              error: (error: unknown) => {
                write(encodeFrame(errorFrame(error), ids));
                finish();
              },
              complete: finish,
            }),
          );
        };
        // The replay: the page's frames until `ahead` bytes wait for the reader, then the next read's pull goes on.
        const pump = (): Promise<void> | undefined => {
          while (at < page.length) {
            const frame = page[at++]!;
            write(encodeFrame(frame, ids));
            if (frame.type !== 'data') finish();
            if (done) return undefined;
            if ((controller.desiredSize ?? 0) <= -ahead) return undefined;
          }
          page = [];
          at = 0;
          return new Promise<void>((resolve) => {
            running.add(
              replay!().subscribe({
                next: (next) => (page = next),
                error: (error: unknown) => {
                  write(encodeFrame(errorFrame(error), ids));
                  finish();
                  resolve();
                },
                complete: () => {
                  if (done) return resolve();
                  if (page.length > 0) return resolve(pump());
                  replaying = false;
                  live();
                  resolve();
                },
              }),
            );
          });
        };
        if (replaying) return pump();
        live();
        return undefined;
      },
      cancel() {
        done = true;
        subscription?.unsubscribe();
      },
    },
    { highWaterMark: 0, size: (bytes) => bytes.byteLength },
  );
}

/** The part of a `node:http` `ServerResponse` (or Express's, Fastify's `reply.raw`) that `pipeServerSentEvents` uses. */
export interface NodeResponseLike {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  off(event: 'close' | 'drain', listener: () => void): unknown;
  destroy(): unknown;
  readonly writableEnded?: boolean;
  flushHeaders?(): void;
}

export interface PipeServerSentEventsConfig {
  /** @default 200 */
  readonly status?: number;
  /** Extra headers, over `sseHeaders`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Writes an event-stream body to a `node:http` response with `sseHeaders`, honouring the socket's
 * backpressure (`write()` → `'drain'`); the client closing the connection cancels the body (which
 * unsubscribes the source). Resolves when the body ended or the client left.
 *
 * ```ts
 * createServer((req, res) => void pipeServerSentEvents(toServerSentEvents(agent.stream('Hi')), res));
 * ```
 */
export async function pipeServerSentEvents(body: ReadableStream<Uint8Array>, res: NodeResponseLike, config: PipeServerSentEventsConfig = {}): Promise<void> {
  res.writeHead(config.status ?? 200, { ...sseHeaders, ...config.headers });
  res.flushHeaders?.();
  const reader = body.getReader();
  let left = false;
  const onClose = (): void => {
    left = true;
    void reader.cancel().catch(() => undefined);
  };
  res.on('close', onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || left) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          const go = (): void => {
            res.off('drain', go);
            res.off('close', go);
            resolve();
          };
          res.on('drain', go);
          res.on('close', go);
        });
      }
    }
    if (!left) res.end();
  } catch {
    res.destroy(); // the body errored (a slow client was cut): the client sees the connection drop
  } finally {
    res.off('close', onClose);
    try {
      reader.releaseLock();
    } catch {
      // a read was still pending (the client left): the cancel settles it
    }
  }
}

import {
  EMPTY,
  Observable,
  Subscription,
  asyncScheduler,
  catchError,
  concat,
  defer,
  exhaustMap,
  filter,
  firstValueFrom,
  interval,
  map,
  merge,
  of,
  take,
  takeUntil,
  takeWhile,
  tap,
  type OperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import { chunk, isStreamChunk } from '../../chunk.js';
import { isAgenticraftError } from '../../errors/AgenticraftError.js';
import { ResumableStreamError } from '../../errors/ResumableStreamError.js';
import { assertObject, assertPositiveInteger, assertPositiveNumber, assertScheduler } from '../../optionChecks.js';
import { endFrame, errorFrame, valueJson, type SseFrame } from '../sseEvents.js';
import { assertObservable, checkBodyConfig, sseBody, valueFrames, type SseBodyOptions } from '../toServerSentEvents.js';
import { memoryStore } from './memoryStore.js';
import type { StoreLease, StoredEvent, StreamStore } from './store.js';

export interface ResumableStreamsConfig {
  /** Where the events live. `redisStore()` shares them between server instances. @default memoryStore() */
  readonly store?: StreamStore;
  /**
   * ms a finished stream is kept for `resume`, counted from its end. A running one never expires while its
   * lease is renewed, however short this is; an abandoned one is kept `ttlMs` after its lease lapsed.
   * @default 600_000
   */
  readonly ttlMs?: number;
  /**
   * ms an instance's lease on a running generation lasts; it renews it every `leaseMs / 3`. A generation
   * whose lease lapses (its instance died) ends for its readers with `event: error`, code 'abandoned'.
   * @default 30_000
   */
  readonly leaseMs?: number;
  /** Heartbeat comments on every body, in ms. @default none */
  readonly heartbeatMs?: number;
  /** The slow-client bound of every body (see `toServerSentEvents`). @default 4 MiB */
  readonly maxBufferedBytes?: number;
  /** Clock for leases, heartbeats and the abandonment checks. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/** Generations that outlive their clients, readable from any instance: see `resumableStreams`. */
export interface ResumableStreams {
  /**
   * Starts a generation of `id` (subscribes `source`, which then runs to its end whatever the clients do)
   * and resolves to its event stream from the start. When `id` is live (or finished and not yet expired),
   * it joins that generation instead: `source` is not subscribed, no second model request is made.
   * @throws {ResumableStreamError} 'invalid_id', 'store_unavailable' (nothing started then).
   */
  create<T>(id: string, source: Observable<T>): Promise<ReadableStream<Uint8Array>>;
  /**
   * The event stream of `id` after `lastEventId` (the `Last-Event-ID` header; none = from the start): what
   * the client missed, then the live events.
   * @throws {ResumableStreamError} 'unknown_stream' (never created, or expired), 'invalid_event_id' (not a
   * non-negative integer, or beyond the last event), 'store_unavailable'.
   */
  resume(id: string, lastEventId?: string | number | null): Promise<ReadableStream<Uint8Array>>;
  /**
   * Stops the generation of `id` wherever it runs: its source is unsubscribed (the upstream request aborted),
   * its readers get a final chunk with `finishReason: 'interrupted'` (for chunk streams) and `event: end`
   * (`reason: 'stopped'`). Resolves `true`, or `false` when it had already finished. A client that merely
   * disconnects stops nothing.
   * @throws {ResumableStreamError} 'unknown_stream', 'store_unavailable'.
   */
  stop(id: string): Promise<boolean>;
  /** The ids of the generations this instance runs. */
  readonly running: ReadonlySet<string>;
}

const MAX_ID_LENGTH = 256;
/** Stored events a replay reads from the store at a time. */
const REPLAY_PAGE = 256;

/**
 * Resumable streams: a generation runs to its end even when its client goes away, any instance sharing the
 * store replays what a reconnecting client missed and follows it live, and `stop` aborts it wherever it runs.
 *
 * ```
 * source:     --a--b--c--d--F|        the generation (runs on the instance that created it)
 * create():   --a--b-!                the client leaves: nothing stops
 * resume(1):          (c)-d--(Fe|)    replays c (id 2), then follows live
 * stop():     --a--S                  S = stop: the source is unsubscribed wherever it runs
 * readers:    --a--(Fe|)              F = final chunk (interrupted), e = event: end (stopped)
 * ```
 *
 * ## Examples
 *
 * ```ts
 * const streams = resumableStreams({ store: redisStore({ url: process.env.REDIS_URL }) });
 *
 * app.post('/chat/:id', async (c) => {
 *   const id = c.req.param('id');
 *   const lastEventId = c.req.header('Last-Event-ID');
 *   const body = lastEventId === undefined
 *     ? await streams.create(id, agent.stream((await c.req.json()).prompt))
 *     : await streams.resume(id, lastEventId);
 *   return new Response(body, { headers: sseHeaders });
 * });
 * app.post('/chat/:id/stop', async (c) => c.json({ stopped: await streams.stop(c.req.param('id')) }));
 * ```
 *
 * @param config The store, ttl, lease and body options.
 */
export function resumableStreams(config: ResumableStreamsConfig = {}): ResumableStreams {
  assertObject('resumableStreams(config)', config);
  const { ttlMs = 600_000, leaseMs = 30_000, scheduler = asyncScheduler } = config;
  assertPositiveNumber('resumableStreams: ttlMs', ttlMs);
  assertPositiveInteger('resumableStreams: leaseMs', leaseMs);
  assertScheduler('resumableStreams: scheduler', scheduler);
  const store = config.store ?? memoryStore({ scheduler });
  assertObject('resumableStreams: store', store);
  for (const method of ['claim', 'append', 'renew', 'info', 'read', 'requestStop', 'stopRequests'] as const) {
    if (typeof store[method] !== 'function') throw new TypeError(`resumableStreams: store must be a StreamStore (memoryStore(), redisStore()): it has no ${method}()`);
  }
  if (store.range !== undefined && typeof store.range !== 'function') throw new TypeError('resumableStreams: store.range must be a function when given');
  const bodyOptions: SseBodyOptions = checkBodyConfig('resumableStreams', {
    heartbeatMs: config.heartbeatMs,
    maxBufferedBytes: config.maxBufferedBytes,
    scheduler,
  });
  const lease: StoreLease = { leaseMs, ttlMs };
  const owner = instanceId();
  const running = new Map<string, Subscription>();

  const run = <T>(id: string, source: Observable<T>): void => {
    let stopped = false;
    let lastSeq = -1;
    let sawChunk = false;
    const stop$ = store.stopRequests(id).pipe(
      take(1),
      map(() => (stopped = true)),
    );
    const frames$ = concat(
      valueFrames(source.pipe(tap((value) => (sawChunk ||= isStreamChunk(value))))).pipe(takeUntil(stop$)),
      defer(() => (stopped ? of(...stopFrames(sawChunk, scheduler)) : EMPTY)),
    );
    const appended$ = frames$.pipe(
      map((frame): StoredEvent => ({ seq: ++lastSeq, type: frame.type, data: frame.data })),
      appendInOrder((event) => store.append(id, event, lease)),
    );
    const generation = new Subscription();
    running.set(id, generation);
    const renewEvery = Math.max(1, Math.floor(leaseMs / 3));
    generation.add(
      interval(renewEvery, scheduler)
        .pipe(
          // One failed renewal (a store that blinked) must not end the renewals: the next tick tries again.
          exhaustMap(() => defer(() => store.renew(id, owner, lease)).pipe(catchError(() => EMPTY))),
        )
        .subscribe(),
    );
    generation.add(() => running.delete(id));
    // A store failure mid-generation stops it, and with it the lease: readers see 'abandoned'.
    generation.add(appended$.subscribe({ complete: () => generation.unsubscribe(), error: () => generation.unsubscribe() }));
  };

  const readerFrames = (id: string, afterSeq: number): Observable<SseFrame> => {
    const events$ = store.read(id, afterSeq).pipe(map(toFrame));
    const abandoned$ = interval(Math.max(1, Math.floor(leaseMs / 4)), scheduler).pipe(
      exhaustMap(() => store.info(id)),
      filter((info) => info !== undefined && !info.finished && !info.alive),
      take(1),
      map(() =>
        errorFrame(
          new ResumableStreamError(`The generation of ${JSON.stringify(id)} was abandoned: its instance stopped renewing its lease for ${leaseMs} ms`, {
            code: 'abandoned',
            streamId: id,
          }),
        ),
      ),
    );
    return merge(events$, abandoned$).pipe(takeWhile((frame) => frame.type === 'data', true));
  };

  /**
   * A reader's body from after `afterSeq`: what is stored replays a page at a time, as fast as the reader
   * reads (with a store that has `range`), then the live events follow.
   */
  const readerBody = (id: string, afterSeq: number): ReadableStream<Uint8Array> => {
    if (store.range === undefined) return sseBody(readerFrames(id, afterSeq), bodyOptions);
    let cursor = afterSeq;
    let caughtUp = false;
    const nextPage = (): Observable<readonly SseFrame[]> =>
      caughtUp
        ? of([])
        : store.range!(id, cursor, REPLAY_PAGE).pipe(
            map((events) => {
              if (events.length < REPLAY_PAGE) caughtUp = true; // the rest (and what comes meanwhile) is read live
              if (events.length > 0) cursor = events[events.length - 1]!.seq;
              return events.map(toFrame);
            }),
          );
    return sseBody(defer(() => readerFrames(id, cursor)), bodyOptions, nextPage);
  };

  const call = async <R>(id: string, work: Observable<R>): Promise<R> => {
    try {
      return await firstValueFrom(work);
    } catch (error) {
      if (isAgenticraftError(error)) throw error;
      throw new ResumableStreamError(`The stream store failed: ${(error as Error)?.message ?? String(error)}`, { code: 'store_unavailable', streamId: id, cause: error });
    }
  };

  return {
    async create<T>(id: string, source: Observable<T>): Promise<ReadableStream<Uint8Array>> {
      checkId(id);
      assertObservable('resumableStreams.create(id, source): source', source);
      const claimed = await call(id, store.claim(id, owner, lease));
      if (claimed === 'created') run(id, source);
      return readerBody(id, -1);
    },
    async resume(id: string, lastEventId?: string | number | null): Promise<ReadableStream<Uint8Array>> {
      checkId(id);
      const after = parseLastEventId(id, lastEventId);
      const info = await call(id, store.info(id));
      if (info === undefined) throw unknownStream(id);
      if (after > info.lastDataSeq) {
        throw new ResumableStreamError(`Last-Event-ID ${after} is beyond the last event of ${JSON.stringify(id)} (${info.lastDataSeq})`, {
          code: 'invalid_event_id',
          streamId: id,
        });
      }
      return readerBody(id, after);
    },
    async stop(id: string): Promise<boolean> {
      checkId(id);
      const info = await call(id, store.info(id));
      if (info === undefined) throw unknownStream(id);
      if (info.finished) return false;
      await call(id, concat(store.requestStop(id, lease), of(true)));
      return true;
    },
    get running(): ReadonlySet<string> {
      return new Set(running.keys());
    },
  };
}

/**
 * `concatMap(append)` for appends that mostly complete as they are subscribed (the memory store's do): each
 * value's append starts once the one before it has completed, in order, an error ends the whole, and the
 * result completes after the source and the last append. Without concatMap's inner-subscriber machinery per
 * value (a third of what a memory-store generation cost per event); an append that completes later (Redis)
 * holds the values that follow until it does.
 */
function appendInOrder<T>(append: (value: T) => Observable<unknown>): OperatorFunction<T, never> {
  return (source) =>
    new Observable<never>((subscriber) => {
      const waiting: T[] = [];
      let head = 0;
      /** The append under way that did not complete as it was subscribed. */
      let active: Subscription | undefined;
      let draining = false;
      let sourceDone = false;
      const start = (value: T): void => {
        let completed = false;
        let inner: Subscription | undefined;
        inner = append(value).subscribe({
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            completed = true;
            // Completed later (an async store): the values that waited go on.
            if (inner !== undefined && active === inner) {
              active = undefined;
              drain();
            }
          },
        });
        if (!completed && !inner.closed) active = inner;
      };
      const drain = (): void => {
        if (draining) return;
        draining = true;
        while (active === undefined && head < waiting.length && !subscriber.closed) {
          const value = waiting[head]!;
          waiting[head++] = undefined as T;
          if (head === waiting.length) {
            waiting.length = 0;
            head = 0;
          }
          start(value);
        }
        draining = false;
        if (sourceDone && active === undefined && head >= waiting.length) subscriber.complete();
      };
      const upstream = source.subscribe({
        next: (value) => {
          // Nothing under way and nothing waiting (the memory store, every time): the append starts at once.
          if (active === undefined && !draining && head >= waiting.length) {
            draining = true;
            start(value);
            draining = false;
            if (head < waiting.length) drain();
          } else {
            waiting.push(value);
            drain();
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          drain();
        },
      });
      return () => {
        upstream.unsubscribe();
        active?.unsubscribe();
      };
    });
}

function toFrame(event: StoredEvent): SseFrame {
  return event.type === 'data' ? { type: 'data', id: event.seq, data: event.data } : { type: event.type, data: event.data };
}

/** What readers get after a stop: a final chunk (for chunk streams), then `event: end` with reason 'stopped'. */
function stopFrames(sawChunk: boolean, scheduler: SchedulerLike): SseFrame[] {
  const end = endFrame('stopped');
  if (!sawChunk) return [end];
  const final = chunk('', { isFinal: true, metadata: { finishReason: 'interrupted', interruptedBy: 'stop' }, scheduler });
  return [{ type: 'data', id: -1, data: valueJson(final) }, end];
}

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || /[\u0000-\u001f]/.test(id)) {
    throw new ResumableStreamError(`A stream id must be a non-empty string of at most ${MAX_ID_LENGTH} characters without control characters`, {
      code: 'invalid_id',
    });
  }
}

function parseLastEventId(id: string, lastEventId: unknown): number {
  if (lastEventId === undefined || lastEventId === null || lastEventId === '') return -1;
  const text = typeof lastEventId === 'number' ? String(lastEventId) : lastEventId;
  if (typeof text !== 'string' || !/^[0-9]{1,15}$/.test(text.trim())) {
    throw new ResumableStreamError(`Last-Event-ID must be a non-negative integer, got ${JSON.stringify(String(text)).slice(0, 60)}`, {
      code: 'invalid_event_id',
      streamId: id,
    });
  }
  return Number(text.trim());
}

function unknownStream(id: string): ResumableStreamError {
  return new ResumableStreamError(`No stream with id ${JSON.stringify(id)}: it was never created, or it expired`, { code: 'unknown_stream', streamId: id });
}

function instanceId(): string {
  const random = globalThis.crypto?.randomUUID?.();
  return random ?? `${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

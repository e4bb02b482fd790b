import {
  Observable,
  asyncScheduler,
  defer,
  from,
  fromEvent,
  map,
  merge,
  of,
  type MonoTypeOperatorFunction,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';
import { assertStreamChunk, chunk, type ChunkMetadata, type InterruptReason, type StreamChunk } from '../chunk.js';
import { chunkOperator } from './trackChunk.js';
import { StreamInterruptedError } from '../errors/StreamInterruptedError.js';
import {
  assertAbortSignal,
  assertFunction,
  assertObject,
  assertOneOf,
  assertPositiveInteger,
  assertLimit,
  assertScheduler,
} from '../optionChecks.js';
import { StreamingResponse, appendChecked } from '../response.js';
import { longTimer } from '../longTimers.js';
import { Forwarder, InterruptAfterForwarder } from './forwarder.js';

/** How {@link interruptAfter} ends the stream it stops. */
export type InterruptMode = 'complete' | 'error';

/** The {@link interruptAfter} configuration: at least one limit (`chars`, `chunks`, `time`, `when`, `notifier`, `signal`). */
export interface InterruptAfterConfig {
  /** Stop once the contents passed add up to at least this many characters (`string.length`). */
  readonly chars?: number;
  /** Stop once this many chunks have passed. */
  readonly chunks?: number;
  /** Stop this many ms after subscribing. */
  readonly time?: number;
  /** Stop after the chunk for which this returns true; `response` is the running state, text only (read it, don't keep it). */
  readonly when?: (chunk: StreamChunk, response: StreamingResponse) => boolean;
  /** Stop when this emits its first value (a Subject, a click stream, a promise, ...). */
  readonly notifier?: ObservableInput<unknown>;
  /** Stop when this aborts; an already aborted signal stops the stream before it starts. */
  readonly signal?: AbortSignal;
  /**
   * `'complete'`: end with a final chunk `{ content: '', isFinal: true, metadata: { finishReason: 'interrupted',
   * interruptedBy: reason, provider, model } }`. `'error'`: error with a `StreamInterruptedError` carrying the
   * reason and the partial response (text only).
   * @default 'complete'
   */
  readonly mode?: InterruptMode;
  /**
   * The reason reported (`metadata.interruptedBy`, the error's `reason`) when `notifier` stops the stream:
   * say who stopped it. `StreamingManager.interrupt` reports `'manager'` this way.
   * @default 'notifier'
   */
  readonly reason?: InterruptReason;
  /** Timer for `time`, and the clock for timestamps. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/**
 * Stops a stream at a limit: a length, a chunk count, a time, a condition, a notifier or an AbortSignal.
 * Upstream is unsubscribed, so a provider stream aborts its HTTP request and stops costing tokens.
 *
 * ```
 * <!-- diagram: interruptAfter/chars, interruptAfter/error -->
 * source:   -a-b-c-d-F|            a..d = 'Hello' each
 * interruptAfter(12)
 * result:   -a-b-(cI|)             c brings the total to 15 >= 12; I = final chunk, finishReason 'interrupted'
 * upstream: ^----!
 *
 * source:   -a-b-c-d-F|
 * interruptAfter({ chunks: 2, mode: 'error' })
 * result:   -a-(b#)                # = StreamInterruptedError reason 'chunks', partial 'HelloHello'
 * upstream: ^--!
 * ```
 *
 * The chunk with which a limit is reached or passed is passed on, then upstream is unsubscribed. In
 * `'complete'` mode (the default) the result ends like a provider stream, with one final chunk whose
 * `finishReason` is `'interrupted'` and whose `metadata.interruptedBy` names the limit; in `'error'` mode it
 * errors with a `StreamInterruptedError` whose `reason` is `'chars'`, `'chunks'`, `'time'`, `'when'`,
 * `'notifier'` or `'signal'` and whose `partialResponse` holds the text passed. When the chunk that reaches a
 * limit is itself the final chunk, it passes and the stream completes as usual. Errors from the source, and
 * from `when`, pass on unchanged. The guide's "Stream Interruption", without the `break`.
 *
 * ## Examples
 *
 * Stop a long essay after about 100 characters:
 *
 * ```ts
 * import { interruptAfter, openai } from 'agenticraft-rx';
 *
 * openai()
 *   .stream({ messages: [{ role: 'user', content: 'Write a long essay' }] })
 *   .pipe(interruptAfter(100))
 *   .subscribe((c) => process.stdout.write(c.content));
 * ```
 *
 * A Stop button, a 30 s budget, and a request-scoped AbortSignal, whichever comes first:
 *
 * ```ts
 * import { Subject } from 'rxjs';
 * import { interruptAfter, mockStream } from 'agenticraft-rx';
 *
 * const stop$ = new Subject<void>();
 * const controller = new AbortController();
 * mockStream('A very long answer...', { delay: 50 })
 *   .pipe(interruptAfter({ notifier: stop$, time: 30_000, signal: controller.signal }))
 *   .subscribe((c) => console.log(c.isFinal ? `[${String(c.metadata.interruptedBy ?? 'done')}]` : c.content));
 * stop$.next(); // or controller.abort()
 * ```
 *
 * @see {@link timeoutStream} to fail a stream that is too slow
 * @see {@link StreamingManager} to interrupt streams by id
 *
 * @param config A `chars` limit, or an {@link InterruptAfterConfig}.
 * @returns A function that returns an Observable mirroring the source up to the limit, then ending.
 * @throws {TypeError | RangeError} at call time when an option is invalid or no limit is given.
 */
export function interruptAfter(config: number | InterruptAfterConfig): MonoTypeOperatorFunction<StreamChunk> {
  const { chars, chunks, time, when, notifier, signal, mode, reason: notifierReason, scheduler } = resolveConfig(config);
  const triggers: Observable<InterruptReason>[] = [];
  if (signal !== undefined) {
    triggers.push(
      defer(() => (signal.aborted ? of('signal') : fromEvent(signal, 'abort').pipe(map((): InterruptReason => 'signal')))),
    );
  }
  if (notifier !== undefined) triggers.push(from(notifier).pipe(map(() => notifierReason)));
  if (time !== undefined && time !== Infinity) triggers.push(longTimer(time, scheduler).pipe(map((): InterruptReason => 'time')));

  const trigger = triggers.length === 0 ? undefined : merge(...triggers);

  // One subscriber to the source, not takeUntil + takeWhile + concat: three RxJS subscribers (and concat's
  // inner one) per chunk cost more than the limit checks themselves (docs/bench.md, "Why the hot paths look
  // the way they do").
  return chunkOperator((source: Observable<StreamChunk>, checked) =>
    new Observable<StreamChunk>((subscriber) => {
      // The text is held only when something reads it (the error's partial response, `when`), so a
      // long stream through the default 'complete' mode costs constant memory.
      const partial = mode === 'error' || when !== undefined ? new StreamingResponse({ keepChunks: false, scheduler }) : undefined;
      let provider: string | undefined;
      let model: string | undefined;
      let length = 0;
      let count = 0;
      let finalPassed = false;
      let reason: InterruptReason | undefined;
      let ended = false;

      /** Whether the stream goes on after `value` (which passes either way). */
      const goesOn = (value: StreamChunk): boolean => {
        if (!checked) assertStreamChunk('interruptAfter', value);
        if (partial !== undefined) appendChecked(partial, value);
        if (value.metadata.reset === true) {
          // A restarted attempt begins: the counts start over; the reset chunk itself passes and counts nothing.
          length = 0;
          count = 0;
          return true;
        }
        if (value.metadata.provider !== undefined) provider = value.metadata.provider;
        if (value.metadata.model !== undefined) model = value.metadata.model;
        if (value.isFinal) finalPassed = true;
        length += value.content.length;
        count++;
        if (chars !== undefined && length >= chars) reason = 'chars';
        else if (chunks !== undefined && count >= chunks) reason = 'chunks';
        else if (when !== undefined && partial !== undefined && when(value, partial)) reason = 'when';
        return reason === undefined;
      };

      /** The limited stream is over (a limit, a trigger, or the source's completion): stop upstream, then end. */
      const end = (): void => {
        if (ended) return;
        ended = true;
        stopTrigger?.unsubscribe();
        upstream.unsubscribe();
        if (reason === undefined || finalPassed) {
          subscriber.complete();
          return;
        }
        if (partial !== undefined && mode === 'error') {
          const message = `Stream interrupted (${reason}) after ${count} chunk(s)`;
          subscriber.error(new StreamInterruptedError(message, { partialResponse: partial.end(), reason }));
          return;
        }
        const metadata: Record<string, unknown> = {};
        if (provider !== undefined) metadata['provider'] = provider;
        if (model !== undefined) metadata['model'] = model;
        metadata['finishReason'] = 'interrupted';
        metadata['interruptedBy'] = reason;
        subscriber.next(chunk('', { metadata: metadata as ChunkMetadata, isFinal: true, scheduler }));
        subscriber.complete();
      };

      const fail = (error: unknown): void => subscriber.error(error);
      const upstream = new InterruptAfterForwarder<StreamChunk>(
        (value) => {
          const more = goesOn(value);
          subscriber.next(value);
          if (!more) end();
        },
        fail,
        end,
      );
      // Like takeUntil, the triggers are armed before the source: one that fires at once (an aborted
      // signal, a notifier that emits on subscription) stops the stream before its request is made.
      const stopTrigger =
        trigger === undefined
          ? undefined
          : new Forwarder<InterruptReason>(
              (r) => {
                reason = r;
                end();
              },
              fail,
              () => undefined,
            );
      if (stopTrigger !== undefined) trigger?.subscribe(stopTrigger);
      if (!ended && !subscriber.closed) source.subscribe(upstream);

      return () => {
        stopTrigger?.unsubscribe();
        upstream.unsubscribe();
      };
    }),
  );
}

function resolveConfig(config: number | InterruptAfterConfig): InterruptAfterConfig & {
  readonly mode: InterruptMode;
  readonly reason: InterruptReason;
  readonly scheduler: SchedulerLike;
} {
  if (typeof config === 'number') {
    assertPositiveInteger('interruptAfter: chars', config);
    return { chars: config, mode: 'complete', reason: 'notifier', scheduler: asyncScheduler };
  }
  assertObject('interruptAfter: config', config);
  const { chars, chunks, time, when, notifier, signal, mode = 'complete', reason = 'notifier', scheduler = asyncScheduler } = config;
  if ([chars, chunks, time, when, notifier, signal].every((limit) => limit === undefined)) {
    throw new TypeError('interruptAfter: one of chars, chunks, time, when, notifier or signal is required');
  }
  if (chars !== undefined) assertPositiveInteger('interruptAfter: chars', chars);
  if (chunks !== undefined) assertPositiveInteger('interruptAfter: chunks', chunks);
  if (time !== undefined) assertLimit('interruptAfter: time', time);
  if (when !== undefined) assertFunction('interruptAfter: when', when);
  if (notifier !== undefined) {
    try {
      from(notifier); // RxJS's own check: an Observable, a Promise, an (async) iterable or an array
    } catch {
      throw new TypeError(`interruptAfter: notifier must be an ObservableInput (Observable, Promise, iterable), got ${notifier === null ? 'null' : typeof notifier}`);
    }
  }
  if (signal !== undefined) {
    assertObject('interruptAfter: signal', signal);
    assertAbortSignal('interruptAfter: signal', signal);
  }
  assertOneOf('interruptAfter: mode', mode, ['complete', 'error'] as const);
  if (typeof reason !== 'string' || reason === '') throw new TypeError(`interruptAfter: reason must be a non-empty string, got ${typeof reason}`);
  assertScheduler('interruptAfter: scheduler', scheduler);
  return { chars, chunks, time, when, notifier, signal, mode, reason, scheduler };
}

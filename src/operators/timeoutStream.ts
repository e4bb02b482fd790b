import { Observable, asyncScheduler, type MonoTypeOperatorFunction, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import type { StreamChunk } from '../chunk.js';
import { StreamTimeoutError, type TimeoutPhase } from '../errors/StreamTimeoutError.js';
import { assertLimit, assertObject, assertScheduler } from '../optionChecks.js';
import { MAX_TIMER_MS } from '../longTimers.js';
import { StreamingResponse } from '../response.js';
import { TimeoutStreamForwarder } from './forwarder.js';
import { chunkOperator, trackChunk } from './trackChunk.js';

/** The {@link timeoutStream} configuration: at least one of the three deadlines, in every combination. */
export interface TimeoutStreamConfig {
  /**
   * ms allowed between subscribing and the first chunk (time to first token).
   * @default idle, when given; otherwise the first chunk has no deadline of its own
   */
  readonly first?: number;
  /**
   * ms allowed between two chunks. Also bounds the wait for the first chunk when `first` is not given
   * (reported as phase 'first'). The final chunk stops this clock.
   */
  readonly idle?: number;
  /** ms allowed for the whole stream, from subscribing to completion. */
  readonly total?: number;
  /** Clock and timer for the deadlines. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/**
 * Errors with a {@link StreamTimeoutError} when a chunk stream is too slow to start, stalls between chunks,
 * or runs too long as a whole; the error carries everything delivered so far.
 *
 * ```
 * <!-- diagram: timeoutStream/idle -->
 * source:    -- 9ms a 9ms b 40ms c--F|
 * timeoutStream({ idle: 20 })
 * result:    -- 9ms a 9ms b 19ms #          # = StreamTimeoutError phase 'idle', partial 'ab'
 * upstream:  ^ 40ms !                       unsubscribed at the deadline, before the error
 * ```
 *
 * A number is a `total` deadline for the whole stream — unlike RxJS's `timeout(n)`, which bounds each value's
 * wait: `timeoutStream(30_000)` ends a 40-second answer that never paused; use `{ idle: n }` for RxJS's sense. With `first` the first chunk has its own deadline; with `idle` every gap
 * between chunks (and, without `first`, the wait for the first chunk) is bounded; `total` bounds the whole
 * stream. When a deadline passes, upstream is unsubscribed (a provider stream aborts its HTTP request), then
 * the result errors with a `StreamTimeoutError` whose `phase`, `timeoutMs` and `partialResponse` (every chunk
 * passed downstream, text only) say what happened. A final chunk (`isFinal`) stops the idle clock.
 * Errors from the source pass on unchanged.
 *
 * One timer serves all deadlines: each chunk only records the time, and the timer re-arms itself for the
 * nearest remaining deadline when it fires, so a long stream costs no timer churn per chunk.
 *
 * ## Examples
 *
 * Give up when the model takes more than 10 s to start, stalls for 5 s, or runs past 2 minutes:
 *
 * ```ts
 * import { catchError, EMPTY } from 'rxjs';
 * import { anthropic, isStreamTimeoutError, timeoutStream } from 'agenticraft-rx';
 *
 * anthropic()
 *   .stream({ messages: [{ role: 'user', content: 'Write a haiku' }] })
 *   .pipe(
 *     timeoutStream({ first: 10_000, idle: 5_000, total: 120_000 }),
 *     catchError((error: unknown) => {
 *       if (isStreamTimeoutError(error)) {
 *         console.warn(`${error.phase} timeout; got so far: ${error.partialResponse.completeText}`);
 *         return EMPTY;
 *       }
 *       throw error;
 *     }),
 *   )
 *   .subscribe((c) => process.stdout.write(c.content));
 * ```
 *
 * A whole-stream deadline of 30 s:
 *
 * ```ts
 * import { mockStream, timeoutStream } from 'agenticraft-rx';
 *
 * mockStream('Hello world', { delay: 100 }).pipe(timeoutStream(30_000)).subscribe(console.log);
 * ```
 *
 * @see {@link retryStream} to retry a stream that timed out before its first chunk
 * @see {@link StreamTimeoutError}
 *
 * @param config A `total` deadline in ms, or a {@link TimeoutStreamConfig}.
 * @returns A function that returns an Observable mirroring the source until a deadline passes, then
 * erroring with a `StreamTimeoutError`.
 * @throws {TypeError | RangeError} at call time when a deadline is missing or not a positive finite number.
 */
export function timeoutStream<T extends StreamChunk>(config: number | TimeoutStreamConfig): MonoTypeOperatorFunction<T> {
  const { first, idle, total, scheduler } = resolveConfig(config);
  // Before the first chunk, `first` applies; without it `idle` does (still reported as phase 'first').
  const firstMs = first ?? idle;

  return chunkOperator((source: Observable<T>, checked) =>
    new Observable<T>((subscriber) => {
      const start = scheduler.now();
      const partial = new StreamingResponse({ keepChunks: false, startTime: start, scheduler });
      let seen = false;
      let idleClock = idle !== undefined;
      let lastChunkAt = start;
      let watchdog: Subscription | undefined;
      /** When the watchdog fires next; chunks only move deadlines later, except the first chunk (see `next`). */
      let armedAt = Number.POSITIVE_INFINITY;

      /** The nearest deadline still armed, or undefined when none is left. Ties go to first/idle. */
      const nearest = (): Deadline | undefined => {
        let next: Deadline | undefined;
        if (!seen) {
          if (firstMs !== undefined) next = { at: start + firstMs, phase: 'first', ms: firstMs };
        } else if (idleClock && idle !== undefined) {
          next = { at: lastChunkAt + idle, phase: 'idle', ms: idle };
        }
        if (total !== undefined && (next === undefined || start + total < next.at)) {
          next = { at: start + total, phase: 'total', ms: total };
        }
        return next === undefined || next.at === Infinity ? undefined : next; // Infinity: no limit
      };

      const check = function (this: SchedulerAction<undefined>): void {
        const deadline = nearest();
        if (deadline === undefined) return;
        const now = scheduler.now();
        if (now < deadline.at) {
          armedAt = deadline.at;
          this.schedule(undefined, Math.min(deadline.at - now, MAX_TIMER_MS)); // longer waits: in steps
          return;
        }
        upstream.unsubscribe();
        subscriber.error(
          new StreamTimeoutError(timeoutMessage(deadline.phase, deadline.ms), {
            partialResponse: partial.end(now),
            phase: deadline.phase,
            timeoutMs: deadline.ms,
          }),
        );
      };

      const arm = (): void => {
        watchdog?.unsubscribe();
        const deadline = nearest();
        if (deadline === undefined) return;
        armedAt = deadline.at;
        watchdog = scheduler.schedule(check, Math.min(Math.max(0, deadline.at - scheduler.now()), MAX_TIMER_MS));
      };

      const upstream = source.subscribe(
        new TimeoutStreamForwarder<T>(
          (value) => {
            if (idleClock) {
              if (value.isFinal) idleClock = false;
              else lastChunkAt = scheduler.now();
            }
            if (!seen) {
              seen = true;
              // The watchdog may be armed for a long `first`; the idle deadline now starting can be sooner.
              // (Nothing armed at all when `first` is Infinity and there is no total.)
              if (idleClock && idle !== undefined && (watchdog === undefined || lastChunkAt + idle < armedAt)) arm();
            }
            if (trackChunk(partial, value, subscriber, 'timeoutStream', checked)) subscriber.next(value);
          },
          (error) => subscriber.error(error),
          () => subscriber.complete(),
        ),
      );

      if (!subscriber.closed) arm();

      return () => {
        watchdog?.unsubscribe();
        upstream.unsubscribe();
      };
    }),
  );
}

interface Deadline {
  readonly at: number;
  readonly phase: TimeoutPhase;
  readonly ms: number;
}

function resolveConfig(config: number | TimeoutStreamConfig): {
  first?: number;
  idle?: number;
  total?: number;
  scheduler: SchedulerLike;
} {
  if (typeof config === 'number') {
    assertLimit('timeoutStream: ms', config);
    return { total: config, scheduler: asyncScheduler };
  }
  assertObject('timeoutStream: config', config);
  const { first, idle, total, scheduler = asyncScheduler } = config;
  if (first === undefined && idle === undefined && total === undefined) {
    throw new TypeError('timeoutStream: one of first, idle or total is required');
  }
  if (first !== undefined) assertLimit('timeoutStream: first', first);
  if (idle !== undefined) assertLimit('timeoutStream: idle', idle);
  if (total !== undefined) assertLimit('timeoutStream: total', total);
  assertScheduler('timeoutStream: scheduler', scheduler);
  return { first, idle, total, scheduler };
}

function timeoutMessage(phase: TimeoutPhase, ms: number): string {
  switch (phase) {
    case 'first':
      return `Stream timed out: no first chunk within ${ms} ms (first)`;
    case 'idle':
      return `Stream timed out: no chunk for ${ms} ms (idle)`;
    case 'total':
      return `Stream timed out: not finished within ${ms} ms (total)`;
  }
}

import { Observable, asyncScheduler, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { continuationOf } from '../continuation.js';
import { mergeObjects } from '../mergeObjects.js';
import { chunk, emitsCheckedChunks, isStreamChunk, notAChunk, type StreamChunk } from '../chunk.js';
import { isProviderError } from '../errors/ProviderError.js';
import { withPartialResponse } from '../errors/StreamInterruptedError.js';
import { isStreamTimeoutError } from '../errors/StreamTimeoutError.js';
import { assertFunction, assertNonNegativeInteger, assertNonNegativeNumber, assertObject, assertOneOf, assertScheduler } from '../optionChecks.js';
import { RetryStreamForwarder } from './forwarder.js';
import { StreamingResponse, appendChecked } from '../response.js';
import { chunkOperator } from './trackChunk.js';
import { scheduleAfter } from '../longTimers.js';

/** The {@link retryStream} configuration. */
export interface RetryStreamConfig {
  /**
   * How many times to resubscribe after a retryable error; 0 never retries, `Infinity` retries for as long as
   * `retryIf` allows.
   * @default 3
   */
  readonly count?: number;
  /**
   * ms to wait before the first retry, doubled for each further one (`delay * 2 ** (retryCount - 1)`), or a
   * function `(error, retryCount) => ms` returning the wait itself (`retryCount` is 1 for the first retry;
   * the same order as RxJS's `retry({ delay })` and this config's `retryIf`).
   * @default 1000
   */
  readonly delay?: number | ((error: unknown, retryCount: number) => number);
  /**
   * The longest backoff wait in ms (also caps what a `delay` function returns). A provider's
   * `retryAfterMs` is not capped: the server's word wins.
   * @default 30_000
   */
  readonly maxDelay?: number;
  /**
   * Randomise each backoff wait downward, so many clients do not retry in lockstep: `true` waits anywhere
   * between 0 and the full wait ("full jitter"), a fraction `f` in 0..1 between `(1 - f)` and 1 times it.
   * Never applied to `retryAfterMs`.
   * @default false
   */
  readonly jitter?: boolean | number;
  /**
   * Whether an error (before any chunk was delivered) is worth another attempt; `retryCount` is 1 for the
   * first retry. Replaces the default: a retryable `ProviderError` (network failure, 408, 409, 429, 5xx,
   * overloaded), or a `StreamTimeoutError` in phase 'first'.
   */
  readonly retryIf?: (error: unknown, retryCount: number) => boolean;
  /**
   * What to do when the stream fails after content went downstream. `'never'`: pass the error on (its class
   * kept) with the partial response. `'restart'`: start the stream again — one reset chunk (`content: ''`,
   * `metadata.reset: true`) goes out before the new attempt's first chunk, so every accumulator downstream
   * discards the superseded text. `'resume'`: continue the answer from what was delivered (provider and agent
   * streams only; the repeated overlap is dropped). With `'restart'` and `'resume'` the default `retryIf` also
   * retries an idle timeout. The final chunk of a stream that needed more than one attempt carries
   * `metadata.attempts`.
   * @default 'never'
   */
  readonly afterContent?: AfterContent;
  /** Timer for the backoff waits. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/** How {@link retryStream} handles a failure after content: see {@link RetryStreamConfig.afterContent}. */
export type AfterContent = 'never' | 'restart' | 'resume';

/**
 * Resubscribes to a chunk stream that failed before delivering anything, with exponential backoff, honouring
 * the provider's `retryAfterMs`; once content went downstream, the error passes on with the partial response.
 *
 * ```
 * <!-- diagram: retryStream/backoff -->
 * attempt 1: --#                      ProviderError 503 (retryable), nothing delivered
 * attempt 2:    -- 10ms --a--F|       resubscribed after min(maxDelay, delay * 2 ** 0) = 10 ms
 * retryStream({ delay: 10 })
 * result:    -- 10ms --a--F|
 * upstream:  ^-!
 *            -- 10ms ^-----!          one line per (re)subscription
 * ```
 *
 * The wait before retry `n` is `min(maxDelay, delay * 2 ** (n - 1))` (1 s, 2 s, 4 s, … by default), optionally
 * jittered; when the error carries `retryAfterMs` (a `ProviderError` from a 429 or 503 with a `Retry-After`
 * header), exactly that long instead. Only errors `retryIf` accepts are retried; others, and the error after the
 * last retry, pass on unchanged. A stream is never restarted once a chunk of the current attempt went
 * downstream, since that would repeat text the user already saw: that error passes on with its class kept (a
 * `ProviderError` stays a `ProviderError`, a timeout a `StreamTimeoutError`), as a copy whose
 * `partialResponse` holds what was delivered; only an error that is not an `AgenticraftError` is wrapped, as
 * the `cause` of a `StreamInterruptedError` with reason 'error'. Unsubscribing during a wait cancels the next
 * attempt.
 *
 * Place it after `timeoutStream` to retry streams that did not start in time:
 * `timeoutStream({ first: 10_000 })` then `retryStream()`.
 *
 * ## Examples
 *
 * Up to 3 retries after 1 s, 2 s and 4 s for rate limits, overload and network failures:
 *
 * ```ts
 * import { openai, retryStream, timeoutStream } from 'agenticraft-rx';
 *
 * openai()
 *   .stream({ messages: [{ role: 'user', content: 'Hello' }] })
 *   .pipe(timeoutStream({ first: 10_000, idle: 15_000 }), retryStream())
 *   .subscribe({ next: (c) => process.stdout.write(c.content), error: console.error });
 * ```
 *
 * Five quick retries with jitter, only for rate limits:
 *
 * ```ts
 * import { anthropic, isProviderError, retryStream } from 'agenticraft-rx';
 *
 * anthropic()
 *   .stream({ messages: [{ role: 'user', content: 'Hello' }] })
 *   .pipe(
 *     retryStream({
 *       count: 5,
 *       delay: 200,
 *       maxDelay: 5_000,
 *       jitter: 0.5,
 *       retryIf: (error) => isProviderError(error) && error.status === 429,
 *     }),
 *   )
 *   .subscribe((c) => process.stdout.write(c.content));
 * ```
 *
 * @see {@link timeoutStream}
 * @see {@link ProviderError} for which errors are retryable
 * @see {@link StreamInterruptedError}
 *
 * @param config The number of retries, or a {@link RetryStreamConfig}.
 * @returns A function that returns an Observable mirroring the source, resubscribing to it after retryable
 * errors that came before any chunk.
 * @throws {TypeError | RangeError} at call time when an option is invalid.
 */
export function retryStream<T extends StreamChunk>(config: number | RetryStreamConfig = {}): MonoTypeOperatorFunction<T> {
  const { count, retryIf, scheduler, wait, afterContent } = resolveConfig(config);

  return chunkOperator((source: Observable<T>, sourceChecked) =>
    new Observable<T>((subscriber) => {
      const continuation = afterContent === 'resume' ? continuationOf(source) : undefined;
      if (afterContent === 'resume' && continuation === undefined) {
        subscriber.error(
          new TypeError(
            "retryStream({ afterContent: 'resume' }): this stream cannot resume — only provider and agent streams carry a continuation, " +
              "and an operator from outside agenticraft-rx between them and retryStream drops it; use afterContent: 'restart'",
          ),
        );
        return undefined;
      }
      let failures = 0;
      let attempts = 0;
      let upstream: Subscription | undefined;
      let backoff: Subscription | undefined;
      /** What the subscriber holds now (since the last reset): the partial response of the final error, what a resume continues. */
      const delivered = new StreamingResponse({ keepChunks: false, scheduler });
      /** A restart is pending: the next attempt's first chunk is preceded by a reset chunk. */
      let resetBeforeNext = false;

      const deliver = (value: T): void => {
        if (value.isFinal && attempts > 1 && afterContent !== 'never') value = { ...value, metadata: mergeObjects(value.metadata, { attempts }) };
        appendChecked(delivered, value);
        subscriber.next(value);
      };

      const subscribeToSource = (): void => {
        backoff = undefined;
        attempts++;
        // How many chunks this attempt delivered: an error before any can be retried as it is. (What was
        // delivered in all is `delivered`; one response per stream, not one more per attempt.)
        let received = 0;
        const resuming = continuation !== undefined && delivered.chunkCount > 0;
        const attempt$ = resuming ? continuation({ text: delivered.completeText, chunks: delivered.chunkCount }) : source;
        // A continuation may be any stream (`resumable` is public): its values are checked unless it is one of ours.
        const checked = resuming ? emitsCheckedChunks(attempt$) : sourceChecked;
        const trim = resuming ? overlapTrimmer<T>(delivered.completeText) : undefined;
        const emit = (value: T): void => {
          if (resetBeforeNext) {
            resetBeforeNext = false;
            deliver(resetChunk(scheduler) as T);
          }
          deliver(value);
        };
        const subscription = attempt$.subscribe(
          new RetryStreamForwarder<T>(
            (value) => {
              if (!checked && !isStreamChunk(value)) {
                subscriber.error(notAChunk('retryStream', value));
                return;
              }
              received++;
              if (trim === undefined) emit(value);
              else for (const out of trim.next(value)) emit(out);
            },
            (error) => {
              if (trim !== undefined) for (const out of trim.flush()) emit(out);
              if (received > 0) failAfterContent(error);
              else retryOrFail(error);
            },
            () => {
              if (trim !== undefined) for (const out of trim.flush()) emit(out);
              subscriber.complete();
            },
          ),
        );
        // The result may have been unsubscribed while this attempt was still subscribing (a synchronous chunk).
        if (subscriber.closed) subscription.unsubscribe();
        else upstream = subscription;
      };

      /** Content reached the user: pass the error on ('never'), or start again ('restart') or go on ('resume'). */
      const failAfterContent = (error: unknown): void => {
        if (afterContent === 'never') {
          subscriber.error(withPartialResponse(error, delivered.end()));
          return;
        }
        if (afterContent === 'restart') resetBeforeNext = true;
        retryOrFail(error);
      };

      const retryOrFail = (error: unknown): void => {
        failures++;
        let ms: number | undefined;
        try {
          if (failures <= count && retryIf(error, failures)) ms = wait(error, failures);
        } catch (thrown: unknown) {
          subscriber.error(thrown);
          return;
        }
        if (ms === undefined) subscriber.error(delivered.chunkCount > 0 ? withPartialResponse(error, delivered.end()) : error);
        // Always through the scheduler, even for 0 ms: the failed attempt is torn down before the next starts.
        // `retryIf` or `delay` may have unsubscribed the result meanwhile.
        else if (!subscriber.closed) backoff = scheduleAfter(scheduler, ms, subscribeToSource);
      };

      subscribeToSource();

      return () => {
        backoff?.unsubscribe();
        upstream?.unsubscribe();
      };
    }),
  );
}

/** The chunk that tells every accumulator downstream to discard what it holds: a restarted attempt begins. */
function resetChunk(scheduler: SchedulerLike): StreamChunk {
  return chunk('', { metadata: { reset: true }, scheduler });
}

/**
 * The longest overlap looked for between the end of what was delivered and the start of a continuation (a model
 * asked to go on may repeat a few words, or its whole last paragraph). A continuation's first characters are held
 * only while they could still be such a repeat: as long as they occur in the delivered text's last
 * MAX_OVERLAP characters.
 */
const MAX_OVERLAP = 4_096;
/** Shorter overlaps are taken as chance, not as a repeat. */
const MIN_OVERLAP = 4;

/**
 * The length of the longest overlap (at least {@link MIN_OVERLAP} characters) between the end of `delivered`
 * and the start of `continued`: models often repeat the last words of a cut answer when asked to go on.
 */
export function overlapLength(delivered: string, continued: string): number {
  for (let k = Math.min(delivered.length, continued.length, MAX_OVERLAP); k >= MIN_OVERLAP; k--) {
    if (delivered.endsWith(continued.slice(0, k))) return k;
  }
  return 0;
}

/**
 * Holds a continuation's first chunks until enough text arrived to tell whether it repeats the end of what was
 * delivered, then drops the repeat and lets everything through.
 */
function overlapTrimmer<T extends StreamChunk>(delivered: string): { next(value: T): T[]; flush(): T[] } {
  const enough = Math.min(delivered.length, MAX_OVERLAP);
  const tail = delivered.slice(-enough);
  let held: T[] | undefined = [];
  let heldText = '';
  const release = (): T[] => {
    if (held === undefined) return [];
    let drop = overlapLength(delivered, heldText);
    const out: T[] = [];
    for (const value of held) {
      if (drop > 0 && value.content.length > 0) {
        const cut = Math.min(drop, value.content.length);
        drop -= cut;
        const rest = value.content.slice(cut);
        if (rest === '' && !value.isFinal) continue; // only repeated text: nothing left to say
        out.push({ ...value, content: rest });
      } else out.push(value);
    }
    held = undefined;
    return out;
  };
  return {
    next(value) {
      if (held === undefined) return [value];
      held.push(value);
      heldText += value.content;
      // Released once it can no longer be (the start of) a repeat of the delivered text's end, or is one in full.
      return heldText.length >= enough || value.isFinal || !tail.includes(heldText) ? release() : [];
    },
    flush: release,
  };
}

interface ResolvedRetryConfig {
  readonly count: number;
  readonly afterContent: AfterContent;
  readonly retryIf: (error: unknown, retryCount: number) => boolean;
  readonly scheduler: SchedulerLike;
  /** ms to wait before retry number `retryCount`. */
  readonly wait: (error: unknown, retryCount: number) => number;
}

function resolveConfig(config: number | RetryStreamConfig): ResolvedRetryConfig {
  if (typeof config === 'number') {
    if (config !== Infinity) assertNonNegativeInteger('retryStream: count', config);
    return resolveConfig({ count: config });
  }
  assertObject('retryStream: config', config);
  const { count = 3, delay = 1000, maxDelay = 30_000, jitter = false, afterContent = 'never', scheduler = asyncScheduler } = config;
  assertOneOf('retryStream: afterContent', afterContent, ['never', 'restart', 'resume'] as const);
  const retryIf = config.retryIf ?? (afterContent === 'never' ? isRetryableStreamError : isRetryableAfterContent);
  // Infinity retries for as long as retryIf says so, as RxJS's retry({ count: Infinity }).
  if (count !== Infinity) assertNonNegativeInteger('retryStream: count', count);
  if (typeof delay === 'function') assertFunction('retryStream: delay', delay);
  else assertNonNegativeNumber('retryStream: delay', delay);
  if (maxDelay !== Infinity) assertNonNegativeNumber('retryStream: maxDelay', maxDelay);
  const jitterFraction = resolveJitter(jitter);
  assertFunction('retryStream: retryIf', retryIf);
  assertScheduler('retryStream: scheduler', scheduler);

  const wait = (error: unknown, retryCount: number): number => {
    if (isProviderError(error) && isWait(error.retryAfterMs)) return error.retryAfterMs;
    let ms: number;
    if (typeof delay === 'function') {
      ms = delay(error, retryCount);
      assertNonNegativeNumber('retryStream: delay(error, retryCount)', ms);
    } else {
      ms = delay * 2 ** (retryCount - 1);
    }
    ms = Math.min(maxDelay, ms);
    return jitterFraction > 0 ? ms * (1 - jitterFraction * Math.random()) : ms;
  };

  return { count, retryIf, scheduler, wait, afterContent };
}

function resolveJitter(jitter: boolean | number): number {
  if (typeof jitter === 'boolean') return jitter ? 1 : 0;
  if (typeof jitter !== 'number' || Number.isNaN(jitter)) {
    throw new TypeError(`retryStream: jitter must be a boolean or a fraction 0..1, got ${typeof jitter}`);
  }
  if (jitter < 0 || jitter > 1) throw new RangeError(`retryStream: jitter must be a boolean or a fraction 0..1, got ${jitter}`);
  return jitter;
}

function isWait(ms: number | undefined): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0;
}

/**
 * The default `retryIf`: a retryable `ProviderError` (network failure, 408, 409, 429, 5xx, overloaded), or a
 * `StreamTimeoutError` before the first chunk. Call it from a custom `retryIf` to extend the default.
 */
/** The default `retryIf` of the 'restart' and 'resume' modes: {@link isRetryableStreamError}, or an idle timeout (a stalled stream). */
export function isRetryableAfterContent(error: unknown): boolean {
  return isRetryableStreamError(error) || (isStreamTimeoutError(error) && error.phase === 'idle');
}

export function isRetryableStreamError(error: unknown): boolean {
  return (isProviderError(error) && error.retryable) || (isStreamTimeoutError(error) && error.phase === 'first');
}

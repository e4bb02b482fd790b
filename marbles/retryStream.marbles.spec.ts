/*
 * retryStream({ count = 3, delay = 1000, maxDelay = 30_000, jitter = false, retryIf? })
 *
 * #region diagram: retryStream/backoff
 * attempt 1: --#                      ProviderError 503 (retryable), nothing delivered
 * attempt 2:    -- 10ms --a--F|       resubscribed after min(maxDelay, delay * 2 ** 0) = 10 ms
 * retryStream({ delay: 10 })
 * result:    -- 10ms --a--F|
 * upstream:  ^-!
 *            -- 10ms ^-----!          one line per (re)subscription
 * #endregion
 *
 * waits: delay * 2 ** (attempt - 1), capped at maxDelay, jittered downward; exactly `retryAfterMs` when given
 * after a chunk went downstream: never resubscribes; the error passes on with its class kept and the partial
 * (a foreign error, not an AgenticraftError, becomes the cause of a StreamInterruptedError)
 */
import { Observable, defer, map, type SchedulerLike } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chunk, finalChunk, type StreamChunk } from '../src/chunk.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { StreamInterruptedError } from '../src/errors/StreamInterruptedError.js';
import { StreamTimeoutError } from '../src/errors/StreamTimeoutError.js';
import { overlapLength, retryStream } from '../src/operators/retryStream.js';
import { collectResponse } from '../src/operators/collectResponse.js';
import { resumable, type Delivered } from '../src/continuation.js';
import fc from 'fast-check';
import { timeoutStream } from '../src/operators/timeoutStream.js';
import { halfSpeedScheduler, partialOf, testScheduler } from './helpers.js';

const values: Record<string, StreamChunk> = {
  a: chunk('Hel', { timestamp: 0 }),
  b: chunk('lo', { timestamp: 0 }),
  F: finalChunk({ finishReason: 'stop' }, { timestamp: 0 }),
};

const unavailable = new ProviderError('Service unavailable', { provider: 'mock', status: 503 });
const badRequest = new ProviderError('Bad request', { provider: 'mock', status: 400 });
const rateLimited = new ProviderError('Rate limited', { provider: 'mock', status: 429, retryAfterMs: 250 });

/** A source whose n-th subscription subscribes the n-th cold observable: one per attempt. */
function attempts<T>(...sources: readonly Observable<T>[]): Observable<T> {
  let n = 0;
  return defer(() => {
    const next = sources[n++];
    if (next === undefined) throw new Error(`unexpected attempt ${n}`);
    return next;
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('retryStream', () => {
  describe('retrying', () => {
    it('resubscribes after a retryable error and mirrors the attempt that succeeds', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const first = cold('  --#', values, unavailable);
        const second = cold('    --a--F|', values);
        const firstSubs = '   ^-!';
        const secondSubs = '  -- 10ms ^-----!';
        const expected = '    -- 10ms --a--F|';

        expectObservable(attempts(first, second).pipe(retryStream({ delay: 10 }))).toBe(expected, values);
        expectSubscriptions(first.subscriptions).toBe(firstSubs);
        expectSubscriptions(second.subscriptions).toBe(secondSubs);
      });
    });

    it('passes completion through, also without a final chunk', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-b|', values);
        const subs = '       ^---!';

        expectObservable(source.pipe(retryStream())).toBe('-a-b|', values);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('retries synchronous failures, each attempt torn down in its own frame', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('#', values, unavailable);
        const subs = ['      (^!)', '10ms (^!)', '30ms (^!)'];

        expectObservable(source.pipe(retryStream({ count: 2, delay: 10 }))).toBe('30ms #', values, unavailable);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('a retried attempt that delivers content then fails is not retried; its partial holds only that attempt', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const first = cold('  -#', values, unavailable);
        const second = cold('   -a-#', values, unavailable);
        const firstSubs = '   ^!';
        const secondSubs = '  - 10ms ^--!';
        const expected = '    - 10ms -a-#';

        expectObservable(attempts(first, second).pipe(retryStream({ delay: 10 }))).toBe(
          expected,
          values,
          unavailable.withPartialResponse(partialOf(values, 'a')),
        );
        expectSubscriptions(first.subscriptions).toBe(firstSubs);
        expectSubscriptions(second.subscriptions).toBe(secondSubs);
      });
    });
  });

  describe('backoff', () => {
    it('doubles the wait for each retry: delay, 2 * delay, 4 * delay', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', values, unavailable);
        const subs = ['      ^!', '11ms ^!', '32ms ^!', '73ms ^!'];

        expectObservable(source.pipe(retryStream({ count: 3, delay: 10 }))).toBe('74ms #', values, unavailable);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('defaults to 3 retries after 1 s, 2 s and 4 s', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', values, unavailable);
        const subs = ['        ^!', '1001ms ^!', '3002ms ^!', '7003ms ^!'];

        expectObservable(source.pipe(retryStream())).toBe('7004ms #', values, unavailable);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('the number shorthand is the retry count with the default backoff', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', values, unavailable);
        const subs = ['        ^!', '1001ms ^!'];

        expectObservable(source.pipe(retryStream(1))).toBe('1002ms #', values, unavailable);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('caps each wait at maxDelay', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', values, unavailable);
        // waits 10, 20, 25 (not 40), 25 (not 80)
        const subs = ['      ^!', '11ms ^!', '32ms ^!', '58ms ^!', '84ms ^!'];

        expectObservable(source.pipe(retryStream({ count: 4, delay: 10, maxDelay: 25 }))).toBe('85ms #', values, unavailable);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('jitter: true randomises each wait between 0 and the full wait', () => {
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', values, unavailable);
        // waits 100 * 0.5 = 50, 200 * 0.5 = 100
        const subs = ['      ^!', '51ms ^!', '152ms ^!'];

        expectObservable(source.pipe(retryStream({ count: 2, delay: 100, jitter: true }))).toBe('153ms #', values, unavailable);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(Math.random).toHaveBeenCalledTimes(2);
    });

    it('jitter: a fraction takes at most that share off each wait', () => {
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', values, unavailable);
        // waits 100 * (1 - 0.2 * 0.5) = 90, 200 * 0.9 = 180
        const subs = ['      ^!', '91ms ^!', '272ms ^!'];

        expectObservable(source.pipe(retryStream({ count: 2, delay: 100, jitter: 0.2 }))).toBe('273ms #', values, unavailable);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('delay as a function gets (error, retryCount), as RxJS\'s retry and retryIf do, and returns the wait', () => {
      const delay = vi.fn((_error: unknown, retryCount: number) => retryCount * 7);
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', values, unavailable);
        // waits 7, 14
        const subs = ['     ^!', '8ms ^!', '23ms ^!'];

        expectObservable(source.pipe(retryStream({ count: 2, delay }))).toBe('24ms #', values, unavailable);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(delay.mock.calls).toEqual([
        [unavailable, 1],
        [unavailable, 2],
      ]);
    });

    it('waits on the given scheduler', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        // 10 ms on the half-speed clock are 20 frames.
        const first = cold('  --#', values, unavailable);
        const second = cold('    --a--F|', values);
        const firstSubs = '   ^-!';
        const secondSubs = '  -- 20ms ^-----!';
        const expected = '    -- 20ms --a--F|';

        expectObservable(attempts(first, second).pipe(retryStream({ delay: 10, scheduler: halfSpeedScheduler() }))).toBe(expected, values);
        expectSubscriptions(first.subscriptions).toBe(firstSubs);
        expectSubscriptions(second.subscriptions).toBe(secondSubs);
      });
    });

    it('waits exactly retryAfterMs when the error carries it: no backoff, cap or jitter', () => {
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const first = cold('  --#', values, rateLimited);
        const second = cold('    -a-F|', values);
        const firstSubs = '   ^-!';
        const secondSubs = '  -- 250ms ^---!';
        const expected = '    -- 250ms -a-F|';

        expectObservable(attempts(first, second).pipe(retryStream({ delay: 10, maxDelay: 100, jitter: true }))).toBe(expected, values);
        expectSubscriptions(first.subscriptions).toBe(firstSubs);
        expectSubscriptions(second.subscriptions).toBe(secondSubs);
      });
      expect(Math.random).not.toHaveBeenCalled();
    });
  });

  describe('which errors are retried', () => {
    it('a non-retryable ProviderError (400) passes on immediately, unchanged', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#', values, badRequest);
        const subs = '       ^-!';

        expectObservable(source.pipe(retryStream({ delay: 10 }))).toBe('--#', values, badRequest);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('an error that is not a ProviderError passes on immediately by default', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const bug = new TypeError('cannot read properties of undefined');
        const source = cold('--#', values, bug);
        const subs = '       ^-!';

        expectObservable(source.pipe(retryStream({ delay: 10 }))).toBe('--#', values, bug);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('a first-chunk timeout is retried by default', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('- 50ms a|', values);
        const subs = ['      ^ 19ms !', '30ms ^ 19ms !'];
        const error = new StreamTimeoutError('Stream timed out: no first chunk within 20 ms (first)', {
          partialResponse: partialOf(values),
          phase: 'first',
          timeoutMs: 20,
        });

        expectObservable(source.pipe(timeoutStream({ first: 20 }), retryStream({ count: 1, delay: 10 }))).toBe('50ms #', values, error);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('retryIf overrides the default, called with (error, attempt)', () => {
      const flaky = new Error('flaky');
      const retryIf = vi.fn((_error: unknown, attempt: number) => attempt < 3);
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', values, flaky);
        const subs = ['      ^!', '11ms ^!', '32ms ^!'];

        expectObservable(source.pipe(retryStream({ delay: 10, retryIf }))).toBe('33ms #', values, flaky);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(retryIf.mock.calls).toEqual([
        [flaky, 1],
        [flaky, 2],
        [flaky, 3],
      ]);
    });

    it('retryIf returning false passes even a retryable error on immediately', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#', values, unavailable);
        const subs = '       ^-!';

        expectObservable(source.pipe(retryStream({ delay: 10, retryIf: () => false }))).toBe('--#', values, unavailable);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('count: 0 never retries', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#', values, unavailable);
        const subs = '       ^-!';

        expectObservable(source.pipe(retryStream(0))).toBe('--#', values, unavailable);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('count exhausted: the last attempt’s error passes on unchanged', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const failure = (n: number): ProviderError => new ProviderError(`overloaded (attempt ${n})`, { provider: 'mock', status: 529 });
        const one = cold('  -#', values, failure(1));
        const two = cold('  -#', values, failure(2));
        const three = cold('-#', values, failure(3));

        // waits 1, 2
        expectObservable(attempts(one, two, three).pipe(retryStream({ count: 2, delay: 1 }))).toBe('------#', values, failure(3));
        expectSubscriptions(one.subscriptions).toBe('  ^!     ');
        expectSubscriptions(two.subscriptions).toBe('  --^!   ');
        expectSubscriptions(three.subscriptions).toBe('-----^!');
      });
    });
  });

  describe('after content', () => {
    it('never resubscribes once a chunk went downstream: the error carries the partial response', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--a--b--#', values, unavailable);
        const subs = '       ^-------!';
        const expected = '   --a--b--#';

        expectObservable(source.pipe(retryStream({ delay: 10 }))).toBe(expected, values, unavailable.withPartialResponse(partialOf(values, 'a', 'b')));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('keeps a ProviderError\'s class after content: a copy carrying the partial response', () => {
      testScheduler().run(({ cold, expectSubscriptions, flush }) => {
        const source = cold('--a--#', values, unavailable);
        let error: unknown;
        source.pipe(retryStream({ delay: 10 })).subscribe({ error: (e: unknown) => (error = e) });
        flush();

        expect(error).toBeInstanceOf(ProviderError);
        expect(error).not.toBeInstanceOf(StreamInterruptedError);
        const failed = error as ProviderError;
        expect([failed.message, failed.status, failed.retryable]).toEqual([unavailable.message, unavailable.status, true]);
        expect(failed.partialResponse?.completeText).toBe('Hel');
        expectSubscriptions(source.subscriptions).toBe('^----!');
      });
    });

    it('wraps a foreign error after content as the cause of a StreamInterruptedError, reason error', () => {
      testScheduler().run(({ cold, flush }) => {
        const foreign = new Error('socket hang up');
        const source = cold('--a--#', values, foreign);
        let error: unknown;
        source.pipe(retryStream({ delay: 10, retryIf: () => true })).subscribe({ error: (e: unknown) => (error = e) });
        flush();

        expect(error).toBeInstanceOf(StreamInterruptedError);
        const interrupted = error as StreamInterruptedError;
        expect(interrupted.message).toBe('Stream failed after 1 chunk(s): socket hang up');
        expect([interrupted.reason, interrupted.cause, interrupted.partialResponse.completeText]).toEqual(['error', foreign, 'Hel']);
      });
    });

    it('an idle timeout after content keeps its StreamTimeoutError type and partial text', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a 50ms b|', values);
        const subs = '       ^ 10ms !   ';
        const error = new StreamTimeoutError('Stream timed out: no chunk for 10 ms (idle)', {
          partialResponse: partialOf(values, 'a'),
          phase: 'idle',
          timeoutMs: 10,
        });

        expectObservable(source.pipe(timeoutStream({ idle: 10 }), retryStream({ delay: 10 }))).toBe('-a 9ms #', values, error);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('unsubscribing', () => {
    it('during the backoff wait cancels the next attempt', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const first = cold('  --#', values, unavailable);
        const second = cold(' -a|', values);
        const unsub = '       50ms !';

        expectObservable(attempts(first, second).pipe(retryStream({ delay: 100 })), unsub).toBe('', values);
        expectSubscriptions(first.subscriptions).toBe('^-!');
        expectSubscriptions(second.subscriptions).toBe([]);
      });
    });

    it('during an attempt unsubscribes that attempt', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const first = cold('  --#', values, unavailable);
        const second = cold('    --a--F|', values);
        const unsub = '       -- 10ms ---!';

        expectObservable(attempts(first, second).pipe(retryStream({ delay: 10 })), unsub).toBe('-- 10ms --a', values);
        expectSubscriptions(first.subscriptions).toBe('^-!');
        expectSubscriptions(second.subscriptions).toBe('-- 10ms ^--!');
      });
    });
  });

  describe('callbacks that throw', () => {
    it('an invalid wait from a delay function errors the result', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#', values, unavailable);
        const error = new RangeError('retryStream: delay(error, retryCount) must be a non-negative finite number, got -1');

        expectObservable(source.pipe(retryStream({ delay: () => -1 }))).toBe('--#', values, error);
        expectSubscriptions(source.subscriptions).toBe('^-!');
      });
    });

    it('an error thrown by retryIf errors the result', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#', values, unavailable);
        const thrown = new Error('retryIf broke');
        const retryIf = (): boolean => {
          throw thrown;
        };

        expectObservable(source.pipe(retryStream({ retryIf }))).toBe('--#', values, thrown);
        expectSubscriptions(source.subscriptions).toBe('^-!');
      });
    });
  });

  it('count: Infinity retries for as long as retryIf allows (as RxJS retry does)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      let tries = 0;
      const source = defer(() => (++tries < 6 ? cold('-#', values, unavailable) : cold('-a|', values)));
      expectObservable(source.pipe(retryStream({ count: Infinity, delay: 1, maxDelay: 1 }))).toBe('----------- a|', values);
    });
  });

  describe('invalid options (thrown at call time, nothing subscribed)', () => {
    const cases: readonly [string, () => unknown, ErrorConstructor, RegExp][] = [
      ['negative count', () => retryStream(-1), RangeError, /^retryStream: count must be a non-negative integer, got -1/],
      ['fractional count', () => retryStream({ count: 1.5 }), TypeError, /^retryStream: count must be a non-negative integer, got 1.5/],
      ['-Infinity count', () => retryStream(Number.NEGATIVE_INFINITY), TypeError, /^retryStream: count must be a non-negative integer/],
      ['negative delay', () => retryStream({ delay: -5 }), RangeError, /^retryStream: delay must be a non-negative finite number, got -5/],
      ['string delay', () => retryStream({ delay: '5' as unknown as number }), TypeError, /^retryStream: delay must be a non-negative number, got "5"/],
      ['NaN maxDelay', () => retryStream({ maxDelay: Number.NaN }), TypeError, /^retryStream: maxDelay must be a non-negative number, got NaN/],
      ['jitter above 1', () => retryStream({ jitter: 2 }), RangeError, /^retryStream: jitter must be a boolean or a fraction 0\.\.1, got 2/],
      ['string jitter', () => retryStream({ jitter: 'yes' as unknown as boolean }), TypeError, /^retryStream: jitter must be a boolean or a fraction 0\.\.1/],
      ['non-function retryIf', () => retryStream({ retryIf: 5 as unknown as () => boolean }), TypeError, /^retryStream: retryIf must be a function, got 5/],
      ['null config', () => retryStream(null as unknown as number), TypeError, /^retryStream: config must be an object/],
      ['bad scheduler', () => retryStream({ scheduler: 'async' as unknown as SchedulerLike }), TypeError, /^retryStream: scheduler must be an RxJS scheduler/],
    ];

    for (const [name, call, type, message] of cases) {
      it(`${name}: ${type.name}`, () => {
        testScheduler().run(({ cold, expectSubscriptions }) => {
          const source = cold('-a|', values);
          expect(() => source.pipe(call() as never)).toThrow(type);
          expect(call).toThrow(message);
          expectSubscriptions(source.subscriptions).toBe([]);
        });
      });
    }
  });
});

describe("retryStream({ afterContent: 'restart' | 'resume' })", () => {
  const text = {
    a: chunk('The quick', { timestamp: 0 }),
    b: chunk(' brown', { timestamp: 0 }),
    c: chunk('A new', { timestamp: 0 }),
    d: chunk(' start', { timestamp: 0 }),
    x: chunk(' brown fox', { timestamp: 0 }), // repeats ' brown', the end of what was delivered
    y: chunk(' jumps', { timestamp: 0 }),
    F: finalChunk({ finishReason: 'stop' }, { timestamp: 0 }),
  };
  const resetAt = (timestamp: number): StreamChunk => chunk('', { metadata: { reset: true }, timestamp });
  const reset503 = new ProviderError('reset', { provider: 'mock', code: 'ECONNRESET' });
  const withAttempts = (n: number): StreamChunk => finalChunk({ finishReason: 'stop', attempts: n }, { timestamp: 0 });

  it("'restart': a reset chunk goes out before the new attempt's first chunk; collectors keep only the new text", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('-a-b-#', text, reset503);
      const second = cold('10ms c 9ms d 9ms F|', text);
      const result = attempts(first, second).pipe(retryStream({ afterContent: 'restart', delay: 1 }));
      expectObservable(result).toBe('-a-b 12ms (Rc) 6ms d 9ms G|', { ...text, R: resetAt(16), G: withAttempts(2) });
      expectSubscriptions(first.subscriptions).toBe('^----!');
      expectSubscriptions(second.subscriptions).toBe('6ms ^ 30ms !');
    });
    testScheduler().run(({ cold, expectObservable }) => {
      const result = attempts(cold('-a-b-#', text, reset503), cold('10ms c 9ms d 9ms F|', text)).pipe(
        retryStream({ afterContent: 'restart', delay: 1 }),
        collectResponse({ keepChunks: false }),
        map((r) => [r.completeText, r.chunkCount, r.metadata['attempts']]),
      );
      expectObservable(result).toBe('37ms (r|)', { r: ['A new start', 3, 2] });
    });
  });

  it("'restart' retries an idle timeout after content by default (a stalled stream)", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const stalled = cold('-a 50ms b|', text).pipe(timeoutStream({ idle: 10 }));
      const fresh = cold('10ms c 9ms d 9ms F|', text);
      const result = attempts(stalled, fresh).pipe(retryStream({ afterContent: 'restart', delay: 1 }));
      expectObservable(result).toBe('-a 20ms (Rc) 6ms d 9ms G|', { ...text, R: resetAt(22), G: withAttempts(2) });
    });
  });

  it("'resume': the continuation gets what was delivered and the repeated overlap is dropped", () => {
    const asked: Delivered[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const original = cold('-a-b-#', text, reset503);
      const continued = cold('10ms x 9ms y 9ms F|', text);
      const source = resumable(original, (delivered) => {
        asked.push(delivered);
        return continued;
      });
      const fox = chunk(' fox', { timestamp: 0 });
      // ' brown fox' goes out as ' fox' as soon as it arrives: it is no longer (the start of) a repeat of the end.
      expectObservable(source.pipe(retryStream({ afterContent: 'resume', delay: 1 }))).toBe('-a-b 12ms z 9ms y 9ms G|', { ...text, z: fox, G: withAttempts(2) });
      expectSubscriptions(original.subscriptions).toBe('^----!');
      expectSubscriptions(continued.subscriptions).toBe('6ms ^ 30ms !');
    });
    expect(asked).toEqual([{ text: 'The quick brown', chunks: 2 }]);
  });

  it("'resume' still resumes through timeoutStream (the library's operators keep the continuation)", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = resumable(cold('-a-b 50ms |', text), () => cold('-y-(F|)', text));
      const result = source.pipe(timeoutStream({ idle: 10 }), retryStream({ afterContent: 'resume', delay: 1 }));
      expectObservable(result).toBe('-a-b 11ms y-(G|)', { ...text, G: withAttempts(2) });
    });
  });

  it("'resume' on a stream without a continuation is a TypeError at subscription naming the fix", () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|', text);
      expectObservable(source.pipe(retryStream({ afterContent: 'resume' }))).toBe(
        '#',
        undefined,
        new TypeError(
          "retryStream({ afterContent: 'resume' }): this stream cannot resume — only provider and agent streams carry a continuation, " +
            "and an operator from outside agenticraft-rx between them and retryStream drops it; use afterContent: 'restart'",
        ),
      );
      expectSubscriptions(source.subscriptions).toBe([]);
      // A foreign operator in between drops the continuation.
      const foreign = resumable(cold('-a|', text), () => cold('|')).pipe(map((c) => c));
      expectObservable(foreign.pipe(retryStream({ afterContent: 'resume' }))).toBe('#', undefined, new TypeError('x'.replace('x', "retryStream({ afterContent: 'resume' }): this stream cannot resume — only provider and agent streams carry a continuation, and an operator from outside agenticraft-rx between them and retryStream drops it; use afterContent: 'restart'")));
    });
  });

  it('after the last retry, the error carries what the consumer holds', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const result = attempts(cold('-a-#', text, reset503), cold('10ms c 9ms #', text, reset503)).pipe(retryStream({ count: 1, afterContent: 'restart', delay: 1 }));
      const expected = reset503.withPartialResponse(partialOf({ c: text.c }, 'c'));
      expectObservable(result).toBe('-a- 11ms (Rc) 6ms #', { ...text, R: resetAt(14) }, expected);
    });
  });

  it('rejects an unknown afterContent at call time', () => {
    expect(() => retryStream({ afterContent: 'maybe' as 'never' })).toThrow(/^retryStream: afterContent must be one of 'never', 'restart', 'resume'/);
  });
});

describe('overlapLength (what a resumed answer repeats)', () => {
  it('finds the longest overlap of at least 4 characters, for any cut point and overlap (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 60 }), fc.string({ maxLength: 40 }), fc.integer({ min: 0, max: 60 }), (answer, rest, cutAt) => {
        const cut = Math.min(cutAt, answer.length);
        const delivered = answer.slice(0, cut);
        const repeat = fc.sample(fc.integer({ min: 0, max: delivered.length }), 1)[0]!;
        const continued = delivered.slice(delivered.length - repeat) + rest;
        const k = overlapLength(delivered, continued);
        // What is dropped really is a repeat, and dropping it never loses the continuation's own text.
        expect(delivered.endsWith(continued.slice(0, k))).toBe(true);
        if (repeat >= 4) expect(k).toBeGreaterThanOrEqual(repeat);
        expect(k === 0 || k >= 4).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

/*
 * timeoutStream({ first?, idle?, total? }) — one watchdog for three deadlines.
 *
 * #region diagram: timeoutStream/idle
 * source:    -- 9ms a 9ms b 40ms c--F|
 * timeoutStream({ idle: 20 })
 * result:    -- 9ms a 9ms b 19ms #          # = StreamTimeoutError phase 'idle', partial 'ab'
 * upstream:  ^ 40ms !                       unsubscribed at the deadline, before the error
 * #endregion
 *
 *   first: deadline for the first chunk after subscribe (else `idle` bounds it, still phase 'first')
 *   idle:  longest gap between chunks; every chunk restarts it, the final chunk stops it
 *   total: deadline for the whole stream
 */
import { Observable, Subscription, asyncScheduler, of, take, type SchedulerAction, type SchedulerLike } from 'rxjs';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { chunk, finalChunk, type StreamChunk } from '../src/chunk.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { isStreamInterruptedError } from '../src/errors/StreamInterruptedError.js';
import { StreamTimeoutError, type TimeoutPhase } from '../src/errors/StreamTimeoutError.js';
import { timeoutStream } from '../src/operators/timeoutStream.js';
import { halfSpeedScheduler, partialOf, testScheduler } from './helpers.js';

const values: Record<string, StreamChunk> = {
  a: chunk('Hel', { timestamp: 0 }),
  b: chunk('lo ', { timestamp: 0 }),
  c: chunk('world', { timestamp: 0 }),
  d: chunk('!', { timestamp: 0 }),
  F: finalChunk({ finishReason: 'stop' }, { timestamp: 0 }),
};

const MESSAGES: Record<TimeoutPhase, (ms: number) => string> = {
  first: (ms) => `Stream timed out: no first chunk within ${ms} ms (first)`,
  idle: (ms) => `Stream timed out: no chunk for ${ms} ms (idle)`,
  total: (ms) => `Stream timed out: not finished within ${ms} ms (total)`,
};

function timeoutError(phase: TimeoutPhase, timeoutMs: number, ...keys: string[]): StreamTimeoutError {
  return new StreamTimeoutError(MESSAGES[phase](timeoutMs), { partialResponse: partialOf(values, ...keys), phase, timeoutMs });
}

describe('timeoutStream', () => {
  describe('total (the number shorthand)', () => {
    it('errors at the deadline with the chunks delivered so far, after unsubscribing upstream', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-- 9ms a 9ms b 9ms c 9ms F|', values);
        const subs = '       ^ 24ms !                   ';
        const expected = '   -- 9ms a 9ms b 3ms #       ';

        expectObservable(source.pipe(timeoutStream(25))).toBe(expected, values, timeoutError('total', 25, 'a', 'b'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('mirrors a stream that completes in time', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-- 9ms a 9ms b 9ms F|', values);
        const subs = '       ^ 31ms !             ';
        const expected = '   -- 9ms a 9ms b 9ms F|';

        expectObservable(source.pipe(timeoutStream(1_000))).toBe(expected, values);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('bounds the stream even while chunks keep coming', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('a 4ms b 4ms c 4ms d 4ms a|', values);
        const subs = '       ^ 11ms !                  ';
        const expected = '   a 4ms b 4ms c -#          ';

        expectObservable(source.pipe(timeoutStream({ total: 12 }))).toBe(expected, values, timeoutError('total', 12, 'a', 'b', 'c'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('first', () => {
    it('errors when no chunk arrives in time, with an empty partial response', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('- 50ms a|', values);
        const subs = '       ^ 19ms !  ';
        const expected = '   20ms #    ';

        expectObservable(source.pipe(timeoutStream({ first: 20 }))).toBe(expected, values, timeoutError('first', 20));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('does not bound the gaps after the first chunk', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-- 9ms a 99ms b 99ms F|', values);
        const subs = '       ^ 211ms !              ';
        const expected = '   -- 9ms a 99ms b 99ms F|';

        expectObservable(source.pipe(timeoutStream({ first: 20 }))).toBe(expected, values);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('idle', () => {
    it('bounds the wait for the first chunk too, reported as phase first', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('- 50ms a|', values);
        const subs = '       ^ 14ms !  ';
        const expected = '   15ms #    ';

        expectObservable(source.pipe(timeoutStream({ idle: 15 }))).toBe(expected, values, timeoutError('first', 15));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('is restarted by every chunk: a long stream with short gaps never times out', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('9ms a 9ms b 9ms c 9ms d 9ms a 9ms b 9ms F|', values);
        const subs = '       ^ 69ms !                                 ';
        const expected = '   9ms a 9ms b 9ms c 9ms d 9ms a 9ms b 9ms F|';

        expectObservable(source.pipe(timeoutStream({ idle: 10 }))).toBe(expected, values);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('errors one idle period after the last chunk, with the partial text', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-- 9ms a 9ms b 40ms c--F|', values);
        const subs = '       ^ 40ms !                ';
        const expected = '   -- 9ms a 9ms b 19ms #   ';

        expectObservable(source.pipe(timeoutStream({ idle: 20 }))).toBe(expected, values, timeoutError('idle', 20, 'a', 'b'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('is stopped by the final chunk', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('a 4ms F 99ms |', values);
        const subs = '       ^ 104ms !     ';
        const expected = '   a 4ms F 99ms |';

        expectObservable(source.pipe(timeoutStream({ idle: 10 }))).toBe(expected, values);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('combined', () => {
    it('first + idle: a slow start is allowed, a stall after it is not', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('40ms a 5ms b 50ms F|', values);
        const subs = '       ^ 55ms !            ';
        const expected = '   40ms a 5ms b 9ms #  ';

        expectObservable(source.pipe(timeoutStream({ first: 50, idle: 10 }))).toBe(expected, values, timeoutError('idle', 10, 'a', 'b'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('first + idle: a stall soon after an early first chunk errors before the first deadline', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('5ms a 50ms b|', values);
        const subs = '       ^ 14ms !     ';
        const expected = '   5ms a 9ms #  ';

        expectObservable(source.pipe(timeoutStream({ first: 50, idle: 10 }))).toBe(expected, values, timeoutError('idle', 10, 'a'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('first + idle: the first deadline is `first`, not `idle`', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('60ms a|', values);
        const subs = '       ^ 49ms ! ';
        const expected = '   50ms #   ';

        expectObservable(source.pipe(timeoutStream({ first: 50, idle: 10 }))).toBe(expected, values, timeoutError('first', 50));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('idle + total: steady chunks still hit the total deadline', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('a 4ms b 4ms c 4ms d 4ms a 4ms b 4ms c 4ms F|', values);
        const subs = '       ^ 27ms !                                   ';
        const expected = '   a 4ms b 4ms c 4ms d 4ms a 4ms b --#        ';

        expectObservable(source.pipe(timeoutStream({ idle: 10, total: 28 }))).toBe(
          expected,
          values,
          timeoutError('total', 28, 'a', 'b', 'c', 'd', 'a', 'b'),
        );
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('first + idle + total: whichever deadline comes first wins', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const fast = cold('   5ms a 5ms b 5ms c 50ms F|', values);
        const fastSubs = '    ^ 28ms !                 ';
        const stall = cold('  5ms a 5ms b 5ms c 5ms d 5ms a 5ms b 5ms c 5ms d|', values);
        const stallSubs = '   ^ 39ms !                                      ';
        const config = { first: 8, idle: 12, total: 40 };

        expectObservable(fast.pipe(timeoutStream(config))).toBe('5ms a 5ms b 5ms c 11ms #', values, timeoutError('idle', 12, 'a', 'b', 'c'));
        expectObservable(stall.pipe(timeoutStream(config))).toBe(
          '5ms a 5ms b 5ms c 5ms d 5ms a 5ms b 4ms #',
          values,
          timeoutError('total', 40, 'a', 'b', 'c', 'd', 'a', 'b'),
        );
        expectSubscriptions(fast.subscriptions).toBe(fastSubs);
        expectSubscriptions(stall.subscriptions).toBe(stallSubs);
      });
    });

    it('total still applies after the final chunk while upstream has not completed', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('a 4ms F 99ms |', values);
        const subs = '       ^ 29ms !      ';
        const expected = '   a 4ms F 24ms #';

        expectObservable(source.pipe(timeoutStream({ idle: 10, total: 30 }))).toBe(expected, values, timeoutError('total', 30, 'a', 'F'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('reports the more specific phase when two deadlines coincide', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('50ms a|', values);
        const subs = '       ^ 19ms ! ';
        const expected = '   20ms #   ';

        expectObservable(source.pipe(timeoutStream({ first: 20, total: 20 }))).toBe(expected, values, timeoutError('first', 20));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('the error', () => {
    it('is a StreamTimeoutError with reason, phase, timeoutMs and a text-only partial response', () => {
      testScheduler().run(({ cold, expectSubscriptions, flush }) => {
        const source = cold('-- 9ms a 9ms b 40ms c|', values);
        const subs = '       ^ 40ms !             ';
        let error: unknown;
        source.pipe(timeoutStream({ idle: 20 })).subscribe({ error: (e: unknown) => (error = e) });
        flush();

        expect(error).toBeInstanceOf(StreamTimeoutError);
        expect(isStreamInterruptedError(error)).toBe(true);
        const timeout = error as StreamTimeoutError;
        expect(timeout.message).toBe('Stream timed out: no chunk for 20 ms (idle)');
        expect(timeout).toMatchObject({ reason: 'timeout', phase: 'idle', timeoutMs: 20 });
        expect(timeout.partialResponse.completeText).toBe('Hello ');
        expect(timeout.partialResponse.chunkCount).toBe(2);
        expect(timeout.partialResponse.chunks).toEqual([]);
        expect(timeout.partialResponse.startTime).toBe(0);
        expect(timeout.partialResponse.duration).toBe(41);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('comes after upstream was unsubscribed (a provider aborts its request first)', () => {
      testScheduler().run(({ cold, expectSubscriptions, flush }) => {
        const log: string[] = [];
        const inner = cold('-- 9ms a 99ms b|', values);
        const subs = '      ^ 30ms !          ';
        const source = new Observable<StreamChunk>((subscriber) => {
          const subscription = inner.subscribe(subscriber);
          return () => {
            log.push('upstream unsubscribed');
            subscription.unsubscribe();
          };
        });
        source.pipe(timeoutStream({ idle: 20 })).subscribe({ error: () => log.push('error') });
        flush();

        expect(log).toEqual(['upstream unsubscribed', 'error']);
        expectSubscriptions(inner.subscriptions).toBe(subs);
      });
    });

    it('source errors pass on unchanged and cancel the watchdog', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const failure = new ProviderError('upstream broke', { provider: 'mock', status: 500 });
        const source = cold('-- 9ms a 4ms #', values, failure);
        const subs = '       ^ 15ms !      ';
        const expected = '   -- 9ms a 4ms #';

        expectObservable(source.pipe(timeoutStream({ idle: 15, total: 50 }))).toBe(expected, values, failure);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('subscription', () => {
    it('unsubscribing early unsubscribes upstream and stops the watchdog', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-- 9ms a 9ms b 9ms c|', values);
        const unsub = '      ^ 14ms !             ';
        const subs = '       ^ 14ms !             ';
        const expected = '   -- 9ms a ---         ';

        expectObservable(source.pipe(timeoutStream({ idle: 20 })), unsub).toBe(expected, values);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('a synchronous source completes before any timer is armed', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('(abF|)', values);
        const subs = '       (^!)    ';
        const expected = '   (abF|)  ';

        expectObservable(source.pipe(timeoutStream({ first: 1, idle: 1, total: 1 }))).toBe(expected, values);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(() => of(values['a'] as StreamChunk).pipe(timeoutStream(10)).subscribe()).not.toThrow();
    });

    it('a downstream take(1) on a synchronous source unsubscribes upstream and arms no timer', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('(abF|)', values);
        const subs = '       (^!)    ';
        const expected = '   (a|)    ';

        expectObservable(source.pipe(timeoutStream({ idle: 10 }), take(1))).toBe(expected, values);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('chunks delivered synchronously start the idle clock at subscribe time', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('(ab) 50ms c|', values);
        const subs = '       ^ 9ms !      ';
        const expected = '   (ab) 6ms #   ';

        expectObservable(source.pipe(timeoutStream({ idle: 10 }))).toBe(expected, values, timeoutError('idle', 10, 'a', 'b'));
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });
  });

  describe('a custom scheduler', () => {
    // On a half-speed clock every deadline passes at twice its ms after the subscription (at frame 4, so a
    // start read from another clock shows too); the run's own clock (asyncScheduler) would fire at its ms.
    it('measures every deadline on the given scheduler', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const slow = halfSpeedScheduler();
        const late = cold('   - 30ms a|', values);
        const stalled = cold('a 30ms b|', values);
        const long = cold('   a 9ms b 9ms c 9ms d 9ms F|', values);
        const subscribe = '   ----^';

        expectObservable(late.pipe(timeoutStream({ first: 10, scheduler: slow })), subscribe).toBe('---- 20ms #', values, timeoutError('first', 10));
        expectObservable(stalled.pipe(timeoutStream({ idle: 10, scheduler: slow })), subscribe).toBe(
          '----a 19ms #',
          values,
          timeoutError('idle', 10, 'a'),
        );
        expectObservable(long.pipe(timeoutStream({ idle: 8, total: 12, scheduler: slow })), subscribe).toBe(
          '----a 9ms b 9ms c 3ms #',
          values,
          timeoutError('total', 12, 'a', 'b', 'c'),
        );
        expectSubscriptions(late.subscriptions).toBe('   ----^ 19ms !');
        expectSubscriptions(stalled.subscriptions).toBe('----^ 19ms !');
        expectSubscriptions(long.subscriptions).toBe('   ----^ 23ms !');
      });
    });

    it('re-arms the single watchdog only a few times over a long stream', () => {
      const scheduler = testScheduler();
      scheduler.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
        const counted = countingScheduler();
        const marbles = `${'a-'.repeat(500)}F|`;
        const source = cold(marbles, values);
        const subs = `^${'-'.repeat(1000)}!`;

        expectObservable(source.pipe(timeoutStream({ idle: 100, scheduler: counted.scheduler }))).toBe(marbles, values);
        expectSubscriptions(source.subscriptions).toBe(subs);
        flush();
        // A timer per chunk would schedule 500 times; the watchdog is scheduled once and fires about
        // once per idle period (1000 ms / 100 ms), re-arming itself for the remaining time.
        expect(counted.scheduled).toBe(1);
        expect(counted.fired).toBeLessThanOrEqual(12);
        expect(counted.fired).toBeGreaterThanOrEqual(9);
      });
    });
  });

  describe('long and unlimited deadlines', () => {
    it('honours a deadline longer than a timer can hold (2^31 ms), in timer-sized steps', () => {
      testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const long = 2 ** 31 + 5;
        const source = cold('-a 3000000000ms b|', values);
        expectObservable(source.pipe(timeoutStream({ total: long }))).toBe(`-a ${long - 2}ms #`, values, new StreamTimeoutError(`Stream timed out: not finished within ${long} ms (total)`, { partialResponse: partialOf(values, 'a'), phase: 'total', timeoutMs: long }));
        expectSubscriptions(source.subscriptions).toBe(`^ ${long - 1}ms !`);
      });
    });

    it('Infinity means no limit: no timer is armed for it', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const source = cold('-a 99ms b|', values);
        expectObservable(source.pipe(timeoutStream({ first: Infinity, total: Infinity }))).toBe('-a 99ms b|', values);
        expectObservable(source.pipe(timeoutStream(Infinity))).toBe('-a 99ms b|', values);
      });
      const clock = { now: () => 0, schedule: vi.fn(() => new Subscription()) };
      of(values.a!, values.b!).pipe(timeoutStream({ first: Infinity, idle: Infinity, total: Infinity, scheduler: clock })).subscribe();
      expect(clock.schedule).not.toHaveBeenCalled();
    });

    it('first: Infinity waits for the first chunk forever, then the idle deadline applies', () => {
      testScheduler().run(({ cold, expectObservable }) => {
        const source = cold('500ms a 30ms b|', values);
        expectObservable(source.pipe(timeoutStream({ first: Infinity, idle: 20 }))).toBe('500ms a 19ms #', values, new StreamTimeoutError('Stream timed out: no chunk for 20 ms (idle)', { partialResponse: partialOf(values, 'a'), phase: 'idle', timeoutMs: 20 }));
      });
    });
  });

  describe('invalid options (thrown at call time, nothing subscribed)', () => {
    const cases: readonly [string, () => unknown, ErrorConstructor, RegExp][] = [
      ['0 ms', () => timeoutStream(0), RangeError, /^timeoutStream: ms must be a positive number of ms \(or Infinity for no limit\), got 0/],
      ['NaN ms', () => timeoutStream(Number.NaN), TypeError, /^timeoutStream: ms must be a positive number/],
      ['no deadline', () => timeoutStream({}), TypeError, /^timeoutStream: one of first, idle or total is required/],
      ['negative idle', () => timeoutStream({ idle: -1 }), RangeError, /^timeoutStream: idle must be a positive number of ms \(or Infinity for no limit\), got -1/],
      ['string first', () => timeoutStream({ first: '5' as unknown as number }), TypeError, /^timeoutStream: first must be a positive number of ms \(or Infinity for no limit\), got "5"/],
      ['negative total', () => timeoutStream({ total: -Infinity }), RangeError, /^timeoutStream: total must be a positive number of ms/],
      ['null config', () => timeoutStream(null as unknown as number), TypeError, /^timeoutStream: config must be an object/],
      ['bad scheduler', () => timeoutStream({ total: 5, scheduler: 5 as unknown as SchedulerLike }), TypeError, /^timeoutStream: scheduler must be an RxJS scheduler/],
      ['scheduler without now/schedule', () => timeoutStream({ total: 5, scheduler: {} as unknown as SchedulerLike }), TypeError, /^timeoutStream: scheduler must be an RxJS scheduler/],
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

  describe('against a reference model (fast-check)', () => {
    // Chunks at even frames, deadlines odd: a chunk never lands on the frame a deadline expires.
    const arbitraryCase = fc.record({
      gaps: fc.array(fc.integer({ min: 1, max: 15 }).map((n) => 2 * n), { minLength: 0, maxLength: 8 }),
      endGap: fc.integer({ min: 1, max: 30 }).map((n) => 2 * n),
      finalLast: fc.boolean(),
      first: fc.option(fc.integer({ min: 0, max: 40 }).map((n) => 2 * n + 1), { nil: undefined }),
      idle: fc.option(fc.integer({ min: 0, max: 20 }).map((n) => 2 * n + 1), { nil: undefined }),
      total: fc.option(fc.integer({ min: 0, max: 80 }).map((n) => 2 * n + 1), { nil: undefined }),
    }).filter((c) => c.first !== undefined || c.idle !== undefined || c.total !== undefined);

    it('errors exactly when and how the earliest expired deadline says, else mirrors the source', () => {
      fc.assert(
        fc.property(arbitraryCase, ({ gaps, endGap, finalLast, first, idle, total }) => {
          const times: number[] = [];
          for (const gap of gaps) times.push((times.at(-1) ?? 0) + gap);
          const end = (times.at(-1) ?? 0) + endGap;
          const isFinal = (i: number): boolean => finalLast && i === times.length - 1;

          // The model: every deadline as (time, phase, ms); the earliest one before `end` wins, first/idle on ties.
          const candidates: { at: number; phase: TimeoutPhase; ms: number }[] = [];
          const firstMs = first ?? idle;
          if (firstMs !== undefined && (times[0] ?? end) > firstMs) candidates.push({ at: firstMs, phase: 'first', ms: firstMs });
          if (idle !== undefined) {
            times.forEach((t, i) => {
              if (!isFinal(i) && (times[i + 1] ?? end) > t + idle) candidates.push({ at: t + idle, phase: 'idle', ms: idle });
            });
          }
          if (total !== undefined && end > total) candidates.push({ at: total, phase: 'total', ms: total });
          const expiry = candidates.filter((c) => c.at < end).sort((x, y) => x.at - y.at || (x.phase === 'total' ? 1 : -1))[0];

          testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
            const keys = times.map((_, i) => (isFinal(i) ? 'F' : 'abcd'[i % 4] as string));
            let marbles = '';
            let cursor = 0;
            const append = (at: number, symbol: string): void => {
              if (at > cursor) marbles += ` ${at - cursor}ms `;
              marbles += symbol;
              cursor = at + 1;
            };
            const expected = (): string => {
              const out = marbles;
              marbles = '';
              cursor = 0;
              return out;
            };
            times.forEach((t, i) => append(t, keys[i] as string));
            append(end, '|');
            const source = cold(expected(), values);

            const stop = expiry?.at ?? end;
            times.forEach((t, i) => {
              if (t < stop) append(t, keys[i] as string);
            });
            append(stop, expiry === undefined ? '|' : '#');
            const delivered = keys.filter((_, i) => (times[i] as number) < stop);
            const error = expiry === undefined ? undefined : timeoutError(expiry.phase, expiry.ms, ...delivered);

            expectObservable(source.pipe(timeoutStream({ first, idle, total }))).toBe(expected(), values, error);
            expectSubscriptions(source.subscriptions).toBe(`^ ${stop - 1}ms !`);
          });
        }),
        { numRuns: 500 },
      );
    });
  });
});

/** Wraps the running (virtualised) async scheduler, counting `schedule` calls and watchdog runs. */
function countingScheduler(): { scheduler: SchedulerLike; scheduled: number; fired: number } {
  const counted = {
    scheduled: 0,
    fired: 0,
    scheduler: undefined as unknown as SchedulerLike,
  };
  // Inside TestScheduler.run the async scheduler is virtualised.
  const base: SchedulerLike = asyncScheduler;
  counted.scheduler = {
    now: () => base.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
      counted.scheduled++;
      return base.schedule(function (this: SchedulerAction<T>, s?: T) {
        counted.fired++;
        work.call(this, s);
      }, delay, state);
    },
  };
  return counted;
}

/*
 * interruptAfter(chars | { chars, chunks, time, when, notifier, signal, mode = 'complete', scheduler })
 *
 * #region diagram: interruptAfter/chars
 * source:   -a-b-c-d-F|            a..d = 'Hello' each
 * interruptAfter(12)
 * result:   -a-b-(cI|)             c brings the total to 15 >= 12; I = final chunk, finishReason 'interrupted'
 * upstream: ^----!
 * #endregion
 *
 * #region diagram: interruptAfter/error
 * source:   -a-b-c-d-F|
 * interruptAfter({ chunks: 2, mode: 'error' })
 * result:   -a-(b#)                # = StreamInterruptedError reason 'chunks', partial 'HelloHello'
 * upstream: ^--!
 * #endregion
 *
 * #region diagram: interruptAfter/notifier
 * source:   -a-b-c-d-F|
 * notifier: ----x
 * interruptAfter({ notifier })
 * result:   -a-b(I|)               I = final chunk, interruptedBy 'notifier'
 * upstream: ^---!
 * #endregion
 */
import { Subject, of, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { chunk, type ChunkMetadata, type StreamChunk } from '../src/chunk.js';
import type { InterruptReason } from '../src/chunk.js';
import { StreamInterruptedError } from '../src/errors/StreamInterruptedError.js';
import { interruptAfter } from '../src/operators/interruptAfter.js';
import { StreamingResponse } from '../src/response.js';
import { halfSpeedScheduler, testScheduler } from './helpers.js';

const meta: ChunkMetadata = { provider: 'openai', model: 'gpt-x' };
const c = (content: string, metadata: ChunkMetadata = meta): StreamChunk => chunk(content, { metadata, timestamp: 0 });
const F = chunk('', { metadata: { ...meta, finishReason: 'stop' }, isFinal: true, timestamp: 0 });
const values = { a: c('Hello'), b: c('Hello'), c: c('Hello'), d: c('Hello'), F };
/** The final chunk interruptAfter ends with in 'complete' mode, made at `timestamp`. */
const interrupted = (reason: InterruptReason, timestamp: number, metadata: ChunkMetadata = meta): StreamChunk =>
  chunk('', { metadata: { ...metadata, finishReason: 'interrupted', interruptedBy: reason }, isFinal: true, timestamp });
/** The error of 'error' mode, with the partial text the normalising matcher compares. */
const interruptedError = (reason: InterruptReason, text: string, chunks: number): StreamInterruptedError => {
  const partialResponse = new StreamingResponse({ keepChunks: false });
  for (let i = 0; i < chunks; i++) partialResponse.addChunk(c(i === 0 ? text : ''));
  return new StreamInterruptedError(`Stream interrupted (${reason}) after ${chunks} chunk(s)`, { partialResponse, reason });
};

describe('interruptAfter', () => {
  it('passes the chunk that reaches the chars limit, unsubscribes upstream, ends with an interrupted final chunk', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-F|', values);
      expectObservable(source.pipe(interruptAfter(12))).toBe('-a-b-(cI|)', { ...values, I: interrupted('chars', 5) });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('counts a limit met exactly as reached', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', values);
      expectObservable(source.pipe(interruptAfter({ chars: 10 }))).toBe('-a-(bI|)', { ...values, I: interrupted('chars', 3) });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('errors with a StreamInterruptedError holding the partial response in error mode', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-F|', values);
      expectObservable(source.pipe(interruptAfter({ chunks: 2, mode: 'error' }))).toBe(
        '-a-(b#)',
        values,
        interruptedError('chunks', 'HelloHello', 2),
      );
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('stops when `when` returns true, giving it the chunk and the running response', () => {
    const seen: string[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', { a: c('one.'), b: c(' two.'), c: c(' three.') });
      const when = (value: StreamChunk, response: StreamingResponse): boolean => {
        seen.push(`${value.content}|${response.completeText}`);
        return response.completeText.split('.').length > 2;
      };
      expectObservable(source.pipe(interruptAfter({ when }))).toBe('-a-(bI|)', {
        a: c('one.'),
        b: c(' two.'),
        I: interrupted('when', 3),
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    expect(seen).toEqual(['one.|one.', ' two.|one. two.']);
  });

  it('errors (and unsubscribes upstream) when `when` throws', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', values);
      const when = (value: StreamChunk): boolean => {
        if (value === values.b) throw new Error('bad predicate');
        return false;
      };
      expectObservable(source.pipe(interruptAfter({ when }))).toBe('-a-#', values, new Error('bad predicate'));
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('stops time ms after subscribing, in virtual time', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a 9ms b 9ms c-|', values);
      expectObservable(source.pipe(interruptAfter({ time: 15 }))).toBe('-a 9ms b 3ms (I|)', {
        ...values,
        I: interrupted('time', 15),
      });
      expectSubscriptions(source.subscriptions).toBe('^ 14ms !');
    });
  });

  it('times the time limit and stamps the final chunk on the given scheduler', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // 15 ms on the half-speed clock are 30 frames; the final chunk is stamped with that clock's 15.
      const source = cold('-a 9ms b 9ms c 9ms d-|', values);
      expectObservable(source.pipe(interruptAfter({ time: 15, scheduler: halfSpeedScheduler() }))).toBe('-a 9ms b 9ms c 8ms (I|)', {
        ...values,
        I: interrupted('time', 15),
      });
      expectSubscriptions(source.subscriptions).toBe('^ 29ms !');
    });
  });

  it('stops when the notifier emits, ignoring a notifier that only completes', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-F|', values);
      const notifier = hot('----x');
      const quiet = cold('-|');
      expectObservable(source.pipe(interruptAfter({ notifier }))).toBe('-a-b(I|)', { ...values, I: interrupted('notifier', 4) });
      expectObservable(source.pipe(interruptAfter({ notifier: quiet }))).toBe('-a-b-c-d-F|', values);
      expectSubscriptions(source.subscriptions).toBe(['^---!', '^---------!']);
      expectSubscriptions(notifier.subscriptions).toBe('^---!');
      expectSubscriptions(quiet.subscriptions).toBe('^!');
    });
  });

  it('reports the given reason when the notifier stops the stream (a Stop button, a manager)', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-F|', values);
      const notifier = hot('----x');
      expectObservable(source.pipe(interruptAfter({ notifier, reason: 'stop-button' }))).toBe('-a-b(I|)', { ...values, I: interrupted('stop-button', 4) });
      expectObservable(source.pipe(interruptAfter({ notifier, reason: 'stop-button', mode: 'error' }))).toBe(
        '-a-b#',
        values,
        interruptedError('stop-button', 'HelloHello', 2),
      );
      expectSubscriptions(source.subscriptions).toBe(['^---!', '^---!']);
    });
  });

  it('passes a notifier error on', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', values);
      const notifier = cold('---#', undefined, new Error('notifier failed'));
      expectObservable(source.pipe(interruptAfter({ notifier }))).toBe('-a-#', values, new Error('notifier failed'));
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(notifier.subscriptions).toBe('^--!');
    });
  });

  it('does not subscribe upstream when the notifier emits at once', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-|', values);
      const notifier = of('now');
      expectObservable(source.pipe(interruptAfter({ notifier, mode: 'error' }))).toBe(
        '#',
        undefined,
        new StreamInterruptedError('Stream interrupted (notifier) after 0 chunk(s)', {
          partialResponse: new StreamingResponse(),
          reason: 'notifier',
        }),
      );
      expectSubscriptions(source.subscriptions).toBe([]);
    });
  });

  it('stops when the AbortSignal aborts, and never starts with an aborted one', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', values);
      const controller = new AbortController();
      const aborted = AbortSignal.abort();
      cold('--x').subscribe(() => controller.abort());
      expectObservable(source.pipe(interruptAfter({ signal: controller.signal }))).toBe('-a(I|)', {
        ...values,
        I: interrupted('signal', 2),
      });
      expectObservable(source.pipe(interruptAfter({ signal: aborted }))).toBe('(I|)', { I: interrupted('signal', 0, {}) });
      expectSubscriptions(source.subscriptions).toBe(['^-!']);
    });
  });

  it('reports the reason of whichever limit comes first', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-|', values);
      const result = source.pipe(interruptAfter({ chars: 100, chunks: 3, time: 100 }));
      expectObservable(result).toBe('-a-b-(cI|)', { ...values, I: interrupted('chunks', 5) });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('just passes a final chunk that reaches the limit, and the source completes normally before a limit', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const reaching = cold('-a-F-|', values);
      const short = cold('-a-F-|', values);
      expectObservable(reaching.pipe(interruptAfter({ chunks: 2 }))).toBe('-a-(F|)', values);
      expectObservable(short.pipe(interruptAfter({ chunks: 5 }))).toBe('-a-F-|', values);
      expectSubscriptions(reaching.subscriptions).toBe('^--!');
      expectSubscriptions(short.subscriptions).toBe('^----!');
    });
  });

  it('completes without a second final chunk when a trigger fires after the final chunk passed', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-F---|', values);
      const notifier = hot('-----x');
      expectObservable(source.pipe(interruptAfter({ notifier }))).toBe('-a-F-|', values);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('passes source errors on unchanged', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', values, new Error('network'));
      expectObservable(source.pipe(interruptAfter(100))).toBe('-a-#', values, new Error('network'));
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('takes provider and model from the stream so far; omits them when unknown', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', { a: c('x', { provider: 'anthropic' }), b: c('y', { model: 'claude-z' }) });
      const anonymous = cold('-a-|', { a: c('xyz', {}) });
      expectObservable(source.pipe(interruptAfter(2))).toBe('-a-(bI|)', {
        a: c('x', { provider: 'anthropic' }),
        b: c('y', { model: 'claude-z' }),
        I: interrupted('chars', 3, { provider: 'anthropic', model: 'claude-z' }),
      });
      expectObservable(anonymous.pipe(interruptAfter(2))).toBe('-(aI|)', { a: c('xyz', {}), I: interrupted('chars', 1, {}) });
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(anonymous.subscriptions).toBe('^!');
    });
  });

  it('cancels its timer and notifier when unsubscribed, and restarts fresh for each subscription', () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-|', values);
      const notifier = hot('-- 20ms x');
      expectObservable(source.pipe(interruptAfter({ time: 6, notifier })), '^--!').toBe('-a-', values);
      expectObservable(source.pipe(interruptAfter({ time: 6, notifier })), '---^').toBe('----a-b-c(I|)', { ...values, I: interrupted('time', 9) });
      expectSubscriptions(source.subscriptions).toBe(['^--!', '---^-----!']);
      expectSubscriptions(notifier.subscriptions).toBe(['^--!', '---^-----!']);
    });
  });

  it('stops upstream when downstream unsubscribes first', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', values);
      expectObservable(source.pipe(interruptAfter(100), take(2))).toBe('-a-(b|)', values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('works with a Subject notifier (a Stop button)', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', values);
      const stop = new Subject<void>();
      cold('--x').subscribe(() => stop.next());
      expectObservable(source.pipe(interruptAfter({ notifier: stop, mode: 'error' }))).toBe(
        '-a#',
        values,
        interruptedError('notifier', 'Hello', 1),
      );
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('rejects invalid options at call time, naming them', () => {
    expect(() => interruptAfter(0)).toThrow(RangeError);
    expect(() => interruptAfter(0)).toThrow(/chars/);
    expect(() => interruptAfter({})).toThrow(TypeError);
    expect(() => interruptAfter({ mode: 'error' })).toThrow(/one of chars, chunks, time, when, notifier or signal/);
    expect(() => interruptAfter({ chars: -1 })).toThrow(/chars/);
    expect(() => interruptAfter({ chunks: 1.5 })).toThrow(/chunks/);
    expect(() => interruptAfter({ time: 0 })).toThrow(/time/);
    expect(() => interruptAfter({ when: 'yes' as unknown as () => boolean })).toThrow(/when/);
    expect(() => interruptAfter({ notifier: 5 as unknown as Subject<void> })).toThrow(/notifier/);
    expect(() => interruptAfter({ signal: {} as AbortSignal })).toThrow(/signal/);
    expect(() => interruptAfter({ chars: 5, mode: 'stop' as 'error' })).toThrow(/mode/);
    expect(() => interruptAfter({ chars: 5, scheduler: null as unknown as undefined })).toThrow(/scheduler/);
    expect(() => interruptAfter({ chars: 5, reason: '' })).toThrow(/reason/);
  });
});

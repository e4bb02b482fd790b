/*
 * bufferChunks(count | { count, time, chars, boundary, scheduler })
 *
 * #region diagram: bufferChunks/count
 * source:   -a-b-c-d-e-F|
 * bufferChunks(2)
 * result:   ---x---y---G|          x = a+b, y = c+d, G = e+F (final)
 * upstream: ^-----------!
 * #endregion
 *
 * #region diagram: bufferChunks/time
 * source:   -a 9ms b 30ms c--|
 * bufferChunks({ time: 20 })
 * result:   - 20ms x 23ms (c|)     x = a+b, 20 ms after a was held; c flushed at completion
 * #endregion
 *
 * #region diagram: bufferChunks/boundary
 * source:   -a-b-c---F|            a = 'Hel', b = 'lo\nWor', c = 'ld\nA\nB', F = final 'C'
 * bufferChunks({ boundary: 'line' })
 * result:   ---x-(yz)G|            x = 'Hello\n', y = 'World\n', z = 'A\n', G = 'BC' (final)
 * #endregion
 */
import { map, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { chunk, type ChunkMetadata, type StreamChunk } from '../src/chunk.js';
import { bufferChunks } from '../src/operators/bufferChunks.js';
import { halfSpeedScheduler, testScheduler } from './helpers.js';

const meta: ChunkMetadata = { provider: 'mock', model: 'm' };
const c = (content: string, timestamp = 0, metadata: ChunkMetadata = meta): StreamChunk => chunk(content, { metadata, timestamp });
const fin = (content: string, timestamp = 0, metadata: ChunkMetadata = { ...meta, finishReason: 'stop' }): StreamChunk =>
  chunk(content, { metadata, timestamp, isFinal: true });
const delta = (index: number, argumentsDelta: string, extra: { id?: string; name?: string } = {}, timestamp = 0): StreamChunk =>
  c('', timestamp, { ...meta, toolCallDelta: { index, argumentsDelta, ...extra } });

describe('bufferChunks', () => {
  it('merges every count chunks; a final chunk flushes the rest merged into itself', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-e-F|', { a: c('a', 1), b: c('b', 3), c: c('c', 5), d: c('d', 7), e: c('e', 9), F: fin('', 11) });
      expectObservable(source.pipe(bufferChunks(2))).toBe('---x---y---G|', { x: c('ab', 3), y: c('cd', 7), G: fin('e', 11) });
      expectSubscriptions(source.subscriptions).toBe('^-----------!');
    });
  });

  it('flushes what it holds on completion', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c|', { a: c('a'), b: c('b'), c: c('c', 5) });
      expectObservable(source.pipe(bufferChunks({ count: 2 }))).toBe('---x--(y|)', { x: c('ab'), y: c('c', 5) });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('flushes what it holds before an error', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c#', { a: c('a'), b: c('b'), c: c('c') }, new Error('boom'));
      expectObservable(source.pipe(bufferChunks(2))).toBe('---x--(y#)', { x: c('ab'), y: c('c') }, new Error('boom'));
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('emits nothing for an empty source, and errors at once when nothing is held', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const empty = cold<StreamChunk>('---|');
      const failing = cold<StreamChunk>('--#', undefined, new Error('down'));
      expectObservable(empty.pipe(bufferChunks(3))).toBe('---|');
      expectObservable(failing.pipe(bufferChunks(3))).toBe('--#', undefined, new Error('down'));
      expectSubscriptions(empty.subscriptions).toBe('^--!');
      expectSubscriptions(failing.subscriptions).toBe('^-!');
    });
  });

  it('flushes time ms after the first held chunk, and runs no timer while nothing is held', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a 9ms b 30ms c--|', { a: c('a', 1), b: c('b', 11), c: c('c', 42) });
      expectObservable(source.pipe(bufferChunks({ time: 20 }))).toBe('- 20ms x 23ms (c|)', { x: c('ab', 11), c: c('c', 42) });
      expectSubscriptions(source.subscriptions).toBe('^ 44ms !');
    });
  });

  it('starts a new time window with the first chunk held after a flush', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a 4ms b 4ms c 4ms d 4ms e 4ms f 19ms |', {
        a: c('a', 0), b: c('b', 5), c: c('c', 10), d: c('d', 15), e: c('e', 20), f: c('f', 25),
      });
      // Windows [0,12) and [15,27): a timer starts with the first chunk held, not on a fixed grid.
      expectObservable(source.pipe(bufferChunks({ time: 12 }))).toBe('12ms x 14ms y 17ms |', { x: c('abc', 10), y: c('def', 25) });
      expectSubscriptions(source.subscriptions).toBe('^ 44ms !');
    });
  });

  it('flushes on whichever of count and time comes first', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('ab 20ms c 20ms |', { a: c('a'), b: c('b'), c: c('c', 22) });
      // a+b by count at 1 (its timer cancelled), c by time at 22 + 10.
      expectObservable(source.pipe(bufferChunks({ count: 2, time: 10 }))).toBe('-x 30ms y 10ms |', { x: c('ab'), y: c('c', 22) });
      expectSubscriptions(source.subscriptions).toBe('^ 42ms !');
    });
  });

  it('flushes when chars characters are held', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d|', { a: c('ab'), b: c('cde'), c: c('f'), d: c('ghijkl') });
      expectObservable(source.pipe(bufferChunks({ chars: 5 }))).toBe('---x---y|', { x: c('abcde'), y: c('fghijkl') });
      expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  it('with boundary alone, emits one chunk per line and keeps the unfinished line', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c---F|', { a: c('Hel', 1), b: c('lo\nWor', 3), c: c('ld\nA\nB', 5), F: fin('C', 9) });
      expectObservable(source.pipe(bufferChunks({ boundary: 'line' }))).toBe('---x-(yz)G|', {
        x: c('Hello\n', 3),
        y: c('World\n', 5),
        z: c('A\n', 5),
        G: fin('BC', 9),
      });
      expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('with boundary alone, emits word by word and sentence by sentence', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const words = cold('-a-b-|', { a: c('Hi the'), b: c('re you') });
      expectObservable(words.pipe(bufferChunks({ boundary: 'word' }))).toBe('-x-y-(z|)', {
        x: c('Hi '),
        y: c('there '),
        z: c('you'),
      });
      expectSubscriptions(words.subscriptions).toBe('^----!');

      const sentences = cold('-a-b-c-|', { a: c('Hi. How'), b: c(' are you?'), c: c(' Fine.\tOk') });
      expectObservable(sentences.pipe(bufferChunks({ boundary: 'sentence' }))).toBe('-x-y-z-(w|)', {
        x: c('Hi. '),
        y: c('How are you?'),
        z: c(' Fine.\t'),
        w: c('Ok'),
      });
      expectSubscriptions(sentences.subscriptions).toBe('^------!');
    });
  });

  it('spots a sentence end split across chunks, and does not cut at a decimal point', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', { a: c('Pi is 3.14 today!'), b: c(' Yes') });
      expectObservable(source.pipe(bufferChunks({ count: 2, boundary: 'sentence' }))).toBe('---x-(y|)', {
        x: c('Pi is 3.14 today! '),
        y: c('Yes'),
      });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('with count and boundary, cuts at the last boundary and waits for one when there is none', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-e|', { a: c('one tw'), b: c('o thr'), c: c('ee'), d: c('four'), e: c('five six') });
      expectObservable(source.pipe(bufferChunks({ count: 2, boundary: 'word' }))).toBe('---x-----y(z|)', {
        x: c('one two '),
        y: c('threefourfive '),
        z: c('six'),
      });
      expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('with time and boundary, a timer that finds no boundary flushes with the next boundary', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a 9ms b 14ms c 9ms d 9ms |', { a: c('alpha be', 0), b: c('ta', 10), c: c('gam', 25), d: c('ma delta', 35) });
      // 10: 'alpha ' goes, 'beta' is kept and starts a new window; 20: no boundary; 25: still none; 35: 'gamma '.
      expectObservable(source.pipe(bufferChunks({ time: 10, boundary: 'word' }))).toBe('10ms x 24ms y 9ms (z|)', {
        x: c('alpha ', 10),
        y: c('betagamma ', 35),
        z: c('delta', 35),
      });
      expectSubscriptions(source.subscriptions).toBe('^ 44ms !');
    });
  });

  it('with chars and boundary, emits whole lines once enough is held', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', { a: c('ab\ncd'), b: c('\nef\ng'), c: c('hijk') });
      expectObservable(source.pipe(bufferChunks({ chars: 6, boundary: 'line' }))).toBe('---x---(y|)', {
        x: c('ab\ncd\nef\n'),
        y: c('ghijk'),
      });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('merges metadata with later chunks winning, concatenates thinking, keeps the last timestamp', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c|', {
        a: c('', 1, { provider: 'p', eventType: 'thinking', thinking: 'Let me ' }),
        b: c('', 3, { provider: 'p', eventType: 'thinking', thinking: 'think.', extra: 1 }),
        c: c('Hi', 5, { provider: 'p', eventType: 'text' }),
      });
      expectObservable(source.pipe(bufferChunks(3))).toBe('-----x|', {
        x: c('Hi', 5, { provider: 'p', eventType: 'text', thinking: 'Let me think.', extra: 1 }),
      });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('with a boundary, passes chunks without text at once while no text is held', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const t = (thinking: string, timestamp: number): StreamChunk => c('', timestamp, { ...meta, thinking });
      const source = cold('-a-b-c-d-|', { a: t('Let ', 1), b: t('me think', 3), c: c('Ok', 5), d: t('!', 7) });
      expectObservable(source.pipe(bufferChunks({ boundary: 'word' }))).toBe('-a-b-----(x|)', {
        a: t('Let ', 1),
        b: t('me think', 3),
        x: c('Ok', 7, { ...meta, thinking: '!' }),
      });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('gives thinking to the first piece of a split only', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a----|', { a: c('x\ny\nz', 1, { provider: 'p', thinking: 'hmm' }) });
      expectObservable(source.pipe(bufferChunks({ boundary: 'line' }))).toBe('-(ab)-(c|)', {
        a: c('x\n', 1, { provider: 'p', thinking: 'hmm' }),
        b: c('y\n', 1, { provider: 'p' }),
        c: c('z', 1, { provider: 'p' }),
      });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('merges tool-call deltas only with deltas of the same call', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-e-F|', {
        a: delta(0, '{"ci', { id: 'call_1', name: 'weather' }),
        b: delta(0, 'ty":"Oslo"}'),
        c: delta(1, '{"a":', { id: 'call_2', name: 'calc' }),
        d: delta(1, '1}'),
        e: c('Done'),
        F: fin(''),
      });
      expectObservable(source.pipe(bufferChunks(10))).toBe('-----x---y-G|', {
        x: delta(0, '{"city":"Oslo"}', { id: 'call_1', name: 'weather' }),
        y: delta(1, '{"a":1}', { id: 'call_2', name: 'calc' }),
        G: fin('Done'),
      });
      expectSubscriptions(source.subscriptions).toBe('^-----------!');
    });
  });

  it('never merges a standalone chunk (an agent\'s tool result): each passes alone, after what was held', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const result = (toolCallId: string, value: string): StreamChunk =>
        c('', 0, { ...meta, eventType: 'tool_result', toolResult: { toolCallId, name: 'echo', result: value }, standalone: true });
      const source = cold('-a-r----s----b-F|', { a: c('Hi'), r: result('c0', 'one'), s: result('c1', 'two'), b: c('Bye'), F: fin('') });
      expectObservable(source.pipe(bufferChunks(4))).toBe('---(ar)-s------G|', {
        a: c('Hi'),
        r: result('c0', 'one'),
        s: result('c1', 'two'),
        G: fin('Bye'),
      });
      expectSubscriptions(source.subscriptions).toBe('^---------------!');
    });
  });

  it('knows no agent: a chunk with a toolResult but not marked standalone merges like any other', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-r-b-F|', { a: c('Hi'), r: c(' there', 0, { ...meta, toolResult: { toolCallId: 'c0', name: 'echo', result: 1 } }), b: c('!'), F: fin('') });
      expectObservable(source.pipe(bufferChunks(3), map((x) => [x.content, x.isFinal]))).toBe('-----x-G|', {
        x: ['Hi there!', false],
        G: ['', true],
      });
    });
  });

  it('keeps the final chunk final when it has to flush held tool-call deltas first', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-F---|', { a: delta(0, '{}', { id: 'c1', name: 'n' }), b: delta(0, ''), F: fin('') });
      expectObservable(source.pipe(bufferChunks({ boundary: 'line' }))).toBe('-----(xF)|', {
        x: delta(0, '{}', { id: 'c1', name: 'n' }),
        F: fin(''),
      });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('times the time flush on the given scheduler', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // 20 ms on the half-speed clock are 40 frames: the flush comes 40 frames after a was held, not 20.
      const source = cold('-a 9ms b 30ms c--|', { a: c('a', 1), b: c('b', 11), c: c('c', 42) });
      expectObservable(source.pipe(bufferChunks({ time: 20, scheduler: halfSpeedScheduler() }))).toBe('- 40ms x 3ms (c|)', {
        x: c('ab', 11),
        c: c('c', 42),
      });
      expectSubscriptions(source.subscriptions).toBe('^ 44ms !');
    });
  });

  it('drops what it holds and cancels its timer when unsubscribed', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c 20ms |', { a: c('a'), b: c('b'), c: c('c') });
      // c is held at 5 with a timer for 10; unsubscribing at 9 must cancel it.
      expectObservable(source.pipe(bufferChunks({ count: 2, time: 5, scheduler })), '^---- 4ms !').toBe('---x', { x: c('ab') });
      expectSubscriptions(source.subscriptions).toBe('^---- 4ms !');
      scheduler.schedule(() => expect(scheduler.actions).toEqual([]), 9);
    });
  });

  it('stops upstream when downstream takes enough', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-|', { a: c('a'), b: c('b'), c: c('c'), d: c('d') });
      expectObservable(source.pipe(bufferChunks(2), take(1))).toBe('---(x|)', { x: c('ab') });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('rejects invalid options at call time, naming them', () => {
    expect(() => bufferChunks(0)).toThrow(RangeError);
    expect(() => bufferChunks(1.5)).toThrow(/count/);
    expect(() => bufferChunks({})).toThrow(new TypeError('bufferChunks: one of count, time, chars or boundary is required'));
    expect(() => bufferChunks({ time: -5 })).toThrow(/time/);
    expect(() => bufferChunks({ time: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => bufferChunks({ chars: 0 })).toThrow(/chars/);
    expect(() => bufferChunks({ boundary: 'paragraph' as 'line' })).toThrow(/boundary/);
    expect(() => bufferChunks(null as unknown as number)).toThrow(TypeError);
  });
});

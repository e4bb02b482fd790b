/*
 * mockStream(text, { chunkSize, delay, metadata, scheduler })
 *
 * #region diagram: mockStream/delay
 * trigger:    --x|                          a request, e.g. a click: mockStream is cold
 * mockStream('Hello world', { chunkSize: 5, delay: 10 })
 * result:     -- 10ms a 9ms b 9ms (cF|)     a = 'Hello', b = ' worl', c = 'd', F = final (finishReason 'stop')
 * #endregion
 *
 * #region diagram: mockStream/empty
 * trigger:    x-y|                          two requests, the second once the first has ended
 * mockStream('', { delay: 10 })
 * result:     10ms F 9ms (G|)               an empty text still ends with a final chunk, after the delay
 * #endregion
 *
 * delay 0: every chunk synchronously on subscribe, `(abcF|)`.
 */
import { concatMap, take, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { chunk, type ChunkMetadata, type StreamChunk } from '../src/chunk.js';
import { mockStream } from '../src/providers/mock.js';
import { halfSpeedScheduler, testScheduler } from './helpers.js';

const content: ChunkMetadata = { provider: 'mock', model: 'mock', eventType: 'delta' };
const done: ChunkMetadata = { provider: 'mock', model: 'mock', eventType: 'done', finishReason: 'stop', rawFinishReason: 'stop' };
const at = (text: string, timestamp: number, metadata: ChunkMetadata = content): StreamChunk => chunk(text, { metadata, timestamp });
const final = (timestamp: number, metadata: ChunkMetadata = done): StreamChunk => chunk('', { metadata, isFinal: true, timestamp });
/** The stream started by each trigger value, one after the other. */
const onTrigger = (trigger: Observable<string>, stream: Observable<StreamChunk>): Observable<StreamChunk> =>
  trigger.pipe(concatMap(() => stream));

describe('mockStream', () => {
  it('emits chunkSize pieces every delay ms after subscribing, the final chunk with the last piece', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const trigger = cold('--x|');
      const result = onTrigger(trigger, mockStream('Hello world', { chunkSize: 5, delay: 10 }));
      expectObservable(result).toBe('-- 10ms a 9ms b 9ms (cF|)', {
        a: at('Hello', 12),
        b: at(' worl', 22),
        c: at('d', 32),
        F: final(32),
      });
      expectSubscriptions(trigger.subscriptions).toBe('^--!');
    });
  });

  it('emits everything synchronously with delay 0', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const trigger = cold('--x 5ms |');
      expectObservable(onTrigger(trigger, mockStream('abcdefgh', { chunkSize: 3 }))).toBe('--(abcF)|', {
        a: at('abc', 2),
        b: at('def', 2),
        c: at('gh', 2),
        F: final(2),
      });
      expectSubscriptions(trigger.subscriptions).toBe('^ 7ms !');
    });
  });

  it('uses the default chunk size of 10', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const trigger = cold('x 4ms |');
      expectObservable(onTrigger(trigger, mockStream('0123456789abc'))).toBe('(abF)|', {
        a: at('0123456789', 0),
        b: at('abc', 0),
        F: final(0),
      });
      expectSubscriptions(trigger.subscriptions).toBe('^ 4ms !');
    });
  });

  it('ends an empty text with a final chunk, after the delay', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const trigger = cold('x-y|');
      const result = onTrigger(trigger, mockStream('', { delay: 10 }));
      expectObservable(result).toBe('10ms F 9ms (G|)', { F: final(10), G: final(20) });
      expectSubscriptions(trigger.subscriptions).toBe('^--!');
    });
  });

  it('never splits a surrogate pair or emoji across chunks', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const trigger = cold('x 5ms |');
      expectObservable(onTrigger(trigger, mockStream('a😀b𝄞c', { chunkSize: 2 }))).toBe('(xyzF)|', {
        x: at('a😀', 0),
        y: at('b𝄞', 0),
        z: at('c', 0),
        F: final(0),
      });
      expectSubscriptions(trigger.subscriptions).toBe('^ 5ms !');
    });
  });

  it('merges the metadata option into every chunk', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const trigger = cold('x 3ms |');
      const metadata = { model: 'fake-1', tag: 't' };
      expectObservable(onTrigger(trigger, mockStream('hi', { metadata }))).toBe('(aF)|', {
        a: at('hi', 0, { ...content, ...metadata }),
        F: final(0, { ...done, ...metadata }),
      });
      expectSubscriptions(trigger.subscriptions).toBe('^ 3ms !');
    });
  });

  it('stops its timer when unsubscribed mid-stream', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const trigger = cold('x|');
      const result = onTrigger(trigger, mockStream('aaabbbcccddd', { chunkSize: 3, delay: 10, scheduler }));
      expectObservable(result, '^ 24ms !').toBe('10ms a 9ms b', { a: at('aaa', 10), b: at('bbb', 20) });
      expectSubscriptions(trigger.subscriptions).toBe('^!');
      // Nothing left to run: the 30 ms tick was cancelled with the subscription.
      scheduler.schedule(() => expect(scheduler.actions).toEqual([]), 26);
    });
  });

  it('waits and stamps on the given scheduler', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // 10 ms on the half-speed clock are 20 frames, and its clock reads half the frame.
      const trigger = cold('--x|');
      const result = onTrigger(trigger, mockStream('Hello world', { chunkSize: 5, delay: 10, scheduler: halfSpeedScheduler() }));
      expectObservable(result).toBe('-- 20ms a 19ms b 19ms (cF|)', {
        a: at('Hello', 11),
        b: at(' worl', 21),
        c: at('d', 31),
        F: final(31),
      });
      expectSubscriptions(trigger.subscriptions).toBe('^--!');
    });
  });

  it('stops a synchronous stream when the subscriber unsubscribes during it', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const trigger = cold('x|');
      expectObservable(onTrigger(trigger, mockStream('abcdef', { chunkSize: 1 })).pipe(take(2))).toBe('(ab|)', {
        a: at('a', 0),
        b: at('b', 0),
      });
      expectSubscriptions(trigger.subscriptions).toBe('(^!)');
    });
  });

  it('rejects invalid options at call time, naming them', () => {
    expect(() => mockStream('x', { chunkSize: 0 })).toThrow(new RangeError('mockStream: chunkSize must be a positive integer, got 0'));
    expect(() => mockStream('x', { chunkSize: 1.5 })).toThrow(TypeError);
    expect(() => mockStream('x', { chunkSize: 1.5 })).toThrow(/chunkSize/);
    expect(() => mockStream('x', { delay: -1 })).toThrow(RangeError);
    expect(() => mockStream('x', { delay: -1 })).toThrow(/delay/);
    expect(() => mockStream(42 as unknown as string)).toThrow(TypeError);
  });
});

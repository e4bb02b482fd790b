/*
 * scanResponse({ keepChunks = false, scheduler })
 *
 * #region diagram: scanResponse/snapshots
 * source:   --a--b--F--|          a = 'Hel', b = 'lo', F = final
 * scanResponse()
 * result:   --x--y--z--|          x = 'Hel' (1 chunk), y = 'Hello' (2), z = 'Hello' (3, ended, 'stop')
 * upstream: ^----------!
 * #endregion
 */
import { map, pairwise } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { chunk, type ChunkMetadata } from '../src/chunk.js';
import { scanResponse } from '../src/operators/scanResponse.js';
import type { StreamingResponse } from '../src/response.js';
import { halfSpeedScheduler, testScheduler } from './helpers.js';

const meta: ChunkMetadata = { provider: 'ollama', model: 'llama' };
const values = {
  a: chunk('Hel', { metadata: meta, timestamp: 2 }),
  b: chunk('lo', { metadata: meta, timestamp: 5 }),
  F: chunk('', { metadata: { ...meta, finishReason: 'stop' }, isFinal: true, timestamp: 8 }),
};
const view = (r: StreamingResponse): Record<string, unknown> => ({
  text: r.completeText,
  chunkCount: r.chunkCount,
  chunks: r.chunks.length,
  endTime: r.endTime,
  finishReason: r.finishReason,
});

describe('scanResponse', () => {
  it('emits the running response after every chunk', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--F--|', values);
      expectObservable(source.pipe(scanResponse(), map(view))).toBe('--x--y--z--|', {
        x: { text: 'Hel', chunkCount: 1, chunks: 0, endTime: undefined, finishReason: undefined },
        y: { text: 'Hello', chunkCount: 2, chunks: 0, endTime: undefined, finishReason: undefined },
        z: { text: 'Hello', chunkCount: 3, chunks: 0, endTime: 8, finishReason: 'stop' },
      });
      expectSubscriptions(source.subscriptions).toBe('^----------!');
    });
  });

  it('emits a new object each time and never changes an emitted snapshot', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--F--|', values);
      const result = source.pipe(
        scanResponse(),
        pairwise(),
        map(([previous, next]) => [previous !== next, previous.completeText, previous.chunkCount]),
      );
      expectObservable(result).toBe('-----x--y--|', { x: [true, 'Hel', 1], y: [true, 'Hello', 2] });
      expectSubscriptions(source.subscriptions).toBe('^----------!');
    });
  });

  it('keeps chunks in each snapshot with keepChunks: true', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b-|', values);
      expectObservable(source.pipe(scanResponse({ keepChunks: true }), map((r) => r.chunks.map((c) => c.content)))).toBe(
        '--x--y-|',
        { x: ['Hel'], y: ['Hel', 'lo'] },
      );
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('starts each response on the given scheduler', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // Subscribed at frame 4: 2 on the half-speed clock.
      const source = cold('--a--b-|', values);
      const starts = source.pipe(scanResponse({ scheduler: halfSpeedScheduler() }), map((r) => r.startTime));
      expectObservable(starts, '----^').toBe('------x--x-|', { x: 2 });
      expectSubscriptions(source.subscriptions).toBe('----^------!');
    });
  });

  it('passes errors on unchanged and starts over for each subscription', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--#', values, new Error('lost'));
      const result = source.pipe(scanResponse(), map((r) => r.completeText));
      expectObservable(result).toBe('--x--#', { x: 'Hel' }, new Error('lost'));
      expectObservable(result, '-^').toBe('---x--#', { x: 'Hel' }, new Error('lost'));
      expectSubscriptions(source.subscriptions).toBe(['^----!', '-^----!']);
    });
  });

  it('stops upstream when unsubscribed', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--F--|', values);
      expectObservable(source.pipe(scanResponse(), map((r) => r.completeText)), '^---!').toBe('--x', { x: 'Hel' });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('rejects invalid options at call time', () => {
    expect(() => scanResponse({ keepChunks: 1 as unknown as boolean })).toThrow(/keepChunks/);
  });
});

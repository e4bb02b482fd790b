/*
 * streamMetrics({ scheduler })
 *
 * #region diagram: streamMetrics/metrics
 * source:   -- 8ms a 9ms b 9ms F|
 * streamMetrics()
 * result:   -- 8ms a' 9ms b' 9ms F'|   each chunk + metadata.metrics:
 *             a': elapsedMs 10, timeToFirstChunkMs 10, chunks 1, chars 8,  tokens 2, tokensPerSecond 200
 *             b': elapsedMs 20, timeToFirstChunkMs 10, chunks 2, chars 12, tokens 3, tokensPerSecond 150
 *             F': elapsedMs 30, timeToFirstChunkMs 10, chunks 3, chars 12, tokens 4 (usage), tokensPerSecond 133.3…
 * upstream: ^ 30ms !
 * #endregion
 */
import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { chunk, type ChunkMetadata, type StreamChunk } from '../src/chunk.js';
import type { StreamMetrics } from '../src/chunk.js';
import { streamMetrics } from '../src/operators/streamMetrics.js';
import { halfSpeedScheduler, testScheduler } from './helpers.js';

const meta: ChunkMetadata = { provider: 'openai' };
const usage = { inputTokens: 9, outputTokens: 4, totalTokens: 13 };
const values = {
  a: chunk('Machine ', { metadata: meta, timestamp: 10 }),
  b: chunk('lear', { metadata: meta, timestamp: 20 }),
  F: chunk('', { metadata: { ...meta, usage }, isFinal: true, timestamp: 30 }),
};
const withMetrics = (c: StreamChunk, metrics: StreamMetrics): StreamChunk => ({ ...c, metadata: { ...c.metadata, metrics } });

describe('streamMetrics', () => {
  it('adds elapsed time, time to first chunk, counts and a token rate to every chunk', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-- 8ms a 9ms b 9ms F|', values);
      expectObservable(source.pipe(streamMetrics())).toBe('-- 8ms a 9ms b 9ms F|', {
        a: withMetrics(values.a, { elapsedMs: 10, timeToFirstChunkMs: 10, chunks: 1, chars: 8, tokens: 2, tokensPerSecond: 200 }),
        b: withMetrics(values.b, { elapsedMs: 20, timeToFirstChunkMs: 10, chunks: 2, chars: 12, tokens: 3, tokensPerSecond: 150 }),
        F: withMetrics(values.F, { elapsedMs: 30, timeToFirstChunkMs: 10, chunks: 3, chars: 12, tokens: 4, tokensPerSecond: 4000 / 30 }),
      });
      expectSubscriptions(source.subscriptions).toBe('^ 30ms !');
    });
  });

  it('a reset chunk starts the counts over and is not counted itself', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const R = chunk('', { metadata: { reset: true }, timestamp: 3 });
      const source = cold('-ab-Ra-F|', { a: values.a, b: values.b, R, F: values.F });
      const counts = source.pipe(streamMetrics(), map((c) => `${c.metadata.metrics.chunks}/${c.metadata.metrics.chars}`));
      expectObservable(counts).toBe('-ab-Ra-F|', { a: '1/8', b: '2/12', R: '0/0', F: '2/8' });
    });
  });

  it('measures from each subscription, reports 0 tokens/s at 0 ms, and estimates tokens without usage', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const noUsage = chunk('', { metadata: meta, isFinal: true, timestamp: 0 });
      const source = cold('a-F|', { a: values.a, F: noUsage });
      expectObservable(source.pipe(streamMetrics()), '--^').toBe('--a-F|', {
        a: withMetrics(values.a, { elapsedMs: 0, timeToFirstChunkMs: 0, chunks: 1, chars: 8, tokens: 2, tokensPerSecond: 0 }),
        F: withMetrics(noUsage, { elapsedMs: 2, timeToFirstChunkMs: 0, chunks: 2, chars: 8, tokens: 2, tokensPerSecond: 1000 }),
      });
      expectSubscriptions(source.subscriptions).toBe('--^--!');
    });
  });

  it('never changes the source chunks, passes errors on, and stops upstream on unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', values, new Error('x'));
      const cut = cold('-a-b-|', values);
      expectObservable(source.pipe(streamMetrics())).toBe('-a-#', {
        a: withMetrics(values.a, { elapsedMs: 1, timeToFirstChunkMs: 1, chunks: 1, chars: 8, tokens: 2, tokensPerSecond: 2000 }),
      }, new Error('x'));
      expectObservable(cut.pipe(streamMetrics()), '^-!').toBe('-a', {
        a: withMetrics(values.a, { elapsedMs: 1, timeToFirstChunkMs: 1, chunks: 1, chars: 8, tokens: 2, tokensPerSecond: 2000 }),
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(cut.subscriptions).toBe('^-!');
    });
    expect(values.a.metadata).toEqual(meta);
  });

  it('measures on the given scheduler', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // The half-speed clock reads half the frame: the chunks at frames 10, 20 and 30 come 5, 10 and 15 ms in.
      const source = cold('-- 8ms a 9ms b 9ms F|', values);
      expectObservable(source.pipe(streamMetrics({ scheduler: halfSpeedScheduler() }))).toBe('-- 8ms a 9ms b 9ms F|', {
        a: withMetrics(values.a, { elapsedMs: 5, timeToFirstChunkMs: 5, chunks: 1, chars: 8, tokens: 2, tokensPerSecond: 400 }),
        b: withMetrics(values.b, { elapsedMs: 10, timeToFirstChunkMs: 5, chunks: 2, chars: 12, tokens: 3, tokensPerSecond: 300 }),
        F: withMetrics(values.F, { elapsedMs: 15, timeToFirstChunkMs: 5, chunks: 3, chars: 12, tokens: 4, tokensPerSecond: 4000 / 15 }),
      });
      expectSubscriptions(source.subscriptions).toBe('^ 30ms !');
    });
  });

  it('rejects an invalid scheduler', () => {
    expect(() => streamMetrics({ scheduler: 5 as unknown as undefined })).toThrow(/scheduler/);
  });
});

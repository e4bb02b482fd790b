/*
 * collectResponse({ keepChunks = true, scheduler })
 *
 * #region diagram: collectResponse/complete
 * source:   --a--b--c--F--|
 * collectResponse()
 * result:   --------------(r|)     r = StreamingResponse 'abc', 4 chunks, ended
 * upstream: ^-------------!
 * #endregion
 *
 * #region diagram: collectResponse/error
 * source:   --a--b--#
 * collectResponse()
 * result:   --------#              # = the source's error, its class kept, partialResponse 'ab' (2 chunks);
 *                                      a foreign error (not an AgenticraftError) wrapped in a StreamInterruptedError
 * upstream: ^-------!
 * #endregion
 */
import { catchError, map, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { chunk, type ChunkMetadata, type StreamChunk } from '../src/chunk.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { StreamInterruptedError, isStreamInterruptedError } from '../src/errors/StreamInterruptedError.js';
import { StreamTimeoutError } from '../src/errors/StreamTimeoutError.js';
import { collectResponse } from '../src/operators/collectResponse.js';
import { StreamingResponse } from '../src/response.js';
import { halfSpeedScheduler, testScheduler } from './helpers.js';

const meta: ChunkMetadata = { provider: 'anthropic', model: 'claude-x' };
const usage = { inputTokens: 5, outputTokens: 3, totalTokens: 8 };
const toolCalls = [{ id: 't1', name: 'calc', arguments: { a: 1 } }];
const values = {
  a: chunk('a', { metadata: meta, timestamp: 2 }),
  b: chunk('b', { metadata: { ...meta, thinking: 'hm' }, timestamp: 5 }),
  c: chunk('c', { metadata: meta, timestamp: 8 }),
  F: chunk('', { metadata: { ...meta, finishReason: 'tool_calls', usage, toolCalls }, isFinal: true, timestamp: 11 }),
};

/** What a user reads from a response. */
const summary = (r: StreamingResponse): Record<string, unknown> => ({
  text: r.completeText,
  thinking: r.thinking,
  chunkCount: r.chunkCount,
  chunks: r.chunks.map((c) => c.content),
  startTime: r.startTime,
  endTime: r.endTime,
  duration: r.duration,
  finishReason: r.finishReason,
  usage: r.usage,
  toolCalls: r.toolCalls,
  provider: r.metadata.provider,
});

describe('collectResponse', () => {
  it('emits one ended response with every chunk when the source completes', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--c--F--|', values);
      expectObservable(source.pipe(collectResponse(), map(summary))).toBe('--------------(r|)', {
        r: {
          text: 'abc',
          thinking: 'hm',
          chunkCount: 4,
          chunks: ['a', 'b', 'c', ''],
          startTime: 0,
          endTime: 11,
          duration: 11,
          finishReason: 'tool_calls',
          usage,
          toolCalls,
          provider: 'anthropic',
        },
      });
      expectSubscriptions(source.subscriptions).toBe('^-------------!');
    });
  });

  it('holds only the text and counters with keepChunks: false, and ends at completion without a final chunk', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b---|', values);
      expectObservable(source.pipe(collectResponse({ keepChunks: false }), map(summary)), '---^').toBe('------------(r|)', {
        r: {
          text: 'ab',
          thinking: 'hm',
          chunkCount: 2,
          chunks: [],
          startTime: 3,
          endTime: 12,
          duration: 9,
          finishReason: undefined,
          usage: undefined,
          toolCalls: [],
          provider: 'anthropic',
        },
      });
      expectSubscriptions(source.subscriptions).toBe('---^--------!');
    });
  });

  it('times the response on the given scheduler', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // Subscribed at frame 4, completed at 14: 2 and 7 on the half-speed clock.
      const source = cold('--a--b----|', values);
      const times = source.pipe(
        collectResponse({ scheduler: halfSpeedScheduler() }),
        map((r) => [r.startTime, r.endTime, r.duration]),
      );
      expectObservable(times, '----^').toBe('---- 10ms (r|)', { r: [2, 7, 5] });
      expectSubscriptions(source.subscriptions).toBe('----^ 9ms !');
    });
  });

  it('emits an empty response for an empty source', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<StreamChunk>('----|');
      expectObservable(source.pipe(collectResponse(), map((r) => [r.completeText, r.chunkCount, r.endTime]))).toBe('----(r|)', {
        r: ['', 0, 4],
      });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('keeps a ProviderError a ProviderError: a copy whose partial response holds every chunk seen', () => {
    const caught: unknown[] = [];
    const denied = new ProviderError('401 Incorrect API key', { provider: 'openai', status: 401 });
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--#', values, denied);
      const result = source.pipe(collectResponse());
      const partialResponse = new StreamingResponse().addChunk(values.a).addChunk(values.b);
      expectObservable(result).toBe('--------#', undefined, denied.withPartialResponse(partialResponse));
      expectSubscriptions(source.subscriptions).toBe(['^-------!', '^-------!']);
      result.subscribe({ error: (error: unknown) => caught.push(error) });
    });
    const error = caught[0] as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(StreamInterruptedError);
    expect([error.status, error.retryable, error.partialResponse?.completeText]).toEqual([401, false, 'ab']);
    expect(denied.partialResponse).toBeUndefined();
  });

  it('wraps a foreign error in a StreamInterruptedError whose partial response holds every chunk seen', () => {
    const caught: StreamingResponse[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--#', values, new Error('socket hang up'));
      const partialResponse = new StreamingResponse();
      partialResponse.addChunk(values.a).addChunk(values.b);
      const result = source.pipe(collectResponse());
      expectObservable(result).toBe(
        '--------#',
        undefined,
        new StreamInterruptedError('Stream failed after 2 chunk(s): socket hang up', { partialResponse, reason: 'error' }),
      );
      expectSubscriptions(source.subscriptions).toBe(['^-------!', '^-------!']);
      result
        .pipe(
          catchError((error: unknown) => {
            if (isStreamInterruptedError(error)) {
              expect((error.cause as Error).message).toBe('socket hang up');
              caught.push(error.partialResponse);
            }
            return of();
          }),
        )
        .subscribe();
    });
    expect(caught.map(summary)).toEqual([
      expect.objectContaining({ text: 'ab', chunks: ['a', 'b'], chunkCount: 2, endTime: 8, finishReason: undefined }),
    ]);
  });

  it('keeps the class, reason and phase of a StreamInterruptedError from upstream and gives it every chunk', () => {
    const caught: unknown[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const upstreamPartial = new StreamingResponse({ keepChunks: false }).addChunk(values.a);
      const timeout = new StreamTimeoutError('Stream timed out: no chunk for 5 ms (idle)', {
        partialResponse: upstreamPartial,
        phase: 'idle',
        timeoutMs: 5,
      });
      const source = cold('--a---#', values, timeout);
      const result = source.pipe(collectResponse());
      expectObservable(result).toBe('------#', undefined, timeout);
      expectSubscriptions(source.subscriptions).toBe(['^-----!', '^-----!']);
      result.subscribe({ error: (error: unknown) => caught.push(error) });
    });
    const error = caught[0] as StreamTimeoutError;
    expect(error).toBeInstanceOf(StreamTimeoutError);
    expect([error.phase, error.timeoutMs, error.reason]).toEqual(['idle', 5, 'timeout']);
    expect(error.partialResponse.chunks.map((c) => c.content)).toEqual(['a']);
  });

  it('makes a new response per subscription and stops upstream on unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--|', values);
      const result = source.pipe(collectResponse(), map((r) => r.completeText));
      expectObservable(result, '^---!').toBe('');
      expectObservable(result).toBe('--------(r|)', { r: 'ab' });
      expectSubscriptions(source.subscriptions).toBe(['^---!', '^-------!']);
    });
  });

  it('rejects invalid options at call time', () => {
    expect(() => collectResponse({ keepChunks: 'yes' as unknown as boolean })).toThrow(/keepChunks/);
    expect(() => collectResponse(null as unknown as undefined)).toThrow(TypeError);
  });
});

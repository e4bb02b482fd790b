/** Type tests for the public surface (run by vitest's typecheck). */
import { expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import type { Observable, OperatorFunction, MonoTypeOperatorFunction } from 'rxjs';
import {
  Agent,
  bufferChunks,
  collectResponse,
  defineTool,
  interruptAfter,
  mockStream,
  openai,
  retryStream,
  scanResponse,
  streamMetrics,
  timeoutStream,
  type AgentResponse,
  type Provider,
  type StreamChunk,
  type StreamingResponse,
  type StreamTimeoutError,
  type StreamInterruptedError,
  type TimeoutPhase,
} from '../src/index.js';
import { marbleProvider } from '../src/testing/index.js';

test('sources are Observables of chunks', () => {
  expectTypeOf(mockStream('hi')).toEqualTypeOf<Observable<StreamChunk>>();
  expectTypeOf(openai()).toMatchTypeOf<Provider>();
  expectTypeOf(marbleProvider('-a|')).toMatchTypeOf<Provider>();
});

test('operators keep chunks chunks, collectors make responses', () => {
  expectTypeOf(timeoutStream(1000)).toMatchTypeOf<MonoTypeOperatorFunction<StreamChunk>>();
  expectTypeOf(retryStream(3)).toMatchTypeOf<MonoTypeOperatorFunction<StreamChunk>>();
  expectTypeOf(bufferChunks(8)).toEqualTypeOf<OperatorFunction<StreamChunk, StreamChunk>>();
  expectTypeOf(interruptAfter(100)).toEqualTypeOf<MonoTypeOperatorFunction<StreamChunk>>();
  expectTypeOf(collectResponse()).toEqualTypeOf<OperatorFunction<StreamChunk, StreamingResponse>>();
  expectTypeOf(scanResponse()).toEqualTypeOf<OperatorFunction<StreamChunk, StreamingResponse>>();
  const withMetrics = mockStream('hi').pipe(streamMetrics());
  withMetrics.subscribe((c) => expectTypeOf(c.metadata.metrics.tokensPerSecond).toEqualTypeOf<number>());
});

test('agent.stream is both an Observable and an AsyncIterable', () => {
  const agent = new Agent({ name: 'a', provider: marbleProvider('-a|') });
  const stream = agent.stream('hi');
  expectTypeOf(stream).toMatchTypeOf<Observable<StreamChunk>>();
  expectTypeOf(stream).toMatchTypeOf<AsyncIterable<StreamChunk>>();
  expectTypeOf(agent.run('hi')).resolves.toEqualTypeOf<AgentResponse>();
});

test('defineTool infers the arguments from a zod schema', () => {
  const tool = defineTool({
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: z.object({ city: z.string(), days: z.number().optional() }),
    execute: (args) => {
      expectTypeOf(args).toEqualTypeOf<{ city: string; days?: number | undefined }>();
      return 'sunny';
    },
  });
  expectTypeOf(tool.name).toEqualTypeOf<string>();
});

test('timeout errors are interrupted errors with a phase', () => {
  expectTypeOf<StreamTimeoutError>().toMatchTypeOf<StreamInterruptedError>();
  expectTypeOf<StreamTimeoutError['phase']>().toEqualTypeOf<TimeoutPhase>();
  expectTypeOf<StreamInterruptedError['partialResponse']>().toEqualTypeOf<StreamingResponse>();
});

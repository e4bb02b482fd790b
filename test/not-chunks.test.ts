/**
 * A value that is not a chunk — including a chunk-shaped object whose `content` is not a string — errors the
 * stream with one clear TypeError that names the operator (or the agent) and what arrived, everywhere.
 */
import { describe, expect, it } from 'vitest';
import { concat, lastValueFrom, map, of, throwError, toArray, type OperatorFunction } from 'rxjs';
import { chunk, emitsCheckedChunks, notAChunk, type StreamChunk } from '../src/chunk.js';
import { resumable } from '../src/continuation.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { mockStream } from '../src/providers/mock.js';
import { openai } from '../src/providers/openai.js';
import { Agent } from '../src/agent/agent.js';
import { bufferChunks } from '../src/operators/bufferChunks.js';
import { collectResponse } from '../src/operators/collectResponse.js';
import { interruptAfter } from '../src/operators/interruptAfter.js';
import { retryStream } from '../src/operators/retryStream.js';
import { scanResponse } from '../src/operators/scanResponse.js';
import { streamMetrics } from '../src/operators/streamMetrics.js';
import { timeoutStream } from '../src/operators/timeoutStream.js';
import { StreamingResponse } from '../src/response.js';
import { isStreamInterruptedError } from '../src/errors/StreamInterruptedError.js';
import type { Provider } from '../src/providers/provider.js';
import { z } from 'zod';
import { defineTool } from '../src/tools/tool.js';
import { marbleProvider } from '../src/testing/index.js';

const bad: readonly [string, unknown, string][] = [
  ['null', null, 'null'],
  ['a number', 42, 'a number'],
  ['a string', 'hello', 'a string of 5 characters'],
  ['content that is a number', { content: 5, metadata: {}, isFinal: false }, 'an object whose content is number'],
  ['no metadata', { content: 'x', isFinal: false }, 'an object whose metadata is undefined'],
  ['isFinal missing', { content: 'x', metadata: {} }, 'an object whose isFinal is undefined'],
];

const operators: readonly [string, () => OperatorFunction<StreamChunk, unknown>][] = [
  ['timeoutStream', () => timeoutStream(1000)],
  ['retryStream', () => retryStream(2)],
  ['bufferChunks', () => bufferChunks(2)],
  ['interruptAfter', () => interruptAfter(1000)],
  ['streamMetrics', () => streamMetrics()],
  ['scanResponse', () => scanResponse()],
  ['collectResponse', () => collectResponse()],
];

async function errorOf(source: Promise<unknown>): Promise<unknown> {
  return source.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('values that are not chunks', () => {
  for (const [name, operator] of operators) {
    it.each(bad)(`${name}: %s errors with a TypeError naming ${name} and what arrived`, async (_what, value, description) => {
      const source = of(chunk('ok'), value as StreamChunk, chunk('late'));
      let error = await errorOf(lastValueFrom(source.pipe(operator(), toArray())));
      // collectResponse wraps a foreign error (with the partial response); its cause is the TypeError.
      if (isStreamInterruptedError(error)) error = error.cause;
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(notAChunk(name, value).message);
      expect((error as Error).message).toContain(description);
    });
  }

  it('StreamingResponse.addChunk refuses a non-chunk at the call', () => {
    expect(() => new StreamingResponse().addChunk({ content: 5 } as unknown as StreamChunk)).toThrow(
      /^StreamingResponse\.addChunk: expected a StreamChunk .* got an object whose content is number, metadata is undefined, isFinal is undefined$/,
    );
  });

  it('the agent errors the turn when its provider emits something that is not a chunk', async () => {
    const provider: Provider = {
      name: 'broken',
      model: 'm',
      info: () => ({ provider: 'broken', model: 'm', supportsStreaming: true, supportsTools: false }),
      stream: () => of({ text: 'hi' } as unknown as StreamChunk),
    };
    const error = await errorOf(lastValueFrom(new Agent({ provider }).stream('x')));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^agent: broken\.stream\(\): expected a StreamChunk .* got an object whose content is undefined/);
  });

  it('never prints the value itself (it may be large or hold a secret)', () => {
    expect(notAChunk('x', { content: 1, metadata: { apiKey: 'sk-secret-key-123' }, isFinal: true }).message).not.toContain('sk-secret');
    expect(notAChunk('x', 'sk-secret-key-123').message).not.toContain('sk-secret');
  });
});

describe('checked once, at the edge of a pipeline', () => {
  const chunkOperators = operators.filter(([name]) => name !== 'scanResponse' && name !== 'collectResponse');

  it.each(chunkOperators)('%s: its result is one of the library\'s checked chunk streams; a foreign stream is not', (_name, operator) => {
    const foreign = of(chunk('ok'));
    expect(emitsCheckedChunks(foreign)).toBe(false);
    expect(emitsCheckedChunks(foreign.pipe(operator() as OperatorFunction<StreamChunk, StreamChunk>))).toBe(true);
    // A foreign operator after it: its values could be anything again.
    expect(emitsCheckedChunks(foreign.pipe(operator() as OperatorFunction<StreamChunk, StreamChunk>, map((c) => c)))).toBe(false);
  });

  it('provider streams and mockStream are checked streams', () => {
    expect(emitsCheckedChunks(mockStream('hi'))).toBe(true);
    expect(emitsCheckedChunks(openai({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' }).stream({ messages: [{ role: 'user', content: 'x' }] }))).toBe(true);
  });

  it.each(operators)('%s after a foreign operator checks again, and names itself', async (name, operator) => {
    const value = { content: 5, metadata: {}, isFinal: false };
    const source = mockStream('ok').pipe(
      timeoutStream(1000),
      map((c, i) => (i === 0 ? c : (value as unknown as StreamChunk))),
    );
    let error = await errorOf(lastValueFrom(source.pipe(operator(), toArray())));
    if (isStreamInterruptedError(error)) error = error.cause;
    expect((error as Error).message).toBe(notAChunk(name, value).message);
  });

  it("retryStream checks a continuation that is not one of the library's streams", async () => {
    const value = { content: 'x' };
    const source = resumable(
      concat(of(chunk('Hel')), throwError(() => new ProviderError('cut', { provider: 'p', code: 'network', retryable: true }))),
      () => of(value as unknown as StreamChunk),
    );
    const error = await errorOf(lastValueFrom(source.pipe(retryStream({ count: 1, afterContent: 'resume', delay: 0 }), toArray())));
    expect((error as Error).message).toBe(notAChunk('retryStream', value).message);
  });

  it("an operator's continuation checks the foreign stream it continues", async () => {
    const value = { content: 'x' };
    const source = resumable(
      concat(of(chunk('Hel')), throwError(() => new ProviderError('cut', { provider: 'p', code: 'network', retryable: true }))),
      () => of(value as unknown as StreamChunk),
    );
    let error = await errorOf(lastValueFrom(source.pipe(bufferChunks(1), retryStream({ count: 1, afterContent: 'resume', delay: 0 }), toArray())));
    // After content, retryStream passes the error on with the partial response; its cause is the TypeError.
    if (isStreamInterruptedError(error)) error = error.cause;
    expect((error as Error).message).toBe(notAChunk('bufferChunks', value).message);
  });
});

describe('a tool that throws anything at all', () => {
  const weird: readonly [string, () => unknown, RegExp][] = [
    ['null', () => null, /^the tool threw null$/],
    ['undefined', () => undefined, /^the tool threw undefined$/],
    ['a plain object', () => ({ code: 42 }), /^the tool threw \{"code":42\}$/],
    ['an object whose toString throws', () => ({ toString: () => { throw new Error('no'); } }), /^the tool threw a value that cannot be shown$|^the tool threw \{\}$/],
    ['an Error whose message getter throws', () => Object.defineProperty(new Error(), 'message', { get: () => { throw new Error('no'); } }), /^the tool threw a value that cannot be shown$/],
    ['a number', () => 7, /^7$/],
  ];
  it.each(weird)('%s: the model gets an error result and the turn goes on', async (_what, thrown, message) => {
    const boom = defineTool({ name: 'boom', description: 'd', parameters: z.object({}), execute: () => { throw thrown(); } });
    const provider = marbleProvider(['d|', 'a|'], { d: { metadata: { toolCallDelta: { index: 0, id: 'c1', name: 'boom', argumentsDelta: '{}' } } }, a: 'recovered' });
    const response = await new Agent({ provider, tools: [boom] }).run('x');
    expect(response.content).toBe('recovered');
    const result = response.toolResults[0]!;
    expect('error' in result && result.error).toMatch(message);
  });
});

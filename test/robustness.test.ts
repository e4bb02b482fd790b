/**
 * Bad values and failing collaborators end a stream with an error the subscriber sees — never an uncaught
 * exception, a hang, or a silently dropped chunk — and bad options fail at the call that passed them.
 */
import { describe, expect, it } from 'vitest';
import type { SchedulerLike } from 'rxjs';
import type OpenAI from 'openai';
import { chunk, type StreamChunk } from '../src/chunk.js';
import { bufferChunks } from '../src/operators/bufferChunks.js';
import { collectResponse } from '../src/operators/collectResponse.js';
import { interruptAfter } from '../src/operators/interruptAfter.js';
import { retryStream } from '../src/operators/retryStream.js';
import { scanResponse } from '../src/operators/scanResponse.js';
import { streamMetrics } from '../src/operators/streamMetrics.js';
import { timeoutStream } from '../src/operators/timeoutStream.js';
import { anthropic } from '../src/providers/anthropic.js';
import { ollama } from '../src/providers/ollama.js';
import { openai } from '../src/providers/openai.js';
import { StreamingResponse } from '../src/response.js';
import { mockStream } from '../src/providers/mock.js';
import { StreamingManager } from '../src/operators/streamingManager.js';
import { testScheduler } from '../marbles/helpers.js';
import { failure } from './helpers/streams.js';

const operators = [
  ['timeoutStream', () => timeoutStream({ idle: 1000 })],
  ['retryStream', () => retryStream(2)],
  ['bufferChunks', () => bufferChunks(4)],
] as const;
const notChunks = [
  ['{}', {}],
  ['null', null],
  ['a number', 42],
] as const;

describe('a value that is not a chunk', () => {
  it.each(operators.flatMap(([name, operator]) => notChunks.map(([what, value]) => [name, what, operator, value] as const)))(
    '%s errors the stream with %s, after the chunks before it, and unsubscribes upstream',
    (_name, _what, operator, notAChunk) => {
      const values: StreamChunk[] = [];
      let error: unknown;
      testScheduler().run(({ cold, expectSubscriptions }) => {
        const source = cold('-a-b-c|', { a: chunk('ok', { timestamp: 0 }), b: notAChunk as unknown as StreamChunk, c: chunk('late', { timestamp: 0 }) });
        source.pipe(operator()).subscribe({ next: (v) => values.push(v), error: (e: unknown) => (error = e) });
        expectSubscriptions(source.subscriptions).toBe('^--!');
      });
      expect(error).toBeInstanceOf(TypeError);
      expect(values.map((v) => v.content)).toEqual(['ok']);
    },
  );
});

describe('failing SDK clients', () => {
  it.each([null, undefined])('an SDK that rejects with %s ends the stream with a ProviderError (no unhandled rejection)', async (thrown) => {
    const client = {
      apiKey: 'sk-test',
      baseURL: 'http://127.0.0.1:9/v1',
      chat: { completions: { create: () => Promise.reject(thrown) } },
    } as unknown as OpenAI;
    const { error } = await failure(openai({ client }).stream({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(error.provider).toBe('openai');
  });
});

describe('scheduler and notifier options are checked at the call', () => {
  const bad = {} as SchedulerLike;
  it.each([
    ['mockStream', () => mockStream('x', { scheduler: bad })],
    ['timeoutStream', () => timeoutStream({ total: 5, scheduler: bad })],
    ['retryStream', () => retryStream({ scheduler: bad })],
    ['bufferChunks', () => bufferChunks({ time: 5, scheduler: bad })],
    ['interruptAfter', () => interruptAfter({ time: 5, scheduler: bad })],
    ['collectResponse', () => collectResponse({ scheduler: bad })],
    ['scanResponse', () => scanResponse({ scheduler: bad })],
    ['streamMetrics', () => streamMetrics({ scheduler: bad })],
    ['StreamingManager', () => new StreamingManager({ timeout: 5, scheduler: bad })],
  ] as const)('%s rejects a scheduler without now()/schedule(), naming it', (name, call) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(new RegExp(`^${name}: scheduler must be an RxJS scheduler`));
  });

  it('interruptAfter rejects a notifier that is no ObservableInput, naming it', () => {
    expect(() => interruptAfter({ notifier: {} as never })).toThrow(/^interruptAfter: notifier must be an ObservableInput/);
    expect(() => interruptAfter({ notifier: (() => undefined) as never })).toThrow(TypeError);
  });
});

describe('StreamingResponse.snapshot', () => {
  it('copies a very long response (no spread: no stack overflow)', () => {
    const response = new StreamingResponse();
    for (let i = 0; i < 200_000; i++) response.addChunk(chunk('x', { timestamp: 0 }));
    const copy = response.snapshot();
    expect(copy.chunks).toHaveLength(200_000);
    expect(copy.completeText).toHaveLength(200_000);
    expect(copy.chunks).not.toBe(response.chunks);
  });
});

describe('a malformed request fails at provider.stream(request), before anything is sent', () => {
  it.each([
    ['openai', () => openai({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1' })],
    ['anthropic', () => anthropic({ apiKey: 'sk-ant-test', baseURL: 'http://127.0.0.1:9' })],
    ['ollama', () => ollama({ host: 'http://127.0.0.1:9' })],
  ] as const)('%s', (name, make) => {
    const provider = make();
    expect(() => provider.stream({} as never)).toThrow(new RegExp(`^${name}: stream\\(request\\): request.messages must be an array`));
    expect(() => provider.stream({ messages: [{ role: 'robot', content: 'x' }] } as never)).toThrow(
      new RegExp(`^${name}: stream\\(request\\): messages\\[0\\] needs a role`),
    );
    expect(() => provider.stream({ messages: [{ role: 'user', content: 5 }] } as never)).toThrow(TypeError);
  });
});

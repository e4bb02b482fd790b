/**
 * agenticraft-rx/angular inside Angular's own injection context and change detection: TestBed, zoneless
 * (`provideZonelessChangeDetection()`), effects flushed by `TestBed.tick()`. The unit cases drive chunk streams
 * by hand (a Subject per request, counting subscriptions and teardowns); the wire cases run the real `openai`
 * provider against a loopback server and prove that a new prompt, `stop()`, a new chat message and destroying
 * the injector each abort the HTTP request in flight.
 *
 * No DOM: TestBed runs on `platformCore()` with a module that gives it what BrowserModule would (an
 * ErrorHandler, ApplicationModule, the root injector scope), since nothing here renders.
 */
import '@angular/compiler';
import { describe, expect, it, vi } from 'vitest';
import {
  createEnvironmentInjector,
  EnvironmentInjector,
  Injector,
  provideZonelessChangeDetection,
  signal,
} from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { useTestBed } from './helpers/angularTestBed.js';
import { rxResource } from '@angular/core/rxjs-interop';
import { defaultIfEmpty, Observable, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { marbleProvider } from '../src/testing/index.js';
import { Agent } from '../src/agent/agent.js';
import { chunk, finalChunk, type StreamChunk } from '../src/chunk.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { scanResponse } from '../src/operators/scanResponse.js';
import { openai } from '../src/providers/openai.js';
import { mockStream } from '../src/providers/mock.js';
import type { Message, Provider } from '../src/providers/provider.js';
import { StreamingResponse } from '../src/response.js';
import { chatResource, completionResource } from '../src/angular/index.js';
import { hang, sse, useWireServer } from './helpers/wireServer.js';
import { abortedWithin } from './helpers/streams.js';

useTestBed(() => [provideZonelessChangeDetection()]);

/** Runs Angular's effects (the resource's loader) and lets the microtasks after them settle. */
async function settle(): Promise<void> {
  TestBed.tick();
  for (let i = 0; i < 5; i++) await Promise.resolve();
  TestBed.tick();
}

async function until(condition: () => boolean, ms = 2000): Promise<void> {
  await vi.waitFor(
    () => {
      TestBed.tick();
      if (!condition()) throw new Error('not yet');
    },
    { timeout: ms, interval: 5 },
  );
}

/** A stream per request, driven by hand: `requests[i]` is the i-th subscription's subject. */
function manualStreams<P>(): {
  stream: (params: P) => Observable<StreamChunk>;
  requests: { params: P; chunks: Subject<StreamChunk>; closed: boolean }[];
} {
  const requests: { params: P; chunks: Subject<StreamChunk>; closed: boolean }[] = [];
  const stream = (params: P): Observable<StreamChunk> =>
    new Observable<StreamChunk>((subscriber) => {
      const request = { params, chunks: new Subject<StreamChunk>(), closed: false };
      requests.push(request);
      const sub = request.chunks.subscribe(subscriber);
      return () => {
        request.closed = true;
        sub.unsubscribe();
      };
    });
  return { stream, requests };
}

const usage = { inputTokens: 3, outputTokens: 2, totalTokens: 5 };

function inContext<T>(fn: () => T): T {
  return TestBed.runInInjectionContext(fn);
}

describe('completionResource', () => {
  it('is idle without a prompt: no request, no value', async () => {
    const { stream, requests } = manualStreams<string>();
    const answer = inContext(() => completionResource({ prompt: () => undefined, stream }));
    await settle();
    expect(answer.status()).toBe('idle');
    expect(answer.value()).toBeUndefined();
    expect(answer.text()).toBe('');
    expect(answer.isStreaming()).toBe(false);
    expect(answer.hasValue()).toBe(false);
    expect(requests).toHaveLength(0);
  });

  it('streams the accumulated response: a new snapshot per chunk, then usage and the finish reason', async () => {
    const { stream, requests } = manualStreams<string>();
    const prompt = signal<string | undefined>('Say hello');
    const answer = inContext(() => completionResource({ prompt, stream }));
    await settle();
    expect(requests.map((r) => r.params)).toEqual(['Say hello']);
    expect(answer.status()).toBe('loading');
    expect(answer.isLoading()).toBe(true);
    expect(answer.isStreaming()).toBe(true);

    requests[0]!.chunks.next(chunk('Hel', { metadata: { provider: 'mock', model: 'm' } }));
    await settle();
    expect(answer.status()).toBe('resolved');
    expect(answer.text()).toBe('Hel');
    const first = answer.value();
    expect(first).toBeInstanceOf(StreamingResponse);

    requests[0]!.chunks.next(chunk('lo'));
    await settle();
    expect(answer.text()).toBe('Hello');
    expect(answer.value()).not.toBe(first); // replaced, not mutated: signals compare by identity
    expect(first!.completeText).toBe('Hel');
    expect(answer.isStreaming()).toBe(true);
    expect(answer.usage()).toBeUndefined();

    requests[0]!.chunks.next(finalChunk({ finishReason: 'stop', usage }));
    requests[0]!.chunks.complete();
    await settle();
    expect(answer.isStreaming()).toBe(false);
    expect(answer.status()).toBe('resolved');
    expect(answer.usage()).toEqual(usage);
    expect(answer.value()?.finishReason).toBe('stop');
    expect(answer.value()?.chunkCount).toBe(3);
    expect(answer.snapshot()).toMatchObject({ status: 'resolved' });
  });

  it('starts the text over at a reset chunk (a restarted attempt never splices onto the old one)', async () => {
    const { stream, requests } = manualStreams<string>();
    const answer = inContext(() => completionResource({ prompt: () => 'p', stream }));
    await settle();
    requests[0]!.chunks.next(chunk('Hello wor'));
    await settle();
    expect(answer.text()).toBe('Hello wor');
    requests[0]!.chunks.next(chunk('', { metadata: { reset: true } }));
    await settle();
    expect(answer.text()).toBe('');
    requests[0]!.chunks.next(chunk('Hello world'));
    requests[0]!.chunks.next(finalChunk({ finishReason: 'stop' }));
    requests[0]!.chunks.complete();
    await settle();
    expect(answer.text()).toBe('Hello world');
    expect(answer.value()?.chunkCount).toBe(2);
  });

  it('a new prompt unsubscribes the request in flight and streams the new one', async () => {
    const { stream, requests } = manualStreams<string>();
    const prompt = signal<string | undefined>('first');
    const answer = inContext(() => completionResource({ prompt, stream }));
    await settle();
    requests[0]!.chunks.next(chunk('One'));
    await settle();
    prompt.set('second');
    await settle();
    expect(requests[0]!.closed).toBe(true);
    expect(requests.map((r) => r.params)).toEqual(['first', 'second']);
    expect(answer.status()).toBe('loading');
    expect(answer.text()).toBe('');
    requests[1]!.chunks.next(chunk('Two'));
    await settle();
    expect(answer.text()).toBe('Two');
    prompt.set(undefined);
    await settle();
    expect(requests[1]!.closed).toBe(true);
    expect(answer.status()).toBe('idle');
    expect(answer.text()).toBe('');
  });

  it('stop() unsubscribes, keeps the partial text and marks it interrupted', async () => {
    const { stream, requests } = manualStreams<string>();
    const answer = inContext(() => completionResource({ prompt: () => 'p', stream }));
    await settle();
    requests[0]!.chunks.next(chunk('Partial'));
    await settle();
    answer.stop();
    await settle();
    expect(requests[0]!.closed).toBe(true);
    expect(answer.isStreaming()).toBe(false);
    expect(answer.status()).toBe('resolved');
    expect(answer.text()).toBe('Partial');
    expect(answer.value()?.finishReason).toBe('interrupted');
    expect(answer.value()?.metadata['interruptedBy']).toBe('stop');
    answer.stop(); // nothing in flight: a no-op
    expect(answer.text()).toBe('Partial');
  });

  it('stop() before the first chunk resolves with an empty response (never the empty-stream error)', async () => {
    const { stream, requests } = manualStreams<string>();
    const answer = inContext(() => completionResource({ prompt: () => 'p', stream }));
    await settle();
    answer.stop();
    await settle();
    expect(requests[0]!.closed).toBe(true);
    expect(answer.status()).toBe('resolved');
    expect(answer.text()).toBe('');
    expect(answer.error()).toBeUndefined();
  });

  it('a stream that completes without a chunk resolves with an empty response', async () => {
    const answer = inContext(() => completionResource({ prompt: () => 'p', stream: () => new Observable<StreamChunk>((s) => s.complete()) }));
    await until(() => answer.status() !== 'loading');
    expect(answer.status()).toBe('resolved');
    expect(answer.text()).toBe('');
  });

  it('an error: status error, the error kept as it is, text() keeps what arrived before it', async () => {
    const { stream, requests } = manualStreams<string>();
    const answer = inContext(() => completionResource({ prompt: () => 'p', stream }));
    await settle();
    requests[0]!.chunks.next(chunk('Half an ans'));
    await settle();
    const failure = new ProviderError('upstream reset', { provider: 'mock', retryable: true });
    requests[0]!.chunks.error(failure);
    await settle();
    expect(answer.status()).toBe('error');
    expect(answer.error()).toBe(failure);
    expect(answer.isStreaming()).toBe(false);
    expect(() => answer.value()).toThrow(); // Angular's Resource contract
    expect(answer.text()).toBe('Half an ans');
    expect(answer.response()?.completeText).toBe('Half an ans');
  });

  it('reload() runs the same prompt again', async () => {
    const { stream, requests } = manualStreams<string>();
    const answer = inContext(() => completionResource({ prompt: () => 'p', stream }));
    await settle();
    requests[0]!.chunks.next(chunk('A'));
    requests[0]!.chunks.next(finalChunk({ finishReason: 'stop' }));
    requests[0]!.chunks.complete();
    await settle();
    expect(answer.reload()).toBe(true);
    await settle();
    expect(requests).toHaveLength(2);
    expect(answer.status()).toBe('reloading');
    expect(answer.text()).toBe('A'); // Angular keeps the previous value while reloading
    requests[1]!.chunks.next(chunk('B'));
    await settle();
    expect(answer.text()).toBe('B');
  });

  it('destroying the injector unsubscribes the request in flight', async () => {
    const { stream, requests } = manualStreams<string>();
    const injector = createEnvironmentInjector([], TestBed.inject(EnvironmentInjector));
    const answer = completionResource({ prompt: () => 'p', stream, injector });
    await settle();
    requests[0]!.chunks.next(chunk('x'));
    await settle();
    injector.destroy();
    expect(requests[0]!.closed).toBe(true);
    expect(answer.isStreaming()).toBe(false);
  });

  it('with an agent: each prompt is a one-off turn, the agent history untouched', async () => {
    const seen: (readonly Message[])[] = [];
    const provider: Provider = {
      name: 'mock',
      model: 'mock-1',
      info: () => ({ provider: 'mock', model: 'mock-1', supportsStreaming: true, supportsTools: true }),
      stream: (request) => {
        seen.push(request.messages);
        return mockStream('Hi there', { chunkSize: 3 });
      },
    };
    const agent = new Agent({ name: 'a', provider, instructions: 'Be brief.' });
    const answer = inContext(() => completionResource({ prompt: () => 'Hello', agent }));
    await until(() => answer.value()?.finishReason === 'stop');
    expect(answer.text()).toBe('Hi there');
    expect(seen[0]!.at(-1)).toEqual({ role: 'user', content: 'Hello' });
    expect(agent.history).toEqual([]);
  });

  it('refuses a wrong config and needs an injection context', () => {
    const stream = (): Observable<StreamChunk> => mockStream('x');
    expect(() => inContext(() => completionResource({ prompt: () => 'p' } as never))).toThrow(/exactly one of agent or stream/);
    expect(() => inContext(() => completionResource({ prompt: () => 'p', stream, agent: new Agent({ name: 'a', provider: 'ollama' }) } as never))).toThrow(
      /exactly one/,
    );
    expect(() => inContext(() => completionResource({ prompt: 'p' as never, stream }))).toThrow(/prompt must be/);
    expect(() => completionResource({ prompt: () => 'p', stream })).toThrow(/NG0203/);
  });

  it('the no-helper path: rxResource with scanResponse() and an empty snapshot for a stream that ends empty', async () => {
    const prompt = signal<string | undefined>('Hello');
    const response = inContext(() =>
      rxResource({
        params: () => prompt(),
        stream: ({ params }) => mockStream(`You said: ${params}`, { chunkSize: 4 }).pipe(scanResponse(), defaultIfEmpty(new StreamingResponse())),
      }),
    );
    await until(() => response.value()?.finishReason === 'stop');
    expect(response.value()?.completeText).toBe('You said: Hello');
  });
});

describe('chatResource', () => {
  it('send() adds the user message and streams the assistant reply; stream gets the whole conversation', async () => {
    const { stream, requests } = manualStreams<readonly Message[]>();
    const chat = inContext(() => chatResource({ stream }));
    expect(chat.status()).toBe('idle');
    expect(chat.send('Hi')).toBe(true);
    expect(chat.status()).toBe('loading');
    expect(chat.isStreaming()).toBe(true);
    expect(requests[0]!.params).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(chat.messages().map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Hi', undefined],
      ['assistant', '', 'pending'],
    ]);

    requests[0]!.chunks.next(chunk('Hel'));
    expect(chat.status()).toBe('streaming');
    const first = chat.messages()[1];
    requests[0]!.chunks.next(chunk('lo!'));
    expect(chat.messages()[1]).not.toBe(first);
    expect(chat.messages()[1]).toMatchObject({ role: 'assistant', content: 'Hello!', status: 'streaming' });
    requests[0]!.chunks.next(finalChunk({ finishReason: 'stop', usage }));
    requests[0]!.chunks.complete();
    expect(chat.status()).toBe('resolved');
    expect(chat.isStreaming()).toBe(false);
    expect(chat.messages()[1]).toMatchObject({ content: 'Hello!', status: 'complete' });
    expect(chat.messages()[1]!.response?.usage).toEqual(usage);

    chat.send('And you?');
    expect(requests[1]!.params).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'And you?' },
    ]);
    expect(new Set(chat.messages().map((m) => m.id)).size).toBe(4);
  });

  it("'switch' (the default): a new message stops the reply in flight, keeping its partial text", async () => {
    const { stream, requests } = manualStreams<readonly Message[]>();
    const chat = inContext(() => chatResource({ stream }));
    chat.send('One');
    requests[0]!.chunks.next(chunk('Part'));
    chat.send('Two');
    expect(requests[0]!.closed).toBe(true);
    expect(chat.messages().map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'One', undefined],
      ['assistant', 'Part', 'interrupted'],
      ['user', 'Two', undefined],
      ['assistant', '', 'pending'],
    ]);
    expect(requests[1]!.params.map((m) => m.content)).toEqual(['One', 'Part', 'Two']);
    expect(chat.status()).toBe('loading');
  });

  it("'exhaust': a message sent while a reply streams is refused", async () => {
    const { stream, requests } = manualStreams<readonly Message[]>();
    const chat = inContext(() => chatResource({ stream, policy: 'exhaust' }));
    chat.send('One');
    expect(chat.send('Two')).toBe(false);
    expect(requests).toHaveLength(1);
    expect(chat.messages().map((m) => m.content)).toEqual(['One', '']);
    requests[0]!.chunks.next(finalChunk({ finishReason: 'stop' }));
    requests[0]!.chunks.complete();
    expect(chat.send('Two')).toBe(true);
    expect(requests).toHaveLength(2);
  });

  it("'concat': messages queue and are answered in order, each with the replies before it", async () => {
    const { stream, requests } = manualStreams<readonly Message[]>();
    const chat = inContext(() => chatResource({ stream, policy: 'concat' }));
    chat.send('One');
    chat.send('Two');
    expect(requests).toHaveLength(1);
    expect(chat.messages().map((m) => m.content)).toEqual(['One', '', 'Two']);
    requests[0]!.chunks.next(chunk('Uno'));
    requests[0]!.chunks.next(finalChunk({ finishReason: 'stop' }));
    requests[0]!.chunks.complete();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.params.map((m) => m.content)).toEqual(['One', 'Uno', 'Two']);
    expect(chat.messages().map((m) => m.content)).toEqual(['One', 'Uno', 'Two', '']);
  });

  it('stop() aborts the reply (partial text kept, interrupted) and drops queued messages', async () => {
    const { stream, requests } = manualStreams<readonly Message[]>();
    const chat = inContext(() => chatResource({ stream, policy: 'concat' }));
    chat.send('One');
    chat.send('Two');
    requests[0]!.chunks.next(chunk('Half'));
    chat.stop();
    expect(requests[0]!.closed).toBe(true);
    expect(requests).toHaveLength(1);
    expect(chat.status()).toBe('resolved');
    expect(chat.messages().map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'One', undefined],
      ['assistant', 'Half', 'interrupted'],
    ]);
    expect(chat.messages()[1]!.response?.finishReason).toBe('interrupted');
  });

  it('an error fails the turn: status and error(), the partial text kept; the next send clears it', async () => {
    const { stream, requests } = manualStreams<readonly Message[]>();
    const chat = inContext(() => chatResource({ stream }));
    chat.send('One');
    requests[0]!.chunks.next(chunk('Hal'));
    const failure = new ProviderError('overloaded', { provider: 'mock', retryable: true, status: 529 });
    requests[0]!.chunks.error(failure);
    expect(chat.status()).toBe('error');
    expect(chat.error()).toBe(failure);
    expect(chat.messages()[1]).toMatchObject({ content: 'Hal', status: 'error', error: failure });
    chat.send('Again');
    expect(chat.error()).toBeUndefined();
    expect(chat.status()).toBe('loading');
  });

  it('a reset chunk starts the assistant message over', async () => {
    const { stream, requests } = manualStreams<readonly Message[]>();
    const chat = inContext(() => chatResource({ stream }));
    chat.send('One');
    requests[0]!.chunks.next(chunk('Once upon'));
    requests[0]!.chunks.next(chunk('', { metadata: { reset: true } }));
    expect(chat.messages()[1]!.content).toBe('');
    requests[0]!.chunks.next(chunk('Once upon a time'));
    expect(chat.messages()[1]!.content).toBe('Once upon a time');
  });

  it('with an agent: each send is agent.stream(text), the agent keeps the history, messages() starts from it', async () => {
    const seen: (readonly Message[])[] = [];
    const provider: Provider = {
      name: 'mock',
      model: 'mock-1',
      info: () => ({ provider: 'mock', model: 'mock-1', supportsStreaming: true, supportsTools: true }),
      stream: (request) => {
        seen.push(request.messages);
        return mockStream(`Reply ${seen.length}`, { chunkSize: 3 });
      },
    };
    const agent = new Agent({ name: 'a', provider });
    await agent.run('Earlier');
    const chat = inContext(() => chatResource({ agent }));
    expect(chat.messages().map((m) => [m.content, m.status])).toEqual([['Earlier', undefined], ['Reply 1', 'complete']]);
    chat.send('Now');
    await until(() => chat.status() === 'resolved');
    expect(chat.messages().map((m) => m.content)).toEqual(['Earlier', 'Reply 1', 'Now', 'Reply 2']);
    expect(seen[1]!.filter((m) => m.role !== 'system').map((m) => m.content)).toEqual(['Earlier', 'Reply 1', 'Now']);
    expect(agent.history.map((m) => m.content)).toEqual(['Earlier', 'Reply 1', 'Now', 'Reply 2']);
  });

  it('destroying the injector aborts the reply; later sends are refused', async () => {
    const { stream, requests } = manualStreams<readonly Message[]>();
    const injector = createEnvironmentInjector([], TestBed.inject(EnvironmentInjector));
    const chat = chatResource({ stream, injector });
    chat.send('One');
    injector.destroy();
    expect(requests[0]!.closed).toBe(true);
    expect(chat.send('Two')).toBe(false);
  });

  it('refuses a wrong config and needs an injection context', () => {
    const stream = (): Observable<StreamChunk> => mockStream('x');
    expect(() => inContext(() => chatResource({} as never))).toThrow(/exactly one of agent or stream/);
    expect(() => inContext(() => chatResource({ stream, policy: 'merge' as never }))).toThrow(/policy must be/);
    expect(() => chatResource({ stream })).toThrow(/NG0203/);
    expect(() => chatResource({ stream, injector: Injector.create({ providers: [] }) })).not.toThrow();
  });
});

describe('chatResource in virtual time (marbleProvider)', () => {
  /** Sends `texts` at the given frames to a chat over `provider`; returns the chat after the scheduler flushed. */
  function chatAt(provider: ReturnType<typeof marbleProvider>, policy: 'switch' | 'exhaust' | 'concat', sends: Record<number, string>) {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    let chat!: ReturnType<typeof chatResource>;
    const results: boolean[] = [];
    scheduler.run(({ flush }) => {
      chat = inContext(() => chatResource({ stream: (messages) => provider.stream({ messages: [...messages] }), policy }));
      for (const [frame, text] of Object.entries(sends)) scheduler.schedule(() => results.push(chat.send(text)), Number(frame));
      flush();
    });
    return { chat, results };
  }
  const log = (provider: ReturnType<typeof marbleProvider>) => provider.subscriptions.map((s) => [s.subscribedFrame, s.unsubscribedFrame]);

  it("'switch': the second send at frame 2 unsubscribes the first reply there", () => {
    const provider = marbleProvider(['-a-b-c|', '-x|'], { a: 'Hel', b: 'lo', c: '!', x: 'Two' });
    const { chat } = chatAt(provider, 'switch', { 0: 'One', 2: 'Two' });
    expect(log(provider)).toEqual([[0, 2], [2, 4]]);
    expect(chat.messages().map((m) => [m.content, m.status])).toEqual([['One', undefined], ['Hel', 'interrupted'], ['Two', undefined], ['Two', 'complete']]);
  });

  it("'exhaust': a send during the reply is refused, one after it is answered", () => {
    const provider = marbleProvider('-a-b|', { a: 'Hel', b: 'lo' });
    const { chat, results } = chatAt(provider, 'exhaust', { 0: 'One', 2: 'Ignored', 6: 'Three' });
    expect(results).toEqual([true, false, true]);
    expect(log(provider)).toEqual([[0, 4], [6, 10]]);
    expect(chat.messages().map((m) => m.content)).toEqual(['One', 'Hello', 'Three', 'Hello']);
  });

  it("'concat': the second reply starts when the first ends, with the first in its conversation", () => {
    const provider = marbleProvider(['-a-b|', '-x|'], { a: 'Hel', b: 'lo', x: 'Two' });
    const { chat } = chatAt(provider, 'concat', { 0: 'One', 1: 'Second' });
    expect(log(provider)).toEqual([[0, 4], [4, 6]]);
    expect(provider.requests[1]!.messages.map((m) => m.content)).toEqual(['One', 'Hello', 'Second']);
    expect(chat.messages().map((m) => m.content)).toEqual(['One', 'Hello', 'Second', 'Two']);
  });
});

describe('teardown at the loopback server (the real openai provider)', () => {
  const server = useWireServer();
  const provider = (): Provider => openai({ apiKey: 'sk-test-key', baseURL: `${server.url}/v1`, model: 'gpt-4o-mini' });
  const completion = (p: Provider) => (prompt: string) => p.stream({ messages: [{ role: 'user', content: prompt }] });

  it('completionResource streams the text from the wire', async () => {
    server.enqueue(sse('openai-text.sse'));
    const answer = inContext(() => completionResource({ prompt: () => 'Say hello', stream: completion(provider()) }));
    await until(() => answer.value()?.finishReason === 'stop');
    expect(answer.text()).toBe('Hello, world!');
    expect(answer.usage()?.totalTokens).toBeGreaterThan(0);
  });

  it('a new prompt aborts the HTTP request in flight', async () => {
    server.enqueue(sse('openai-text.sse', { delayMs: 200 }), sse('openai-text.sse'));
    const prompt = signal<string | undefined>('first');
    const answer = inContext(() => completionResource({ prompt, stream: completion(provider()) }));
    await settle();
    await server.waitForRequests(1);
    prompt.set('second');
    await settle();
    await expect(abortedWithin(server.requests[0]!.aborted, 1000)).resolves.toBeTypeOf('number');
    await until(() => answer.value()?.finishReason === 'stop');
    expect((server.requests[1]!.body as { messages: Message[] }).messages[0]!.content).toBe('second');
    expect(answer.text()).toBe('Hello, world!');
  });

  it('stop() aborts the HTTP request and keeps the partial text', async () => {
    server.enqueue(sse('openai-text.sse', { delayMs: 60 }));
    const answer = inContext(() => completionResource({ prompt: () => 'p', stream: completion(provider()) }));
    await until(() => answer.text().length > 0);
    answer.stop();
    await expect(abortedWithin(server.requests[0]!.aborted, 1000)).resolves.toBeTypeOf('number');
    await settle();
    expect(answer.isStreaming()).toBe(false);
    expect(answer.value()?.finishReason).toBe('interrupted');
    expect('Hello, world!'.startsWith(answer.text())).toBe(true);
    expect(answer.text().length).toBeGreaterThan(0);
  });

  it('destroying the injector aborts the HTTP request', async () => {
    server.enqueue(hang);
    const injector = createEnvironmentInjector([], TestBed.inject(EnvironmentInjector));
    completionResource({ prompt: () => 'p', stream: completion(provider()), injector });
    await settle();
    await server.waitForRequests(1);
    injector.destroy();
    await expect(abortedWithin(server.requests[0]!.aborted, 1000)).resolves.toBeTypeOf('number');
  });

  it("chatResource: a new message ('switch'), stop() and destroying the injector each abort the HTTP request", async () => {
    server.enqueue(hang, sse('openai-text.sse', { delayMs: 60 }), hang);
    const p = provider();
    const injector = createEnvironmentInjector([], TestBed.inject(EnvironmentInjector));
    const chat = chatResource({ stream: (messages) => p.stream({ messages: [...messages] }), injector });

    chat.send('One');
    await server.waitForRequests(1);
    chat.send('Two');
    await expect(abortedWithin(server.requests[0]!.aborted, 1000)).resolves.toBeTypeOf('number');

    await until(() => (chat.messages()[3]?.content.length ?? 0) > 0);
    chat.stop();
    await expect(abortedWithin(server.requests[1]!.aborted, 1000)).resolves.toBeTypeOf('number');
    expect(chat.messages()[3]!.status).toBe('interrupted');

    chat.send('Three');
    await server.waitForRequests(3);
    injector.destroy();
    await expect(abortedWithin(server.requests[2]!.aborted, 1000)).resolves.toBeTypeOf('number');
  });

  it('chatResource with an agent over the wire: the agent history records the stopped turn as interrupted', async () => {
    server.enqueue(sse('openai-text.sse', { delayMs: 60 }));
    const agent = new Agent({ name: 'wire', model: 'gpt-4o-mini', apiKey: 'sk-test-key', baseURL: `${server.url}/v1` });
    const chat = inContext(() => chatResource({ agent }));
    chat.send('Say hello');
    await until(() => (chat.messages()[1]?.content.length ?? 0) > 0);
    chat.stop();
    await expect(abortedWithin(server.requests[0]!.aborted, 1000)).resolves.toBeTypeOf('number');
    expect(agent.history.at(-1)).toMatchObject({ role: 'assistant', status: 'interrupted', content: chat.messages()[1]!.content });
  });
});

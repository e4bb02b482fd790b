import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Observable, Subject, of, throwError } from 'rxjs';
import { Agent } from '../src/agent/agent.js';
import { providerForModel } from '../src/providers/byName.js';
import { calculator } from '../src/tools/calculator.js';
import { defineTool } from '../src/tools/tool.js';
import type { StreamChunk } from '../src/chunk.js';
import { MaxToolRoundsError } from '../src/errors/MaxToolRoundsError.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { StreamInterruptedError } from '../src/errors/StreamInterruptedError.js';
import { toAsyncIterable } from '../src/interop/asyncIterable.js';
import { marbleProvider } from '../src/testing/index.js';

const ENV_KEYS = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'OLLAMA_HOST', 'OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL'] as const;
const saved: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};
beforeEach(() => {
  for (const key of ENV_KEYS) {
    saved[key] = process.env[key];
    delete process.env[key];
  }
});
afterEach(() => {
  for (const key of ENV_KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

const call = (index: number, id: string, name: string, args: string) => ({
  metadata: { toolCallDelta: { index, id, name, argumentsDelta: args } },
});

describe('Agent: providers', () => {
  it.each([
    ['gpt-4o-mini', 'openai'],
    ['gpt-4.1', 'openai'],
    ['o3-mini', 'openai'],
    ['o1', 'openai'],
    ['chatgpt-4o-latest', 'openai'],
    ['claude-sonnet-4-5', 'anthropic'],
    ['claude-3-5-sonnet-latest', 'anthropic'],
    ['llama3.2', 'ollama'],
    ['qwen3:8b', 'ollama'],
    ['olmo2', 'ollama'],
  ])('the model %s picks %s', (model, provider) => {
    expect(providerForModel(model)).toBe(provider);
    const agent = new Agent({ name: 'a', model });
    expect(agent.provider.name).toBe(provider);
    expect(agent.getProviderInfo()).toMatchObject({ provider, model, supportsStreaming: true, supportsTools: true });
  });

  it('a provider name overrides the model rule; apiKey and baseURL reach the provider', () => {
    const agent = new Agent({ name: 'a', model: 'my-model', provider: 'openai', apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' });
    expect(agent.getProviderInfo()).toMatchObject({ provider: 'openai', model: 'my-model', baseURL: 'http://127.0.0.1:9/v1' });
    const local = new Agent({ model: 'llama3.2', provider: 'ollama', baseURL: 'http://127.0.0.1:9' });
    expect(String(local.getProviderInfo().baseURL)).toContain('127.0.0.1:9');
  });

  it('an unknown provider name is a TypeError naming it and the choices', () => {
    expect(() => new Agent({ name: 'a', model: 'x', provider: 'gemini' as 'openai' })).toThrow(TypeError);
    expect(() => new Agent({ name: 'a', model: 'x', provider: 'gemini' as 'openai' })).toThrow(
      /unknown provider "gemini"; use one of 'openai', 'anthropic', 'ollama'/,
    );
  });

  it('a Provider instance is used as is; its model is the default', () => {
    const provider = marbleProvider('|', {}, undefined, { model: 'scripted' });
    const agent = new Agent({ name: 'a', provider, tools: [calculator] });
    expect(agent.provider).toBe(provider);
    expect(agent.model).toBe('scripted');
    expect(agent.getProviderInfo()).toMatchObject({ provider: 'marble', model: 'scripted', agent: 'a', tools: ['calculator'] });
  });

  it('checks its options', () => {
    const provider = marbleProvider('|');
    expect(() => new Agent({ provider, maxToolRounds: -1 })).toThrow(RangeError);
    expect(() => new Agent({ provider, maxToolRounds: 1.5 })).toThrow(TypeError);
    expect(() => new Agent({ provider, toolTimeout: 0 })).toThrow(RangeError);
    expect(() => new Agent({ provider, temperature: '1' as unknown as number })).toThrow(/temperature must be a non-negative number/);
    expect(() => new Agent({ provider, tools: [calculator, calculator] })).toThrow(/already a tool named "calculator"/);
    expect(() => new Agent({ provider }).addTool({} as typeof calculator)).toThrow(TypeError);
    expect(() => new Agent({ provider }).stream('')).not.toThrow();
    expect(() => new Agent({ provider }).stream([])).toThrow(TypeError);
    expect(() => new Agent({ provider }).stream([{ role: 'robot', content: 'x' }] as never)).toThrow(TypeError);
  });

  it('checks per-call params at the call', () => {
    const agent = new Agent({ provider: marbleProvider('|') });
    expect(() => agent.stream('x', { maxTokens: -1 })).toThrow(RangeError);
    expect(() => agent.stream('x', { maxTokens: 1.5 })).toThrow(/maxTokens must be a positive integer/);
    expect(() => agent.stream('x', { topP: 2 })).toThrow(/topP must be between 0 and 1/);
    expect(() => agent.stream('x', { temperature: Number.NaN })).toThrow(TypeError);
    expect(() => agent.stream('x', { model: 5 as unknown as string })).toThrow(/params.model must be a non-empty string/);
    expect(() => agent.stream('x', { temperature: 0.7, maxTokens: 100, topP: 0.9, frequencyPenalty: -0.5 })).not.toThrow();
  });

  it("a provider named without a model uses that provider's default model", () => {
    const claude = new Agent({ provider: 'anthropic' });
    expect(claude.model).toBe('claude-sonnet-4-6');
    expect(claude.provider.model).toBe('claude-sonnet-4-6');
    const llama = new Agent({ provider: 'ollama' });
    expect(llama.model).toBe('llama3.2');
    expect(llama.getProviderInfo()).toMatchObject({ provider: 'ollama', model: 'llama3.2' });
    expect(new Agent().model).toBe('gpt-4o-mini');
  });

  it('addTool makes the tool available from the next request on', async () => {
    const provider = marbleProvider('a|');
    const agent = new Agent({ provider });
    await agent.run('x');
    agent.addTool(calculator);
    await agent.run('y');
    expect(provider.requests[0]!.tools).toBeUndefined();
    expect(provider.requests[1]!.tools).toEqual([calculator]);
  });
});

describe('Agent.stream as an AsyncIterable', () => {
  it('for await yields every chunk, the final one last', async () => {
    const agent = new Agent({ provider: marbleProvider('ab|', { a: 'Hel', b: 'lo' }) });
    const seen: StreamChunk[] = [];
    for await (const c of agent.stream('Hi')) seen.push(c);
    expect(seen.map((c) => c.content)).toEqual(['Hel', 'lo', '']);
    expect(seen.map((c) => c.isFinal)).toEqual([false, false, true]);
  });

  it('break aborts the request and commits the partial turn as interrupted', async () => {
    const provider = marbleProvider('a-b-c-d-|', { a: 'one ', b: 'two ', c: 'three ', d: 'four' });
    const agent = new Agent({ provider });
    let text = '';
    for await (const c of agent.stream('count')) {
      text += c.content;
      if (text.includes('two')) break;
    }
    expect(text).toBe('one two ');
    expect(Number.isFinite(provider.subscriptions[0]!.unsubscribedFrame)).toBe(true);
    expect(agent.history).toEqual([
      { role: 'user', content: 'count' },
      { role: 'assistant', content: 'one two ', status: 'interrupted' },
    ]);
  });

  it('an error rejects the loop after the chunks that came before it', async () => {
    const agent = new Agent({ provider: marbleProvider('a#', { a: 'x' }, new Error('boom')) });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const c of agent.stream('Hi')) seen.push(c.content);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual(['x']);
  });

  it('runs the tool loop while iterating', async () => {
    const provider = marbleProvider(['d|', 'a|'], { d: call(0, 'c1', 'calculator', '{"expression":"6*7"}'), a: '42' });
    const agent = new Agent({ provider, tools: [calculator] });
    const kinds: string[] = [];
    for await (const c of agent.stream('6*7?')) {
      kinds.push(c.isFinal ? 'final' : c.metadata['toolResult'] ? 'result' : c.metadata.toolCallDelta ? 'delta' : c.metadata.eventType === 'tool_calls' ? 'calls' : c.content);
    }
    expect(kinds).toEqual(['delta', 'calls', 'result', '42', 'final']);
  });
});

describe('Agent.run', () => {
  it('resolves the whole answer with usage summed over rounds, the tool calls and their results', async () => {
    const usage = (i: number, o: number) => ({ inputTokens: i, outputTokens: o, totalTokens: i + o });
    const provider = marbleProvider(['dU|', 'abV|'], {
      d: call(0, 'c1', 'calculator', '{"expression":"15% of 2500"}'),
      U: { isFinal: true, metadata: { usage: usage(10, 2) } },
      a: 'It is ',
      b: '375.',
      V: { isFinal: true, metadata: { usage: usage(30, 4), rawFinishReason: 'end_turn' } },
    });
    const agent = new Agent({ name: 'calc', provider, tools: [calculator] });
    const response = await agent.run("What's 15% of $2,500?");
    expect(response).toMatchObject({
      content: 'It is 375.',
      usage: usage(40, 6),
      finishReason: 'stop',
      toolCalls: [{ id: 'c1', name: 'calculator', arguments: { expression: '15% of 2500' } }],
      toolResults: [{ toolCallId: 'c1', name: 'calculator', result: 375 }],
      metadata: { provider: 'marble', rawFinishReason: 'end_turn' },
    });
    expect(agent.history.at(-1)).toEqual({ role: 'assistant', content: 'It is 375.' });
  });

  it('keeps text carried on the final chunk in the answer and in the history', async () => {
    const agent = new Agent({ provider: marbleProvider('aF|', { a: 'Hello ', F: { content: 'world', isFinal: true } }) });
    const response = await agent.run('Hi');
    expect(response.content).toBe('Hello world');
    expect(agent.history.at(-1)).toEqual({ role: 'assistant', content: 'Hello world' });
  });

  it('keeps overlapping turns in the order they were asked, not the order they ended', async () => {
    const agent = new Agent({ provider: marbleProvider(['-----a|', '-b|'], { a: 'first answer', b: 'second answer' }) });
    await Promise.all([agent.run('first question'), agent.run('second question')]);
    expect(agent.history.map((m) => m.content)).toEqual(['first question', 'first answer', 'second question', 'second answer']);
  });

  it('a schema whose validate() throws becomes an error result for the model, not a failed stream', async () => {
    const exploding = defineTool({
      name: 'fragile',
      description: 'A tool whose schema throws',
      parameters: {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: () => {
            throw new Error('schema exploded');
          },
          jsonSchema: { input: () => ({ type: 'object', properties: {} }) },
        },
      },
      execute: () => 'never',
    });
    const provider = marbleProvider(['d|', 'a|'], { d: call(0, 'c1', 'fragile', '{}'), a: 'Sorry.' });
    const response = await new Agent({ provider, tools: [exploding] }).run('x');
    expect(response.content).toBe('Sorry.');
    expect(response.toolResults).toEqual([{ toolCallId: 'c1', name: 'fragile', error: expect.stringContaining('schema exploded') }]);
    expect(provider.requests[1]!.messages.at(-1)).toMatchObject({ role: 'tool', toolCallId: 'c1' });
  });

  it('rejects with the error that ended the stream, its class kept and the partial response attached', async () => {
    const denied = new ProviderError('denied', { provider: 'marble', status: 401 });
    const error: unknown = await new Agent({ provider: marbleProvider('a-#', { a: 'Hel' }, denied) }).run('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect([(error as ProviderError).message, (error as ProviderError).status]).toEqual(['denied', 401]);
    expect((error as ProviderError).partialResponse?.completeText).toBe('Hel');
    const looping = marbleProvider('d|', { d: call(0, 'c', 'calculator', '{"expression":"1"}') });
    await expect(new Agent({ provider: looping, tools: [calculator], maxToolRounds: 2 }).run('x')).rejects.toBeInstanceOf(
      MaxToolRoundsError,
    );
  });

  it('a tool that returns a promise is awaited; its result goes back to the model', async () => {
    const lookup = defineTool({
      name: 'lookup',
      description: 'd',
      parameters: { type: 'object', properties: { q: { type: 'string' } } },
      execute: async (args) => ({ answer: `found ${String(args['q'])}` }),
    });
    const provider = marbleProvider(['d|', 'a|'], { d: call(0, 'c1', 'lookup', '{"q":"cats"}'), a: 'ok' });
    const response = await new Agent({ provider, tools: [lookup] }).run('find cats');
    expect(response.toolResults).toEqual([{ toolCallId: 'c1', name: 'lookup', result: { answer: 'found cats' } }]);
    expect(provider.requests[1]!.messages.at(-1)).toEqual({ role: 'tool', content: '{"answer":"found cats"}', toolCallId: 'c1', name: 'lookup' });
  });
});

describe('Agent: params.signal', () => {
  /** A provider whose one stream is `upstream`; counts subscriptions and unsubscriptions. */
  const controlled = () => {
    const upstream = new Subject<Partial<StreamChunk> & { content: string }>();
    const seen = { subscribed: 0, unsubscribed: 0 };
    const provider = {
      name: 'controlled',
      model: 'm',
      info: () => ({ provider: 'controlled', model: 'm', supportsStreaming: true, supportsTools: true }),
      stream: () =>
        new Observable<StreamChunk>((subscriber) => {
          seen.subscribed++;
          const sub = upstream.subscribe({
            next: (c) => subscriber.next({ metadata: {}, isFinal: false, timestamp: 0, ...c }),
            complete: () => subscriber.complete(),
          });
          return () => {
            seen.unsubscribed++;
            sub.unsubscribe();
          };
        }),
    };
    return { upstream, seen, agent: new Agent({ provider }) };
  };

  it('run(prompt, { signal }) rejects with StreamInterruptedError (reason signal) carrying the text so far, and aborts the request', async () => {
    const { upstream, seen, agent } = controlled();
    const controller = new AbortController();
    const answer = agent.run('Hi', { signal: controller.signal });
    upstream.next({ content: 'Hello ' });
    upstream.next({ content: 'wor' });
    const reason = new Error('user left');
    controller.abort(reason);
    const error = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error).toMatchObject({ reason: 'signal', cause: reason });
    expect((error as StreamInterruptedError).partialResponse.completeText).toBe('Hello wor');
    expect(seen).toEqual({ subscribed: 1, unsubscribed: 1 });
    expect(agent.history.at(-1)).toMatchObject({ role: 'assistant', content: 'Hello wor', status: 'interrupted' });
  });

  it('an already-aborted signal sends no request', async () => {
    const { seen, agent } = controlled();
    const error = await agent.run('Hi', { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'StreamInterruptedError', reason: 'signal' });
    expect(seen.subscribed).toBe(0);
  });

  it('stream(prompt, { signal }) errors the same way; a signal that never aborts changes nothing', async () => {
    const { upstream, seen, agent } = controlled();
    const controller = new AbortController();
    const errors: unknown[] = [];
    const texts: string[] = [];
    agent.stream('Hi', { signal: controller.signal }).subscribe({ next: (c) => texts.push(c.content), error: (e) => errors.push(e) });
    upstream.next({ content: 'a' });
    controller.abort();
    upstream.next({ content: 'b' });
    expect(texts).toEqual(['a']);
    expect(errors).toHaveLength(1);
    expect(seen.unsubscribed).toBe(1);

    const calm = controlled();
    const done = calm.agent.run('Hi', { signal: new AbortController().signal });
    calm.upstream.next({ content: 'fine' });
    calm.upstream.next({ content: '', isFinal: true });
    calm.upstream.complete();
    await expect(done).resolves.toMatchObject({ content: 'fine' });
  });

  it('refuses a signal that is not an AbortSignal, at the call', () => {
    const { agent } = controlled();
    expect(() => agent.stream('Hi', { signal: 'stop' as never })).toThrow(/params\.signal must be an AbortSignal/);
    expect(() => agent.streamObject('Hi', { schema: { type: 'object' } }, { signal: {} as never })).toThrow(/params\.signal must be an AbortSignal/);
  });
});

describe('toAsyncIterable', () => {
  it('subscribes on the first next(), not before', async () => {
    let subscribed = 0;
    const source = new Observable<number>((s) => {
      subscribed++;
      s.next(1);
      s.complete();
    });
    const iterator = toAsyncIterable(source);
    expect(subscribed).toBe(0);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(subscribed).toBe(1);
  });

  it('queues values pushed faster than they are read, then rejects with the error', async () => {
    const iterator = toAsyncIterable(new Observable<number>((s) => {
      s.next(1);
      s.next(2);
      s.error(new Error('late'));
    }));
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: 2, done: false });
    await expect(iterator.next()).rejects.toThrow('late');
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('a pending next() rejects when the source errors', async () => {
    const subject = new Subject<number>();
    const iterator = toAsyncIterable(subject);
    const pending = iterator.next();
    subject.error(new Error('boom'));
    await expect(pending).rejects.toThrow('boom');
  });

  it('return() unsubscribes and resolves pending reads as done', async () => {
    let torn = false;
    const iterator = toAsyncIterable(new Observable<number>(() => () => (torn = true)));
    const pending = iterator.next();
    expect(await iterator.return!()).toEqual({ value: undefined, done: true });
    expect(torn).toBe(true);
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('throw() unsubscribes and rejects', async () => {
    let torn = false;
    const iterator = toAsyncIterable(new Observable<number>((s) => {
      s.next(1);
      return () => (torn = true);
    }));
    await iterator.next();
    await expect(iterator.throw!(new Error('stop'))).rejects.toThrow('stop');
    expect(torn).toBe(true);
  });

  it('works with for await over sync and failing sources', async () => {
    const out: number[] = [];
    for await (const v of toAsyncIterable(of(1, 2, 3))) out.push(v);
    expect(out).toEqual([1, 2, 3]);
    await expect((async () => {
      for await (const _ of toAsyncIterable(throwError(() => new Error('x')))) void _;
    })()).rejects.toThrow('x');
  });
});

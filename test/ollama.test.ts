/**
 * The Ollama provider against a loopback server replaying recorded `/api/chat` streams (ndjson), with the
 * real `ollama` SDK client pointed at it through `host`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { asyncScheduler, take, type SchedulerLike } from 'rxjs';
import { z } from 'zod';
import { Ollama } from 'ollama';
import { ollama, type OllamaProviderOptions } from '../src/providers/ollama.js';
import type { ChatRequest } from '../src/providers/provider.js';
import type { StreamChunk } from '../src/chunk.js';
import { defineTool } from '../src/tools/tool.js';
import { closedPortURL, hang, httpError, json, ndjson, ndjsonLines, readWire, useWireServer } from './helpers/wireServer.js';
import { abortedWithin, collect, failure, sleep, textOf } from './helpers/streams.js';

const API_KEY = 'ollama-PLANTEDsecret0123456789';
const HELLO: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };

const server = useWireServer();
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

function provider(options: OllamaProviderOptions = {}) {
  return ollama({ host: server.url, ...options });
}

/** One ndjson line of `/api/chat`. */
function line(message: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ model: 'served-model', created_at: '2026-11-23T12:00:00Z', message: { role: 'assistant', content: '', ...message }, done: false, ...extra })}\n`;
}
function doneLine(extra: Record<string, unknown> = {}): string {
  return line({}, { done: true, done_reason: 'stop', prompt_eval_count: 3, eval_count: 4, ...extra });
}

describe('ollama() text streaming (ollama-chat.ndjson)', () => {
  it('streams content deltas, then exactly one final chunk with usage, durations, model and finish reason', async () => {
    server.enqueue(ndjson('ollama-chat.ndjson'));
    const outcome = await collect(provider().stream(HELLO));

    expect(outcome.completed).toBe(true);
    const { chunks } = outcome;
    expect(chunks.map((c) => c.content)).toEqual(['Hello', ',', ' world', '!', '']);
    expect(chunks.filter((c) => c.isFinal)).toHaveLength(1);
    expect(chunks.at(-1)?.isFinal).toBe(true);
    for (const c of chunks.slice(0, -1)) {
      expect(c.metadata).toEqual({ provider: 'ollama', model: 'llama3.2', eventType: 'message' });
    }
    expect(chunks.at(-1)?.metadata).toEqual({
      provider: 'ollama',
      model: 'llama3.2',
      eventType: 'done',
      finishReason: 'stop',
      rawFinishReason: 'stop',
      usage: { inputTokens: 26, outputTokens: 5, totalTokens: 31 },
      durations: { totalMs: 1234.56789, loadMs: 12.345678, promptEvalMs: 98.765432, evalMs: 876.54321 },
    });
  });

  it('posts one streaming /api/chat request with the model and messages', async () => {
    server.enqueue(ndjson('ollama-chat.ndjson'));
    await collect(provider().stream(HELLO));
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/api/chat');
    expect(request?.body).toEqual({ model: 'llama3.2', stream: true, messages: [{ role: 'user', content: 'Say hello' }] });
  });

  it('reports the model the server names, else the requested one', async () => {
    server.enqueue(ndjson([line({ content: 'a' }), doneLine()]));
    const served = await collect(provider().stream({ ...HELLO, model: 'requested' }));
    expect(served.chunks.map((c) => c.metadata.model)).toEqual(['served-model', 'served-model']);
    expect(server.requests[0]?.body).toMatchObject({ model: 'requested' });

    server.enqueue(ndjson([`${JSON.stringify({ message: { role: 'assistant', content: 'a' }, done: false })}\n`, `${JSON.stringify({ done: true, done_reason: 'stop' })}\n`]));
    const unnamed = await collect(provider({ model: 'qwen3' }).stream(HELLO));
    expect(unnamed.chunks.map((c) => c.metadata.model)).toEqual(['qwen3', 'qwen3']);
    expect(unnamed.chunks.at(-1)?.metadata.usage).toBeUndefined();
  });

  it("normalises done_reason: 'length' passes through, others keep the server's word", async () => {
    server.enqueue(ndjson([line({ content: 'a' }), doneLine({ done_reason: 'length' })]));
    const length = await collect(provider().stream(HELLO));
    expect(length.chunks.at(-1)?.metadata).toMatchObject({ finishReason: 'length', rawFinishReason: 'length' });

    server.enqueue(ndjson([doneLine({ done_reason: 'load' })]));
    const load = await collect(provider().stream(HELLO));
    expect(load.chunks).toHaveLength(1);
    expect(load.chunks[0]?.metadata).toMatchObject({ finishReason: 'load', rawFinishReason: 'load' });
  });

  it('stamps chunks with the given scheduler', async () => {
    const clock: SchedulerLike = { now: () => 4242, schedule: asyncScheduler.schedule.bind(asyncScheduler) };
    server.enqueue(ndjson('ollama-chat.ndjson'));
    const { chunks } = await collect(provider({ scheduler: clock }).stream(HELLO));
    expect(chunks.map((c) => c.timestamp)).toEqual([4242, 4242, 4242, 4242, 4242]);
  });
});

describe('ollama() is cold', () => {
  it('sends nothing before subscribe and exactly one request per subscription', async () => {
    const stream = provider().stream(HELLO);
    await sleep(50);
    expect(server.requests).toHaveLength(0);

    server.enqueue(ndjson('ollama-chat.ndjson'), ndjson('ollama-chat.ndjson'));
    const [a, b] = await Promise.all([collect(stream), collect(stream)]);
    expect(textOf(a.chunks)).toBe('Hello, world!');
    expect(textOf(b.chunks)).toBe('Hello, world!');
    expect(server.requests).toHaveLength(2);
  });
});

describe('ollama() request mapping', () => {
  const weather = defineTool({
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']).optional() }),
    execute: () => 'sunny',
  });

  it('maps messages, tool calls and results (tool_name), sampling parameters and tools', async () => {
    server.enqueue(ndjson('ollama-chat.ndjson'));
    await collect(
      provider().stream({
        model: 'qwen3',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [
              { id: 'call_a', name: 'get_weather', arguments: { city: 'Paris' } },
              { id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
              { id: 'call_c', name: 'get_weather', arguments: '{not json' },
            ],
          },
          { role: 'tool', content: 'sunny', toolCallId: 'call_a' },
          { role: 'tool', content: 'rainy', toolCallId: 'call_b', name: 'explicit_name' },
          { role: 'tool', content: 'error: bad arguments', toolCallId: 'unknown' },
        ],
        temperature: 0.2,
        topP: 0.9,
        maxTokens: 128,
        stop: ['\n\n'],
        frequencyPenalty: 0.5,
        presencePenalty: 0.25,
        tools: [weather],
      }),
    );
    expect(server.requests[0]?.body).toEqual({
      model: 'qwen3',
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { function: { name: 'get_weather', arguments: { city: 'Paris' } } },
            { function: { name: 'get_weather', arguments: { city: 'Rome' } } },
            { function: { name: 'get_weather', arguments: {} } },
          ],
        },
        { role: 'tool', content: 'sunny', tool_name: 'get_weather' },
        { role: 'tool', content: 'rainy', tool_name: 'explicit_name' },
        { role: 'tool', content: 'error: bad arguments' },
      ],
      options: { temperature: 0.2, top_p: 0.9, num_predict: 128, stop: ['\n\n'], frequency_penalty: 0.5, presence_penalty: 0.25 },
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather for a city',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
              required: ['city'],
            },
          },
        },
      ],
    });
  });

  it('sends think, keep_alive and model options from the factory; providerOptions merge last (options merged into options)', async () => {
    server.enqueue(ndjson('ollama-chat.ndjson'), ndjson('ollama-chat.ndjson'));
    const llama = provider({ think: 'low', keepAlive: '10m', options: { num_ctx: 4096, temperature: 1, seed: 7 } });
    await collect(llama.stream({ ...HELLO, temperature: 0.1 }));
    expect(server.requests[0]?.body).toMatchObject({
      think: 'low',
      keep_alive: '10m',
      options: { num_ctx: 4096, temperature: 0.1, seed: 7 },
    });

    await collect(llama.stream({ ...HELLO, temperature: 0.1, providerOptions: { think: true, format: 'json', stream: false, options: { num_ctx: 8192 } } }));
    expect(server.requests[1]?.body).toMatchObject({
      think: true,
      format: 'json',
      stream: true,
      keep_alive: '10m',
      options: { num_ctx: 8192, temperature: 0.1, seed: 7 },
    });
  });

  it('sends headers and the api key as a bearer token', async () => {
    server.enqueue(ndjson('ollama-chat.ndjson'));
    await collect(provider({ apiKey: API_KEY, headers: { 'X-Proxy-Auth': 'letmein' } }).stream(HELLO));
    expect(server.requests[0]?.headers['authorization']).toBe(`Bearer ${API_KEY}`);
    expect(server.requests[0]?.headers['x-proxy-auth']).toBe('letmein');
  });

  it('uses a given fetch (wrapped: still abortable)', async () => {
    const calls: string[] = [];
    const spy: typeof fetch = (input, init) => {
      calls.push(String(input));
      return fetch(input, init);
    };
    server.enqueue(ndjson('ollama-chat.ndjson'));
    await collect(provider({ fetch: spy }).stream(HELLO));
    expect(calls).toEqual([`${server.url}/api/chat`]);

    server.enqueue(hang);
    const subscription = provider({ fetch: spy }).stream(HELLO).subscribe();
    await server.waitForRequests(2);
    subscription.unsubscribe();
    await abortedWithin(server.requests[1]!.aborted, 100);
  });

  it('fails a request whose tool schema cannot be sent, without sending it', async () => {
    const broken = { name: 'broken', description: '', parameters: { '~standard': { version: 1, vendor: 'x', validate: () => ({ value: {} }) } }, execute: () => '' };
    const { error } = await failure(provider().stream({ ...HELLO, tools: [broken] }));
    expect(error).toMatchObject({ code: 'invalid_request', retryable: false });
    expect(server.requests).toHaveLength(0);
  });
});

describe('ollama() tool calls (ollama-tools.ndjson)', () => {
  it('emits one toolCallDelta per call with a generated id and the JSON arguments; the final chunk has the parsed calls', async () => {
    server.enqueue(ndjson('ollama-tools.ndjson'));
    const { chunks, completed } = await collect(provider().stream(HELLO));
    expect(completed).toBe(true);
    expect(chunks).toHaveLength(2);
    const delta = chunks[0]!.metadata.toolCallDelta!;
    expect(chunks[0]?.content).toBe('');
    expect(delta).toEqual({ index: 0, id: expect.stringMatching(/^call_[0-9a-z]{8,}$/), name: 'get_weather', argumentsDelta: '{"city":"Paris","unit":"celsius"}' });
    expect(chunks[1]?.metadata).toMatchObject({
      finishReason: 'tool_calls',
      rawFinishReason: 'stop',
      usage: { inputTokens: 180, outputTokens: 22, totalTokens: 202 },
      toolCalls: [{ id: delta.id, name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }],
    });
  });

  it.each([false, 0, 'x', { name: 'a' }])('tool_calls that is no array (%j) fails the stream as malformed', async (toolCalls) => {
    server.enqueue(ndjson([line({ content: 'a' }), line({ tool_calls: toolCalls }), doneLine()]));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(textOf(chunks)).toBe('a');
    expect(error).toMatchObject({ provider: 'ollama', code: 'malformed_response', retryable: false });
  });

  it('numbers parallel calls across lines, each with its own id; a server-sent id is kept', async () => {
    server.enqueue(
      ndjson([
        line({ tool_calls: [{ function: { name: 'a', arguments: { n: 1 } } }, { function: { name: 'b', arguments: {} } }] }),
        line({ tool_calls: [{ id: 'server_id', function: { name: 'c', arguments: { n: 3 } } }] }),
        doneLine(),
      ]),
    );
    const { chunks } = await collect(provider().stream(HELLO));
    const deltas = chunks.flatMap((c) => (c.metadata.toolCallDelta ? [c.metadata.toolCallDelta] : []));
    expect(deltas.map((d) => [d.index, d.name, d.argumentsDelta])).toEqual([
      [0, 'a', '{"n":1}'],
      [1, 'b', '{}'],
      [2, 'c', '{"n":3}'],
    ]);
    expect(new Set(deltas.map((d) => d.id)).size).toBe(3);
    expect(deltas[2]?.id).toBe('server_id');
    expect(chunks.at(-1)?.metadata.toolCalls).toEqual(deltas.map((d) => ({ id: d.id, name: d.name, arguments: JSON.parse(d.argumentsDelta) as unknown })));
  });

  it('keeps string arguments that are not JSON as the raw string', async () => {
    server.enqueue(ndjson([line({ tool_calls: [{ function: { name: 'a', arguments: '{"n": 1' } }] }), doneLine()]));
    const { chunks } = await collect(provider().stream(HELLO));
    expect(chunks[0]?.metadata.toolCallDelta?.argumentsDelta).toBe('{"n": 1');
    expect(chunks.at(-1)?.metadata.toolCalls?.[0]?.arguments).toBe('{"n": 1');
  });
});

describe('ollama() thinking (ollama-thinking.ndjson)', () => {
  it('streams message.thinking as metadata.thinking on empty-content chunks, never in content', async () => {
    server.enqueue(ndjson('ollama-thinking.ndjson'));
    const { chunks } = await collect(provider().stream({ ...HELLO, providerOptions: { think: true } }));
    expect(server.requests[0]?.body).toMatchObject({ think: true });
    expect(chunks.map((c) => [c.content, c.metadata.thinking])).toEqual([
      ['', 'The user greets me'],
      ['', '; reply briefly.'],
      ['Hi!', undefined],
      ['', undefined],
    ]);
    expect(chunks.at(-1)?.metadata).toMatchObject({ finishReason: 'stop', usage: { inputTokens: 11, outputTokens: 9, totalTokens: 20 } });
  });

  it('splits a line carrying both thinking and content into a thinking chunk, then a content chunk', async () => {
    server.enqueue(ndjson([line({ thinking: 'hmm', content: 'Yes' }), doneLine()]));
    const { chunks } = await collect(provider().stream(HELLO));
    expect(chunks.map((c) => [c.content, c.metadata.thinking])).toEqual([
      ['', 'hmm'],
      ['Yes', undefined],
      ['', undefined],
    ]);
  });
});

describe('ollama() errors', () => {
  it('an {"error"} line mid-stream (ollama-error.ndjson) -> retryable ProviderError after the partial content', async () => {
    server.enqueue(ndjson('ollama-error.ndjson'));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(textOf(chunks)).toBe('Partial');
    expect(chunks.some((c) => c.isFinal)).toBe(false);
    expect(error).toMatchObject({ provider: 'ollama', code: 'stream_error', retryable: true, status: undefined });
    expect(error.message).toContain('unexpected EOF');
    expect(error.partialResponse?.completeText).toBe('Partial'); // nothing lost: the error carries what was delivered
  });

  it('404 (ollama-404.json) -> not retryable, with the server message', async () => {
    server.enqueue(httpError('ollama-404.json'));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(chunks).toEqual([]);
    expect(error).toMatchObject({ provider: 'ollama', status: 404, retryable: false });
    expect(error.message).toContain('model "llama3.2" not found');
  });

  it('429 (ollama-429.json) -> retryable with retryAfterMs from retry-after', async () => {
    server.enqueue(httpError('ollama-429.json'));
    const { error } = await failure(provider().stream(HELLO));
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 1000 });
  });

  it('retry-after-ms wins over retry-after', async () => {
    server.enqueue(httpError('ollama-429.json', { 'retry-after-ms': '250' }));
    const { error } = await failure(provider().stream(HELLO));
    expect(error.retryAfterMs).toBe(250);
  });

  it('500 (ollama-500.json) -> retryable, and the SDK does not retry it', async () => {
    server.enqueue(httpError('ollama-500.json'));
    const { error } = await failure(provider().stream(HELLO));
    expect(error).toMatchObject({ status: 500, retryable: true });
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.message).toContain('llama runner process has terminated');
    await sleep(100);
    expect(server.requests).toHaveLength(1);
  });

  it('503 with a non-JSON body -> retryable ProviderError', async () => {
    server.enqueue((_req, res, recorded) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('upstream unavailable');
      recorded.finished = true;
    });
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const { error } = await failure(provider().stream(HELLO));
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(error.message).toContain('upstream unavailable');
  });

  it('a connection reset mid-stream -> retryable network ProviderError after the partial content', async () => {
    // Paced: undici drops data still in its queue when the reset lands right behind it.
    server.enqueue(ndjson('ollama-chat.ndjson', { resetAfter: 2, delayMs: 10 }));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(textOf(chunks)).toMatch(/^Hello,?$/);
    expect(chunks.some((c) => c.isFinal)).toBe(false);
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(typeof error.code).toBe('string');
  });

  it('a refused connection -> retryable network ProviderError', async () => {
    const url = await closedPortURL();
    const { error } = await failure(ollama({ host: url }).stream(HELLO));
    expect(error).toMatchObject({ provider: 'ollama', retryable: true, code: 'ECONNREFUSED' });
  });

  it("a stream that ends without its done line -> 'incomplete_stream', retryable", async () => {
    server.enqueue(ndjson('ollama-chat.ndjson', { endAfter: 2 }));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(textOf(chunks)).toBe('Hello,');
    expect(error).toMatchObject({ code: 'incomplete_stream', retryable: true });
  });

  it("a stream cut in the middle of a line -> 'incomplete_stream'", async () => {
    const lines = ndjsonLines(readWire('ollama-chat.ndjson'));
    server.enqueue(ndjson([lines[0]!, lines[4]!.slice(0, 40)]));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(textOf(chunks)).toBe('Hello');
    expect(error.code).toBe('incomplete_stream');
  });

  it("a malformed JSON line -> 'malformed_response', not retryable, after the lines before it", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    server.enqueue(ndjson([line({ content: 'Hello' }), line({ content: ' there' }), '{"model":"x","message":{"content":\n', line({ content: 'lost' }), doneLine()]));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(textOf(chunks)).toBe('Hello there');
    expect(error).toMatchObject({ code: 'malformed_response', retryable: false });
    expect(warn).not.toHaveBeenCalled();
  });

  it("a line shaped like an object but not JSON -> 'malformed_response' there, like any malformed line; the SDK never sees (or prints) it", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    server.enqueue(ndjson([line({ content: 'Hello' }), '{"model":"x", broken}\n', line({ content: ' there' }), doneLine()]));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(textOf(chunks)).toBe('Hello');
    expect(chunks.some((c) => c.isFinal)).toBe(false);
    expect(error).toMatchObject({ code: 'malformed_response', retryable: false });
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it("a 200 response that is not ndjson at all (a web page) -> 'not_a_stream', not retryable, naming what arrived", async () => {
    server.enqueue((_req, res, recorded) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html>\n<html>captive portal</html>\n');
      recorded.finished = true;
    });
    const { error } = await failure(provider().stream(HELLO));
    expect(error).toMatchObject({ code: 'not_a_stream', retryable: false, status: 200 });
    expect(error.message).toContain('text/html');
    expect(error.message).toContain('<!doctype html>');
  });

  it('never puts the api key in error messages', async () => {
    const leaky = `key ${API_KEY} rejected`;
    server.enqueue(
      json(401, { error: leaky }),
      ndjson([line({ content: 'a' }), `${JSON.stringify({ error: leaky })}\n`]),
    );
    const llama = provider({ apiKey: API_KEY });
    const http = await failure(llama.stream(HELLO));
    expect(http.error).toMatchObject({ status: 401, retryable: false });
    const inStream = await failure(llama.stream(HELLO));
    expect(inStream.error.code).toBe('stream_error');
    for (const error of [http.error, inStream.error]) {
      expect(error.message).toContain('rejected');
      expect(error.message).not.toContain(API_KEY);
      expect(JSON.stringify(error)).not.toContain(API_KEY);
    }
  });
});

describe('ollama() cancellation', () => {
  it('unsubscribing mid-stream aborts the request', async () => {
    server.enqueue(ndjson('ollama-chat.ndjson', { delayMs: 50 }));
    const chunks: StreamChunk[] = [];
    const subscription = provider().stream(HELLO).subscribe((c) => chunks.push(c));
    await server.waitForRequests(1);
    await vi.waitFor(() => expect(chunks.length).toBeGreaterThan(0));
    subscription.unsubscribe();
    await abortedWithin(server.requests[0]!.aborted, 100);
    expect(server.requests[0]?.finished).toBe(false);
  });

  it('a stream that completed at its done line still releases a response the server keeps open', async () => {
    // The SDK's iterator stops at `done` without reading the body to its end.
    server.enqueue(ndjson([line({ content: 'hi' }), doneLine()], { stallAfter: 2 }));
    const outcome = await collect(provider().stream(HELLO));
    expect(textOf(outcome.chunks)).toBe('hi');
    expect(outcome.chunks.at(-1)?.isFinal).toBe(true);
    await abortedWithin(server.requests[0]!.aborted, 100);
  });

  it('take(1) aborts a stalled stream', async () => {
    server.enqueue(ndjson('ollama-chat.ndjson', { stallAfter: 1 }));
    const outcome = await collect(provider().stream(HELLO).pipe(take(1)));
    expect(outcome.chunks.map((c) => c.content)).toEqual(['Hello']);
    await abortedWithin(server.requests[0]!.aborted, 100);
  });

  it('unsubscribing before the response headers arrive (hang) aborts the request', async () => {
    server.enqueue(hang);
    const next = vi.fn();
    const error = vi.fn();
    const subscription = provider().stream(HELLO).subscribe({ next, error });
    await server.waitForRequests(1);
    subscription.unsubscribe();
    await abortedWithin(server.requests[0]!.aborted, 100);
    await sleep(20);
    expect(next).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });
});

describe('ollama({ client }) with a caller-made SDK client', () => {
  it('streams through the given client', async () => {
    server.enqueue(ndjson('ollama-chat.ndjson'));
    const client = new Ollama({ host: server.url, headers: { 'X-Mine': '1' } });
    const outcome = await collect(ollama({ client }).stream(HELLO));
    expect(textOf(outcome.chunks)).toBe('Hello, world!');
    expect(server.requests[0]?.headers['x-mine']).toBe('1');
  });

  it('unsubscribing after the headers aborts through the iterator abort()', async () => {
    server.enqueue(ndjson('ollama-chat.ndjson', { stallAfter: 1 }));
    const outcome = await collect(ollama({ client: new Ollama({ host: server.url }) }).stream(HELLO).pipe(take(1)));
    expect(outcome.chunks).toHaveLength(1);
    await abortedWithin(server.requests[0]!.aborted, 100);
  });

  it('unsubscribing before the headers: the request is aborted only once its headers arrive', async () => {
    server.enqueue(ndjson('ollama-chat.ndjson', { headerDelayMs: 200, stallAfter: 1 }));
    const next = vi.fn();
    const subscription = ollama({ client: new Ollama({ host: server.url }) }).stream(HELLO).subscribe({ next });
    await server.waitForRequests(1);
    subscription.unsubscribe();
    const request = server.requests[0]!;
    await expect(abortedWithin(request.aborted, 100)).rejects.toThrow('no abort');
    const abortedAt = await abortedWithin(request.aborted, 400);
    expect(abortedAt - request.receivedAt).toBeGreaterThanOrEqual(190);
    expect(next).not.toHaveBeenCalled();
  });

  it('HTTP errors carry no retryAfterMs (the SDK drops the headers)', async () => {
    server.enqueue(httpError('ollama-429.json'));
    const { error } = await failure(ollama({ client: new Ollama({ host: server.url }) }).stream(HELLO));
    expect(error).toMatchObject({ status: 429, retryable: true });
    expect(error.retryAfterMs).toBeUndefined();
  });
});

describe('ollama() info() and defaults', () => {
  it('describes the provider', () => {
    vi.stubEnv('OLLAMA_HOST', '');
    expect(ollama().info()).toEqual({
      provider: 'ollama',
      model: 'llama3.2',
      supportsStreaming: true,
      supportsTools: true,
      supportsThinking: true,
      baseURL: 'http://127.0.0.1:11434',
    });
    const qwen = ollama({ model: 'qwen3', host: 'https://ollama.example.com/' });
    expect(qwen.name).toBe('ollama');
    expect(qwen.model).toBe('qwen3');
    expect(qwen.info()).toMatchObject({ model: 'qwen3', baseURL: 'https://ollama.example.com' });
    expect(ollama({ client: new Ollama() }).info().baseURL).toBeUndefined();
  });

  it('reads OLLAMA_HOST the way the Ollama CLI does (scheme and port optional)', () => {
    vi.stubEnv('OLLAMA_HOST', 'gpu-box');
    expect(ollama().info().baseURL).toBe('http://gpu-box:11434');
    vi.stubEnv('OLLAMA_HOST', ':11500');
    expect(ollama().info().baseURL).toBe('http://127.0.0.1:11500');
    vi.stubEnv('OLLAMA_HOST', 'http://10.0.0.5:8080');
    expect(ollama().info().baseURL).toBe('http://10.0.0.5:8080');
    expect(ollama({ host: 'http://other:1' }).info().baseURL).toBe('http://other:1');
  });

  it('sends requests to OLLAMA_HOST', async () => {
    vi.stubEnv('OLLAMA_HOST', server.url.replace('http://', ''));
    server.enqueue(ndjson('ollama-chat.ndjson'));
    const outcome = await collect(ollama().stream(HELLO));
    expect(outcome.completed).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects invalid options at the call, naming the option', () => {
    expect(() => ollama({ model: '' })).toThrow(/model must be a non-empty string/);
    expect(() => ollama({ host: 'http://' })).toThrow(TypeError);
    expect(() => ollama({ host: 'http://' })).toThrow(/host/);
    expect(() => ollama({ think: 'max' as never })).toThrow(RangeError);
    expect(() => ollama({ fetch: 'fetch' as never })).toThrow(/fetch must be a function/);
    expect(() => ollama({ client: {} as never })).toThrow(/client.chat must be a function/);
    expect(() => provider().stream({} as never)).toThrow(/messages must be an array/);
  });
});

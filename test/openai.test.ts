/**
 * The OpenAI provider against a loopback server replaying recorded Chat Completions streams, with the
 * real `openai` SDK client pointed at it through `baseURL`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { take, type SchedulerLike } from 'rxjs';
import { z } from 'zod';
import OpenAI from 'openai';
import { openai, type OpenAIProviderOptions } from '../src/providers/openai.js';
import type { ChatRequest } from '../src/providers/provider.js';
import type { StreamChunk } from '../src/chunk.js';
import { defineTool } from '../src/tools/tool.js';
import { closedPortURL, hang, httpError, json, sse, useWireServer } from './helpers/wireServer.js';
import { collect, failure, sleep, textOf } from './helpers/streams.js';

const API_KEY = 'sk-test-PLANTEDsecret0123456789';
const HELLO: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };

const server = useWireServer();
afterEach(() => {
  vi.unstubAllEnvs();
});

function provider(options: OpenAIProviderOptions = {}) {
  return openai({ baseURL: `${server.url}/v1`, apiKey: API_KEY, ...options });
}

/** One `data:` event of a chat.completion.chunk with the given choice delta / finish reason. */
function event(delta: Record<string, unknown>, finishReason: string | null = null, extra: Record<string, unknown> = {}): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-inline',
    object: 'chat.completion.chunk',
    created: 1763942400,
    model: 'served-model',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...extra,
  })}\n\n`;
}
const usageEvent = `data: ${JSON.stringify({ id: 'chatcmpl-inline', object: 'chat.completion.chunk', model: 'served-model', choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })}\n\n`;
const DONE = 'data: [DONE]\n\n';

describe('openai() text streaming (openai-text.sse)', () => {
  it('streams content deltas, then exactly one final chunk with usage, model and finish reason', async () => {
    server.enqueue(sse('openai-text.sse'));
    const outcome = await collect(provider().stream(HELLO));

    expect(outcome.completed).toBe(true);
    // The role-only first chunk (content '') is skipped.
    expect(outcome.chunks.map((c) => c.content)).toEqual(['Hello', ',', ' world', '!', '']);
    expect(outcome.chunks.filter((c) => c.isFinal)).toHaveLength(1);
    const final = outcome.chunks.at(-1)!;
    expect(final.isFinal).toBe(true);
    expect(final.metadata).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini-2024-07-18',
      eventType: 'chat.completion.chunk',
      finishReason: 'stop',
      rawFinishReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 5, totalTokens: 17 },
      responseId: 'chatcmpl-CXtext0001',
    });
    expect(final.metadata.toolCalls).toBeUndefined();
    expect(outcome.chunks[0]!.metadata).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18', eventType: 'chat.completion.chunk' });
  });

  it('sends a streaming Chat Completions request with usage enabled and the bearer key', async () => {
    server.enqueue(sse('openai-text.sse'));
    await collect(provider().stream(HELLO));

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/v1/chat/completions');
    expect(request!.headers['authorization']).toBe(`Bearer ${API_KEY}`);
    expect(request!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('is cold: no request before subscribe, one request per subscription', async () => {
    server.enqueue(sse('openai-text.sse'), sse('openai-text.sse'));
    const stream = provider().stream(HELLO);
    await sleep(30);
    expect(server.requests).toHaveLength(0);

    const [a, b] = await Promise.all([collect(stream), collect(stream)]);
    expect(server.requests).toHaveLength(2);
    expect(textOf(a.chunks)).toBe('Hello, world!');
    expect(textOf(b.chunks)).toBe('Hello, world!');
  });

  it('stamps chunks with the injected scheduler clock', async () => {
    server.enqueue(sse('openai-text.sse'));
    const clock: SchedulerLike = { now: () => 4242, schedule: () => { throw new Error('not used'); } } as unknown as SchedulerLike;
    const outcome = await collect(provider({ scheduler: clock }).stream(HELLO));
    expect(outcome.chunks.map((c) => c.timestamp)).toEqual([4242, 4242, 4242, 4242, 4242]);
  });

  it('completes without usage when the server sends none (compatible servers), but with the finish reason', async () => {
    server.enqueue(sse([event({ role: 'assistant' }), event({ content: 'ok' }), event({}, 'length'), DONE]));
    const outcome = await collect(provider().stream(HELLO));
    expect(outcome.completed).toBe(true);
    const final = outcome.chunks.at(-1)!;
    expect(final.metadata).toMatchObject({ finishReason: 'length', rawFinishReason: 'length', model: 'served-model' });
    expect(final.metadata.usage).toBeUndefined();
  });

  it("streams a refusal as content marked `refusal`, and ends with finishReason 'content_filter' and the whole refusal", async () => {
    server.enqueue(
      sse([event({ role: 'assistant', content: null, refusal: '' }), event({ refusal: "I can't " }), event({ refusal: 'help' }), event({}, 'stop'), DONE]),
    );
    const outcome = await collect(provider().stream(HELLO));
    expect(outcome.chunks[0]).toMatchObject({ content: "I can't ", metadata: { refusal: "I can't " } });
    expect(textOf(outcome.chunks)).toBe("I can't help"); // a consumer reading only content sees it
    expect(outcome.chunks).toHaveLength(3);
    expect(outcome.chunks[2]!.metadata).toMatchObject({ finishReason: 'content_filter', rawFinishReason: 'stop', refusal: "I can't help" });
  });
});

describe('openai() request mapping', () => {
  const weather = defineTool({
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: z.object({ city: z.string() }),
    execute: ({ city }) => `sunny in ${city}`,
  });
  const clock = defineTool({
    name: 'get_time',
    description: 'Time in a zone',
    parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] },
    execute: () => '12:00',
  });

  it('maps messages (tool calls, tool results), sampling parameters, tools and providerOptions', async () => {
    server.enqueue(sse('openai-text.sse'));
    await collect(
      provider({ model: 'default-model' }).stream({
        model: 'override-model',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather and time in Paris?' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [
              { id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } },
              { id: 'call_2', name: 'get_time', arguments: '{"tz": "Europe/Par' },
            ],
          },
          { role: 'tool', toolCallId: 'call_1', name: 'get_weather', content: 'sunny' },
          { role: 'tool', toolCallId: 'call_2', name: 'get_time', content: 'Invalid JSON arguments' },
          { role: 'assistant', content: 'It is sunny.' },
        ],
        temperature: 0.2,
        maxTokens: 64,
        topP: 0.9,
        frequencyPenalty: 0.1,
        presencePenalty: -0.1,
        stop: ['\n\n'],
        tools: [weather, clock],
        providerOptions: { seed: 7, temperature: 0.5, stream: false, parallel_tool_calls: false },
      }),
    );

    expect(server.requests[0]!.body).toEqual({
      model: 'override-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"tz": "Europe/Par' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        { role: 'tool', tool_call_id: 'call_2', content: 'Invalid JSON arguments' },
        { role: 'assistant', content: 'It is sunny.' },
      ],
      temperature: 0.5, // providerOptions win...
      max_tokens: 64,
      top_p: 0.9,
      frequency_penalty: 0.1,
      presence_penalty: -0.1,
      stop: ['\n\n'],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
        {
          type: 'function',
          function: { name: 'get_time', description: 'Time in a zone', parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] } },
        },
      ],
      seed: 7,
      parallel_tool_calls: false,
      stream: true, // ...except over `stream`
      stream_options: { include_usage: true },
    });
  });

  it('sends maxTokens as max_tokens to a compatible server, max_completion_tokens when told', async () => {
    server.enqueue(sse('openai-text.sse'), sse('openai-text.sse'));
    await collect(provider().stream({ ...HELLO, maxTokens: 10 }));
    await collect(provider({ maxTokensParam: 'max_completion_tokens' }).stream({ ...HELLO, maxTokens: 20 }));

    expect(server.requests[0]!.body).toMatchObject({ max_tokens: 10 });
    expect(server.requests[0]!.body).not.toHaveProperty('max_completion_tokens');
    expect(server.requests[1]!.body).toMatchObject({ max_completion_tokens: 20 });
    expect(server.requests[1]!.body).not.toHaveProperty('max_tokens');
  });

  it("sends max_completion_tokens to OpenAI's own API (a real client for api.openai.com, routed to the loopback server)", async () => {
    server.enqueue(sse('openai-text.sse'));
    const client = new OpenAI({
      apiKey: API_KEY,
      baseURL: 'https://api.openai.com/v1',
      fetch: (url, init) => fetch(String(url).replace('https://api.openai.com', server.url), init),
    });
    const gpt = openai({ client });
    const outcome = await collect(gpt.stream({ ...HELLO, maxTokens: 30 }));

    expect(outcome.completed).toBe(true);
    expect(server.requests[0]!.body).toMatchObject({ max_completion_tokens: 30 });
    expect(server.requests[0]!.body).not.toHaveProperty('max_tokens');
    expect(gpt.info()).toMatchObject({ baseURL: 'https://api.openai.com/v1', supportsThinking: false });
  });

  it('fails without a request when a tool cannot be described as JSON Schema', async () => {
    const broken = { name: 'broken', description: 'x', parameters: { '~standard': { version: 1, vendor: 'nope', validate: () => ({ value: {} }) } }, execute: () => 'x' };
    const { error } = await failure(provider().stream({ ...HELLO, tools: [broken] }));
    expect(error).toMatchObject({ code: 'invalid_request', retryable: false });
    expect(server.requests).toHaveLength(0);
  });
});

describe('openai() tool calls', () => {
  it('streams tool-call fragments and ends with parsed calls (openai-tools.sse)', async () => {
    server.enqueue(sse('openai-tools.sse'));
    const outcome = await collect(provider().stream(HELLO));

    expect(outcome.completed).toBe(true);
    const deltas = outcome.chunks.filter((c) => !c.isFinal);
    expect(deltas.every((c) => c.content === '')).toBe(true);
    expect(deltas.map((c) => c.metadata.toolCallDelta)).toEqual([
      { index: 0, id: 'call_Qm1aXyZ0001', name: 'get_weather', argumentsDelta: '' },
      { index: 0, argumentsDelta: '{"ci' },
      { index: 0, argumentsDelta: 'ty": "Pa' },
      { index: 0, argumentsDelta: 'ris"}' },
      { index: 1, id: 'call_Qm1aXyZ0002', name: 'get_time', argumentsDelta: '' },
      { index: 1, argumentsDelta: '{"tz": "Europe/Paris"}' },
    ]);
    expect(outcome.chunks.at(-1)!.metadata).toMatchObject({
      finishReason: 'tool_calls',
      rawFinishReason: 'tool_calls',
      usage: { inputTokens: 85, outputTokens: 42, totalTokens: 127 },
      toolCalls: [
        { id: 'call_Qm1aXyZ0001', name: 'get_weather', arguments: { city: 'Paris' } },
        { id: 'call_Qm1aXyZ0002', name: 'get_time', arguments: { tz: 'Europe/Paris' } },
      ],
    });
  });

  it('assembles interleaved parallel calls by index and keeps malformed arguments as the raw string', async () => {
    const call = (index: number, fn: Record<string, unknown>, id?: string) => ({ tool_calls: [{ index, ...(id && { id, type: 'function' }), function: fn }] });
    server.enqueue(
      sse([
        event({ role: 'assistant', content: null, ...call(0, { name: 'a', arguments: '' }, 'call_a') }),
        event(call(1, { name: 'b', arguments: '' }, 'call_b')),
        event(call(1, { arguments: '{"y":' })),
        event(call(0, { arguments: '{"x":' })),
        event(call(0, { arguments: '1}' })),
        event(call(1, { arguments: '2' })), // never closed: malformed
        event(call(0, { arguments: '' })), // carries nothing: no chunk
        event({}, 'tool_calls'),
        DONE,
      ]),
    );
    const outcome = await collect(provider().stream(HELLO));
    expect(outcome.chunks.filter((c) => !c.isFinal).map((c) => [c.metadata.toolCallDelta?.index, c.metadata.toolCallDelta?.argumentsDelta])).toEqual([
      [0, ''],
      [1, ''],
      [1, '{"y":'],
      [0, '{"x":'],
      [0, '1}'],
      [1, '2'],
    ]);
    expect(outcome.chunks.at(-1)!.metadata.toolCalls).toEqual([
      { id: 'call_a', name: 'a', arguments: { x: 1 } },
      { id: 'call_b', name: 'b', arguments: '{"y":2' },
    ]);
  });

  it('handles compatible servers that omit index and answer tool calls with finish_reason "stop"', async () => {
    server.enqueue(
      sse([
        event({ role: 'assistant', tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'a', arguments: '{}' } }] }),
        event({ tool_calls: [{ id: 'call_y', type: 'function', function: { name: 'b', arguments: '{"k":' } }] }),
        event({ tool_calls: [{ function: { arguments: '"v"}' } }] }),
        event({}, 'stop'),
        DONE,
      ]),
    );
    const outcome = await collect(provider().stream(HELLO));
    expect(outcome.chunks.at(-1)!.metadata).toMatchObject({
      finishReason: 'tool_calls',
      rawFinishReason: 'stop',
      toolCalls: [
        { id: 'call_x', name: 'a', arguments: {} },
        { id: 'call_y', name: 'b', arguments: { k: 'v' } },
      ],
    });
  });

  it('maps the legacy function_call finish reason to tool_calls and content_filter through', async () => {
    server.enqueue(sse([event({ content: 'x' }), event({}, 'function_call'), DONE]), sse([event({ content: 'x' }), event({}, 'content_filter'), DONE]));
    const a = await collect(provider().stream(HELLO));
    const b = await collect(provider().stream(HELLO));
    expect(a.chunks.at(-1)!.metadata).toMatchObject({ finishReason: 'tool_calls', rawFinishReason: 'function_call' });
    expect(b.chunks.at(-1)!.metadata).toMatchObject({ finishReason: 'content_filter', rawFinishReason: 'content_filter' });
  });

  it("passes a finish word it does not know through (a gateway's 'error' must not look like 'stop')", async () => {
    server.enqueue(sse([event({ content: 'x' }), event({}, 'error'), DONE]));
    const { chunks } = await collect(provider().stream(HELLO));
    expect(chunks.at(-1)!.metadata).toMatchObject({ finishReason: 'error', rawFinishReason: 'error' });
  });
});

describe('openai() reasoning from compatible servers', () => {
  it('puts reasoning_content / reasoning into metadata.thinking, never into content', async () => {
    server.enqueue(
      sse([
        event({ role: 'assistant', content: '', reasoning_content: 'Let me ' }),
        event({ reasoning_content: 'think.' }),
        event({ reasoning: ' More.' }),
        event({ reasoning_content: '', reasoning: ' Still.' }), // an empty reasoning_content does not hide reasoning
        event({ content: 'Answer' }),
        event({}, 'stop'),
        usageEvent,
        DONE,
      ]),
    );
    const outcome = await collect(provider().stream(HELLO));
    const thinking = outcome.chunks.filter((c) => c.metadata.thinking !== undefined);
    expect(thinking.map((c) => c.metadata.thinking)).toEqual(['Let me ', 'think.', ' More.', ' Still.']);
    expect(thinking.every((c) => c.content === '')).toBe(true);
    expect(textOf(outcome.chunks)).toBe('Answer');
    expect(outcome.chunks.at(-1)!.metadata.usage).toEqual({ inputTokens: 3, outputTokens: 4, totalTokens: 7 });
  });
});

describe('openai() errors', () => {
  it('turns an in-stream {"error"} line into a retryable ProviderError after the partial content (openai-error.sse)', async () => {
    server.enqueue(sse('openai-error.sse'));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(textOf(chunks)).toBe('Partial');
    expect(chunks.some((c) => c.isFinal)).toBe(false);
    expect(error).toMatchObject({ provider: 'openai', code: 'server_error', retryable: true });
    expect(error.status).toBe(500); // the status its code stands for: 'server_error' is a 500
    expect(error.message).toContain('The server had an error while processing your request');
    expect(error.partialResponse?.completeText).toBe('Partial'); // nothing lost: the error carries what was delivered
    expect(error.partialResponse?.chunkCount).toBe(chunks.length);
  });

  it('reads a vLLM-style numeric code in an in-stream error as the status', async () => {
    server.enqueue(sse([event({ content: 'x' }), `data: ${JSON.stringify({ error: { object: 'error', message: 'context too long', type: 'BadRequestError', code: 400 } })}\n\n`]));
    const { error } = await failure(provider().stream(HELLO));
    expect(error).toMatchObject({ status: 400, code: 'BadRequestError', retryable: false });
  });

  it('treats an in-stream error without status as retryable only when its type says so', async () => {
    const errorLine = (type: string) => `data: ${JSON.stringify({ error: { message: 'bad', type, param: null, code: null } })}\n\n`;
    server.enqueue(sse([event({ content: 'x' }), errorLine('invalid_request_error')]), sse([event({ content: 'x' }), errorLine('rate_limit_error')]));
    const invalid = await failure(provider().stream(HELLO));
    const limited = await failure(provider().stream(HELLO));
    expect(invalid.error).toMatchObject({ code: 'invalid_request_error', retryable: false });
    expect(limited.error).toMatchObject({ code: 'rate_limit_error', retryable: true });
  });

  it('maps a 429 to a retryable error with retryAfterMs from retry-after (openai-429.json), sent once', async () => {
    server.enqueue(httpError('openai-429.json'));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(chunks).toEqual([]);
    expect(error).toMatchObject({ provider: 'openai', status: 429, code: 'rate_limit_exceeded', retryable: true, retryAfterMs: 1000 });
    expect(error.message).toContain('Rate limit reached');
    expect(error.partialResponse).toBeUndefined(); // nothing was delivered
    await sleep(50);
    expect(server.requests).toHaveLength(1);
  });

  it('prefers retry-after-ms', async () => {
    server.enqueue(httpError('openai-429.json', { 'retry-after-ms': '250' }));
    const { error } = await failure(provider().stream(HELLO));
    expect(error.retryAfterMs).toBe(250);
  });

  it('maps a 500 to a retryable error and never retries it in the SDK (openai-500.json)', async () => {
    server.enqueue(httpError('openai-500.json')); // a retry would get the fallback reply, also a 500
    const { error } = await failure(provider().stream(HELLO));
    expect(error).toMatchObject({ status: 500, code: 'server_error', retryable: true });
    await sleep(1200); // the SDK's own first retry would come after ~0.5-1 s
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a 500 through a caller-supplied client with SDK retries on', async () => {
    server.enqueue(httpError('openai-500.json')); // a retry would get the fallback reply, also a 500
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${server.url}/v1`, maxRetries: 2 });
    await failure(openai({ client }).stream(HELLO));
    await sleep(1200);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [400, 'invalid_request_error'],
    [401, 'invalid_api_key'],
    [404, 'model_not_found'],
  ])('maps a %i to a non-retryable error', async (status, code) => {
    server.enqueue(json(status, { error: { message: `nope ${status}`, type: 'invalid_request_error', param: null, code } }));
    const { error } = await failure(provider().stream(HELLO));
    expect(error).toMatchObject({ status, code, retryable: false });
  });

  it('maps a connection reset mid-stream to a retryable error after the partial content', async () => {
    server.enqueue(sse('openai-text.sse', { resetAfter: 4, delayMs: 20 }));
    const { chunks, error } = await failure(provider().stream(HELLO));
    // The reset may discard the last event still in flight.
    expect(['Hello,', 'Hello, world']).toContain(textOf(chunks));
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(error.code).toMatch(/ECONNRESET|UND_ERR_SOCKET|terminated/);
  });

  it('reports a stream that ends before its finish_reason as incomplete_stream (retryable)', async () => {
    server.enqueue(sse('openai-text.sse', { endAfter: 4 }));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(textOf(chunks)).toBe('Hello, world');
    expect(error).toMatchObject({ code: 'incomplete_stream', retryable: true });
  });

  it('reports a malformed JSON line as malformed_response', async () => {
    server.enqueue(sse([event({ content: 'ok' }), 'data: {"id":"chatcmpl-x","choices":[{"delta":{"content":"tr\n\n', event({}, 'stop'), DONE]));
    const client = new OpenAI({ apiKey: API_KEY, baseURL: `${server.url}/v1`, logLevel: 'off' });
    const { chunks, error } = await failure(openai({ client }).stream(HELLO));
    expect(textOf(chunks)).toBe('ok');
    expect(error).toMatchObject({ code: 'malformed_response', retryable: false });
  });

  it('an event the decoder cannot read is malformed_response, not a retryable network error', async () => {
    server.enqueue(sse([event({ content: 'ok' }), event({ tool_calls: [null] }), event({}, 'stop'), DONE]));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(textOf(chunks)).toBe('ok');
    expect(error).toMatchObject({ code: 'malformed_response', retryable: false });
    expect(error.message).toMatch(/^openai: could not read the stream/);
  });

  it('maps the SDK request timeout (timeout option) to a retryable timeout error', async () => {
    server.enqueue(hang);
    const { error } = await failure(provider({ timeout: 100 }).stream(HELLO));
    expect(error).toMatchObject({ provider: 'openai', code: 'timeout', retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it('maps a refused connection to a retryable network error', async () => {
    const url = await closedPortURL();
    const { error } = await failure(openai({ baseURL: `${url}/v1`, apiKey: API_KEY }).stream(HELLO));
    expect(error).toMatchObject({ provider: 'openai', code: 'ECONNREFUSED', retryable: true });
  });
});

describe('openai() cancellation', () => {
  it('aborts the request when unsubscribed mid-stream (stall)', async () => {
    server.enqueue(sse('openai-text.sse', { stallAfter: 2 }));
    const chunks: StreamChunk[] = [];
    const subscription = provider().stream(HELLO).subscribe((c) => chunks.push(c));
    await vi.waitFor(() => expect(chunks).toHaveLength(1));
    const before = performance.now();
    subscription.unsubscribe();
    const abortedAt = await server.requests[0]!.aborted;
    expect(abortedAt - before).toBeLessThan(100);
  });

  it('aborts the request after take(1)', async () => {
    server.enqueue(sse('openai-text.sse', { delayMs: 30 }));
    const outcome = await collect(provider().stream(HELLO).pipe(take(1)));
    const completedAt = performance.now();
    expect(outcome.chunks.map((c) => c.content)).toEqual(['Hello']);
    const abortedAt = await server.requests[0]!.aborted;
    expect(abortedAt - completedAt).toBeLessThan(100);
    expect(server.requests[0]!.finished).toBe(false);
  });

  it('aborts a request still waiting for headers, without emitting anything', async () => {
    server.enqueue(hang);
    const seen: unknown[] = [];
    const subscription = provider().stream(HELLO).subscribe({ next: (c) => seen.push(c), error: (e: unknown) => seen.push(e) });
    await server.waitForRequests(1);
    const before = performance.now();
    subscription.unsubscribe();
    const abortedAt = await server.requests[0]!.aborted;
    expect(abortedAt - before).toBeLessThan(100);
    await sleep(20);
    expect(seen).toEqual([]);
  });
});

describe('openai() secrets', () => {
  it('never puts the API key into error messages (HTTP body, in-stream error, network error)', async () => {
    const echo = `Incorrect API key provided: ${API_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`;
    server.enqueue(json(401, { error: { message: echo, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }));
    server.enqueue(sse([event({ content: 'x' }), `data: ${JSON.stringify({ error: { message: echo, type: 'server_error' } })}\n\n`]));
    const http = await failure(provider().stream(HELLO));
    const inStream = await failure(provider().stream(HELLO));
    const network = await failure(openai({ baseURL: `http://127.0.0.1:1/${API_KEY}/v1`, apiKey: API_KEY }).stream(HELLO));

    for (const { error } of [http, inStream, network]) {
      expect(error.message).not.toContain(API_KEY);
      expect(JSON.stringify(error)).not.toContain(API_KEY);
      expect(String(error)).not.toContain(API_KEY);
    }
    expect(http.error.message).toContain('Incorrect API key provided');
  });
});

describe('openai() options, env defaults and info()', () => {
  it('fails at subscribe, without a request, when no API key is configured', async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    const gpt = openai({ baseURL: `${server.url}/v1` });
    const { error } = await failure(gpt.stream(HELLO));
    expect(error).toMatchObject({ provider: 'openai', code: 'missing_api_key', retryable: false });
    expect(server.requests).toHaveLength(0);
  });

  it('reads OPENAI_API_KEY and OPENAI_BASE_URL from the environment', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-env-key-000000');
    vi.stubEnv('OPENAI_BASE_URL', `${server.url}/v1`);
    server.enqueue(sse('openai-text.sse'));
    const gpt = openai();
    const outcome = await collect(gpt.stream(HELLO));
    expect(outcome.completed).toBe(true);
    expect(server.requests[0]!.headers['authorization']).toBe('Bearer sk-env-key-000000');
    expect(gpt.info().baseURL).toBe(`${server.url}/v1`);
  });

  it('explicit options win over the environment', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-env-key-000000');
    vi.stubEnv('OPENAI_BASE_URL', 'http://127.0.0.1:1/v1');
    server.enqueue(sse('openai-text.sse'));
    await collect(provider({ organization: 'org-1', project: 'proj-1', defaultHeaders: { 'x-app': 'demo' } }).stream(HELLO));
    expect(server.requests[0]!.headers).toMatchObject({
      authorization: `Bearer ${API_KEY}`,
      'openai-organization': 'org-1',
      'openai-project': 'proj-1',
      'x-app': 'demo',
    });
  });

  it('describes itself with info()', () => {
    vi.stubEnv('OPENAI_BASE_URL', '');
    expect(openai({ apiKey: API_KEY }).info()).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini',
      supportsStreaming: true,
      supportsTools: true,
      supportsThinking: false,
      baseURL: 'https://api.openai.com/v1',
    });
    const local = openai({ baseURL: 'http://localhost:8000/v1', apiKey: 'none', model: 'Qwen/Qwen3-8B' });
    expect(local.name).toBe('openai');
    expect(local.model).toBe('Qwen/Qwen3-8B');
    expect(local.info()).toMatchObject({ model: 'Qwen/Qwen3-8B', supportsThinking: true, baseURL: 'http://localhost:8000/v1' });
  });

  it('rejects invalid options at the call, naming the option', () => {
    expect(() => openai({ baseURL: 'not a url' })).toThrow(/baseURL/);
    expect(() => openai({ model: '' })).toThrow(TypeError);
    expect(() => openai({ maxTokensParam: 'max' as never })).toThrow(/maxTokensParam/);
    expect(() => openai({ timeout: -1 })).toThrow(RangeError);
  });
});

/**
 * The Anthropic provider against the real @anthropic-ai/sdk, pointed at a loopback server that replays
 * the wire fixtures (test/fixtures/wire/anthropic-*) and inline variations of them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { firstValueFrom, lastValueFrom, take, toArray, type Observable, type SchedulerLike } from 'rxjs';
import { z } from 'zod';
import Anthropic from '@anthropic-ai/sdk';
import {
  ANTHROPIC_DEFAULT_MAX_TOKENS,
  ANTHROPIC_DEFAULT_MODEL,
  anthropic,
  anthropicFinishReason,
  toAnthropicBody,
} from '../src/providers/anthropic.js';
import type { ChatRequest } from '../src/providers/provider.js';
import type { StreamChunk } from '../src/chunk.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { defineTool } from '../src/tools/tool.js';
import { closedPortURL, hang, httpError, json, sse, useWireServer } from './helpers/wireServer.js';
import { abortedWithin, failure, sleep } from './helpers/streams.js';

const API_KEY = 'sk-ant-api03-PLANTEDsecretKEY0123456789';
const HELLO: ChatRequest = { messages: [{ role: 'user', content: 'Hello' }] };

const server = useWireServer();
afterEach(() => {
  vi.unstubAllEnvs();
});

function provider(extra: Parameters<typeof anthropic>[0] = {}): ReturnType<typeof anthropic> {
  return anthropic({ apiKey: API_KEY, baseURL: server.url, model: 'claude-sonnet-4-6', ...extra });
}

/** The chunks of a stream that must complete (rejects with the stream's error). */
function collect(source: Observable<StreamChunk>): Promise<StreamChunk[]> {
  return lastValueFrom(source.pipe(toArray()));
}

/** One SSE event the way the API writes it: `event: <type>` plus the JSON with the same `type`. */
function ev(type: string, data: Record<string, unknown> = {}): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

const start = (usage: Record<string, unknown> = { input_tokens: 10, output_tokens: 1 }): string =>
  ev('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6-20260101', content: [], usage } });
const stop = (stopReason: string, usage: Record<string, unknown> = { output_tokens: 5 }): string[] => [
  ev('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage }),
  ev('message_stop'),
];

describe('anthropic(): text stream (anthropic-text.sse)', () => {
  it('emits each text_delta as a content chunk, then one final chunk with finish reason and usage', async () => {
    server.enqueue(sse('anthropic-text.sse'));
    const chunks = await collect(provider().stream(HELLO));

    expect(chunks.map((c) => c.content)).toEqual(['Hello', ', world', '!', '']);
    expect(chunks.filter((c) => c.isFinal)).toHaveLength(1);
    for (const c of chunks.slice(0, 3)) {
      expect(c.metadata).toEqual({ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929', eventType: 'content_block_delta' });
      expect(c.isFinal).toBe(false);
    }
    expect(chunks[3]).toMatchObject({
      isFinal: true,
      metadata: {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5-20250929', // the model the server reported, not the one requested
        eventType: 'message_stop',
        finishReason: 'stop',
        rawFinishReason: 'end_turn',
        usage: { inputTokens: 14, outputTokens: 6, totalTokens: 20 },
      },
    });
    expect(chunks[3]?.metadata.toolCalls).toBeUndefined();
    expect(chunks[3]?.metadata.cacheUsage).toBeUndefined();
  });

  it('posts to <baseURL>/v1/messages with stream: true, the default model and max_tokens 4096', async () => {
    server.enqueue(sse('anthropic-text.sse'));
    await collect(anthropic({ apiKey: API_KEY, baseURL: server.url }).stream(HELLO));

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers['authorization']).toBe(`Bearer ${API_KEY}`);
    expect(request?.body).toEqual({
      model: ANTHROPIC_DEFAULT_MODEL,
      max_tokens: ANTHROPIC_DEFAULT_MAX_TOKENS,
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
    });
    expect(ANTHROPIC_DEFAULT_MAX_TOKENS).toBe(4096);
  });

  it('stamps chunks with the injected scheduler clock', async () => {
    server.enqueue(sse('anthropic-text.sse'));
    const clock = { now: () => 12_345, schedule: () => ({ unsubscribe: () => undefined }) } as unknown as SchedulerLike;
    const chunks = await collect(provider({ scheduler: clock }).stream(HELLO));
    expect(chunks.map((c) => c.timestamp)).toEqual([12_345, 12_345, 12_345, 12_345]);
  });

  it('counts cache writes and reads as input tokens and reports them separately', async () => {
    server.enqueue(
      sse([
        start({ input_tokens: 5, cache_creation_input_tokens: 100, cache_read_input_tokens: 2000, output_tokens: 1 }),
        ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'ok' } }),
        ev('content_block_stop', { index: 0 }),
        ...stop('end_turn', { output_tokens: 7 }),
      ]),
    );
    const chunks = await collect(provider().stream(HELLO));
    expect(chunks.at(-1)?.metadata.usage).toEqual({ inputTokens: 2105, outputTokens: 7, totalTokens: 2112 });
    expect(chunks.at(-1)?.metadata.cacheUsage).toEqual({ cacheCreationInputTokens: 100, cacheReadInputTokens: 2000 });
  });
});

describe('anthropic(): cold, one request per subscription, abortable', () => {
  it('sends nothing before subscribe and one request per subscription', async () => {
    const stream = provider().stream(HELLO);
    await sleep(30);
    expect(server.requests).toHaveLength(0);

    server.enqueue(sse('anthropic-text.sse'), sse('anthropic-text.sse'));
    await collect(stream);
    expect(server.requests).toHaveLength(1);
    await collect(stream);
    expect(server.requests).toHaveLength(2);
  });

  it('take(1) aborts the request once the first chunk arrived', async () => {
    server.enqueue(sse('anthropic-text.sse', { delayMs: 50 }));
    const first = await firstValueFrom(provider().stream(HELLO).pipe(take(1)));
    expect(first.content).toBe('Hello');
    await abortedWithin(server.requests[0]!.aborted, 100);
    expect(server.requests[0]?.finished).toBe(false);
  });

  it('unsubscribing before the response headers aborts the request', async () => {
    server.enqueue(hang);
    const subscription = provider().stream(HELLO).subscribe({ error: () => expect.fail('no error after unsubscribe') });
    await server.waitForRequests(1);
    subscription.unsubscribe();
    await abortedWithin(server.requests[0]!.aborted, 100);
  });

  it('unsubscribing from a stalled stream aborts it and delivers nothing more', async () => {
    server.enqueue(sse('anthropic-text.sse', { stallAfter: 4 }));
    const seen: StreamChunk[] = [];
    const subscription = provider().stream(HELLO).subscribe({ next: (c) => seen.push(c), error: () => expect.fail('no error after unsubscribe') });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    subscription.unsubscribe();
    await abortedWithin(server.requests[0]!.aborted, 100);
    await sleep(20);
    expect(seen.map((c) => c.content)).toEqual(['Hello']);
  });
});

describe('anthropic(): request mapping', () => {
  const weather = defineTool({
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']).optional() }),
    execute: () => 'sunny',
  });

  it('moves system messages to `system`, maps tool calls and results, parameters and tools', async () => {
    server.enqueue(sse('anthropic-text.sse'));
    await collect(
      provider().stream({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: 'Checking.',
            toolCalls: [
              { id: 'toolu_1', name: 'get_weather', arguments: { city: 'Paris' } },
              { id: 'toolu_2', name: 'get_weather', arguments: '{"city": "Rome"}' },
            ],
          },
          { role: 'tool', toolCallId: 'toolu_1', content: '18°C' },
          { role: 'tool', toolCallId: 'toolu_2', content: '24°C' },
          { role: 'user', content: 'And in Oslo?' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_3', name: 'get_weather', arguments: 'not json' }] },
          { role: 'tool', toolCallId: 'toolu_3', content: '3°C' },
        ],
        model: 'claude-opus-4-8',
        temperature: 0.2,
        topP: 0.9,
        maxTokens: 300,
        stop: ['END'],
        frequencyPenalty: 0.5,
        presencePenalty: 0.5,
        tools: [weather],
      }),
    );

    const body = server.requests[0]?.body as Record<string, unknown>;
    expect(body).toEqual({
      model: 'claude-opus-4-8',
      max_tokens: 300,
      system: 'Be brief.',
      temperature: 0.2, // top_p dropped: current models reject both together
      stop_sequences: ['END'],
      stream: true,
      tools: [
        {
          name: 'get_weather',
          description: 'Current weather for a city',
          input_schema: expect.objectContaining({
            type: 'object',
            properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
            required: ['city'],
          }),
        },
      ],
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: '24°C' },
            { type: 'text', text: 'And in Oslo?' },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_3', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_3', content: '3°C' }] },
      ],
    });
    expect(body).not.toHaveProperty('frequency_penalty');
    expect(body).not.toHaveProperty('presence_penalty');
    expect((body['tools'] as Array<{ input_schema: object }>)[0]?.input_schema).not.toHaveProperty('$schema');
  });

  it('sends top_p when there is no temperature; drops empty text turns; sends array arguments as {}', () => {
    const body = toAnthropicBody(
      {
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: '' },
          { role: 'user', content: '' },
          { role: 'user', content: 'again' },
          { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'sum', arguments: [1, 2] }] },
          { role: 'tool', toolCallId: 't1', content: '3' },
        ],
        topP: 0.9,
      },
      'claude-sonnet-4-6',
      4096,
    );
    expect(body).toMatchObject({ top_p: 0.9 });
    expect(body).not.toHaveProperty('temperature');
    expect(body.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'user', content: 'again' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'sum', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: '3' }] },
    ]);
  });

  it('joins several system messages and uses defaultMaxTokens', () => {
    const body = toAnthropicBody(
      {
        messages: [
          { role: 'system', content: 'A.' },
          { role: 'user', content: 'hi' },
          { role: 'system', content: 'B.' },
        ],
      },
      'claude-haiku-4-5',
      1024,
    );
    expect(body.system).toBe('A.\n\nB.');
    expect(body.max_tokens).toBe(1024);
    expect(body.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('merges providerOptions last (thinking), but keeps stream: true', async () => {
    server.enqueue(sse('anthropic-text.sse'));
    await collect(
      provider({ defaultMaxTokens: 8000 }).stream({
        ...HELLO,
        providerOptions: { thinking: { type: 'enabled', budget_tokens: 2048 }, stream: false, metadata: { user_id: 'u1' } },
      }),
    );
    expect(server.requests[0]?.body).toMatchObject({
      max_tokens: 8000,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      metadata: { user_id: 'u1' },
      stream: true,
    });
  });

  it('sends providerOptions parsed from JSON as they are, a "__proto__" key included', async () => {
    server.enqueue(sse('anthropic-text.sse'));
    const providerOptions = JSON.parse('{"__proto__": {"top_k": 5}, "top_p": 0.5}') as Record<string, unknown>;
    await collect(provider().stream({ ...HELLO, providerOptions }));
    const body = server.requests[0]?.body as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(body, '__proto__')).toBe(true);
    expect(body['top_p']).toBe(0.5);
    expect(body['top_k']).toBeUndefined();
  });

  it('sends defaultHeaders', async () => {
    server.enqueue(sse('anthropic-text.sse'));
    await collect(provider({ defaultHeaders: { 'anthropic-beta': 'test-beta-2026' } }).stream(HELLO));
    expect(server.requests[0]?.headers['anthropic-beta']).toBe('test-beta-2026');
  });
});

describe('anthropic(): tool calls', () => {
  it('streams input_json_delta fragments as toolCallDelta and puts the parsed call on the final chunk (anthropic-tools.sse)', async () => {
    server.enqueue(sse('anthropic-tools.sse'));
    const chunks = await collect(provider().stream(HELLO));

    expect(chunks.map((c) => c.content).join('')).toBe("I'll check the weather in Paris.");
    const deltas = chunks.filter((c) => c.metadata.toolCallDelta).map((c) => c.metadata.toolCallDelta);
    expect(deltas).toEqual([
      { index: 0, id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', argumentsDelta: '' },
      { index: 0, argumentsDelta: '{"city": "Pa' },
      { index: 0, argumentsDelta: 'ris", "unit": "c' },
      { index: 0, argumentsDelta: 'elsius"}' },
    ]);
    for (const c of chunks.filter((c) => c.metadata.toolCallDelta)) expect(c.content).toBe('');
    // the empty first input_json_delta carries nothing and makes no chunk
    expect(chunks.filter((c) => c.metadata.eventType === 'content_block_delta' && c.metadata.toolCallDelta)).toHaveLength(3);

    const final = chunks.at(-1);
    expect(final?.isFinal).toBe(true);
    expect(final?.metadata).toMatchObject({
      finishReason: 'tool_calls',
      rawFinishReason: 'tool_use',
      usage: { inputTokens: 472, outputTokens: 89, totalTokens: 561 },
      toolCalls: [{ id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }],
    });
  });

  it('numbers parallel tool calls 0, 1, ... (not by content block), keeps malformed JSON raw and defaults empty input to {}', async () => {
    server.enqueue(
      sse([
        start(),
        ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Calling.' } }),
        ev('content_block_stop', { index: 0 }),
        ev('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_a', name: 'lookup', input: {} } }),
        ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"q": "x"}' } }),
        ev('content_block_stop', { index: 1 }),
        ev('content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_b', name: 'lookup', input: {} } }),
        ev('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{"q": ' } }),
        ev('content_block_stop', { index: 2 }),
        ev('content_block_start', { index: 3, content_block: { type: 'tool_use', id: 'toolu_c', name: 'now', input: {} } }),
        ev('content_block_stop', { index: 3 }),
        ...stop('tool_use'),
      ]),
    );
    const chunks = await collect(provider().stream(HELLO));
    const deltas = chunks.map((c) => c.metadata.toolCallDelta).filter((d) => d !== undefined);
    expect(deltas).toEqual([
      { index: 0, id: 'toolu_a', name: 'lookup', argumentsDelta: '' },
      { index: 0, argumentsDelta: '{"q": "x"}' },
      { index: 1, id: 'toolu_b', name: 'lookup', argumentsDelta: '' },
      { index: 1, argumentsDelta: '{"q": ' },
      { index: 2, id: 'toolu_c', name: 'now', argumentsDelta: '' },
    ]);
    expect(chunks.at(-1)?.metadata.toolCalls).toEqual([
      { id: 'toolu_a', name: 'lookup', arguments: { q: 'x' } },
      { id: 'toolu_b', name: 'lookup', arguments: '{"q": ' },
      { id: 'toolu_c', name: 'now', arguments: {} },
    ]);
  });
});

describe('anthropic(): thinking', () => {
  it('emits thinking_delta as metadata.thinking with empty content, never mixed into the text', async () => {
    server.enqueue(
      sse([
        start(),
        ev('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
        ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Let me think' } }),
        ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: ' about it.' } }),
        ev('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM' } }),
        ev('content_block_stop', { index: 0 }),
        ev('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
        ev('content_block_delta', { index: 1, delta: { type: 'text_delta', text: '42' } }),
        ev('content_block_stop', { index: 1 }),
        ...stop('end_turn'),
      ]),
    );
    const chunks = await collect(provider().stream({ ...HELLO, providerOptions: { thinking: { type: 'enabled', budget_tokens: 1024 } } }));
    expect(chunks.map((c) => [c.content, c.metadata.thinking ?? null])).toEqual([
      ['', 'Let me think'],
      ['', ' about it.'],
      ['42', null],
      ['', null],
    ]);
    expect(chunks[0]?.metadata.eventType).toBe('content_block_delta');
    expect(provider().info().supportsThinking).toBe(true);
  });
});

describe('anthropic(): finish reasons', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['some_future_reason', 'some_future_reason'],
  ])('%s -> %s', async (raw, normalised) => {
    expect(anthropicFinishReason(raw)).toBe(normalised);
    server.enqueue(sse([start(), ...stop(raw)]));
    const chunks = await collect(provider().stream(HELLO));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.metadata).toMatchObject({ finishReason: normalised, rawFinishReason: raw, eventType: 'message_stop' });
  });
});

describe('anthropic(): errors', () => {
  it('an `event: error` (overloaded_error) mid-stream is a retryable ProviderError after the partial content (anthropic-error.sse)', async () => {
    server.enqueue(sse('anthropic-error.sse'));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(chunks.map((c) => c.content)).toEqual(['Partial']);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'anthropic', code: 'overloaded_error', retryable: true });
    expect(error.status).toBe(529); // the HTTP status was 200; the status its error type stands for is reported
    expect(error.message).toContain('Overloaded');
    expect(error.partialResponse?.completeText).toBe('Partial'); // nothing lost: the error carries what was delivered
  });

  it('an `event: error` of a non-retryable type is not retryable', async () => {
    server.enqueue(
      sse([start(), ev('error', { error: { type: 'invalid_request_error', message: 'bad thing' } })]),
    );
    const { error } = await failure(provider().stream(HELLO));
    expect(error).toMatchObject({ code: 'invalid_request_error', retryable: false });
  });

  it('429 is retryable with retryAfterMs from retry-after (anthropic-429.json)', async () => {
    server.enqueue(httpError('anthropic-429.json'));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(chunks).toEqual([]);
    expect(error).toMatchObject({ provider: 'anthropic', status: 429, code: 'rate_limit_error', retryable: true, retryAfterMs: 1000 });
    expect(error.message).toContain('req_011CAn429AAAA');
    expect(server.requests).toHaveLength(1);
  });

  it('retry-after-ms wins over retry-after', async () => {
    server.enqueue(httpError('anthropic-429.json', { 'retry-after-ms': '250' }));
    const { error } = await failure(provider().stream(HELLO));
    expect(error.retryAfterMs).toBe(250);
  });

  it('500 is retryable and is not retried by the SDK (anthropic-500.json)', async () => {
    server.enqueue(httpError('anthropic-500.json'));
    const { error } = await failure(provider().stream(HELLO));
    expect(error).toMatchObject({ status: 500, code: 'api_error', retryable: true });
    await sleep(100);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a 500 through a caller-supplied client with SDK retries on', async () => {
    server.enqueue(httpError('anthropic-500.json')); // a retry would get the fallback reply, also a 500
    const client = new Anthropic({ apiKey: API_KEY, baseURL: server.url, maxRetries: 2, logLevel: 'off' });
    const { error } = await failure(anthropic({ client }).stream(HELLO)); // with retries, this ends after them
    expect(error).toMatchObject({ status: 500, retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it('529 overloaded_error is retryable (anthropic-529.json)', async () => {
    server.enqueue(httpError('anthropic-529.json'));
    const { error } = await failure(provider().stream(HELLO));
    expect(error).toMatchObject({ status: 529, code: 'overloaded_error', retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
  ])('%i %s is not retryable', async (status, type) => {
    server.enqueue(json(status, { type: 'error', error: { type, message: 'nope' } }));
    const { error } = await failure(provider().stream(HELLO));
    expect(error).toMatchObject({ status, code: type, retryable: false });
  });

  it('a connection reset mid-stream is a retryable network ProviderError after the partial content', async () => {
    // Paced, so 'Hello' surely arrives; ', world' is written just before the reset and may be lost with it.
    server.enqueue(sse('anthropic-text.sse', { resetAfter: 5, delayMs: 10 }));
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(chunks[0]?.content).toBe('Hello');
    expect(chunks.some((c) => c.isFinal)).toBe(false);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(error.code).toEqual(expect.any(String));
  });

  it('a stream that ends without message_stop is an incomplete_stream error', async () => {
    server.enqueue(sse('anthropic-text.sse', { endAfter: 8 })); // everything up to message_delta
    const { chunks, error } = await failure(provider().stream(HELLO));
    expect(chunks.map((c) => c.content)).toEqual(['Hello', ', world', '!']);
    expect(chunks.some((c) => c.isFinal)).toBe(false);
    expect(error).toMatchObject({ code: 'incomplete_stream', retryable: true });
  });

  it('malformed JSON in an event is a malformed_response error (with a ready `client`)', async () => {
    const client = new Anthropic({ apiKey: API_KEY, baseURL: server.url, maxRetries: 0, logLevel: 'off' });
    server.enqueue(sse([start(), 'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0,\n\n']));
    const { error } = await failure(anthropic({ client }).stream(HELLO));
    expect(error).toMatchObject({ provider: 'anthropic', code: 'malformed_response', retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('a refused connection is a retryable network error with the socket error code', async () => {
    const { error } = await failure(anthropic({ apiKey: API_KEY, baseURL: await closedPortURL() }).stream(HELLO));
    expect(error).toMatchObject({ provider: 'anthropic', code: 'ECONNREFUSED', retryable: true });
    expect(error.status).toBeUndefined();
  });

  it('the SDK timeout is a retryable timeout error', async () => {
    server.enqueue(hang);
    const { error } = await failure(provider({ timeout: 50 }).stream(HELLO));
    expect(error).toMatchObject({ provider: 'anthropic', code: 'timeout', retryable: true });
  });

  it('never puts the API key in an error message, even when the server echoes it', async () => {
    server.enqueue(
      json(401, { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key: ${API_KEY}` } }),
      sse([start(), ev('error', { error: { type: 'overloaded_error', message: `Overloaded for Bearer ${API_KEY}` } })]),
    );
    const errors = [
      (await failure(provider().stream(HELLO))).error,
      (await failure(provider().stream(HELLO))).error,
      (await failure(anthropic({ apiKey: API_KEY, baseURL: await closedPortURL() }).stream(HELLO))).error,
    ];
    for (const error of errors) {
      expect(error.message).not.toContain(API_KEY);
      expect(JSON.stringify(error)).not.toContain(API_KEY);
    }
    expect(errors[0]?.message).toContain('[redacted]');
  });
});

describe('anthropic(): API key, env defaults and info()', () => {
  it('without an API key errors at subscribe with missing_api_key and sends nothing', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', '');
    const claude = anthropic({ baseURL: server.url });
    const { error } = await failure(claude.stream(HELLO));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'anthropic', code: 'missing_api_key', retryable: false });
    await sleep(20);
    expect(server.requests).toHaveLength(0);
  });

  it('reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-from-env-0123456789');
    vi.stubEnv('ANTHROPIC_BASE_URL', server.url);
    const claude = anthropic();
    expect(claude.info().baseURL).toBe(server.url);
    server.enqueue(sse('anthropic-text.sse'));
    await collect(claude.stream(HELLO));
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer sk-ant-from-env-0123456789');
  });

  it('info() describes the provider', () => {
    expect(anthropic({ apiKey: API_KEY, model: 'claude-opus-4-8', baseURL: 'https://proxy.example' }).info()).toEqual({
      provider: 'anthropic',
      model: 'claude-opus-4-8',
      supportsStreaming: true,
      supportsTools: true,
      supportsThinking: true,
      baseURL: 'https://proxy.example',
    });
    vi.stubEnv('ANTHROPIC_BASE_URL', '');
    const claude = anthropic({ apiKey: API_KEY });
    expect(claude.name).toBe('anthropic');
    expect(claude.model).toBe(ANTHROPIC_DEFAULT_MODEL);
    expect(claude.info().baseURL).toBe('https://api.anthropic.com');
  });

  it('rejects invalid options at the call', () => {
    expect(() => anthropic({ apiKey: API_KEY, defaultMaxTokens: 0 })).toThrow(RangeError);
    expect(() => anthropic({ model: 5 as never })).toThrow(/^anthropic\(options\): model must be a non-empty string/);
    expect(() => anthropic({ apiKey: '  ' })).toThrow(/^anthropic\(options\): apiKey must be a non-empty string/);
    expect(() => anthropic({ apiKey: API_KEY, defaultMaxTokens: 1.5 })).toThrow(/defaultMaxTokens/);
  });
});

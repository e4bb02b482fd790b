/**
 * Issue #19, provider layer: the edges a careful user hits, for all three SDK providers against a loopback
 * server with the real SDKs — a 200 that is not a stream, a status inside a stream's error body, a tool call
 * cut off by the token limit, a refusal, the SDKs' console noise, and a request checked at the call.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { z } from 'zod';
import type { ChatRequest, Message } from '../src/providers/provider.js';
import { defineTool } from '../src/tools/tool.js';
import { Agent } from '../src/agent/agent.js';
import { retryStream } from '../src/operators/retryStream.js';
import { collectResponse } from '../src/operators/collectResponse.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { ndjson, sse, streamReply, useWireServer, type Reply } from './helpers/wireServer.js';
import { collect, failure, textOf } from './helpers/streams.js';
import {
  ANTHROPIC_START,
  OPENAI_DONE,
  PROVIDERS,
  anthropicEvent,
  anthropicStop,
  inStreamError,
  ollamaDone,
  ollamaLine,
  openaiEvent,
  providerFor,
  type ProviderName,
} from './helpers/providerWire.js';

const KEY = 'edge-planted-key-7f3a9c1e5b';
const HELLO: ChatRequest = { messages: [{ role: 'user', content: 'Hello' }] };
const server = useWireServer();
const provider = (name: ProviderName) => providerFor(name, server, KEY);

afterEach(() => {
  vi.restoreAllMocks();
});

function body(contentType: string, text: string): Reply {
  return streamReply(contentType, [text]);
}

describe('a 200 whose body is not a stream is a non-retryable not_a_stream error naming what arrived', () => {
  const bodies: ReadonlyArray<readonly [string, string, string]> = [
    ['a JSON answer', 'application/json', JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ message: { content: 'hi' } }] })],
    ['a proxy login page', 'text/html; charset=utf-8', '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Corporate proxy: please sign in</body></html>\n'],
    ['plain text', 'text/plain', 'Service misconfigured\n'],
  ];
  for (const name of PROVIDERS) {
    it.each(bodies)(`${name}: %s`, async (_what, contentType, text) => {
      server.enqueue(body(contentType, text));
      const { chunks, error } = await failure(provider(name).stream(HELLO));
      expect(chunks).toEqual([]);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ provider: name, code: 'not_a_stream', retryable: false, status: 200 });
      expect(error.message).toContain(contentType.split(';')[0]);
      expect(error.message).toContain(JSON.stringify(text.trimStart()).slice(1, 30));
    });

    it(`${name}: retryStream does not hammer the endpoint`, async () => {
      server.enqueue(body('text/html', '<html>login</html>'));
      const fallback = server.fallback;
      server.fallback = body('text/html', '<html>login</html>');
      const outcome = await collect(provider(name).stream(HELLO).pipe(retryStream({ count: 3, delay: 1 })));
      server.fallback = fallback;
      expect(outcome.error).toMatchObject({ code: 'not_a_stream' });
      expect(server.requests).toHaveLength(1);
    });
  }

  it.each([
    ['openai', { error: { message: 'Rate limited', type: 'requests', code: 429 } }, 429, true, 'requests'],
    ['openai', { error: { message: 'Bad key', type: 'authentication_error', code: null } }, 401, false, 'authentication_error'],
    ['anthropic', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 529, true, 'overloaded_error'],
  ] as const)("%s: a 200 JSON error answer that says its status is that status's error (a gateway's)", async (name, answer, status, retryable, code) => {
    server.enqueue(body('application/json', JSON.stringify(answer)));
    const { error } = await failure(provider(name).stream(HELLO));
    expect(error).toMatchObject({ status, retryable });
    expect(error.code).toBe(code);
    expect(error.message).toContain('with an error instead of an event stream');
  });

  it('quotes at most the first bytes of a large body', async () => {
    server.enqueue(body('text/html', `<html>${'x'.repeat(100_000)}</html>`));
    const { error } = await failure(provider('openai').stream(HELLO));
    expect(error.message.length).toBeLessThan(400);
    expect(error.message).toContain('…');
  });

  it('a real stream still passes byte for byte (a BOM, a comment line, retry: first)', async () => {
    server.enqueue(sse(['\uFEFF: keep-alive\n\n', 'retry: 3000\n\n', openaiEvent({ role: 'assistant', content: 'ok' }), openaiEvent({}, 'stop'), OPENAI_DONE]));
    const outcome = await collect(provider('openai').stream(HELLO));
    expect(outcome.completed).toBe(true);
    expect(textOf(outcome.chunks)).toBe('ok');
  });

  it('an empty 200 stays a retryable incomplete_stream (a dropped connection)', async () => {
    server.enqueue(body('text/event-stream', ''));
    const { error } = await failure(provider('anthropic').stream(HELLO));
    expect(error).toMatchObject({ code: 'incomplete_stream', retryable: true });
  });
});

describe('ProviderError.status is set from a status reported inside a stream, and retryability follows it', () => {
  const cases: ReadonlyArray<readonly [ProviderName, Record<string, unknown>, number | undefined, boolean]> = [
    ['openai', { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' }, 429, true],
    ['openai', { message: 'Bad request', type: 'invalid_request_error', code: null }, 400, false],
    ['openai', { message: 'Unavailable', type: 'server_error', code: null, status: 503 }, 503, true],
    ['openai', { message: 'vLLM said no', type: 'BadRequestError', code: 400 }, 400, false],
    ['anthropic', { type: 'overloaded_error', message: 'Overloaded' }, 529, true],
    ['anthropic', { type: 'rate_limit_error', message: 'Slow down' }, 429, true],
    ['anthropic', { type: 'api_error', message: 'Internal error' }, 500, true],
    ['anthropic', { type: 'invalid_request_error', message: 'Bad' }, 400, false],
    ['anthropic', { type: 'authentication_error', message: 'Who?' }, 401, false],
    ['ollama', { error: 'server busy', status_code: 503 }, 503, true],
    ['ollama', { error: 'bad request', status_code: 400 }, 400, false],
    ['ollama', { error: 'model runner crashed' }, undefined, true],
  ];
  it.each(cases)('%s %j -> status %s, retryable %s', async (name, error, status, retryable) => {
    server.enqueue(inStreamError(name, error));
    const { chunks, error: thrown } = await failure(provider(name).stream(HELLO));
    expect(textOf(chunks)).toBe('Partial');
    expect(thrown.status).toBe(status);
    expect(thrown.retryable).toBe(retryable);
    expect(thrown.partialResponse?.completeText).toBe('Partial');
  });
});

/** A stream in each provider's format: one complete call (city Paris), then one the token limit cut. */
function cutToolCalls(name: ProviderName, complete: boolean): Reply {
  switch (name) {
    case 'openai':
      return sse([
        openaiEvent({ role: 'assistant', content: null }),
        ...(complete
          ? [openaiEvent({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] })]
          : []),
        openaiEvent({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        openaiEvent({ tool_calls: [{ index: 1, function: { arguments: '{"city": "Lon' } }] }),
        openaiEvent({}, 'length'),
        OPENAI_DONE,
      ]);
    case 'anthropic':
      return sse([
        ANTHROPIC_START,
        ...(complete
          ? [
              anthropicEvent('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} } }),
              anthropicEvent('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":"Paris"}' } }),
              anthropicEvent('content_block_stop', { index: 0 }),
            ]
          : []),
        anthropicEvent('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'call_b', name: 'get_weather', input: {} } }),
        anthropicEvent('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"city": "Lon' } }),
        anthropicEvent('content_block_stop', { index: 1 }),
        ...anthropicStop('max_tokens'),
      ]);
    case 'ollama':
      return ndjson([
        ...(complete ? [ollamaLine({ tool_calls: [{ id: 'call_a', function: { name: 'get_weather', arguments: { city: 'Paris' } } }] })] : []),
        ollamaLine({ tool_calls: [{ id: 'call_b', function: { name: 'get_weather', arguments: '{"city": "Lon' } }] }),
        ollamaDone('length'),
      ]);
  }
}

describe('a tool call cut off by the token limit is marked incomplete and never run', () => {
  for (const name of PROVIDERS) {
    it(`${name}: left out of toolCalls, listed in incompleteToolCalls, finishReason 'length'`, async () => {
      server.enqueue(cutToolCalls(name, true));
      const response = await lastValueFrom(provider(name).stream(HELLO).pipe(collectResponse()));
      expect(response.finishReason).toBe('length');
      expect(response.toolCalls).toEqual([{ id: 'call_a', name: 'get_weather', arguments: { city: 'Paris' } }]);
      expect(response.metadata['incompleteToolCalls']).toEqual([{ id: 'call_b', name: 'get_weather', argumentsText: '{"city": "Lon' }]);
    });

    it(`${name}: the agent's tool loop never runs the cut call`, async () => {
      server.enqueue(cutToolCalls(name, false));
      const execute = vi.fn(() => 'sunny');
      const weather = defineTool({ name: 'get_weather', description: 'Weather', parameters: z.object({ city: z.string() }), execute });
      const agent = new Agent({ name: 'edge', model: 'm', provider: provider(name), tools: [weather] });
      const answer = await agent.run('Weather in London?');
      expect(execute).not.toHaveBeenCalled();
      expect(server.requests).toHaveLength(1);
      expect(answer.finishReason).toBe('length');
    });
  }

  it('without the token limit, malformed arguments stay the raw string (the agent tells the model)', async () => {
    server.enqueue(
      sse([
        openaiEvent({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city": Paris}' } }] }),
        openaiEvent({}, 'tool_calls'),
        OPENAI_DONE,
      ]),
    );
    const response = await lastValueFrom(provider('openai').stream(HELLO).pipe(collectResponse()));
    expect(response.toolCalls).toEqual([{ id: 'call_a', name: 'get_weather', arguments: '{"city": Paris}' }]);
    expect(response.metadata['incompleteToolCalls']).toBeUndefined();
  });
});

describe('a refusal is visible in content and finishReason', () => {
  it("openai: refusal deltas stream as content; the final chunk says 'content_filter' with metadata.refusal", async () => {
    server.enqueue(sse([openaiEvent({ role: 'assistant', content: null, refusal: '' }), openaiEvent({ refusal: "I can't help with that." }), openaiEvent({}, 'stop'), OPENAI_DONE]));
    const response = await lastValueFrom(provider('openai').stream(HELLO).pipe(collectResponse()));
    expect(response.completeText).toBe("I can't help with that.");
    expect(response.finishReason).toBe('content_filter');
    expect(response.metadata).toMatchObject({ refusal: "I can't help with that.", rawFinishReason: 'stop' });
  });

  it("anthropic: stop_reason 'refusal' -> finishReason 'content_filter', the partial text kept", async () => {
    server.enqueue(
      sse([
        ANTHROPIC_START,
        anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Here is' } }),
        anthropicEvent('content_block_stop', { index: 0 }),
        ...anthropicStop('refusal'),
      ]),
    );
    const response = await lastValueFrom(provider('anthropic').stream(HELLO).pipe(collectResponse()));
    expect(response.finishReason).toBe('content_filter');
    expect(response.metadata['rawFinishReason']).toBe('refusal');
    expect(response.completeText).toBe('Here is');
  });
});

/** Spies on every console method; returns what was written. */
function spyConsole(): () => unknown[][] {
  const calls: unknown[][] = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void calls.push([method, ...args]));
  }
  return () => calls;
}

describe("the SDKs' own console output never reaches the user's console", () => {
  it.each([
    ['openai', () => sse([openaiEvent({ role: 'assistant', content: 'a' }), `data: {"choices": [ ${KEY}\n\n`])],
    ['anthropic', () => sse([ANTHROPIC_START, `event: content_block_delta\ndata: {"type": ${KEY}\n\n`])],
    // A line shaped like an object that is not JSON: the Ollama SDK would console.warn it (raw data, the key).
    ['ollama', () => ndjson([ollamaLine({ content: 'a' }), `{"message": ${KEY}}\n`, ollamaDone()])],
  ] as const)('%s: malformed JSON in an event: malformed_response, and not a word on the console', async (name, reply) => {
    if (name !== 'ollama') vi.stubEnv(name === 'openai' ? 'OPENAI_LOG' : 'ANTHROPIC_LOG', 'debug');
    const written = spyConsole();
    server.enqueue(reply());
    const { error } = await failure(provider(name).stream(HELLO));
    expect(error).toMatchObject({ code: 'malformed_response', retryable: false });
    expect(written()).toEqual([]);
    vi.unstubAllEnvs();
  });

  it("anthropic: the SDK's warning about ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN both set stays off the console", async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', KEY);
    vi.stubEnv('ANTHROPIC_AUTH_TOKEN', 'another-token');
    vi.stubEnv('ANTHROPIC_LOG', 'debug');
    const written = spyConsole();
    server.enqueue(sse([ANTHROPIC_START, anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'hi' } }), ...anthropicStop('end_turn')]));
    const outcome = await collect(provider('anthropic').stream(HELLO));
    expect(outcome.completed).toBe(true);
    expect(written()).toEqual([]);
    vi.unstubAllEnvs();
  });

  it('ollama: an HTTP error with an HTML body (the SDK would console.log it) is a ProviderError with its text', async () => {
    const written = spyConsole();
    server.enqueue((_req, res, recorded) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>502 Bad Gateway</body></html>');
      recorded.finished = true;
    });
    const { error } = await failure(provider('ollama').stream(HELLO));
    expect(error).toMatchObject({ status: 502, retryable: true });
    expect(error.message).toContain('502 Bad Gateway');
    expect(written()).toEqual([]);
  });

  it('no console output on any of the not-a-stream or in-stream error paths', async () => {
    const written = spyConsole();
    for (const name of PROVIDERS) {
      server.enqueue(body('text/html', '<html>login</html>'), inStreamError(name, name === 'ollama' ? { error: 'x' } : { type: 'api_error', message: 'x' }));
      await collect(provider(name).stream(HELLO));
      await collect(provider(name).stream(HELLO));
    }
    expect(written()).toEqual([]);
  });
});

describe('provider.stream(request) checks its request at the call, naming the field', () => {
  const bad: ReadonlyArray<readonly [string, Record<string, unknown>, ErrorConstructor | RangeErrorConstructor, RegExp]> = [
    ['a stop string', { stop: 'END' }, TypeError, /request\.stop must be an array of strings/],
    ['a stop array with a number', { stop: ['END', 3] }, TypeError, /request\.stop\[1\]/],
    ['NaN temperature', { temperature: Number.NaN }, RangeError, /request\.temperature/],
    ['Infinity temperature', { temperature: Infinity }, RangeError, /request\.temperature/],
    ['a string temperature', { temperature: '0.5' }, TypeError, /request\.temperature must be a number/],
    ['negative topP', { topP: -0.1 }, RangeError, /request\.topP must be between 0 and 1/],
    ['topP above 1', { topP: 1.5 }, RangeError, /request\.topP/],
    ['fractional maxTokens', { maxTokens: 10.5 }, RangeError, /request\.maxTokens must be a positive integer/],
    ['zero maxTokens', { maxTokens: 0 }, RangeError, /request\.maxTokens/],
    ['Infinity maxTokens', { maxTokens: Infinity }, RangeError, /request\.maxTokens/],
    ['NaN frequencyPenalty', { frequencyPenalty: Number.NaN }, RangeError, /request\.frequencyPenalty/],
    ['-Infinity presencePenalty', { presencePenalty: -Infinity }, RangeError, /request\.presencePenalty/],
    ['tools that are not tools', { tools: [{ name: 'x' }] }, TypeError, /request\.tools\[0\] must be a tool/],
    ['tools not an array', { tools: { name: 'x' } }, TypeError, /request\.tools must be an array/],
    ['an empty model', { model: '' }, TypeError, /request\.model/],
    ['a bad role', { messages: [{ role: 'robot', content: 'hi' }] }, TypeError, /messages\[0\] needs a role/],
    ['content that is not a string', { messages: [{ role: 'user', content: 42 }] }, TypeError, /messages\[0\]/],
    ['toolCalls that are not calls', { messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 1 }] }] }, TypeError, /messages\[0\]\.toolCalls\[0\]/],
    ['providerOptions not an object', { providerOptions: 'fast' }, TypeError, /request\.providerOptions/],
  ];
  for (const name of PROVIDERS) {
    it.each(bad)(`${name}: %s`, (_what, fields, ErrorClass, message) => {
      const request = { ...HELLO, ...fields } as unknown as ChatRequest;
      let thrown: unknown;
      try {
        provider(name).stream(request);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ErrorClass);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).toContain(`${name}: stream(request)`);
      expect(server.requests).toHaveLength(0);
    });
  }

  it('a valid request with every field is sent as it was given', async () => {
    server.enqueue(sse([openaiEvent({ content: 'ok' }), openaiEvent({}, 'stop'), OPENAI_DONE]));
    const messages: Message[] = [{ role: 'user', content: 'Hi' }];
    const request: ChatRequest = { messages, temperature: 0, topP: 1, maxTokens: 5, frequencyPenalty: -2, presencePenalty: 2, stop: ['END'] };
    await firstValueFrom(provider('openai').stream(request).pipe(collectResponse()));
    expect(server.requests[0]!.body).toMatchObject({ temperature: 0, top_p: 1, max_tokens: 5, frequency_penalty: -2, presence_penalty: 2, stop: ['END'] });
  });
});

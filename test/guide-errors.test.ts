/**
 * The guide's error pattern — `except StreamInterruptedError` / `except ProviderError` — works as written through
 * the README's recommended chain (`timeoutStream → retryStream → collectResponse`), for every provider over the
 * wire and for an agent stream with tools: a 401 stays a ProviderError, a connection cut after content stays a
 * ProviderError with the partial text, a stall is a StreamTimeoutError (a StreamInterruptedError) with it.
 */
import { describe, expect, it } from 'vitest';
import { lastValueFrom, type Observable } from 'rxjs';
import { z } from 'zod';
import type { StreamChunk } from '../src/chunk.js';
import { Agent } from '../src/agent/agent.js';
import { isProviderError } from '../src/errors/ProviderError.js';
import { isStreamInterruptedError } from '../src/errors/StreamInterruptedError.js';
import { isStreamTimeoutError } from '../src/errors/StreamTimeoutError.js';
import { collectResponse } from '../src/operators/collectResponse.js';
import { retryStream } from '../src/operators/retryStream.js';
import { timeoutStream } from '../src/operators/timeoutStream.js';
import { anthropic } from '../src/providers/anthropic.js';
import { ollama } from '../src/providers/ollama.js';
import { openai } from '../src/providers/openai.js';
import type { Provider } from '../src/providers/provider.js';
import { defineTool } from '../src/tools/tool.js';
import { json, ndjson, ndjsonLines, readWire, sse, sseEvents, useWireServer, type Reply, type StreamReplyOptions } from './helpers/wireServer.js';

const server = useWireServer();

/** The number of pieces of a transcript up to and including the first that carries text ('Hello'). */
function throughHello(pieces: readonly string[]): number {
  return pieces.findIndex((p) => p.includes('Hello')) + 1;
}

interface Wire {
  readonly name: 'openai' | 'anthropic' | 'ollama';
  /** Pieces up to the first text: cut or stall there, so the failure comes after content. */
  readonly content: number;
  provider(): Provider;
  text(options?: StreamReplyOptions): Reply;
  unauthorized: Reply;
}
const wires: readonly Wire[] = [
  {
    name: 'openai',
    content: throughHello(sseEvents(readWire('openai-text.sse'))),
    provider: () => openai({ baseURL: `${server.url}/v1`, apiKey: 'sk-guide' }),
    text: (o) => sse('openai-text.sse', o),
    unauthorized: json(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }),
  },
  {
    name: 'anthropic',
    content: throughHello(sseEvents(readWire('anthropic-text.sse'))),
    provider: () => anthropic({ baseURL: server.url, apiKey: 'sk-ant-guide' }),
    text: (o) => sse('anthropic-text.sse', o),
    unauthorized: json(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }),
  },
  {
    name: 'ollama',
    content: throughHello(ndjsonLines(readWire('ollama-chat.ndjson'))),
    provider: () => ollama({ host: server.url }),
    text: (o) => ndjson('ollama-chat.ndjson', o),
    unauthorized: json(401, { error: 'unauthorized' }),
  },
];

/** The README's chain, and what the guide's `try/except` would see. */
async function guide(source: Observable<StreamChunk>): Promise<{ kind: 'ProviderError' | 'StreamInterruptedError' | 'other' | 'none'; error: unknown }> {
  try {
    await lastValueFrom(source.pipe(timeoutStream({ first: 5_000, idle: 150 }), retryStream({ count: 2, delay: 5 }), collectResponse()));
    return { kind: 'none', error: undefined };
  } catch (error) {
    // except StreamInterruptedError: … except ProviderError: …  (in the guide's order)
    if (isStreamInterruptedError(error)) return { kind: 'StreamInterruptedError', error };
    if (isProviderError(error)) return { kind: 'ProviderError', error };
    return { kind: 'other', error };
  }
}

const request = { messages: [{ role: 'user' as const, content: 'Hello' }] };

describe.each(wires)('$name through timeoutStream → retryStream → collectResponse', (wire) => {
  it('a 401 is a ProviderError (not an interruption), not retried', async () => {
    server.enqueue(wire.unauthorized);
    const { kind, error } = await guide(wire.provider().stream(request));
    expect(kind).toBe('ProviderError');
    expect(isProviderError(error) && [error.status, error.retryable]).toEqual([401, false]);
    expect(server.requests).toHaveLength(1);
  });

  it('a connection cut after content is a ProviderError carrying the text delivered', async () => {
    // Cut one piece after the first text, so the text had time to be read (a reset can drop what is still in flight).
    server.enqueue(wire.text({ resetAfter: wire.content + 1, delayMs: 20 }));
    const { kind, error } = await guide(wire.provider().stream(request));
    expect(kind).toBe('ProviderError');
    expect(isProviderError(error) && error.partialResponse?.completeText).toMatch(/^Hello/);
    expect(server.requests).toHaveLength(1); // after content: never resubscribed (that would repeat text)
  });

  it('a stall after content is a StreamTimeoutError — a StreamInterruptedError — carrying the text delivered', async () => {
    server.enqueue(wire.text({ stallAfter: wire.content }));
    const { kind, error } = await guide(wire.provider().stream(request));
    expect(kind).toBe('StreamInterruptedError');
    expect(isStreamTimeoutError(error) && [error.phase, error.timeoutMs]).toEqual(['idle', 150]);
    expect(isStreamTimeoutError(error) && error.partialResponse.completeText).toMatch(/^Hello/);
  });
});

describe('an agent stream with tools through the same chain', () => {
  const weather = defineTool({ name: 'get_weather', description: 'd', parameters: z.object({ city: z.string() }).passthrough(), execute: () => 'Sunny' });
  const time = defineTool({ name: 'get_time', description: 'd', parameters: z.object({ tz: z.string() }).passthrough(), execute: () => '12:00' });

  it('a failure in the second round is a ProviderError carrying the text of both rounds', async () => {
    server.enqueue(sse('openai-tools.sse'), sse('openai-text.sse', { resetAfter: wires[0]!.content + 1, delayMs: 20 }));
    const agent = new Agent({ provider: openai({ baseURL: `${server.url}/v1`, apiKey: 'sk-guide' }), tools: [weather, time] });
    const { kind, error } = await guide(agent.stream('Weather and time in Paris?'));
    expect(kind).toBe('ProviderError');
    const partial = isProviderError(error) ? error.partialResponse : undefined;
    expect(partial?.completeText).toMatch(/^Hello/); // round 1 streamed tool calls only, round 2 the text
    expect(partial?.chunkCount).toBeGreaterThan(5); // the tool-call deltas and results of round 1 are in it too
    expect(server.requests).toHaveLength(2);
  });

  it('a 401 on the first round is a ProviderError, and nothing ran', async () => {
    server.enqueue(wires[0]!.unauthorized);
    let ran = false;
    const spy = defineTool({ name: 'get_weather', description: 'd', parameters: z.object({}).passthrough(), execute: () => (ran = true) });
    const agent = new Agent({ provider: openai({ baseURL: `${server.url}/v1`, apiKey: 'sk-guide' }), tools: [spy] });
    const { kind } = await guide(agent.stream('x'));
    expect(kind).toBe('ProviderError');
    expect(ran).toBe(false);
  });
});

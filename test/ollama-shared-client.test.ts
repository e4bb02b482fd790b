/**
 * The Ollama provider keeps one SDK client and hands each request its signal through the client's `fetch`
 * (see src/providers/ollama.ts). First what that relies on in the SDK itself, so an upgrade that changes it
 * fails here; then that concurrent streams on one provider each keep their abort, retry-after and guard.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Ollama } from 'ollama';
import { ollama } from '../src/providers/ollama.js';
import type { ChatRequest } from '../src/providers/provider.js';
import { hang, httpError, ndjson, useWireServer } from './helpers/wireServer.js';
import { abortedWithin, collect, failure, sleep, textOf } from './helpers/streams.js';

const HELLO: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };
const server = useWireServer();
afterEach(() => {
  vi.restoreAllMocks();
});

function line(content: string, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ model: 'served-model', created_at: '2026-11-23T12:00:00Z', message: { role: 'assistant', content }, done: false, ...extra })}\n`;
}
const DONE = line('', { done: true, done_reason: 'stop', prompt_eval_count: 3, eval_count: 4 });

describe('what the provider relies on in the ollama SDK', () => {
  it('chat() with a streaming body and no images calls the client fetch synchronously, once', () => {
    const fetchSpy = vi.fn<typeof fetch>(() => new Promise<Response>(() => undefined));
    const client = new Ollama({ host: server.url, fetch: fetchSpy });
    void client.chat({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    // Before any await: the provider hands the signal over in a variable read by this very call.
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(String(fetchSpy.mock.calls[0]![0])).toBe(`${server.url}/api/chat`);
  });

  it('a message with images is not fetched synchronously (the provider gives such a request a client of its own)', async () => {
    const fetchSpy = vi.fn<typeof fetch>(() => new Promise<Response>(() => undefined));
    const client = new Ollama({ host: server.url, fetch: fetchSpy });
    void client.chat({ model: 'm', messages: [{ role: 'user', content: 'Hi', images: ['aGk='] }], stream: true });
    expect(fetchSpy).not.toHaveBeenCalled();
    await sleep(0);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  it('a stream stays in the client\'s ongoingStreamedRequests until its done line (the provider drops aborted ones)', async () => {
    server.enqueue(ndjson([line('a'), line('b')], { stallAfter: 1 }), ndjson([line('a'), DONE]));
    const client = new Ollama({ host: server.url });
    const list = (client as unknown as { ongoingStreamedRequests: unknown[] }).ongoingStreamedRequests;
    const cut = await client.chat({ model: 'm', messages: [], stream: true });
    expect(list).toEqual([cut]);
    cut.abort();
    expect(list).toEqual([cut]);
    list.length = 0;
    const whole = await client.chat({ model: 'm', messages: [], stream: true });
    for await (const part of whole) void part;
    expect(list).toEqual([]);
  });
});

describe('ollama(): one client, many requests', () => {
  it('builds the SDK client once per provider, not per subscription', async () => {
    const fetchSpy = vi.fn<typeof fetch>((input, init) => fetch(input, init));
    const p = ollama({ host: server.url, fetch: fetchSpy });
    server.enqueue(ndjson([line('one'), DONE]), ndjson([line('two'), DONE]));
    expect(textOf((await collect(p.stream(HELLO))).chunks)).toBe('one');
    expect(textOf((await collect(p.stream(HELLO))).chunks)).toBe('two');
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    // Each request got its own signal (the subscription's), not the SDK's.
    const [first, second] = fetchSpy.mock.calls.map((c) => c[1]?.signal);
    expect(first).toBeInstanceOf(AbortSignal);
    expect(second).toBeInstanceOf(AbortSignal);
    expect(first).not.toBe(second);
  });

  it('concurrent streams: each unsubscribe aborts its own request (one before its headers, one mid-stream), the third completes', async () => {
    const p = ollama({ host: server.url });
    server.enqueue(hang, ndjson([line('mid'), line('never')], { stallAfter: 1 }), ndjson([line('whole'), DONE], { delayMs: 30 }));
    const seen: string[] = [];
    const before = p.stream(HELLO).subscribe();
    await server.waitForRequests(1);
    const mid = p.stream(HELLO).subscribe((c) => seen.push(c.content));
    await server.waitForRequests(2);
    const whole = collect(p.stream(HELLO));
    await server.waitForRequests(3);
    before.unsubscribe();
    await abortedWithin(server.requests[0]!.aborted, 100);
    for (let i = 0; i < 50 && !seen.includes('mid'); i++) await sleep(10);
    mid.unsubscribe();
    await abortedWithin(server.requests[1]!.aborted, 100);
    expect(textOf((await whole).chunks)).toBe('whole');
    expect(server.requests[2]!.abortedAt).toBeUndefined();
  });

  it('concurrent streams: a 429 keeps its own retry-after, a malformed line fails only its own stream', async () => {
    const p = ollama({ host: server.url });
    server.enqueue(
      ndjson([line('good'), line('more'), DONE], { delayMs: 20 }),
      httpError('ollama-429.json', { 'retry-after': '7' }),
      ndjson([line('before'), 'not json at all\n', DONE], { delayMs: 10 }),
    );
    const [good, limited, broken] = await Promise.all([collect(p.stream(HELLO)), failure(p.stream(HELLO)), failure(p.stream(HELLO))]);
    expect(textOf(good.chunks)).toBe('goodmore');
    expect(good.error).toBeUndefined();
    expect(limited.error).toMatchObject({ provider: 'ollama', status: 429, retryable: true, retryAfterMs: 7000 });
    expect(broken.error).toMatchObject({ provider: 'ollama', code: 'malformed_response', retryable: false });
    expect(textOf(broken.chunks)).toBe('before');
  });

  it('many streams aborted before their done line leave nothing behind in the shared client', async () => {
    const list: unknown[][] = [];
    // A client spy: the provider's shared client is the only Ollama built with this fetch.
    const fetchSpy = vi.fn<typeof fetch>((input, init) => fetch(input, init));
    const original = Ollama.prototype.chat;
    const chatSpy = vi.spyOn(Ollama.prototype, 'chat').mockImplementation(function (this: Ollama, ...args: Parameters<Ollama['chat']>) {
      list.push((this as unknown as { ongoingStreamedRequests: unknown[] }).ongoingStreamedRequests);
      return original.apply(this, args);
    } as Ollama['chat']);
    const p = ollama({ host: server.url, fetch: fetchSpy });
    for (let i = 0; i < 5; i++) server.enqueue(ndjson([line('x'), line('y')], { stallAfter: 1 }));
    for (let i = 0; i < 5; i++) {
      const chunks: string[] = [];
      const sub = p.stream(HELLO).subscribe((c) => chunks.push(c.content));
      for (let j = 0; j < 50 && chunks.length === 0; j++) await sleep(10);
      sub.unsubscribe();
    }
    expect(chatSpy).toHaveBeenCalledTimes(5);
    expect(new Set(list).size).toBe(1);
    expect(list[0]).toEqual([]);
    // Completed streams too (their SDK iterator, never read, never saw its done line).
    server.enqueue(ndjson([line('a'), DONE]), ndjson([line('b'), DONE]));
    expect(textOf((await collect(p.stream(HELLO))).chunks)).toBe('a');
    expect(textOf((await collect(p.stream(HELLO))).chunks)).toBe('b');
    expect(new Set(list).size).toBe(1);
    expect(list[0]).toEqual([]);
  });

  it('the stream ends at its done line: what the body holds after it is never parsed', async () => {
    const p = ollama({ host: server.url });
    server.enqueue(ndjson([line('a'), DONE, 'garbage\n']));
    const outcome = await collect(p.stream(HELLO));
    expect(outcome.error).toBeUndefined();
    expect(outcome.completed).toBe(true);
    expect(textOf(outcome.chunks)).toBe('a');
  });

  it('a completed stream whose body had not ended with its done line is still aborted', async () => {
    const p = ollama({ host: server.url });
    // The server keeps the response open after the done line: the request must not be left holding the socket.
    server.enqueue(ndjson([line('a'), DONE, line('after')], { stallAfter: 2 }));
    expect(textOf((await collect(p.stream(HELLO))).chunks)).toBe('a');
    await abortedWithin(server.requests[0]!.aborted, 100);
  });

  it('a request with images (through providerOptions) is still aborted before its headers, on a client of its own', async () => {
    const p = ollama({ host: server.url });
    server.enqueue(hang);
    const request: ChatRequest = { ...HELLO, providerOptions: { messages: [{ role: 'user', content: 'What is this?', images: ['aGk='] }] } };
    const sub = p.stream(request).subscribe();
    await server.waitForRequests(1);
    expect(server.requests[0]!.body).toMatchObject({ messages: [{ images: ['aGk='] }] });
    sub.unsubscribe();
    await abortedWithin(server.requests[0]!.aborted, 100);
  });
  it('an SDK whose chat() does not reach fetch synchronously: the request goes out once, on a client of its own, still abortable and guarded', async () => {
    const original = Ollama.prototype.chat;
    vi.spyOn(Ollama.prototype, 'chat').mockImplementation(async function (this: Ollama, ...args: Parameters<Ollama['chat']>) {
      await sleep(1);
      return original.apply(this, args);
    } as Ollama['chat']);
    const p = ollama({ host: server.url });
    server.enqueue(ndjson([line('late'), DONE]), hang, ndjson([line('ok'), 'not json\n', DONE]));
    expect(textOf((await collect(p.stream(HELLO))).chunks)).toBe('late');
    expect(server.requests).toHaveLength(1);
    const sub = p.stream(HELLO).subscribe();
    await server.waitForRequests(2);
    sub.unsubscribe();
    await abortedWithin(server.requests[1]!.aborted, 100);
    const broken = await failure(p.stream(HELLO));
    expect(broken.error).toMatchObject({ code: 'malformed_response' });
    expect(server.requests).toHaveLength(3);
  });
});

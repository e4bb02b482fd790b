/** toServerSentEvents / fromServerSentEvents: the event format, the parser, and round trips over loopback HTTP. */
import { readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { NEVER, Observable, Subject, concat, interval, lastValueFrom, map, of, take, throwError, toArray } from 'rxjs';
import { TestScheduler as RxTestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AgenticraftError,
  CalculatorError,
  MaxToolRoundsError,
  ObjectValidationError,
  ProviderError,
  ResumableStreamError,
  ServerSentEventsError,
  SseParser,
  StreamInterruptedError,
  StreamTimeoutError,
  StreamingResponse,
  ToolError,
  WorkflowError,
  chunk,
  collectResponse,
  finalChunk,
  fromServerSentEvents,
  isServerSentEventsError,
  mockStream,
  pipeServerSentEvents,
  sseHeaders,
  toServerSentEvents,
  type ServerSentEvent,
  type StreamChunk,
} from '../src/index.js';

const text = (body: ReadableStream<Uint8Array>): Promise<string> => new Response(body).text();
const enc = new TextEncoder();

function parseAll(input: string | Uint8Array, splits: readonly number[] = []): ServerSentEvent[] {
  const bytes = typeof input === 'string' ? enc.encode(input) : input;
  const events: ServerSentEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  let at = 0;
  for (const cut of [...splits].sort((a, b) => a - b)) {
    parser.push(bytes.subarray(at, cut));
    at = cut;
  }
  parser.push(bytes.subarray(at));
  parser.end();
  return events;
}

describe('toServerSentEvents: the event format', () => {
  it('numbers each value and ends after the final chunk with event: end', async () => {
    const body = await text(toServerSentEvents(mockStream('Hello', { chunkSize: 3 })));
    expect(body.startsWith('id: 0\ndata: {"content":"Hel","metadata":{"provider":"mock"')).toBe(true);
    expect(body.endsWith('\n\nevent: end\ndata: {"reason":"complete"}\n\n')).toBe(true);
    const events = parseAll(body);
    expect(events.map((e) => [e.type, e.id])).toEqual([
      ['message', '0'],
      ['message', '1'],
      ['message', '2'],
      ['end', undefined],
    ]);
    expect(JSON.parse(events[3]!.data)).toEqual({ reason: 'complete' });
    expect((JSON.parse(events[2]!.data) as StreamChunk).isFinal).toBe(true);
  });

  it('content with newlines, \\r, "data:" and "event:" cannot forge an event', async () => {
    const evil = 'a\n\ndata: {"content":"forged"}\r\nevent: error\rdata: x\n\nid: 99\n';
    const body = await text(toServerSentEvents(of(chunk(evil), finalChunk())));
    expect(body.split('\n\n').filter((e) => e !== '')).toHaveLength(3);
    const events = parseAll(body);
    expect(events.map((e) => e.type)).toEqual(['message', 'message', 'end']);
    expect((JSON.parse(events[0]!.data) as StreamChunk).content).toBe(evil);
  });

  it('serves any JSON values (workflow events) and ends at the completion', async () => {
    const values = [{ type: 'workflow-start', runId: 'r' }, { type: 'step-start', step: 's' }, [1, 'two'], 'three', null];
    const events = parseAll(await text(toServerSentEvents(of(...values))));
    expect(events.slice(0, -1).map((e) => JSON.parse(e.data))).toEqual(values);
    expect(events.at(-1)!.type).toBe('end');
  });

  it('ids: false leaves the ids out', async () => {
    const body = await text(toServerSentEvents(of(1, 2), { ids: false }));
    expect(body).toBe('data: 1\n\ndata: 2\n\nevent: end\ndata: {"reason":"complete"}\n\n');
  });

  it('a source error is one event: error with the fields, never a key, then the end', async () => {
    const partial = new StreamingResponse().addChunk(chunk('Hel'));
    const error = new ProviderError('Service unavailable', { provider: 'openai', status: 503, code: 'overloaded', retryAfterMs: 1200, partialResponse: partial });
    const body = await text(toServerSentEvents(concat(of(chunk('Hel')), throwError(() => error))));
    const events = parseAll(body);
    expect(events.map((e) => e.type)).toEqual(['message', 'error']);
    expect(JSON.parse(events[1]!.data)).toEqual({
      name: 'ProviderError',
      message: 'Service unavailable',
      provider: 'openai',
      status: 503,
      code: 'overloaded',
      retryable: true,
      retryAfterMs: 1200,
      partialText: 'Hel',
    });
    const foreign = parseAll(await text(toServerSentEvents(throwError(() => new Error('401 for key sk-abcdefghijklmnop1234 Authorization: Bearer sk-zzzzzzzzzzzz')))));
    expect(foreign[0]!.data).not.toContain('sk-');
    expect(JSON.parse(foreign[0]!.data)).toMatchObject({ name: 'StreamInterruptedError', reason: 'error' });
    const timeout = new StreamTimeoutError('Stream timed out', { partialResponse: partial, phase: 'idle', timeoutMs: 500 });
    expect(JSON.parse(parseAll(await text(toServerSentEvents(throwError(() => timeout))))[0]!.data)).toMatchObject({
      name: 'StreamTimeoutError',
      phase: 'idle',
      timeoutMs: 500,
      reason: 'timeout',
    });
  });

  it('heartbeats are comment lines on the scheduler', async () => {
    const scheduler = new RxTestScheduler(() => undefined);
    const source = new Subject<number>();
    const reader = toServerSentEvents(source, { heartbeatMs: 1000, scheduler }).getReader();
    const first = reader.read();
    await new Promise((r) => setTimeout(r, 0));
    scheduler.maxFrames = 2500;
    scheduler.flush();
    expect(new TextDecoder().decode((await first).value)).toBe(': ping\n\n');
    const second = await reader.read();
    expect(new TextDecoder().decode(second.value)).toBe(': ping\n\n');
    source.next(7);
    source.complete();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('id: 0\ndata: 7\n\n');
  });

  it('is lazy, and cancelling the body unsubscribes the source', async () => {
    let subscribed = 0;
    let unsubscribed = 0;
    const source = new Observable<number>(() => {
      subscribed++;
      return () => unsubscribed++;
    });
    const body = toServerSentEvents(source);
    await new Promise((r) => setTimeout(r, 5));
    expect(subscribed).toBe(0);
    const reader = body.getReader();
    void reader.read();
    expect(subscribed).toBe(1);
    await reader.cancel();
    expect(unsubscribed).toBe(1);
  });

  it('cuts a client slower than maxBufferedBytes and unsubscribes the source', async () => {
    let unsubscribed = false;
    const source = new Observable<string>((subscriber) => {
      const id = setInterval(() => subscriber.next('x'.repeat(1000)), 1);
      return () => {
        clearInterval(id);
        unsubscribed = true;
      };
    });
    const reader = toServerSentEvents(source, { maxBufferedBytes: 10_000 }).getReader();
    await reader.read(); // subscribes, then never reads again
    await new Promise((r) => setTimeout(r, 100));
    expect(unsubscribed).toBe(true);
    const error = await reader.read().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isServerSentEventsError(error) && error.code).toBe('slow_client');
  });

  it('refuses bad options at the call, naming them', () => {
    expect(() => toServerSentEvents(of(1), { heartbeatMs: -1 })).toThrow(/heartbeatMs/);
    expect(() => toServerSentEvents(of(1), { maxBufferedBytes: 0 })).toThrow(RangeError);
    expect(() => toServerSentEvents(of(1), { ids: 'yes' as unknown as boolean })).toThrow(/ids/);
    expect(() => toServerSentEvents('nope' as unknown as Observable<number>)).toThrow(TypeError);
    expect(() => fromServerSentEvents('http://x', { maxEventBytes: -2 })).toThrow(/maxEventBytes/);
    expect(() => fromServerSentEvents('http://x', { reconnect: { retries: 1.5 } })).toThrow(/retries/);
  });

  it('sseHeaders are exactly the contract\'s, and pipeServerSentEvents sends them (HTTP/1.1 and HTTP/2 alike)', async () => {
    expect(sseHeaders).toEqual({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    for (const http2 of [false, true]) {
      const sent: Record<string, string>[] = [];
      const res = {
        ...(http2 ? { stream: {} } : {}),
        writeHead: (_status: number, headers: Record<string, string>) => sent.push(headers),
        write: () => true,
        end: () => undefined,
        on: () => undefined,
        off: () => undefined,
        destroy: () => undefined,
      };
      await pipeServerSentEvents(toServerSentEvents(of(1)), res);
      expect(sent).toEqual([sseHeaders]);
    }
  });

  it('an Error inside a value is sent safely: name, scrubbed message, flat code/status/retryable; never its config', async () => {
    const leaky = Object.assign(new Error('Request failed with status 401 (key sk-live-SECRET1234567890)'), {
      status: 401,
      code: 'unauthorized',
      config: { headers: { Authorization: 'Bearer sk-live-SECRET1234567890' } },
      apiKey: 'sk-live-SECRET1234567890',
      cause: new Error('Bearer sk-live-SECRET1234567890'),
    });
    const provider = new ProviderError('Service unavailable', { provider: 'openai', status: 503, cause: leaky });
    const values = [
      { type: 'step-failed', runId: 'r', step: 'b', error: leaky },
      { type: 'workflow-complete', runId: 'r', result: { successful: false, errors: { b: new TypeError('handler exploded'), c: provider } } },
      [new RangeError('in an array')],
    ];
    const body = await text(toServerSentEvents(of(...values)));
    expect(body).not.toContain('SECRET');
    expect(body).not.toContain('Authorization');
    expect(body).not.toContain('config');
    const [failed, complete, array] = parseAll(body).map((e) => JSON.parse(e.data) as Record<string, unknown>);
    expect(failed!['error']).toEqual({ name: 'Error', message: 'Request failed with status 401 (key [redacted])', code: 'unauthorized', status: 401 });
    expect((complete!['result'] as { errors: unknown }).errors).toEqual({
      b: { name: 'TypeError', message: 'handler exploded' },
      c: { name: 'ProviderError', message: 'Service unavailable', provider: 'openai', status: 503, retryable: true },
    });
    expect(array).toEqual([{ name: 'RangeError', message: 'in an array' }]);
    // Chunks keep their plain JSON, byte for byte.
    const c = chunk('x', { metadata: { provider: 'mock' } });
    expect(parseAll(await text(toServerSentEvents(of(c))))[0]!.data).toBe(JSON.stringify(c));
  });
});

describe('SseParser', () => {
  it('follows the spec: fields, comments, multi-line data, CRLF / CR / LF, BOM, unterminated events', () => {
    const stream = '\uFEFF: comment\r\nevent: a\ndata: one\r\ndata:two\rdata\n\nid: 5\ndata:  x\nretry: 100\nfoo: bar\n\ndata: y\n\n\n:only a comment\n\ndata: dropped';
    const events = parseAll(stream);
    expect(events).toEqual([
      { type: 'a', data: 'one\ntwo\n', lastEventId: '' },
      { type: 'message', data: ' x', id: '5', lastEventId: '5' },
      { type: 'message', data: 'y', lastEventId: '5' },
    ]);
    expect(parseAll('event: nodata\n\n')).toEqual([]);
    expect(parseAll('data: a\n\n\uFEFFdata: b\n\n').map((e) => e.data)).toEqual(['a']); // a BOM mid-stream is a field name
  });

  it('gives the same events however the bytes are split (property)', () => {
    const line = fc.oneof(
      fc.string({ unit: 'grapheme' }).map((s) => `data: ${s.replace(/[\r\n]/g, '')}`),
      fc.constantFrom('event: x', 'id: 7', ': c', 'data', 'retry: 5', 'data:é€😀'),
    );
    const eol = fc.constantFrom('\n', '\r\n', '\r');
    const doc = fc.array(fc.tuple(line, eol, fc.boolean()), { maxLength: 12 }).map((parts) => parts.map(([l, e, blank]) => l + e + (blank ? e : '')).join(''));
    fc.assert(
      fc.property(fc.boolean(), doc, fc.array(fc.nat(), { maxLength: 8 }), (bom, d, cuts) => {
        const bytes = enc.encode((bom ? '\uFEFF' : '') + d);
        const whole = parseAll(bytes);
        const split = parseAll(
          bytes,
          cuts.map((c) => c % (bytes.length + 1)),
        );
        expect(split).toEqual(whole);
        const byByte = parseAll(
          bytes,
          Array.from({ length: bytes.length }, (_, i) => i),
        );
        expect(byByte).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips any value through the encoder, split at every byte (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue(), { maxLength: 5 }), async (values) => {
        const bytes = new Uint8Array(await new Response(toServerSentEvents(of(...values))).arrayBuffer());
        const events = parseAll(
          bytes,
          Array.from({ length: bytes.length }, (_, i) => i),
        );
        expect(events.slice(0, -1).map((e) => JSON.parse(e.data))).toEqual(values.map((v) => JSON.parse(JSON.stringify(v))));
        expect(events.at(-1)!.type).toBe('end');
      }),
      { numRuns: 100 },
    );
  });

  it('bounds an event: past maxEventBytes it throws', () => {
    const parser = new SseParser(() => undefined, { maxEventBytes: 100 });
    expect(() => parser.push(enc.encode(`data: ${'x'.repeat(200)}`))).toThrow(/maxEventBytes/);
  });
});

// ---- loopback HTTP ----

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      const closed = new Promise((r) => s.close(r));
      s.closeAllConnections();
      return closed;
    }),
  );
});

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => void handler(req, res));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A source that emits `n` chunks every `ms`, then a final one, recording unsubscription. */
function slowChunks(n: number, ms: number, record: { unsubscribed?: boolean; subscriptions?: number } = {}): Observable<StreamChunk> {
  return new Observable<StreamChunk>((subscriber) => {
    record.subscriptions = (record.subscriptions ?? 0) + 1;
    const sub = concat(
      interval(ms).pipe(
        take(n),
        map((i) => chunk(`c${i} `)),
      ),
      of(finalChunk({ finishReason: 'stop' })),
    ).subscribe(subscriber);
    return () => {
      sub.unsubscribe();
      record.unsubscribed = true;
    };
  });
}

describe('fromServerSentEvents over loopback HTTP', () => {
  it('round trip: the chunks arrive and collect to the same response', async () => {
    const url = await serve((_req, res) => pipeServerSentEvents(toServerSentEvents(mockStream('Hello, streaming world!', { chunkSize: 4 })), res));
    const chunks = await lastValueFrom(fromServerSentEvents(url).pipe(toArray()));
    expect(chunks.map((c) => c.content).join('')).toBe('Hello, streaming world!');
    expect(chunks.at(-1)!.isFinal).toBe(true);
    const response = await lastValueFrom(fromServerSentEvents(url).pipe(collectResponse()));
    expect(response.completeText).toBe('Hello, streaming world!');
  });

  it('rebuilds an event: error as the class it names, with its fields and the partial response', async () => {
    const url = await serve((_req, res) =>
      pipeServerSentEvents(
        toServerSentEvents(concat(of(chunk('Hel')), throwError(() => new ProviderError('Rate limited', { provider: 'openai', status: 429, retryAfterMs: 900 })))),
        res,
      ),
    );
    const error = await lastValueFrom(fromServerSentEvents(url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'openai', status: 429, retryable: true, retryAfterMs: 900, message: 'Rate limited' });
    expect((error as ProviderError).partialResponse?.completeText).toBe('Hel');
    const url2 = await serve((_req, res) =>
      pipeServerSentEvents(toServerSentEvents(throwError(() => new StreamTimeoutError('Timed out', { partialResponse: new StreamingResponse(), phase: 'first', timeoutMs: 50 }))), res),
    );
    const timeout = await lastValueFrom(fromServerSentEvents(url2)).catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(StreamTimeoutError);
    expect(timeout).toMatchObject({ phase: 'first', timeoutMs: 50 });
  });

  it('typed errors: HTTP error (status, retryable), not an event stream, malformed data, an event too large', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/503') return void res.writeHead(503).end('busy');
      if (req.url === '/401') return void res.writeHead(401).end('no');
      if (req.url === '/html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>hi');
      if (req.url === '/bad') return void res.writeHead(200, sseHeaders).end('data: {not json\n\n');
      res.writeHead(200, sseHeaders).end(`data: "${'x'.repeat(5000)}"\n\n`);
    });
    const fail = (path: string, config = {}): Promise<unknown> => lastValueFrom(fromServerSentEvents(url + path, config)).catch((e: unknown) => e);
    expect(await fail('/503')).toMatchObject({ name: 'ServerSentEventsError', code: 'http_error', status: 503, retryable: true });
    expect(await fail('/401')).toMatchObject({ code: 'http_error', status: 401, retryable: false });
    const html = await fail('/html');
    expect(html).toMatchObject({ code: 'not_event_stream', retryable: false });
    expect((html as Error).message).toContain('text/html');
    expect((html as Error).message).toContain('<!doctype html>');
    expect(await fail('/bad')).toMatchObject({ code: 'malformed_event' });
    expect(await fail('/big', { maxEventBytes: 1000 })).toMatchObject({ code: 'event_too_large' });
  });

  it("a dropped body without reconnect errors with 'incomplete_stream'", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, sseHeaders);
      res.end('id: 0\ndata: {"content":"a","metadata":{},"isFinal":false,"timestamp":0}\n\n');
    });
    const seen: StreamChunk[] = [];
    const error = await lastValueFrom(fromServerSentEvents(url).pipe(map((c) => (seen.push(c), c)))).catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(error).toMatchObject({ code: 'incomplete_stream' });
  });

  it('reconnect: re-opens with Last-Event-ID and delivers no event twice', async () => {
    const lastIds: (string | undefined)[] = [];
    const url = await serve((req, res) => {
      const last = req.headers['last-event-id'] as string | undefined;
      lastIds.push(last);
      const from = last === undefined ? 0 : Number(last) + 1;
      res.writeHead(200, sseHeaders);
      // Each connection sends two events, the second one twice (a duplicate the client must drop), then drops.
      for (const id of [from, from + 1, from + 1].filter((i) => i < 6)) res.write(`id: ${id}\ndata: ${JSON.stringify(chunk(`c${id} `, { timestamp: 0 }))}\n\n`);
      if (from + 2 >= 6) res.write(`id: 6\ndata: ${JSON.stringify(finalChunk({}, { timestamp: 0 }))}\n\nevent: end\ndata: {"reason":"complete"}\n\n`);
      res.end();
    });
    const chunks = await lastValueFrom(fromServerSentEvents(url, { reconnect: { retries: 2, delay: 1 } }).pipe(toArray()));
    expect(chunks.map((c) => c.content).join('')).toBe('c0 c1 c2 c3 c4 c5 ');
    expect(chunks.some((c) => c.metadata.reset === true)).toBe(false);
    expect(lastIds).toEqual([undefined, '1', '3']);
  });

  it('reconnect to a server that started over: a reset chunk, then the new generation, never spliced', async () => {
    let connection = 0;
    const url = await serve((_req, res) => {
      connection++;
      if (connection === 1) {
        res.writeHead(200, sseHeaders);
        res.write(`id: 0\ndata: ${JSON.stringify(chunk('Old ', { timestamp: 0 }))}\n\nid: 1\ndata: ${JSON.stringify(chunk('answer', { timestamp: 0 }))}\n\n`);
        return void res.end();
      }
      void pipeServerSentEvents(toServerSentEvents(mockStream('New answer', { chunkSize: 4 })), res);
    });
    const chunks = await lastValueFrom(fromServerSentEvents(url, { reconnect: { delay: 1 } }).pipe(toArray()));
    const resetAt = chunks.findIndex((c) => c.metadata.reset === true);
    expect(resetAt).toBe(2);
    expect(chunks[resetAt]).toMatchObject({ content: '', isFinal: false, metadata: { reset: true } });
    expect(chunks.slice(0, resetAt).map((c) => c.content).join('')).toBe('Old answer');
    expect(chunks.slice(resetAt + 1).map((c) => c.content).join('')).toBe('New answer');
  });

  it('unsubscribing aborts the request, and the server-side source is unsubscribed', async () => {
    const record: { unsubscribed?: boolean } = {};
    let closed!: () => void;
    const serverSawClose = new Promise<void>((r) => (closed = r));
    const url = await serve((_req, res) => {
      res.on('close', closed);
      return pipeServerSentEvents(toServerSentEvents(slowChunks(1000, 5, record)), res);
    });
    const seen: StreamChunk[] = [];
    await new Promise<void>((resolve) => {
      const sub = fromServerSentEvents(url).subscribe((c) => {
        seen.push(c);
        if (seen.length === 3) {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    await serverSawClose;
    await new Promise((r) => setTimeout(r, 20));
    expect(record.unsubscribed).toBe(true);
  });

  it('accepts a Response and a Request', async () => {
    const url = await serve((req, res) => {
      const auth = req.headers['authorization'];
      return pipeServerSentEvents(toServerSentEvents(of(chunk(String(auth)), finalChunk())), res);
    });
    const viaResponse = await lastValueFrom(fromServerSentEvents(await fetch(url)).pipe(toArray()));
    expect(viaResponse[0]!.content).toBe('undefined');
    const viaRequest = await lastValueFrom(fromServerSentEvents(new Request(url, { headers: { Authorization: 'Bearer t' } })).pipe(toArray()));
    expect(viaRequest[0]!.content).toBe('Bearer t');
    const post = await lastValueFrom(fromServerSentEvents(url, { method: 'POST', body: '{}', headers: { Authorization: 'x' } }).pipe(toArray()));
    expect(post[0]!.content).toBe('x');
    const postRequest = new Request(url, { method: 'POST', body: '{"a":1}', headers: { Authorization: 'y' } });
    const viaPostRequest = await lastValueFrom(fromServerSentEvents(postRequest).pipe(toArray()));
    expect(viaPostRequest[0]!.content).toBe('y');
  });

  it('an unreachable endpoint is a retryable network error', async () => {
    const url = await serve(() => undefined);
    const port = new URL(url).port;
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    const error = await lastValueFrom(fromServerSentEvents(`http://127.0.0.1:${port}`)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'network', retryable: true });
  });

  it('a never-ending source is fine until the client leaves', async () => {
    const url = await serve((_req, res) => pipeServerSentEvents(toServerSentEvents(concat(of(chunk('x')), NEVER)), res));
    const first = await new Promise<StreamChunk>((resolve) => {
      const sub = fromServerSentEvents(url).subscribe((c) => {
        resolve(c);
        queueMicrotask(() => sub.unsubscribe());
      });
    });
    expect(first.content).toBe('x');
  });
});

describe('fromServerSentEvents: every error class comes back with its fields', () => {
  const partial = (): StreamingResponse => new StreamingResponse().addChunk(chunk('So far'));
  // [the error the server's source fails with, the fields the client's error has]
  const cases: Record<string, [AgenticraftError, Record<string, unknown>]> = {
    AgenticraftError: [new AgenticraftError('base'), { message: 'base' }],
    ProviderError: [
      new ProviderError('Rate limited', { provider: 'anthropic', status: 429, code: 'rate_limit', retryAfterMs: 2000 }),
      { provider: 'anthropic', status: 429, code: 'rate_limit', retryable: true, retryAfterMs: 2000 },
    ],
    StreamInterruptedError: [new StreamInterruptedError('stopped', { reason: 'chars', partialResponse: partial() }), { reason: 'chars' }],
    StreamTimeoutError: [new StreamTimeoutError('idle', { phase: 'idle', timeoutMs: 1500, partialResponse: partial() }), { phase: 'idle', timeoutMs: 1500, reason: 'timeout' }],
    ObjectValidationError: [
      new ObjectValidationError('Invalid object (key sk-abcdefghijklmnop)', {
        issues: [
          { message: 'Expected number, received "sk-abcdefghijklmnop"', path: ['items', 2, 'price'] },
          { message: 'Required', path: [] },
        ],
        text: '{"items":',
        partialResponse: new StreamingResponse().addChunk(chunk('{"items":')),
      }),
      {
        message: 'Invalid object (key [redacted])',
        issues: [
          { message: 'Expected number, received "[redacted]"', path: ['items', 2, 'price'] },
          { message: 'Required', path: [] },
        ],
        text: 'Hel', // the server's text is not sent: the text this client received
      },
    ],
    ToolError: [new ToolError('tool failed', { tool: 'calc', toolCallId: 'c1' }), { tool: 'calc', toolCallId: 'c1' }],
    WorkflowError: [new WorkflowError('cycle', { code: 'cycle', workflow: 'wf', steps: ['a', 'b'] }), { code: 'cycle', workflow: 'wf', steps: ['a', 'b'] }],
    MaxToolRoundsError: [
      new MaxToolRoundsError('too many rounds', { maxToolRounds: 5, toolCalls: [{ id: 'call_1', name: 'search' }] }),
      { maxToolRounds: 5, toolCalls: [{ id: 'call_1', name: 'search' }] },
    ],
    CalculatorError: [new CalculatorError('division by zero', { code: 'division_by_zero', position: 4 }), { code: 'division_by_zero', position: 4 }],
    ServerSentEventsError: [
      new ServerSentEventsError('upstream said no', { code: 'error_event', errorName: 'QuotaError', status: 402 }),
      { code: 'error_event', errorName: 'QuotaError', status: 402, retryable: false },
    ],
    ResumableStreamError: [new ResumableStreamError('gone', { code: 'abandoned', streamId: 's1' }), { code: 'abandoned', streamId: 's1', retryable: false }],
  };

  it('covers every class in src/errors', () => {
    const classes = readdirSync(new URL('../src/errors/', import.meta.url)).map((file) => file.replace(/\.ts$/, ''));
    expect(Object.keys(cases).sort()).toEqual(classes.sort());
  });

  for (const [name, [error, fields]] of Object.entries(cases)) {
    it(`${name}: the class, its fields, and the chunks this client received as partialResponse`, async () => {
      const body = toServerSentEvents(concat(of(chunk('Hel')), throwError(() => error)));
      const received = await lastValueFrom(fromServerSentEvents(new Response(body, { headers: sseHeaders }))).catch((e: unknown) => e);
      expect((received as Error).constructor).toBe(error.constructor);
      expect(received).toMatchObject({ name, message: error.message, ...fields });
      const partialResponse = (received as AgenticraftError).partialResponse;
      expect(partialResponse?.completeText).toBe('Hel');
    });
  }

  it("an ObjectValidationError's text is the partial text when the client received no chunks ('' without one)", async () => {
    const [error] = cases['ObjectValidationError']!;
    const served = (e: AgenticraftError): Promise<unknown> =>
      lastValueFrom(fromServerSentEvents(new Response(toServerSentEvents(throwError(() => e)), { headers: sseHeaders }))).catch((x: unknown) => x);
    expect(await served(error)).toMatchObject({ text: '{"items":' });
    expect(await served(new ObjectValidationError('bad', { issues: [{ message: 'Required', path: ['a'] }], text: '{}' }))).toMatchObject({
      text: '',
      issues: [{ message: 'Required', path: ['a'] }],
    });
  });
});

describe('fromServerSentEvents: reconnect bounds and ids', () => {
  const event = (id: string, value: unknown): string => `id: ${id}\ndata: ${JSON.stringify(value)}\n\n`;

  it("a server that starts over on every re-open runs out of retries: 'incomplete_stream', never an endless loop", async () => {
    let connections = 0;
    const url = await serve((_req, res) => {
      connections++;
      res.writeHead(200, sseHeaders);
      // Without a bound the client would go on for ever: after 10 connections this server gives up instead.
      if (connections > 10) return void res.end('event: end\ndata: {"reason":"complete"}\n\n');
      res.end(event('0', chunk('a', { timestamp: 0 })) + event('1', chunk('b', { timestamp: 0 })));
    });
    const seen: StreamChunk[] = [];
    const error = await lastValueFrom(fromServerSentEvents(url, { reconnect: { retries: 2, delay: 1 } }).pipe(map((c) => (seen.push(c), c)))).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ServerSentEventsError', code: 'incomplete_stream', retryable: true });
    expect((error as ServerSentEventsError).partialResponse?.completeText).toBe('ab');
    expect(connections).toBe(3); // the first request and 2 re-opens that brought nothing new
    expect(seen.filter((c) => c.metadata.reset === true)).toHaveLength(2);
  });

  it('a server that starts over but gets further each time is followed to its end', async () => {
    let connections = 0;
    const url = await serve((_req, res) => {
      connections++;
      res.writeHead(200, sseHeaders);
      const n = connections; // ids 0 … n-1, then the final chunk at the 5th connection
      res.end(Array.from({ length: n }, (_, i) => event(String(i), chunk(`${i}`, { timestamp: 0 }))).join('') + (n === 5 ? event('5', finalChunk({}, { timestamp: 0 })) : ''));
    });
    const response = await lastValueFrom(fromServerSentEvents(url, { reconnect: { retries: 1, delay: 1 } }).pipe(collectResponse()));
    expect(response.completeText).toBe('01234');
    expect(connections).toBe(5);
  });

  it('non-numeric ids: the re-open sends the last id as received, and a server that resumes is followed without a reset', async () => {
    const lastIds: (string | undefined)[] = [];
    const url = await serve((req, res) => {
      const last = req.headers['last-event-id'] as string | undefined;
      lastIds.push(last);
      res.writeHead(200, sseHeaders);
      if (last === undefined) return void res.end(event('m-0', chunk('a', { timestamp: 0 })) + event('m-1', chunk('b', { timestamp: 0 })));
      if (last === 'm-1') return void res.end(event('m-2', chunk('c', { timestamp: 0 })));
      res.end(event('m-3', finalChunk({}, { timestamp: 0 })));
    });
    const chunks = await lastValueFrom(fromServerSentEvents(url, { reconnect: { delay: 1 } }).pipe(toArray()));
    expect(lastIds).toEqual([undefined, 'm-1', 'm-2']);
    expect(chunks.some((c) => c.metadata.reset === true)).toBe(false);
    expect(chunks.map((c) => c.content).join('')).toBe('abc');
  });

  it('non-numeric ids: a server that repeats the first id started over: a reset chunk, never spliced', async () => {
    let connections = 0;
    const url = await serve((_req, res) => {
      connections++;
      res.writeHead(200, sseHeaders);
      if (connections === 1) return void res.end(event('m-0', chunk('Old', { timestamp: 0 })));
      res.end(event('m-0', chunk('New', { timestamp: 0 })) + event('m-1', finalChunk({}, { timestamp: 0 })));
    });
    const chunks = await lastValueFrom(fromServerSentEvents(url, { reconnect: { delay: 1 } }).pipe(toArray()));
    expect(chunks.map((c) => (c.metadata.reset === true ? '<reset>' : c.content))).toEqual(['Old', '<reset>', 'New', '']);
  });
});

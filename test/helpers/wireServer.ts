/**
 * A loopback HTTP server that replays the wire transcripts in test/fixtures/wire (copied from
 * shared/wire) so the real SDK clients can be pointed at it. It records what it received (method, path,
 * headers, parsed JSON body) and when the client closed the connection early.
 *
 *   const server = await startWireServer();
 *   server.enqueue(sse('openai-text.sse'));
 *   const provider = openai({ baseURL: server.url + '/v1', apiKey: 'test-key' });
 *   ...
 *   expect(server.requests[0].body).toMatchObject({ stream: true });
 *   await server.close();
 *
 * In a test file, `useWireServer()` (below) does the start/close/clear lifecycle.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { sleep } from './streams.js';

export const WIRE_DIR = fileURLToPath(new URL('../fixtures/wire/', import.meta.url));

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawBody: string;
  /** The body parsed as JSON, or undefined. */
  readonly body: unknown;
  /** performance.now() when the request arrived. */
  readonly receivedAt: number;
  /** performance.now() when the client closed the connection before the reply ended (an abort), else undefined. */
  abortedAt?: number;
  /** Resolves when the client aborts (never, if the reply completes). */
  readonly aborted: Promise<number>;
  /** Whether the reply was written to its end. */
  finished: boolean;
}

export type Reply = (req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest) => void | Promise<void>;

export interface StreamReplyOptions {
  /** ms to wait before each event (0 = write all at once). */
  readonly delayMs?: number;
  /** ms to wait before the response headers. */
  readonly headerDelayMs?: number;
  /** Stop writing after this many events and keep the connection open (a stall). */
  readonly stallAfter?: number;
  /** Destroy the socket after this many events (a connection reset). */
  readonly resetAfter?: number;
  /** End the response after this many events (no terminal event). */
  readonly endAfter?: number;
  readonly status?: number;
  readonly headers?: Record<string, string>;
}

export interface WireServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Replies for the next requests, in order; when none is queued, `fallback` answers. */
  enqueue(...replies: Reply[]): void;
  fallback: Reply;
  /** Resolves once `n` requests have arrived. */
  waitForRequests(n: number): Promise<void>;
  close(): Promise<void>;
}

export function readWire(file: string): string {
  return readFileSync(WIRE_DIR + file, 'utf8');
}

/** Splits a `.sse` transcript into events (one per blank-line-separated block). */
export function sseEvents(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((e) => e.trim())
    .filter((e) => e.length > 0)
    .map((e) => `${e}\n\n`);
}

/** Splits an `.ndjson` transcript into lines. */
export function ndjsonLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim().length > 0)
    .map((l) => `${l}\n`);
}

/** Streams pieces of text as one response, with optional pacing and faults. */
export function streamReply(contentType: string, pieces: readonly string[], options: StreamReplyOptions = {}): Reply {
  return async (_req, res, recorded) => {
    if (options.headerDelayMs) await sleep(options.headerDelayMs);
    if (res.destroyed) return;
    res.writeHead(options.status ?? 200, { 'content-type': contentType, 'cache-control': 'no-cache', ...options.headers });
    res.flushHeaders();
    for (let i = 0; i < pieces.length; i++) {
      if (options.stallAfter !== undefined && i >= options.stallAfter) return; // keep the socket open, write nothing
      if (options.resetAfter !== undefined && i >= options.resetAfter) {
        res.socket?.destroy();
        return;
      }
      if (options.endAfter !== undefined && i >= options.endAfter) break;
      if (options.delayMs) await sleep(options.delayMs);
      if (res.destroyed) return;
      res.write(pieces[i]);
    }
    if (options.stallAfter !== undefined && options.stallAfter >= pieces.length) return;
    if (options.resetAfter !== undefined && options.resetAfter >= pieces.length) {
      res.socket?.destroy();
      return;
    }
    res.end();
    recorded.finished = true;
  };
}

/** Replays a `.sse` transcript (or given SSE text) as `text/event-stream`. */
export function sse(fileOrEvents: string | readonly string[], options?: StreamReplyOptions): Reply {
  const events = typeof fileOrEvents === 'string' ? sseEvents(readWire(fileOrEvents)) : fileOrEvents;
  return streamReply('text/event-stream', events, options);
}

/** Replays a `.ndjson` transcript (or given lines) as `application/x-ndjson`. */
export function ndjson(fileOrLines: string | readonly string[], options?: StreamReplyOptions): Reply {
  const lines = typeof fileOrLines === 'string' ? ndjsonLines(readWire(fileOrLines)) : fileOrLines;
  return streamReply('application/x-ndjson', lines, options);
}

/** Replays a `.json` HTTP error fixture ({status, headers, body}); `headers` override the fixture's. */
export function httpError(file: string, headers?: Record<string, string>): Reply {
  const fixture = JSON.parse(readWire(file)) as { status: number; headers?: Record<string, string>; body: unknown };
  return (_req, res, recorded) => {
    res.writeHead(fixture.status, { 'content-type': 'application/json', ...fixture.headers, ...headers });
    res.end(JSON.stringify(fixture.body));
    recorded.finished = true;
  };
}

/** A plain JSON response. */
export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return (_req, res, recorded) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
    recorded.finished = true;
  };
}

/** Accepts the request and never answers (a stall before headers). */
export const hang: Reply = () => undefined;

export async function startWireServer(): Promise<WireServer> {
  const requests: RecordedRequest[] = [];
  const queue: Reply[] = [];
  const sockets = new Set<Socket>();
  const waiters: Array<{ n: number; resolve: () => void }> = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = undefined;
      }
      let onAbort: (t: number) => void = () => undefined;
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        rawBody,
        body,
        receivedAt: performance.now(),
        aborted: new Promise<number>((resolve) => (onAbort = resolve)),
        finished: false,
      };
      recorded.aborted.catch(() => undefined);
      res.on('close', () => {
        if (!recorded.finished && !res.writableFinished) {
          recorded.abortedAt = performance.now();
          onAbort(recorded.abortedAt);
        }
      });
      requests.push(recorded);
      for (const w of waiters.splice(0)) {
        if (requests.length >= w.n) w.resolve();
        else waiters.push(w);
      }
      const reply = queue.shift() ?? wire.fallback;
      Promise.resolve(reply(req, res, recorded)).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const wire: WireServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    fallback: json(500, { error: { message: 'wire server: no reply queued' } }),
    waitForRequests: (n) =>
      requests.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return wire;
}

/** A loopback URL nobody listens on (a wire server's, after it closed): connecting is refused. */
export async function closedPortURL(): Promise<string> {
  const closed = await startWireServer();
  await closed.close();
  return closed.url;
}

/**
 * Starts one wire server for the calling test file (beforeAll), closes it (afterAll) and clears its
 * recorded requests before each test. Returns a handle that forwards to that server, so it can be
 * declared at module level and used in tests and hooks:
 *
 *   const server = useWireServer();
 *   it('…', async () => { server.enqueue(sse('openai-text.sse')); … });
 */
export function useWireServer(): WireServer {
  let started: WireServer | undefined;
  const current = (): WireServer => {
    if (started === undefined) throw new Error('useWireServer(): the server starts in beforeAll; use it inside tests and hooks');
    return started;
  };
  beforeAll(async () => {
    started = await startWireServer();
  });
  afterAll(async () => {
    await started?.close();
    started = undefined;
  });
  beforeEach(() => {
    current().requests.length = 0;
  });
  return {
    get url() {
      return current().url;
    },
    get requests() {
      return current().requests;
    },
    get fallback() {
      return current().fallback;
    },
    set fallback(reply: Reply) {
      current().fallback = reply;
    },
    enqueue: (...replies) => current().enqueue(...replies),
    waitForRequests: (n) => current().waitForRequests(n),
    close: () => current().close(),
  };
}

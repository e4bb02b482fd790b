/**
 * A resumable chat endpoint on plain `node:http`, answered by the embedded offline model (no key, no network):
 *
 *   POST /chat/:id          { "prompt": "..." }  starts the answer (or joins it) and streams it as SSE
 *   GET  /chat/:id          Last-Event-ID: <n>   resumes after event n (a reconnect, a reload, another tab)
 *   POST /chat/:id/stop                          stops the generation, wherever it runs
 *
 * The answer runs to its end even when the client disconnects; only /stop aborts the model request.
 * With REDIS_URL set, streams live in Redis and any number of these servers can share them.
 *
 *   npx tsx examples/serve-node-http.ts       # then:
 *   curl -N -X POST localhost:3000/chat/1 -d '{"prompt":"Tell me a story"}'
 *   curl -N localhost:3000/chat/1 -H 'Last-Event-ID: 5'
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, isResumableStreamError, memoryStore, openai, pipeServerSentEvents, redisStore, resumableStreams } from '../src/index.js';
import { startOfflineServer } from './offline.js';

async function main(): Promise<void> {
  const offline = await startOfflineServer({ chunkDelayMs: Number(process.env['DEMO_CHUNK_DELAY_MS'] ?? 25) });
  const agent = new Agent({ provider: openai({ baseURL: offline.baseURL, apiKey: 'offline-demo', model: 'offline-mini' }) });
  const redisUrl = process.env['REDIS_URL'];
  const streams = resumableStreams({ store: redisUrl ? redisStore({ url: redisUrl }) : memoryStore(), heartbeatMs: 15_000 });

  const server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = /^\/chat\/([\w-]{1,64})(\/stop)?$/.exec(url.pathname);
    if (route === null) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    const id = route[1]!;
    try {
      if (route[2] !== undefined) {
        const stopped = await streams.stop(id);
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ stopped }));
      }
      const lastEventId = header(req, 'last-event-id') ?? url.searchParams.get('lastEventId') ?? undefined;
      let body: ReadableStream<Uint8Array>;
      if (req.method === 'POST' && lastEventId === undefined) {
        const { prompt } = JSON.parse((await readBody(req)) || '{}') as { prompt?: unknown };
        if (typeof prompt !== 'string' || prompt === '') return void res.writeHead(400).end('{"error":"prompt must be a non-empty string"}');
        // history: false — one agent serves every chat; each request is its own turn.
        body = await streams.create(id, agent.stream(prompt, { history: false }));
      } else {
        body = await streams.resume(id, lastEventId);
      }
      await pipeServerSentEvents(body, res);
    } catch (error) {
      const status = isResumableStreamError(error)
        ? ({ unknown_stream: 404, invalid_event_id: 400, invalid_id: 400 } as Record<string, number>)[error.code] ?? 503
        : 500;
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: (error as Error).message }));
    }
  }

  await new Promise<void>((resolve) => server.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', resolve));
  console.log(`serve-node-http listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const shutdown = (): void => {
    server.closeAllConnections();
    server.close();
    void offline.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (piece: string) => {
      data += piece;
      if (data.length > 100_000) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

void main();

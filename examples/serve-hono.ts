/**
 * The same resumable chat endpoint with Hono (web `Request`/`Response`: the code runs unchanged on Bun, Deno,
 * Cloudflare Workers and Node), answered by the embedded offline model:
 *
 *   POST /chat/:id  { "prompt": "..." }   starts (or joins) the answer, as SSE
 *   GET  /chat/:id  Last-Event-ID: <n>    resumes after event n
 *   POST /chat/:id/stop                   stops the generation wherever it runs
 *
 * On Node, without `@hono/node-server`, a ten-line adapter below hands `app.fetch` the requests.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { Agent, isResumableStreamError, openai, resumableStreams, sseHeaders } from '../src/index.js';
import { startOfflineServer } from './offline.js';

async function main(): Promise<void> {
  const offline = await startOfflineServer({ chunkDelayMs: Number(process.env['DEMO_CHUNK_DELAY_MS'] ?? 25) });
  const agent = new Agent({ provider: openai({ baseURL: offline.baseURL, apiKey: 'offline-demo', model: 'offline-mini' }) });
  const streams = resumableStreams({ heartbeatMs: 15_000 });

  const app = new Hono();
  const failure = (error: unknown): Response => {
    const status = isResumableStreamError(error) ? ({ unknown_stream: 404, invalid_event_id: 400, invalid_id: 400 } as Record<string, number>)[error.code] ?? 503 : 500;
    return Response.json({ error: (error as Error).message }, { status });
  };
  app.post('/chat/:id/stop', async (c) => {
    try {
      return c.json({ stopped: await streams.stop(c.req.param('id')) });
    } catch (error) {
      return failure(error);
    }
  });
  app.on(['GET', 'POST'], '/chat/:id', async (c) => {
    const id = c.req.param('id');
    const lastEventId = c.req.header('Last-Event-ID') ?? c.req.query('lastEventId');
    try {
      if (c.req.method === 'POST' && lastEventId === undefined) {
        const { prompt } = await c.req.json<{ prompt?: unknown }>();
        if (typeof prompt !== 'string' || prompt === '') return c.json({ error: 'prompt must be a non-empty string' }, 400);
        return new Response(await streams.create(id, agent.stream(prompt, { history: false })), { headers: sseHeaders });
      }
      return new Response(await streams.resume(id, lastEventId), { headers: sseHeaders });
    } catch (error) {
      return failure(error);
    }
  });

  // Node adapter: IncomingMessage → Request (aborted when the client leaves), Response → ServerResponse.
  const server = createServer((req, res) => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`), {
        method: req.method,
        headers: Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]])),
        body: hasBody ? Buffer.concat(chunks) : undefined,
        signal: abort.signal,
      });
      void Promise.resolve(app.fetch(request)).then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        if (response.body === null) return void res.end();
        const reader = response.body.getReader();
        res.on('close', () => void reader.cancel().catch(() => undefined)); // the client left: cancel = unsubscribe
        for (let r = await reader.read(); !r.done; r = await reader.read()) res.write(r.value);
        res.end();
      }).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', resolve));
  console.log(`serve-hono listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const shutdown = (): void => {
    server.closeAllConnections();
    server.close();
    void offline.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

void main();

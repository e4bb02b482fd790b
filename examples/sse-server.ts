/**
 * `npx tsx examples/sse-server.ts [--serve]` — the guide's "Web Application" example: a tiny Server-Sent Events
 * endpoint on `node:http` and, in the same script, a client that reads it back with `fromServerSentEvents`.
 *
 *   GET /stream?prompt=…   the agent's answer as SSE (`id: n`, `data: <chunk json>`), from the offline model
 *
 * 1. The client streams the answer chunk by chunk (the same `StreamChunk`s the server's agent produced).
 * 2. The client leaves early: unsubscribing closes the connection, the server's body is cancelled, and the
 *    model request behind it is aborted (the offline model sees the hang-up).
 * 3. A provider error crosses the wire as `event: error` and comes back as the same class (`ProviderError`, 429).
 *
 * With `--serve` the endpoint stays up: `curl -N 'localhost:3000/stream?prompt=Tell+me+a+story'`, or an
 * `EventSource` in a page. For resumable streams (reconnect, resume from another instance, stop) see
 * examples/serve-node-http.ts and examples/serve-hono.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, take, tap } from 'rxjs';
import { Agent, collectResponse, fromServerSentEvents, isProviderError, pipeServerSentEvents, toServerSentEvents } from '../src/index.js';
import { chunkDelayFromEnv, offlineProviders, startOfflineServer } from './offline.js';
import { dim, heading, out, runExample } from './terminal.js';

async function main(): Promise<void> {
  const serve = process.argv.includes('--serve');
  const offline = await startOfflineServer({ chunkDelayMs: chunkDelayFromEnv() });
  const agent = new Agent({ provider: offlineProviders(offline).openai });

  // The endpoint: one agent serves every request, each its own turn (history: false).
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const prompt = url.searchParams.get('prompt');
    if (url.pathname !== '/stream' || !prompt) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"GET /stream?prompt=…"}');
    void pipeServerSentEvents(toServerSentEvents(agent.stream(prompt, { history: false }), { heartbeatMs: 15_000 }), res);
  });
  await new Promise<void>((resolve) => server.listen(serve ? Number(process.env['PORT'] ?? 3000) : 0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const endpoint = (prompt: string): string => `${base}/stream?prompt=${encodeURIComponent(prompt)}`;
  out(dim(`sse-server listening on ${base}\n`));
  if (serve) return;

  try {
    heading('1. The client reads the stream back');
    const response = await lastValueFrom(fromServerSentEvents(endpoint('Tell me a story')).pipe(tap((chunk) => out(chunk.content)), collectResponse()));
    out(dim(`\n[${response.chunkCount} chunks over SSE, finish: ${response.finishReason}, ${response.usage?.totalTokens} tokens]\n`));

    heading('2. The client leaves after 5 chunks');
    const abortedBefore = offline.abortedCount;
    const first = await lastValueFrom(fromServerSentEvents(endpoint('Tell me a story')).pipe(take(5), collectResponse()));
    await offline.settled();
    out(`${JSON.stringify(first.completeText)}\n`);
    out(dim(`[the model request behind the endpoint was aborted: the offline model saw ${offline.abortedCount - abortedBefore} hang-up]\n`));

    heading('3. An error crosses the wire with its class');
    offline.failNext(1, 100);
    try {
      await lastValueFrom(fromServerSentEvents(endpoint('Tell me a story')));
    } catch (error) {
      if (!isProviderError(error)) throw error;
      out(`${error.name} from the server: status ${error.status}, retryable ${String(error.retryable)}, retryAfterMs ${error.retryAfterMs}\n`);
    }
  } finally {
    server.closeAllConnections();
    server.close();
    await offline.close();
  }
}

runExample(main);

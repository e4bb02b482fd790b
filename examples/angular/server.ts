/**
 * The chat app's server: it serves the built app (dist/browser) and `POST /api/chat`, which streams the reply
 * as server-sent events (`toServerSentEvents`) from a model that lives on the server — here a paced `mockStream`,
 * in a real app `agent.stream(messages, { history: false })` with the key in the server's environment. When the
 * browser aborts (Stop), the response closes, the SSE body is cancelled and the model's stream unsubscribed.
 *
 *   npm run build --prefix examples/angular && npx tsx examples/angular/server.ts     # http://127.0.0.1:4200
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { finalize, type Observable, tap } from 'rxjs';
import type { StreamChunk } from '../../src/chunk.js';
import { pipeServerSentEvents, toServerSentEvents } from '../../src/interop/toServerSentEvents.js';
import { mockStream } from '../../src/providers/mock.js';
import type { Message } from '../../src/providers/provider.js';

export interface ChatServerOptions {
  /** The built app. @default examples/angular/dist/browser */
  readonly root?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** ms between the model's chunks. @default 30 */
  readonly chunkDelayMs?: number;
}

export interface ChatServer {
  readonly url: string;
  /** Replies started, and how each ended: 'complete', or 'closed' when the client went away first. */
  readonly replies: ('streaming' | 'complete' | 'closed')[];
  close(): Promise<void>;
}

/** The server-side "model": a reply about the conversation, streamed in 4-character chunks. */
export function model(messages: readonly Message[], chunkDelayMs: number): Observable<StreamChunk> {
  const question = messages.at(-1)?.content ?? '';
  const turn = messages.filter((m) => m.role === 'user').length;
  const text =
    `You said: "${question}". This is turn ${turn} of our conversation, streamed from the server as server-sent ` +
    'events and chunk by chunk into a signal: each chunk replaces the assistant message with a longer one. ' +
    'Press Stop and the browser aborts the request; the server sees it closed and stops the model.';
  return mockStream(text, { chunkSize: 4, delay: chunkDelayMs });
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.ico': 'image/x-icon', '.png': 'image/png' };

export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const root = options.root ?? fileURLToPath(new URL('./dist/browser/', import.meta.url));
  const chunkDelayMs = options.chunkDelayMs ?? 30;
  const replies: ChatServer['replies'] = [];

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'POST' && path === '/api/chat') {
      void readJson(req).then((body) => {
        const messages = (body as { messages?: Message[] } | undefined)?.messages;
        if (!Array.isArray(messages)) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end('expected { messages: [...] }');
          return;
        }
        const n = replies.push('streaming') - 1;
        const reply = model(messages, chunkDelayMs).pipe(
          tap({ complete: () => (replies[n] = 'complete') }),
          finalize(() => {
            if (replies[n] === 'streaming') replies[n] = 'closed';
          }),
        );
        return pipeServerSentEvents(toServerSentEvents(reply), res);
      });
      return;
    }
    const file = normalize(join(root, decodeURIComponent(path)));
    const target = file.startsWith(root) && existsSync(file) && extname(file) !== '' ? file : join(root, 'index.html');
    if (!existsSync(target)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('build the app first: npm run build --prefix examples/angular');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(target)] ?? 'application/octet-stream' }).end(readFileSync(target));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    replies,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    return undefined;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startChatServer({ port: Number(process.env['PORT'] ?? 4200) });
  console.log(`agenticraft-rx Angular chat on ${server.url}`);
}

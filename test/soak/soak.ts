/**
 * The soak: many mixed streams — completed, unsubscribed, timed out, failed, retried, with tools — through the
 * three real SDKs against one loopback server in this process, then a check that nothing is left behind
 * (sockets, timers, listeners: `process.getActiveResourcesInfo()`) and how far the heap is from its
 * baseline. `npm run soak` runs 10,000; `test/soak.test.ts` runs 1,000 in `npm test`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { lastValueFrom, take, toArray } from 'rxjs';
import { z } from 'zod';
import { Agent } from '../../src/agent/agent.js';
import { collectResponse } from '../../src/operators/collectResponse.js';
import { retryStream } from '../../src/operators/retryStream.js';
import { timeoutStream } from '../../src/operators/timeoutStream.js';
import { anthropic } from '../../src/providers/anthropic.js';
import { ollama } from '../../src/providers/ollama.js';
import { openai } from '../../src/providers/openai.js';
import type { Provider } from '../../src/providers/provider.js';
import { defineTool } from '../../src/tools/tool.js';
import { isProviderError } from '../../src/errors/ProviderError.js';
import { isStreamTimeoutError } from '../../src/errors/StreamTimeoutError.js';
import { ndjsonLines, readWire, sseEvents } from '../helpers/wireServer.js';

export type Kind = 'complete' | 'unsubscribe' | 'timeout' | 'fail' | 'retry' | 'tools';
export const KINDS: readonly Kind[] = ['complete', 'unsubscribe', 'timeout', 'fail', 'retry', 'tools'];
type Wire = 'openai' | 'anthropic' | 'ollama';
const WIRES: readonly Wire[] = ['openai', 'anthropic', 'ollama'];

const TEXT = { openai: sseEvents(readWire('openai-text.sse')), anthropic: sseEvents(readWire('anthropic-text.sse')), ollama: ndjsonLines(readWire('ollama-chat.ndjson')) };
const TOOLS = { openai: sseEvents(readWire('openai-tools.sse')), anthropic: sseEvents(readWire('anthropic-tools.sse')), ollama: ndjsonLines(readWire('ollama-tools.ndjson')) };
const EXPECTED = 'Hello, world!';
/** Where a 'timeout' stream stalls: just after the piece that carries the first text. */
const STALL_AT = { openai: stallAt(TEXT.openai), anthropic: stallAt(TEXT.anthropic), ollama: stallAt(TEXT.ollama) };

function stallAt(pieces: readonly string[]): number {
  return pieces.findIndex((p) => p.includes('Hello')) + 1;
}

export interface SoakSummary {
  readonly streams: number;
  readonly outcomes: Readonly<Record<Kind, { ok: number; wrong: number }>>;
  readonly wallMs: number;
  /** Resources alive after the run that were not before, by type (should be empty). */
  readonly leftover: Readonly<Record<string, number>>;
  readonly heapBeforeMB: number;
  readonly heapAfterMB: number;
  readonly serverRequests: number;
}

/** The server answers by the prompt's first word (the kind) and the path (the wire format). */
function handler(attempts: Map<string, number>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { messages?: { role: string; content: unknown }[] };
      const wire: Wire = req.url?.includes('/api/chat') ? 'ollama' : req.url?.includes('/messages') ? 'anthropic' : 'openai';
      const messages = body.messages ?? [];
      const first = messages.find((m) => m.role === 'user');
      const prompt = typeof first?.content === 'string' ? first.content : JSON.stringify(first?.content ?? '');
      const [kind = 'complete', id = ''] = prompt.split(' ');
      const answeredTool = messages.some((m) => m.role === 'tool' || (Array.isArray(m.content) && JSON.stringify(m.content).includes('tool_result')));
      const type = wire === 'ollama' ? 'application/x-ndjson' : 'text/event-stream';
      if (kind === 'fail') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'bad request (soak)', type: 'invalid_request_error' } }));
        return;
      }
      if (kind === 'retry') {
        const n = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, n);
        if (n === 1) {
          res.writeHead(503, { 'content-type': 'application/json', 'retry-after-ms': '1' });
          res.end(JSON.stringify({ error: { message: 'overloaded (soak)', type: 'server_error' } }));
          return;
        }
      }
      const pieces = kind === 'tools' && !answeredTool ? TOOLS[wire] : TEXT[wire];
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
      let i = 0;
      const pace = kind === 'unsubscribe' ? 20 : 1;
      const write = (): void => {
        if (res.destroyed) return;
        if (kind === 'timeout' && i === STALL_AT[wire]) return; // stall after the first text: the client's idle deadline ends it
        const piece = pieces[i++];
        if (piece === undefined) {
          res.end();
          return;
        }
        res.write(piece);
        setTimeout(write, pace);
      };
      write();
    });
  };
}

const weather = defineTool({ name: 'get_weather', description: 'weather', parameters: z.object({}).passthrough(), execute: () => 'Sunny' });
const time = defineTool({ name: 'get_time', description: 'time', parameters: z.object({}).passthrough(), execute: () => '12:00' });

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Runs `streams` mixed streams, `concurrency` at a time, and reports what happened and what is left. */
export async function runSoak(streams: number, concurrency = 200): Promise<SoakSummary> {
  const gc = (globalThis as { gc?: () => void }).gc;
  await settle();
  const before = resourceCounts();

  const attempts = new Map<string, number>();
  const sockets = new Set<Socket>();
  let serverRequests = 0;
  const server = createServer((req, res) => {
    serverRequests++;
    handler(attempts)(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const providers: Record<Wire, Provider> = {
    openai: openai({ baseURL: `${url}/v1`, apiKey: 'sk-soak' }),
    anthropic: anthropic({ baseURL: url, apiKey: 'sk-ant-soak' }),
    ollama: ollama({ host: url }),
  };
  const outcomes = Object.fromEntries(KINDS.map((k) => [k, { ok: 0, wrong: 0 }])) as Record<Kind, { ok: number; wrong: number }>;

  const one = async (i: number): Promise<void> => {
    const kind = KINDS[i % KINDS.length]!;
    const wire = WIRES[Math.floor(i / KINDS.length) % WIRES.length]!;
    const provider = providers[wire];
    const request = { messages: [{ role: 'user' as const, content: `${kind} ${i}` }] };
    const result = outcomes[kind];
    try {
      if (kind === 'tools') {
        const response = await new Agent({ provider, tools: [weather, time] }).run(`${kind} ${i}`);
        if (response.content.endsWith(EXPECTED) && response.toolResults.length > 0) result.ok++;
        else {
          if (process.env['SOAK_DEBUG']) console.error(kind, wire, JSON.stringify(response.content), response.toolResults);
          result.wrong++;
        }
        return;
      }
      if (kind === 'unsubscribe') {
        const got = await lastValueFrom(provider.stream(request).pipe(take(2), toArray()));
        if (got.length === 2) result.ok++;
        else result.wrong++;
        return;
      }
      const response = await lastValueFrom(
        // A generous idle deadline for the streams that should complete (a loaded event loop is slow), a short one for the stall.
        provider.stream(request).pipe(timeoutStream({ first: 10_000, idle: kind === 'timeout' ? 100 : 5_000 }), retryStream({ count: 2, delay: 1 }), collectResponse({ keepChunks: false })),
      );
      if ((kind === 'complete' || kind === 'retry') && response.completeText === EXPECTED) result.ok++;
      else result.wrong++;
    } catch (error) {
      if (process.env['SOAK_DEBUG'] && !(kind === 'fail' && isProviderError(error))) console.error(kind, wire, error);
      if (kind === 'timeout' && isStreamTimeoutError(error) && error.phase === 'idle') result.ok++;
      else if (kind === 'fail' && isProviderError(error) && error.status === 400) result.ok++;
      else result.wrong++;
    }
  };

  const batch = async (from: number, count: number): Promise<void> => {
    let next = from;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, count) }, async () => {
        while (next < from + count) await one(next++);
      }),
    );
  };
  // A warm-up (every kind on every wire, not counted) loads the SDKs and fills their caches, so the heap
  // baseline is taken with the code loaded and what follows measures the streams alone.
  const warmUp = KINDS.length * WIRES.length * 2;
  await batch(0, warmUp);
  for (const o of Object.values(outcomes)) o.ok = o.wrong = 0;
  await settle();
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;

  const t0 = performance.now();
  await batch(warmUp, streams);
  const wallMs = performance.now() - t0;

  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await settle();
  gc?.();
  const after = resourceCounts();
  const leftover: Record<string, number> = {};
  for (const [type, n] of after) {
    const extra = n - (before.get(type) ?? 0);
    if (extra > 0) leftover[type] = extra;
  }
  return {
    streams,
    outcomes,
    wallMs: Math.round(wallMs),
    leftover,
    heapBeforeMB: Math.round((heapBefore / 2 ** 20) * 10) / 10,
    heapAfterMB: Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10,
    serverRequests,
  };
}

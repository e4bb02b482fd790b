/**
 * The API server of section 12 (bench/scale.ts), in a process of its own: node:http on 127.0.0.1 answering
 * the three SDKs' streaming endpoints (POST /v1/chat/completions, /v1/messages, /api/chat) with the generated
 * transcripts of bench/wireGen.ts. Unlike bench/loopback.ts it can hold tens of thousands of responses open
 * and stop every one of them at the same point (`hold`: after the head and that many deltas) until the
 * parent says `release`, so a client's heap can be sampled while all its streams are mid-body.
 *
 * Requests (over IPC, bench/scaleIpc.ts): `mode` { deltas, paceMs, eventsPerWrite, hold? } (paceMs 0 = the
 * whole body in one write), `waitHeld` { n } (resolves once n responses are held), `release`, `stats`,
 * `resetStats`, `closeIdle` (closes kept-alive sockets from this side, so their TIME_WAIT is the server's).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeDeltas } from './common.js';
import { cpuMs, serveRequests } from './scaleIpc.js';
import { WIRE_PROVIDERS, transcript, type Transcript, type WireProvider } from './wireGen.js';

interface Mode {
  readonly deltas: number;
  readonly paceMs: number;
  readonly eventsPerWrite: number;
  /** Hold every response after its head and this many deltas, until `release`. */
  readonly hold?: number;
}

const ROUTES: Readonly<Record<string, WireProvider>> = {
  '/v1/chat/completions': 'openai',
  '/v1/messages': 'anthropic',
  '/api/chat': 'ollama',
};

async function main(): Promise<void> {
  const transcripts = new Map<string, Transcript>();
  const wire = (provider: WireProvider, deltas: number): Transcript => {
    const key = `${provider}:${deltas}`;
    let t = transcripts.get(key);
    if (t === undefined) {
      t = transcript(provider, makeDeltas(deltas));
      transcripts.set(key, t);
    }
    return t;
  };
  let mode: Mode = { deltas: 40, paceMs: 0, eventsPerWrite: 1 };
  let released = false;
  const held: Array<() => void> = [];
  let heldWaiter: { n: number; resolve: () => void } | undefined;
  const stats = { requests: 0, finished: 0, aborted: 0, open: 0, peakOpen: 0, held: 0 };

  const reply = (provider: WireProvider, res: ServerResponse): void => {
    const current = mode;
    const t = wire(provider, current.deltas);
    res.writeHead(200, { 'content-type': t.contentType, 'cache-control': 'no-cache' });
    stats.open++;
    if (stats.open > stats.peakOpen) stats.peakOpen = stats.open;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    res.on('close', () => {
      if (timer !== undefined) clearInterval(timer);
      stats.open--;
      if (finished) stats.finished++;
      else stats.aborted++;
    });
    if (current.paceMs <= 0 && current.hold === undefined) {
      finished = true;
      res.end(t.body);
      return;
    }
    const { events } = t;
    const holdAt = current.hold === undefined ? -1 : t.firstDeltaIndex + current.hold;
    let i = 0;
    const step = (): void => {
      if (res.destroyed) return;
      let next = Math.min(events.length, i + current.eventsPerWrite);
      if (i < holdAt && next > holdAt && !released) next = holdAt;
      const text = events.slice(i, next).join('');
      i = next;
      if (i >= events.length) {
        clearInterval(timer);
        timer = undefined;
        finished = true;
        res.end(text);
        return;
      }
      res.write(text);
      if (i === holdAt && !released) {
        clearInterval(timer);
        timer = undefined;
        stats.held++;
        held.push(() => {
          if (!res.destroyed) timer = setInterval(step, Math.max(1, current.paceMs));
        });
        if (heldWaiter !== undefined && stats.held >= heldWaiter.n) heldWaiter.resolve();
      }
    };
    step();
    if (i < events.length && timer === undefined && !(i === holdAt && !released)) timer = setInterval(step, Math.max(1, current.paceMs));
  };

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const provider = ROUTES[(req.url ?? '/').split('?')[0]!];
    req.resume(); // drain the request body first, as a real server would
    req.on('end', () => {
      if (provider === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no route"}');
        return;
      }
      reply(provider, res);
    });
  });
  http.keepAliveTimeout = 60_000;
  http.headersTimeout = 120_000;
  http.requestTimeout = 0;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', 65_535, resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  serveRequests(async (message) => {
    switch (message['cmd']) {
      case 'url':
        return { url, texts: Object.fromEntries(WIRE_PROVIDERS.map((p) => [p, wire(p, 40).text])) };
      case 'mode': {
        mode = { deltas: message['deltas'] as number, paceMs: message['paceMs'] as number, eventsPerWrite: message['eventsPerWrite'] as number };
        if (message['hold'] !== undefined) mode = { ...mode, hold: message['hold'] as number };
        released = false;
        held.length = 0;
        stats.held = 0;
        const texts = Object.fromEntries(WIRE_PROVIDERS.map((p) => [p, wire(p, mode.deltas).text]));
        return { texts };
      }
      case 'waitHeld': {
        const n = message['n'] as number;
        if (stats.held < n) await new Promise<void>((resolve) => (heldWaiter = { n, resolve }));
        heldWaiter = undefined;
        return { held: stats.held, open: stats.open };
      }
      case 'release': {
        released = true;
        const n = held.length;
        for (const go of held.splice(0)) go();
        return { released: n };
      }
      case 'stats':
        return { ...stats, cpuMs: cpuMs() };
      case 'resetStats':
        Object.assign(stats, { requests: 0, finished: 0, aborted: 0, peakOpen: stats.open, held: 0 });
        return {};
      case 'closeIdle':
        http.closeIdleConnections();
        return {};
      default:
        throw new Error(`scaleServer: unknown command ${String(message['cmd'])}`);
    }
  });
}

await main();

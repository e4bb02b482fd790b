/**
 * A loopback HTTP server (node:http on 127.0.0.1) that answers the three SDKs' streaming endpoints with
 * generated transcripts (bench/wireGen.ts): POST /v1/chat/completions (OpenAI), POST /v1/messages
 * (Anthropic), POST /api/chat (Ollama). Per provider it can send the whole body at once, pace the events,
 * or stream forever (for cancellation). It reports when each response's 'close' event fires, and whether the
 * reply had been written to its end by then (if not, the client went away: an abort).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Transcript, WireProvider } from './wireGen.js';

export interface ServeMode {
  readonly transcript: Transcript;
  /** Write `eventsPerWrite` events every `paceMs` ms; 0/undefined = the whole body in one write. */
  readonly paceMs?: number;
  /**
   * 'turn': write `eventsPerWrite` events per event-loop turn (setImmediate), as a server flushes events as
   * fast as it makes them: the client reads them a few at a time instead of the whole body at once.
   */
  readonly pace?: 'turn';
  /** @default 1 */
  readonly eventsPerWrite?: number;
  /**
   * Never end: write the head and the first delta at once, then one more delta every `paceMs`
   * (default 20 ms) until the client goes away.
   */
  readonly endless?: boolean;
}

export interface CloseInfo {
  readonly provider: WireProvider;
  /** performance.now() at the response's 'close' event. */
  readonly at: number;
  /** Whether the reply had been written to its end (false = the client aborted). */
  readonly finished: boolean;
}

export interface LoopbackServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly stats: { requests: number; finished: number; aborted: number };
  setMode(provider: WireProvider, mode: ServeMode): void;
  /** Called for every response 'close'. */
  onClose: ((info: CloseInfo) => void) | undefined;
  close(): Promise<void>;
}

const ROUTES: Readonly<Record<string, WireProvider>> = {
  '/v1/chat/completions': 'openai',
  '/v1/messages': 'anthropic',
  '/api/chat': 'ollama',
};

export async function startLoopback(): Promise<LoopbackServer> {
  const modes = new Map<WireProvider, ServeMode>();
  const stats = { requests: 0, finished: 0, aborted: 0 };

  const reply = (provider: WireProvider, res: ServerResponse): void => {
    const mode = modes.get(provider);
    if (mode === undefined) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `no transcript set for ${provider}` }));
      return;
    }
    const { transcript, paceMs = 0, eventsPerWrite = 1 } = mode;
    res.writeHead(200, { 'content-type': transcript.contentType, 'cache-control': 'no-cache' });
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    res.on('close', () => {
      if (timer !== undefined) clearInterval(timer);
      if (finished) stats.finished++;
      else stats.aborted++;
      server.onClose?.({ provider, at: performance.now(), finished });
    });
    const end = (): void => {
      finished = true;
      res.end();
    };

    if (mode.endless) {
      const delta = transcript.events[transcript.firstDeltaIndex]!;
      res.write(transcript.events.slice(0, transcript.firstDeltaIndex + 1).join(''));
      timer = setInterval(() => {
        if (!res.destroyed) res.write(delta);
      }, paceMs || 20);
      return;
    }
    if (paceMs <= 0 && mode.pace !== 'turn') {
      res.write(transcript.body);
      end();
      return;
    }
    let i = 0;
    const { events } = transcript;
    const step = (): void => {
      if (res.destroyed) return;
      const next = Math.min(events.length, i + eventsPerWrite);
      res.write(events.slice(i, next).join(''));
      i = next;
      if (i >= events.length) {
        clearInterval(timer);
        timer = undefined;
        end();
      }
    };
    if (mode.pace === 'turn') {
      const turn = (): void => {
        step();
        if (i < events.length && !res.destroyed) setImmediate(turn);
      };
      turn();
      return;
    }
    step();
    if (i < events.length) timer = setInterval(step, paceMs);
  };

  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const path = (req.url ?? '/').split('?')[0]!;
    const provider = ROUTES[path];
    // Drain the request body first, as a real server would.
    req.resume();
    req.on('end', () => {
      if (provider === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `no route ${path}` }));
        return;
      }
      reply(provider, res);
    });
  });
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', 2048, resolve));
  const { port } = http.address() as AddressInfo;

  const server: LoopbackServer = {
    url: `http://127.0.0.1:${port}`,
    stats,
    setMode: (provider, mode) => modes.set(provider, mode),
    onClose: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  return server;
}

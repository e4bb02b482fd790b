/**
 * Section 10 — recovery (issue #20). A loopback server speaking OpenAI SSE (bench/wireGen.ts), read through the
 * real `openai` provider (the official SDK underneath):
 *
 * - **Reset → next character**: the first request writes the head and a few deltas and then holds the
 *   connection open; when the client has received its first content chunk the trial destroys the server's
 *   socket (a connection reset mid-answer) and times, on the same clock, until the next non-empty content
 *   chunk reaches the subscriber through `retryStream({ afterContent, delay: 0 })`. The second request is
 *   answered with the whole body at once. Per mode: 'restart' (the request sent again, a reset chunk, the new
 *   answer) and 'resume' (the continuation request; its first characters are held until 64 have arrived or the
 *   stream ends, for the overlap check — included in the time).
 * - **Hedging when the first provider is healthy**: `hedgedProvider([a, b], { hedgeAfterMs })` against `a`
 *   alone on the same whole-body stream, interleaved (bench/common.ts `measure`); `b` points at its own path,
 *   and the requests it got are counted: it must be 0.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, type Subscription } from 'rxjs';
import type { StreamChunk } from '../src/chunk.js';
import { collectResponse } from '../src/operators/collectResponse.js';
import { retryStream } from '../src/operators/retryStream.js';
import { hedgedProvider } from '../src/providers/fallback.js';
import { openai } from '../src/providers/openai.js';
import { assertEqual, makeDeltas, measure, median, quantile, round, size, target, type Row, type SectionResult } from './common.js';
import { API_KEY, MODELS, REQUEST } from './sdk.js';
import { openaiTranscript } from './wireGen.js';

const TRIALS = size(200, 20);
const HEDGE_DELTAS = size(2_000, 200);
const HEDGE_AFTER_MS = 1_000;
const HELD_DELTAS = 1; // deltas written before the cut: the first content chunk is the only one of the first attempt

interface TrialServer {
  readonly url: string;
  /** Requests per path prefix ('a' or 'b'). */
  readonly counts: { a: number; b: number };
  /** Per trial: how the next requests are answered. */
  plan: 'hold-then-whole' | 'whole';
  /** Requests in this trial so far. */
  readonly trialRequests: number;
  /** Destroys the held response's socket and returns performance.now() at that moment. */
  cut(): number;
  resetTrial(): void;
  close(): Promise<void>;
}

async function startServer(holdBody: string, wholeBody: string | Uint8Array): Promise<TrialServer> {
  let held: ServerResponse | undefined;
  let trialRequests = 0;
  const state: TrialServer = {
    url: '',
    counts: { a: 0, b: 0 },
    plan: 'whole',
    get trialRequests() {
      return trialRequests;
    },
    cut: () => {
      const res = held;
      held = undefined;
      if (res === undefined) throw new Error('bench: nothing to cut');
      const at = performance.now();
      res.socket?.destroy();
      return at;
    },
    resetTrial: () => {
      trialRequests = 0;
      held = undefined;
    },
    close: async () => undefined,
  };
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    if (path.startsWith('/b/')) state.counts.b++;
    else state.counts.a++;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      if (state.plan === 'hold-then-whole' && trialRequests++ === 0) {
        held = res;
        res.write(holdBody); // and keep the connection open until the trial cuts it
        return;
      }
      res.end(wholeBody);
    });
  });
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', 511, resolve));
  const { port } = http.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  });
}

/** One reset trial: ms from the socket reset to the next delivered character. */
function resetTrial(server: TrialServer, mode: 'restart' | 'resume', expected: string): Promise<number> {
  const provider = openai({ baseURL: `${server.url}/a/v1`, apiKey: API_KEY, model: MODELS.openai });
  server.resetTrial();
  server.plan = 'hold-then-whole';
  return new Promise<number>((resolve, reject) => {
    let cutAt: number | undefined;
    let latency: number | undefined;
    let text = '';
    let subscription: Subscription | undefined = undefined;
    const timer = setTimeout(() => {
      subscription?.unsubscribe();
      reject(new Error(`bench: ${mode} trial got no character after the reset within 5 s`));
    }, 5_000);
    subscription = provider
      .stream(REQUEST)
      .pipe(retryStream({ afterContent: mode, delay: 0 }))
      .subscribe({
        next: (c: StreamChunk) => {
          if (c.metadata.reset === true) text = '';
          text += c.content;
          if (c.content === '') return;
          if (cutAt === undefined) {
            cutAt = server.cut();
          } else if (latency === undefined) {
            if (server.trialRequests < 2) return reject(new Error('bench: a character arrived after the cut before the retry request'));
            latency = performance.now() - cutAt;
          }
        },
        error: (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
        complete: () => {
          clearTimeout(timer);
          if (latency === undefined) return reject(new Error(`bench: ${mode} trial completed without a character after the reset`));
          // restart: the new answer in full; resume: the held deltas plus the continuation (overlap dropped or not).
          if (mode === 'restart' && text !== expected) return reject(new Error(`bench: restart trial ended with the wrong text (${text.length} chars)`));
          if (mode === 'resume' && text.length === 0) return reject(new Error('bench: resume trial ended with no text'));
          resolve(latency);
        },
      });
  });
}

export async function run(): Promise<SectionResult> {
  const deltas = makeDeltas(40);
  const transcript = openaiTranscript(deltas);
  const holdBody = transcript.events.slice(0, transcript.firstDeltaIndex + HELD_DELTAS).join('');
  const server = await startServer(holdBody, transcript.body);
  const rows: Row[] = [];
  const targets = [];
  const notes: string[] = [];
  try {
    // Reset → next character, per mode, interleaved.
    const samples: Record<'restart' | 'resume', number[]> = { restart: [], resume: [] };
    for (let i = 0; i < 3; i++) {
      await resetTrial(server, 'restart', transcript.text); // warm-up
      await resetTrial(server, 'resume', transcript.text);
    }
    for (let i = 0; i < TRIALS; i++) {
      for (const mode of i % 2 === 0 ? (['restart', 'resume'] as const) : (['resume', 'restart'] as const)) {
        samples[mode].push(await resetTrial(server, mode, transcript.text));
      }
    }
    for (const mode of ['restart', 'resume'] as const) {
      const s = samples[mode];
      rows.push({
        name: `${mode}: connection reset → next delivered character p50`,
        value: round(median(s), 3),
        unit: 'ms p50',
        extra: { p99: round(quantile(s, 0.99), 3), min: round(Math.min(...s), 3), max: round(Math.max(...s), 3), trials: s.length },
      });
      rows.push({ name: `${mode}: connection reset → next delivered character p99`, value: round(quantile(s, 0.99), 3), unit: 'ms p99' });
    }

    // Hedging's added cost when the first provider is healthy.
    const hedgeTranscript = openaiTranscript(makeDeltas(HEDGE_DELTAS));
    const hedgeServer = await startServer('', hedgeTranscript.body);
    try {
      const a = openai({ baseURL: `${hedgeServer.url}/a/v1`, apiKey: API_KEY, model: MODELS.openai });
      const b = openai({ baseURL: `${hedgeServer.url}/b/v1`, apiKey: API_KEY, model: MODELS.openai });
      const hedged = hedgedProvider([a, b], { hedgeAfterMs: HEDGE_AFTER_MS });
      const check = async (name: string, p: typeof a): Promise<void> => {
        const r = await lastValueFrom(p.stream(REQUEST).pipe(collectResponse({ keepChunks: false })));
        assertEqual(r.completeText, hedgeTranscript.text, `${name} text`);
      };
      await check('a alone', a);
      await check('hedged', hedged);
      const measured = await measure(
        [
          { name: 'a alone', fn: () => lastValueFrom(a.stream(REQUEST).pipe(collectResponse({ keepChunks: false }))) },
          { name: 'hedged', fn: () => lastValueFrom(hedged.stream(REQUEST).pipe(collectResponse({ keepChunks: false }))) },
        ],
        { rounds: size(8, 2), time: size(400, 150), iterations: size(20, 5), baseline: 'a alone' },
      );
      const [alone, hedgedResult] = measured;
      const toB = hedgeServer.counts.b;
      rows.push({ name: `openai alone, ${HEDGE_DELTAS.toLocaleString('en-US')}-delta stream`, value: round(alone!.medianMs, 3), unit: 'ms/stream', ratio: 1, ratioTo: 'a alone' });
      rows.push({
        name: `hedgedProvider([a, b], { hedgeAfterMs: ${HEDGE_AFTER_MS} }), a healthy (requests to b: ${toB})`,
        value: round(hedgedResult!.medianMs, 3),
        unit: 'ms/stream',
        ratio: round(hedgedResult!.ratio ?? Number.NaN, 3),
        ratioTo: 'a alone',
        extra: { requestsToA: hedgeServer.counts.a, requestsToB: toB, samples: hedgedResult!.samples },
      });
      targets.push(target('hedging sends no second request when a is healthy', 'requests to b = 0', toB, '<=', 0, 'requests'));
      targets.push(target('hedging cost when a is healthy', 'hedged / a alone', round(hedgedResult!.ratio ?? Number.NaN, 3), '<=', 1.05, 'x'));
    } finally {
      await hedgeServer.close();
    }
    notes.push(
      'Reset trial: the first response holds the connection after the head and 1 delta; on the first content chunk the trial destroys the server socket (performance.now() then) and times until the next non-empty content chunk reaches the subscriber. retryStream({ afterContent, delay: 0 }); the second response is the whole 40-delta body at once.',
      "'resume' holds the continuation's first characters until 64 have arrived (or the stream ends) to drop a repeated overlap: that wait is inside its time; here the whole continuation arrives in one write, so it is short.",
      'Hedging: a and b are both the openai provider against the same server, b on its own path so its requests are counted; the count must be 0 (a target row). The ≤ 1.05× row is this bench\'s reading of "no added cost".',
    );
  } finally {
    await server.close();
  }
  return { id: 'recovery', title: `10. Recovery (openai provider over loopback, ${TRIALS} reset trials per mode)`, rows, targets, notes };
}

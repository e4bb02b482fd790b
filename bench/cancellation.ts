/**
 * Section 6 — cancellation latency: from `unsubscribe()` (called on the first content chunk) to the moment
 * the loopback server sees the response's 'close' event, i.e. the socket really went away. The server
 * streams forever (one delta every 20 ms), so the only way the response closes is the client aborting.
 * Trials run one after another; the raw SDK's own abort (AbortController / Ollama's `abort()`) is measured
 * the same way for reference. A hand-rolled timer is needed here: tinybench cannot observe the server side.
 */
import { performance } from 'node:perf_hooks';
import type { Subscription } from 'rxjs';
import { median, quantile, round, size, target, makeDeltas, type Row, type SectionResult, type Target } from './common.js';
import { startLoopback, type LoopbackServer } from './loopback.js';
import { REQUEST, ourProvider, rawClient } from './sdk.js';
import { WIRE_PROVIDERS, transcript, type WireProvider } from './wireGen.js';

export const CANCEL_TRIALS = size(200, 20);
const TRIAL_TIMEOUT_MS = 2_000;

interface TrialSet {
  readonly latencies: number[];
  failures: number;
}

/** Resolves with the performance.now() of the next response 'close' that was not a finished reply. */
function nextAbortClose(server: LoopbackServer): Promise<number> {
  return new Promise((resolve) => {
    server.onClose = (info) => {
      if (!info.finished) {
        server.onClose = undefined;
        resolve(info.at);
      }
    };
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function oursTrial(server: LoopbackServer, name: WireProvider): Promise<number | undefined> {
  const provider = ourProvider(name, server.url);
  const closed = nextAbortClose(server);
  let unsubscribedAt: number | undefined;
  const firstChunk = new Promise<void>((resolve, reject) => {
    let subscription: Subscription | undefined = undefined;
    let done = false;
    subscription = provider.stream(REQUEST).subscribe({
      next: (c) => {
        if (done || c.content === '') return;
        done = true;
        unsubscribedAt = performance.now();
        subscription?.unsubscribe();
        resolve();
      },
      error: reject,
    });
  });
  await withTimeout(firstChunk, TRIAL_TIMEOUT_MS);
  const closedAt = await withTimeout(closed, TRIAL_TIMEOUT_MS);
  return unsubscribedAt === undefined || closedAt === undefined ? undefined : closedAt - unsubscribedAt;
}

async function rawTrial(server: LoopbackServer, name: WireProvider): Promise<number | undefined> {
  const client = rawClient(name, server.url);
  const closed = nextAbortClose(server);
  let abortedAt: number | undefined;
  const stream = await client.open();
  const consumed = stream
    .consume(() => {
      if (abortedAt !== undefined) return;
      abortedAt = performance.now();
      stream.abort();
    })
    .catch(() => undefined);
  await withTimeout(consumed, TRIAL_TIMEOUT_MS);
  const closedAt = await withTimeout(closed, TRIAL_TIMEOUT_MS);
  return abortedAt === undefined || closedAt === undefined ? undefined : closedAt - abortedAt;
}

export async function run(): Promise<SectionResult> {
  const server = await startLoopback();
  const deltas = makeDeltas(16);
  const rows: Row[] = [];
  const targets: Target[] = [];
  try {
    for (const name of WIRE_PROVIDERS) {
      server.setMode(name, { transcript: transcript(name, deltas), endless: true, paceMs: 20 });
      const sets: Record<'ours' | 'raw', TrialSet> = { ours: { latencies: [], failures: 0 }, raw: { latencies: [], failures: 0 } };
      for (let i = 0; i < CANCEL_TRIALS; i++) {
        // Alternate which side goes first so drift on the machine hits both equally.
        const order: ('ours' | 'raw')[] = i % 2 === 0 ? ['ours', 'raw'] : ['raw', 'ours'];
        for (const side of order) {
          const latency = side === 'ours' ? await oursTrial(server, name) : await rawTrial(server, name);
          if (latency === undefined) sets[side].failures++;
          else sets[side].latencies.push(latency);
        }
      }
      for (const side of ['ours', 'raw'] as const) {
        const { latencies, failures } = sets[side];
        const label = `${name}: ${side === 'ours' ? 'our provider unsubscribe()' : 'raw SDK abort()'} → server close`;
        rows.push({ name: `${label} p99`, value: round(quantile(latencies, 0.99), 3), unit: 'ms p99' });
        rows.splice(rows.length - 1, 0, {
          name: `${label} p50`,
          value: round(median(latencies), 3),
          unit: 'ms p50',
          extra: {
            p99Ms: round(quantile(latencies, 0.99), 3),
            maxMs: round(Math.max(...latencies), 3),
            minMs: round(Math.min(...latencies), 3),
            trials: latencies.length,
            failures,
          },
        });
      }
      const ours = sets.ours;
      const p99 = ours.failures > 0 ? Number.POSITIVE_INFINITY : quantile(ours.latencies, 0.99);
      targets.push(target(`${name}: unsubscribe → socket close p99`, 'p99 < 20 ms (and no trial lost)', round(p99, 3), '<', 20, 'ms'));
    }
  } finally {
    await server.close();
  }
  return {
    id: 'cancellation',
    title: `6. Cancellation latency (${CANCEL_TRIALS} trials per provider and side)`,
    rows,
    targets,
    notes: [
      'Latency = performance.now() at the server response\'s \'close\' event − performance.now() just before unsubscribe() (same process, same clock).',
      'Each trial: subscribe, wait for the first content chunk, unsubscribe; the server streams a delta every 20 ms and never ends on its own.',
      `A trial that gets no chunk or no close within ${TRIAL_TIMEOUT_MS} ms counts as a failure (the p99 target is then missed).`,
      'min/max and lost trials per side are in results.json (extra of the p50 rows).',
    ],
  };
}

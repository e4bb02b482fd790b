/**
 * Section 5 — concurrency. C streams at once in one process (the loopback server too), the providers taken
 * in turn (OpenAI, Anthropic, Ollama, OpenAI, ...), each through timeoutStream + collectResponse. The server
 * paces every response (EVENTS_PER_WRITE events every PACE_MS ms, ~0.5 s a stream), so the streams overlap.
 * Reports how many completed with the exact text, the wall time, the peak number of responses open on the
 * server, and the event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) over the run.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { lastValueFrom } from 'rxjs';
import { collectResponse } from '../src/operators/collectResponse.js';
import { timeoutStream } from '../src/operators/timeoutStream.js';
import { makeDeltas, round, size, target, type SectionResult } from './common.js';
import { startLoopback } from './loopback.js';
import { REQUEST, ourProvider } from './sdk.js';
import { WIRE_PROVIDERS, transcript } from './wireGen.js';

export const CONCURRENT_STREAMS = size(1_000, 100);
const DELTAS_PER_STREAM = 40;
const EVENTS_PER_WRITE = 4;
const PACE_MS = 50;

export async function run(): Promise<SectionResult> {
  const deltas = makeDeltas(DELTAS_PER_STREAM);
  const server = await startLoopback();
  let open = 0;
  let peakOpen = 0;
  const originalOnClose = (): void => {
    open--;
  };
  server.onClose = originalOnClose;
  const expected = deltas.join('');
  const errors = new Map<string, number>();
  let completed = 0;
  let wrongText = 0;
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let wallMs = Number.NaN;
  try {
    for (const name of WIRE_PROVIDERS) server.setMode(name, { transcript: transcript(name, deltas), paceMs: PACE_MS, eventsPerWrite: EVENTS_PER_WRITE });
    const providers = WIRE_PROVIDERS.map((name) => ourProvider(name, server.url));
    const requestsBefore = server.stats.requests;
    const peakTimer = setInterval(() => {
      open = server.stats.requests - requestsBefore - (server.stats.finished + server.stats.aborted);
      peakOpen = Math.max(peakOpen, open);
    }, 5);

    histogram.enable();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENT_STREAMS }, async (_, i) => {
        const provider = providers[i % providers.length]!;
        try {
          const response = await lastValueFrom(
            provider.stream(REQUEST).pipe(timeoutStream({ first: 30_000, idle: 15_000 }), collectResponse({ keepChunks: false })),
          );
          if (response.completeText === expected && response.finishReason === 'stop') completed++;
          else wrongText++;
        } catch (error) {
          const key = `${provider.name}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(0, 160);
          errors.set(key, (errors.get(key) ?? 0) + 1);
        }
      }),
    );
    wallMs = performance.now() - t0;
    histogram.disable();
    clearInterval(peakTimer);
  } finally {
    await server.close();
  }

  const ms = (ns: number): number => round(ns / 1e6, 2);
  const minimumMs = Math.ceil((DELTAS_PER_STREAM + 3) / EVENTS_PER_WRITE - 1) * PACE_MS;
  return {
    id: 'concurrency',
    title: `5. Concurrency (${CONCURRENT_STREAMS.toLocaleString('en-US')} concurrent streams, ${DELTAS_PER_STREAM} deltas each, ${EVENTS_PER_WRITE} events per write every ${PACE_MS} ms)`,
    rows: [
      { name: 'streams completed with the exact text', value: completed, unit: `of ${CONCURRENT_STREAMS}`, extra: { wrongText, errors: errors.size } },
      { name: 'wall time for all streams', value: round(wallMs, 1), unit: 'ms', extra: { pacedMinimumMs: minimumMs } },
      { name: 'peak responses open on the server', value: peakOpen, unit: 'responses' },
      { name: 'event-loop delay p50', value: ms(histogram.percentile(50)), unit: 'ms' },
      { name: 'event-loop delay p99', value: ms(histogram.percentile(99)), unit: 'ms' },
      { name: 'event-loop delay max', value: ms(histogram.max), unit: 'ms' },
      { name: 'event-loop delay mean', value: ms(histogram.mean), unit: 'ms' },
    ],
    targets: [target('all concurrent streams complete', 'every stream completes with the exact text', completed, '>=', CONCURRENT_STREAMS, 'streams')],
    notes: [
      'The loopback server runs in the same process, so the event-loop delay includes its work (streams × 20 writes/s, 4 events each).',
      'Event-loop delay is reported, not targeted: it depends on the machine (this one is shared with other busy processes).',
      ...[...errors.entries()].map(([message, count]) => `error ×${count}: ${message}`),
    ],
  };
}

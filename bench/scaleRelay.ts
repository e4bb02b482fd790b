/**
 * The serving process of section 12 (bench/scale.ts): a node:http server that answers GET /stream?i=<n> with
 * `pipeServerSentEvents(toServerSentEvents(provider.stream(REQUEST)), res)`, the provider taken in turn
 * (OpenAI, Anthropic, Ollama) and talking to the API server (bench/scaleServer.ts), while the SSE clients
 * (bench/scaleClient.ts `sse`) run in a third process. Measured here: heap (`heap`: after forced GCs) and
 * event-loop delay (`eldStart` / `eldStop`) and CPU (`stats`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { pipeServerSentEvents, toServerSentEvents } from '../src/interop/toServerSentEvents.js';
import { cpuMs, heapAfterGc, serveRequests } from './scaleIpc.js';
import { REQUEST, ourProvider } from './sdk.js';
import { WIRE_PROVIDERS } from './wireGen.js';
import type { Provider } from '../src/providers/provider.js';

async function main(): Promise<void> {
  let providers: Provider[] = [];
  const stats = { requests: 0, open: 0, peakOpen: 0 };
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    stats.open++;
    if (stats.open > stats.peakOpen) stats.peakOpen = stats.open;
    res.on('close', () => stats.open--);
    const i = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('i') ?? 0);
    void pipeServerSentEvents(toServerSentEvents(providers[i % providers.length]!.stream(REQUEST)), res);
  });
  http.keepAliveTimeout = 60_000;
  http.headersTimeout = 120_000;
  http.requestTimeout = 0;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', 65_535, resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  let histogram: IntervalHistogram | undefined;
  // Diagnosis only: BENCH_SCALE_RELAY_PROF=<dir> writes a CPU profile of the measured run.
  const PROF = process.env['BENCH_SCALE_RELAY_PROF'];
  let inspector: Session | undefined;
  let c0 = 0;

  serveRequests(async (message) => {
    switch (message['cmd']) {
      case 'setup':
        providers = WIRE_PROVIDERS.map((p) => ourProvider(p, message['upstream'] as string));
        return { url };
      case 'heap':
        return { heap: await heapAfterGc() };
      case 'eldStart':
        if (PROF !== undefined) {
          inspector = new Session();
          inspector.connect();
          await inspector.post('Profiler.enable');
          await inspector.post('Profiler.start');
        }
        histogram = monitorEventLoopDelay({ resolution: 1 });
        histogram.enable();
        c0 = cpuMs();
        return {};
      case 'eldPause':
        histogram?.disable();
        return {};
      case 'eldResume':
        histogram?.enable();
        return {};
      case 'eldStop': {
        histogram!.disable();
        if (inspector !== undefined) {
          const { profile } = await inspector.post('Profiler.stop');
          mkdirSync(PROF!, { recursive: true });
          writeFileSync(`${PROF!}/relay.cpuprofile`, JSON.stringify(profile));
        }
        return {
          eldP50Ms: histogram!.percentile(50) / 1e6,
          eldP99Ms: histogram!.percentile(99) / 1e6,
          eldMaxMs: histogram!.max / 1e6,
          eldMeanMs: histogram!.mean / 1e6,
          cpuMs: cpuMs() - c0,
        };
      }
      case 'stats':
        return { ...stats };
      case 'closeIdle':
        http.closeIdleConnections();
        return {};
      default:
        throw new Error(`scaleRelay: unknown command ${String(message['cmd'])}`);
    }
  });
}

await main();

/**
 * Section 12 — scale on one machine (issue #22): N concurrent streams (10,000; 150 in quick mode), 40 deltas
 * each, spread over the three providers, in one client process against an API server in another process
 * (bench/scaleServer.ts). Each side runs in a FRESH client process (bench/scaleClient.ts, --expose-gc), so
 * heap numbers never mix. All processes are forked up front, in parallel.
 *
 * 1. Warm-up in each client: 30 streams to completion (whole bodies), so modules, JIT and the first
 *    connections are not counted.
 * 2. **Paced + hold** (per side): heap after GC, then N streams started (100 per event-loop turn); the server
 *    writes 4 events every 100 ms (~1.1 s a stream at that pace) and holds every response after its head and
 *    20 deltas. When every stream has its 20 deltas (counted in the client), heap after GC again:
 *    (held − before) ÷ N is the heap per active stream (connection, SDK parser, for our side the Observable
 *    chain, the text so far). Then the server releases them and every stream must end with the exact text.
 *    Event-loop delay (monitorEventLoopDelay, 1 ms) over the run, paused for the GCs.
 * 3. **Saturation**: batches of SAT_N streams at once, the server writing each whole body in one write, so the
 *    client's CPU is the bottleneck, alternating between the raw and the ours process: chunks per second of
 *    client CPU time (process.cpuUsage: on this shared machine the wall clock also counts the neighbours and
 *    the server), and per wall second for information. Ratio = median over batch pairs.
 * 4. **Through `toServerSentEvents`**: a relay process (bench/scaleRelay.ts: our providers →
 *    toServerSentEvents → pipeServerSentEvents on node:http) between the API server and SSE clients (in this
 *    process, bench/scaleRun.ts `sseStream`); the same paced + hold run, measured in the relay (heap per
 *    stream, event-loop delay, CPU), completion checked by the clients (each text parsed back from its events).
 *
 * Diagnosis hooks (never in a reported run): BENCH_SCALE_N / _SAT_N / _SSE_N / _ROUNDS override the sizes,
 * BENCH_SCALE_ONLY=openai streams one provider, BENCH_SCALE_PROF=<dir> writes a CPU profile of each client's
 * saturation batches, BENCH_SCALE_SNAPSHOT=<dir> a heap snapshot of each client at the hold,
 * BENCH_SCALE_DEBUG=1 logs each step to stderr.
 */
import { fileURLToPath } from 'node:url';
import { QUICK, median, round, size, target, type Row, type SectionResult, type Target } from './common.js';
import { forkChild, openFilesLimit, type ChildHandle } from './scaleIpc.js';
import { ClientSession, START_BATCH, sseStream, type Finished, type Held } from './scaleRun.js';
import { WIRE_PROVIDERS, type WireProvider } from './wireGen.js';

const N = Number(process.env['BENCH_SCALE_N'] ?? size(10_000, 150));
const ROUNDS = Number(process.env['BENCH_SCALE_ROUNDS'] ?? 1);
/** Streams per saturation batch, and batches per side (alternating). */
const SAT_N = Number(process.env['BENCH_SCALE_SAT_N'] ?? size(2_000, 150));
const SAT_ROUNDS = size(4, 2);
/** SSE streams through the relay. */
const SSE_N = Number(process.env['BENCH_SCALE_SSE_N'] ?? size(10_000, 150));
const DELTAS = 40;
const HOLD = 20;
const PACE_MS = 100;
const EVENTS_PER_WRITE = 4;
const WARM = 30;

/** Diagnosis only (never in a reported run): BENCH_SCALE_ONLY=ollama streams one provider. */
const ONLY = process.env['BENCH_SCALE_ONLY']?.split(',');
/** Diagnosis only: BENCH_SCALE_PROF=<dir> writes a CPU profile of each client's saturation run there (and skips the SSE part). */
const PROF = process.env['BENCH_SCALE_PROF'];
const DEBUG = process.env['BENCH_SCALE_DEBUG'] === '1';
const log = (what: string): void => {
  if (DEBUG) console.error(`[scale ${(performance.now() / 1000).toFixed(1)} s] ${what}`);
};

const file = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

type Side = 'raw' | 'ours';

interface Trial {
  side: Side;
  held: Held;
  paced: Finished;
  peakOpen: number;
}

const paced = { cmd: 'mode', deltas: DELTAS, paceMs: PACE_MS, eventsPerWrite: EVENTS_PER_WRITE, hold: HOLD };
const whole = { cmd: 'mode', deltas: DELTAS, paceMs: 0, eventsPerWrite: 1 };

function failures(what: string, f: Finished, n: number): string | undefined {
  if (f.completed === n) return undefined;
  return `${what}: ${f.completed} of ${n} completed, ${f.wrong} wrong texts, errors ${JSON.stringify(f.errors).slice(0, 400)}`;
}

/** The paced + hold run of one client process (which is then kept for the saturation batches). */
async function trial(server: ChildHandle, url: string, side: Side, client: ChildHandle): Promise<Trial> {
  const { texts } = await server.ask<{ texts: unknown }>(whole);
  await client.ask({ cmd: 'setup', url, texts, ...(ONLY === undefined ? {} : { wires: ONLY }) });
  await client.ask({ cmd: 'warm', n: WARM });
  log(`${side}: warm`);
  await server.ask(paced);
  await server.ask({ cmd: 'resetStats' });
  const held = await client.ask<Held>({ cmd: 'start', n: N, hold: HOLD });
  if (held.failedBeforeHold !== undefined) throw new Error(`${side}: streams failed before the hold point: ${JSON.stringify(held.failedBeforeHold).slice(0, 400)}`);
  const { open } = await server.ask<{ open: number }>({ cmd: 'stats' });
  log(`${side}: held (${JSON.stringify(held)}), open ${open}`);
  const finishing = client.ask<Finished>({ cmd: 'finish' });
  await server.ask({ cmd: 'release' });
  const pacedResult = await finishing;
  const failed = failures(`${side} paced`, pacedResult, N);
  if (failed !== undefined) throw new Error(failed);
  log(`${side}: paced done ${JSON.stringify(pacedResult)}`);
  // Close the N kept-alive connections from the server's side (its TIME_WAIT, not the client's ports; and the
  // server's open files stay under the limit when the next process opens its N).
  await server.ask({ cmd: 'closeIdle' });
  return { side, held, paced: pacedResult, peakOpen: open };
}

interface SseTrial {
  n: number;
  heapPerStream: number;
  toHeldMs: number;
  relayOpen: number;
  upstreamOpen: number;
  finished: Finished;
  relay: { eldP50Ms: number; eldP99Ms: number; eldMaxMs: number; eldMeanMs: number; cpuMs: number };
}

async function sseTrial(server: ChildHandle, upstream: string, n: number, relay: ChildHandle): Promise<SseTrial> {
  const { url } = await relay.ask<{ url: string }>({ cmd: 'setup', upstream });
  const { texts } = await server.ask<{ texts: Record<WireProvider, string> }>(whole);
  // The SSE clients run in this (the parent) process: it does nothing else meanwhile.
  const clients = new ClientSession(sseStream(url), texts, WIRE_PROVIDERS, true);
  await clients.warm(WARM);
  await server.ask(paced);
  const { heap: before } = await relay.ask<{ heap: number }>({ cmd: 'heap' });
  await relay.ask({ cmd: 'eldStart' });
  const held = await clients.start(n, HOLD, { gc: false });
  if (held.failedBeforeHold !== undefined) throw new Error(`sse: streams failed before the hold point: ${JSON.stringify(held.failedBeforeHold).slice(0, 400)}`);
  await relay.ask({ cmd: 'eldPause' });
  const { heap } = await relay.ask<{ heap: number }>({ cmd: 'heap' });
  const { open: relayOpen } = await relay.ask<{ open: number }>({ cmd: 'stats' });
  const { open: upstreamOpen } = await server.ask<{ open: number }>({ cmd: 'stats' });
  await relay.ask({ cmd: 'eldResume' });
  const finishing = clients.finish();
  await server.ask({ cmd: 'release' });
  const finished = await finishing;
  const relayDelays = await relay.ask<SseTrial['relay']>({ cmd: 'eldStop' });
  const failed = failures('sse', finished, n);
  if (failed !== undefined) throw new Error(failed);
  await relay.ask({ cmd: 'closeIdle' });
  await server.ask({ cmd: 'closeIdle' });
  return { n, heapPerStream: (heap - before) / n, toHeldMs: held.toHeldMs, relayOpen, upstreamOpen, finished, relay: relayDelays };
}

const range = (values: readonly number[], digits = 2): string =>
  values.length === 1 ? `${round(values[0]!, digits)}` : `${round(Math.min(...values), digits)}–${round(Math.max(...values), digits)}`;

export async function run(): Promise<SectionResult> {
  const rows: Row[] = [];
  const targets: Target[] = [];
  const notes: string[] = [];
  const trials: Trial[] = [];
  const batches: Array<{ side: Side; result: Finished }> = [];
  let sse: SseTrial | undefined;
  const fdLimit = openFilesLimit(20_000);
  // The relay holds an upstream and a downstream socket per stream: stay well under the open-files limit.
  const sseN = Math.min(SSE_N, Math.floor((fdLimit - 512) / 2));
  const order: Side[] = Array.from({ length: ROUNDS }, (_, r): Side[] => (r % 2 === 0 ? ['raw', 'ours'] : ['ours', 'raw'])).flat();
  // Every process is forked up front, in parallel (starting one under tsx takes seconds on a busy machine);
  // each client process serves one side only, and waits idle until its turn.
  const forks = [
    forkChild(file('scaleServer.ts'), []),
    ...order.map((side) => forkChild(file('scaleClient.ts'), [side], { gc: true })),
    ...(ONLY === undefined && PROF === undefined ? [forkChild(file('scaleRelay.ts'), [], { gc: true })] : []),
  ];
  const settled = await Promise.allSettled(forks);
  const children = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    const [server, ...rest] = children as [ChildHandle, ...ChildHandle[]];
    const { url } = await server.ask<{ url: string }>({ cmd: 'url' });
    log('all forked');
    for (const [k, side] of order.entries()) trials.push(await trial(server, url, side, rest[k]!));
    // Saturation: batches alternating between the two sides' processes (the first two), so the neighbours'
    // load falls on both; each batch is SAT_N streams at once, whole bodies.
    await server.ask(whole);
    for (let r = 0; r < SAT_ROUNDS; r++) {
      for (const k of r % 2 === 0 ? [0, 1] : [1, 0]) {
        const side = order[k]!;
        const result = await rest[k]!.ask<Finished>({ cmd: 'saturate', n: SAT_N });
        const failedSat = failures(`${side} saturation`, result, SAT_N);
        if (failedSat !== undefined) throw new Error(failedSat);
        log(`${side}: saturation ${JSON.stringify(result)}`);
        batches.push({ side, result });
      }
      await server.ask({ cmd: 'closeIdle' });
    }
    if (rest.length > order.length) sse = await sseTrial(server, url, sseN, rest[order.length]!);
    log(`sse ${JSON.stringify(sse)}`);
  } finally {
    await Promise.all(children.map((c) => c.close()));
  }

  const of = (side: Side): Trial[] => trials.filter((t) => t.side === side);
  const perStream = (t: Trial): number => (t.held.heapHeld - t.held.heapBefore) / N;
  const raw = of('raw');
  const ours = of('ours');
  const rawHeap = median(raw.map(perStream));
  // Rounds pair a raw and an ours process; the per-round difference is the claim, its median the headline.
  const pairs = raw.map((t, i) => [t, ours[i]!] as const);
  const beyond = median(pairs.map(([a, b]) => (perStream(b) - perStream(a)) / 1024));
  const chunks = SAT_N * DELTAS;
  const cpuRate = (f: Finished): number => chunks / (f.cpuMs / 1000);
  const wallRate = (f: Finished): number => chunks / (f.wallMs / 1000);
  const batchesOf = (side: Side): Finished[] => batches.filter((b) => b.side === side).map((b) => b.result);
  const satPairs = batchesOf('raw').map((f, i) => [f, batchesOf('ours')[i]!] as const);
  const cpuRatio = median(satPairs.map(([a, b]) => cpuRate(b) / cpuRate(a)));
  const wallRatio = median(satPairs.map(([a, b]) => wallRate(b) / wallRate(a)));
  const completed = (side: Side): number => Math.min(...of(side).map((t) => t.paced.completed));

  const label = (side: Side): string => (side === 'raw' ? 'raw SDK' : 'ours');
  for (const side of ['raw', 'ours'] as const) {
    const ts = of(side);
    const bs = batchesOf(side);
    rows.push(
      { name: `${label(side)}: streams completed with the exact text (paced, every process)`, value: completed(side), unit: `of ${N}`, extra: { processes: ts.length } },
      { name: `${label(side)}: responses open on the server at the hold`, value: Math.min(...ts.map((t) => t.peakOpen)), unit: 'responses' },
      {
        name: `${label(side)}: heap per active stream (held, after GC)`,
        value: round(median(ts.map(perStream)) / 1024, 2),
        unit: 'KB',
        extra: { range: range(ts.map((t) => perStream(t) / 1024)) },
      },
      {
        name: `${label(side)}: paced run wall time (all streams)`,
        value: round(median(ts.map((t) => t.paced.wallMs)), 0),
        unit: 'ms',
        extra: { range: range(ts.map((t) => t.paced.wallMs), 0), toHeldMs: range(ts.map((t) => t.held.toHeldMs), 0), clientCpuMs: range(ts.map((t) => t.paced.cpuMs), 0) },
      },
      { name: `${label(side)}: event-loop delay p50 (paced run)`, value: round(median(ts.map((t) => t.paced.eldP50Ms)), 2), unit: 'ms', extra: { range: range(ts.map((t) => t.paced.eldP50Ms)) } },
      {
        name: `${label(side)}: event-loop delay p99 (paced run)`,
        value: round(median(ts.map((t) => t.paced.eldP99Ms)), 2),
        unit: 'ms',
        extra: { range: range(ts.map((t) => t.paced.eldP99Ms)), maxMs: range(ts.map((t) => t.paced.eldMaxMs)) },
      },
      {
        name: `${label(side)}: saturation throughput (client CPU)`,
        value: round(median(bs.map(cpuRate)), 0),
        unit: 'chunks/CPU s',
        ...(side === 'ours' ? { ratio: round(cpuRatio, 3), ratioTo: 'raw SDK' } : {}),
        extra: { range: range(bs.map(cpuRate), 0), batches: bs.length, cpuMs: range(bs.map((f) => f.cpuMs), 0) },
      },
      {
        name: `${label(side)}: saturation throughput (wall clock)`,
        value: round(median(bs.map(wallRate)), 0),
        unit: 'chunks/s',
        ...(side === 'ours' ? { ratio: round(wallRatio, 3), ratioTo: 'raw SDK' } : {}),
        extra: { range: range(bs.map(wallRate), 0), wallMs: range(bs.map((f) => f.wallMs), 0) },
      },
      {
        name: `${label(side)}: event-loop delay p50 / p99 (saturation)`,
        value: round(median(bs.map((f) => f.eldP99Ms)), 2),
        unit: 'ms p99',
        extra: { p50: round(median(bs.map((f) => f.eldP50Ms)), 2), p99Range: range(bs.map((f) => f.eldP99Ms)) },
      },
    );
  }
  rows.push({ name: 'ours − raw SDK: heap per active stream', value: round(beyond, 2), unit: 'KB', extra: { range: range(pairs.map(([a, b]) => (perStream(b) - perStream(a)) / 1024)) } });
  rows.push({ name: 'saturation: ours ÷ raw SDK per batch pair (client CPU)', value: round(cpuRatio, 3), unit: 'x', extra: { range: range(satPairs.map(([a, b]) => cpuRate(b) / cpuRate(a)), 3) } });
  if (sse !== undefined) {
    rows.push(
      { name: 'toServerSentEvents relay: SSE streams completed with the exact text', value: sse.finished.completed, unit: `of ${sse.n}` },
      { name: 'toServerSentEvents relay: responses open at the hold (SSE / upstream)', value: sse.relayOpen, unit: 'responses', extra: { upstreamOpen: sse.upstreamOpen } },
      { name: 'toServerSentEvents relay: heap per active stream (upstream + SSE response)', value: round(sse.heapPerStream / 1024, 2), unit: 'KB', extra: { beyondRawSdkKB: round((sse.heapPerStream - rawHeap) / 1024, 2) } },
      { name: 'toServerSentEvents relay: event-loop delay p50', value: round(sse.relay.eldP50Ms, 2), unit: 'ms' },
      { name: 'toServerSentEvents relay: event-loop delay p99', value: round(sse.relay.eldP99Ms, 2), unit: 'ms', extra: { maxMs: round(sse.relay.eldMaxMs, 1) } },
      { name: 'toServerSentEvents relay: wall time (all streams)', value: round(sse.finished.wallMs, 0), unit: 'ms', extra: { relayCpuMs: round(sse.relay.cpuMs, 0), toHeldMs: round(sse.toHeldMs, 0) } },
    );
  }

  targets.push(
    target('all streams complete with the exact text (raw and ours, every process)', 'every stream ends with its exact text', Math.min(completed('raw'), completed('ours')), '>=', N, 'streams'),
    target('heap per active stream beyond the raw SDK', 'ours − raw ≤ 10 KB per stream', round(beyond, 2), '<=', 10, 'KB'),
    target('chunk throughput at saturation (client CPU), ours ÷ raw SDK', 'ours ≥ 0.95× the raw SDK', round(cpuRatio, 3), '>=', 0.95, 'x'),
  );
  if (sse !== undefined) targets.push(target('SSE relay: all streams complete with the exact text', 'every SSE client gets its exact text', sse.finished.completed, '>=', sse.n, 'streams'));

  notes.push(
    `${N.toLocaleString('en-US')} concurrent streams per client process, spread over OpenAI, Anthropic and Ollama in turn, started ${START_BATCH} per event-loop turn; ${ROUNDS} round(s) of one raw-SDK and one ours process (order alternating), a fresh process (--expose-gc) for each side; the API server in its own process.`,
    `Paced: the server writes ${EVENTS_PER_WRITE} events every ${PACE_MS} ms and holds every response after its head and ${HOLD} deltas; heap per active stream = (heapUsed after GC with every stream holding ${HOLD} deltas − heapUsed after GC before) ÷ N. Ours − raw is taken per round, then the median. Event-loop delay over the paced run, paused for the GCs.`,
    `Saturation: ${SAT_ROUNDS} batches per side of ${SAT_N.toLocaleString('en-US')} streams at once (whole bodies in one write), alternating between the two processes after their paced runs; throughput = streams × 40 deltas ÷ client CPU time (the target: ratio = median over batch pairs) and ÷ wall time (for information: it also counts the server and the neighbours on this shared machine).`,
    'Raw SDK: one reused client per provider (bench/sdk.ts rawClient), for await, text concatenated. Ours: provider.stream(request) subscribed, content concatenated the same way (no operator). Both use Node’s global fetch, whose undici Agent has no per-origin connection cap: every stream had its own connection (the open-responses rows).',
    sse === undefined
      ? 'SSE relay: not run.'
      : `SSE relay: ${sse.n.toLocaleString('en-US')} streams${sse.n < SSE_N ? ` (of ${SSE_N.toLocaleString('en-US')} asked: the relay holds two sockets a stream, and this machine's open-files limit is ${fdLimit.toLocaleString('en-US')})` : ''}, started ${START_BATCH} at a time once the ones before have their headers (all at once they overflow the kernel's accept queue, net.core.somaxconn, while the relay opens their upstream requests): API server → relay process (our providers → toServerSentEvents → pipeServerSentEvents on node:http) → node:http SSE clients in the bench's own process, parsing the events back to the text. Heap, event-loop delay and CPU are the relay's; beyondRawSdkKB subtracts the raw SDK client's heap per stream (it then holds the SSE response, its socket and toServerSentEvents' body).`,
    QUICK ? 'Quick mode: a smoke test (small N, one round), not a claim.' : 'Event-loop delay is reported, not targeted: it depends on the machine (2 cores shared with other benchmarks here).',
  );

  return {
    id: 'scale',
    title: `12. Scale (${N.toLocaleString('en-US')} concurrent streams, ${DELTAS} deltas each, client and server in separate processes)`,
    rows,
    targets,
    notes,
  };
}

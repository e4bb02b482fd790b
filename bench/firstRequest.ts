/**
 * Section 11 — the first request of a process. Our providers load their SDK on first use, so a process's
 * first time-to-first-chunk used to include importing the SDK; `await provider.preload()` does that ahead.
 * Each measurement is the first request of a FRESH child process (bench/firstRequestChild.ts, forked with
 * `--import tsx`), per provider against the loopback server in this process, three ways:
 *  (a) the raw official SDK, imported and its client built before the clock (the warm baseline);
 *  (b) our provider, built, no preload: the clock starts at `provider.stream(request)`;
 *  (c) our provider after `await provider.preload()`.
 * TTFT = the clock's start to the first text delta (raw) or the first chunk with content (ours).
 * Every child loads our provider modules from src/ before anything is timed, whatever its mode.
 *
 * So that the children's start-up (node + tsx, ~1 s of CPU each) never overlaps a measurement, each
 * repetition forks its nine children (3 providers × 3 modes) at once, waits until all are ready (idle), then
 * lets them measure one at a time, in an order rotated per repetition, each child exiting before the next goes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { assertEqual, makeDeltas, median, quantile, round, size, target, type Row, type SectionResult, type Target } from './common.js';
import type { FirstRequestMode, FromFirstRequestChild, Timed } from './firstRequestChild.js';
import { startLoopback } from './loopback.js';
import { WIRE_PROVIDERS, transcript, type WireProvider } from './wireGen.js';

/** Fresh processes per provider and mode. */
export const FIRST_REQUEST_REPS = size(10, 1);
/** Text deltas in the served transcript: a short answer (TTFT does not depend on the length). */
const DELTAS = 20;
const MODES: readonly FirstRequestMode[] = ['raw', 'ours', 'preload'];
const MODE_LABEL: Readonly<Record<FirstRequestMode, string>> = {
  raw: '(a) raw SDK, imported + client built ahead',
  ours: '(b) ours, no preload',
  preload: '(c) ours after await provider.preload()',
};
const CHILD = fileURLToPath(new URL('./firstRequestChild.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
/** A child that says nothing for this long is stuck: the section fails rather than hang. */
const CHILD_TIMEOUT_MS = 120_000;

interface Handle {
  readonly provider: WireProvider;
  readonly mode: FirstRequestMode;
  /** Resolves once the child is ready (or failed to get ready: `failed`). */
  readonly ready: Promise<FromFirstRequestChild>;
  go(): Promise<FromFirstRequestChild>;
  close(): Promise<void>;
}

/**
 * FIRST_REQUEST_CPU_PROF=<dir>: every child also runs with `--cpu-prof --cpu-prof-dir=<dir>`; each row's
 * extra `spansUs` (process.hrtime µs, the profiles' clock) says which part of which profile is its first request.
 */
const PROFILE_DIR = process.env['FIRST_REQUEST_CPU_PROF'];

function spawnChild(provider: WireProvider, mode: FirstRequestMode, url: string): Handle {
  const child: ChildProcess = fork(CHILD, [provider, mode, url], {
    execArgv: [...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}/${provider}-${mode}`] : []), '--import', TSX],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (): Promise<FromFirstRequestChild> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        reject(new Error(`${provider} ${mode} child exited early (code ${String(code)})`));
      };
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        reject(new Error(`${provider} ${mode} child: no answer in ${CHILD_TIMEOUT_MS} ms`));
      }, CHILD_TIMEOUT_MS);
      child.once('exit', onExit);
      child.once('message', (message) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(message as FromFirstRequestChild);
      });
    });
  const ready = next();
  return {
    provider,
    mode,
    ready,
    go: () => {
      const reply = next();
      child.send('go');
      return reply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // Disconnecting lets the child exit on its own (and write a profile); a stuck one is killed.
        const timer = setTimeout(() => child.kill(), 5_000);
        child.once('exit', () => clearTimeout(timer));
        if (child.connected) child.disconnect();
        else child.kill();
      }),
  };
}

interface Samples {
  /** Per repetition: the process's first request (undefined: the child failed to get ready). */
  first: (Timed | undefined)[];
  second: Timed[];
  preloadMs: number[];
  failure?: string;
}

const defined = (values: readonly (Timed | undefined)[]): Timed[] => values.filter((v): v is Timed => v !== undefined);
const ttft = (values: readonly Timed[]): number[] => values.map((v) => v.ttftMs);
const cpu = (values: readonly Timed[]): number[] => values.map((v) => v.cpuMs);

function stats(values: readonly number[]): Record<string, number> {
  return {
    p25Ms: round(quantile(values, 0.25), 2),
    p75Ms: round(quantile(values, 0.75), 2),
    minMs: round(Math.min(...values), 2),
    maxMs: round(Math.max(...values), 2),
    processes: values.length,
  };
}

export async function run(): Promise<SectionResult> {
  const server = await startLoopback();
  const wires = new Map(WIRE_PROVIDERS.map((p) => [p, transcript(p, makeDeltas(DELTAS))] as const));
  for (const [p, wire] of wires) server.setMode(p, { transcript: wire });
  const samples = new Map<string, Samples>();
  for (const p of WIRE_PROVIDERS) for (const m of MODES) samples.set(`${p}:${m}`, { first: [], second: [], preloadMs: [] });
  const pairs = WIRE_PROVIDERS.flatMap((p) => MODES.map((m) => [p, m] as const));
  let requests = 0;

  try {
    for (let rep = 0; rep < FIRST_REQUEST_REPS; rep++) {
      const handles = pairs.map(([p, m]) => spawnChild(p, m, server.url));
      try {
        const readies = await Promise.all(handles.map((h) => h.ready));
        // Let the last start-ups' exit work settle before the first measurement.
        await new Promise((resolve) => setTimeout(resolve, 100));
        const shift = (rep * 4) % handles.length;
        const order = [...handles.keys()].map((k) => (k + shift) % handles.length);
        for (const k of order) {
          const h = handles[k]!;
          const s = samples.get(`${h.provider}:${h.mode}`)!;
          const ready = readies[k]!;
          if ('failed' in ready) {
            // Only a missing preload() is a row that failed; anything else is a broken bench.
            if (h.mode !== 'preload' || !ready.failed.includes('preload() is missing')) throw new Error(`${h.provider} ${h.mode}: ${ready.failed}`);
            s.failure = ready.failed;
            s.first.push(undefined);
            await h.close();
            continue;
          }
          if ('preloadMs' in ready && ready.preloadMs !== undefined) s.preloadMs.push(ready.preloadMs);
          const answer = await h.go();
          await h.close();
          if (!('done' in answer)) throw new Error(`${h.provider} ${h.mode}: ${'failed' in answer ? answer.failed : 'unexpected answer'}`);
          const expected = wires.get(h.provider)!.text;
          for (const [i, r] of answer.requests.entries()) {
            if (r.text !== expected) throw new Error(`bench sanity check failed: ${h.provider} ${h.mode} request ${i + 1}: got ${JSON.stringify(r.text.slice(0, 60))}…`);
          }
          assertEqual(answer.requests.length, 2, `${h.provider} ${h.mode}: requests made`);
          requests += 2;
          s.first.push(answer.requests[0]);
          s.second.push(answer.requests[1]!);
        }
      } finally {
        await Promise.all(handles.map((h) => h.close()));
      }
    }
    if (server.stats.requests !== requests) throw new Error(`bench sanity check failed: the server saw ${server.stats.requests} requests, the children made ${requests}`);
  } finally {
    await server.close();
  }

  const rows: Row[] = [];
  const targets: Target[] = [];
  const notes: string[] = [];
  for (const p of WIRE_PROVIDERS) {
    const raw = samples.get(`${p}:raw`)!;
    const rawFirst = defined(raw.first);
    const rawMedian = median(ttft(rawFirst));
    const rawCpu = median(cpu(rawFirst));
    for (const m of MODES) {
      const s = samples.get(`${p}:${m}`)!;
      const first = defined(s.first);
      if (first.length === 0) {
        rows.push({ name: `${p}: ${MODE_LABEL[m]}: 1st request TTFT — FAILED: ${s.failure ?? 'no sample'}`, value: Number.NaN, unit: 'ms' });
        continue;
      }
      const wall = median(ttft(first));
      rows.push({
        name: `${p}: ${MODE_LABEL[m]}: 1st request TTFT`,
        value: round(wall, 2),
        unit: 'ms',
        ...(m === 'raw' ? {} : { ratio: round(wall / rawMedian, 2), ratioTo: '(a) raw SDK' }),
        extra: {
          ...stats(ttft(first)),
          cpuMedianMs: round(median(cpu(first)), 2),
          secondRequestMedianMs: round(median(ttft(s.second)), 2),
          secondRequestCpuMedianMs: round(median(cpu(s.second)), 2),
          ...(s.preloadMs.length > 0 ? { preloadMedianMs: round(median(s.preloadMs), 2) } : {}),
          ...(PROFILE_DIR ? { spansUs: JSON.stringify(first.map((f) => f.spanUs)) } : {}),
        },
      });
    }
    for (const m of ['ours', 'preload'] as const) {
      const s = samples.get(`${p}:${m}`)!;
      const first = defined(s.first);
      const overhead = first.length === 0 ? Number.NaN : median(ttft(first)) - rawMedian;
      const cpuOverhead = first.length === 0 ? Number.NaN : median(cpu(first)) - rawCpu;
      // Paired by repetition: the same batch of processes, so about the same machine state.
      const paired = s.first.flatMap((v, i) => {
        const r = raw.first[i];
        return v === undefined || r === undefined ? [] : [v.ttftMs - r.ttftMs];
      });
      rows.push({
        name: `${p}: ${m === 'ours' ? '(b) − (a): first-request overhead without preload' : '(c) − (a): first-request overhead after preload()'}`,
        value: round(overhead, 2),
        unit: 'ms',
        extra:
          paired.length === 0
            ? { failed: s.failure ?? 'no sample' }
            : {
                cpuMs: round(cpuOverhead, 2),
                pairedMedianMs: round(median(paired), 2),
                pairedMinMs: round(Math.min(...paired), 2),
                pairedMaxMs: round(Math.max(...paired), 2),
              },
      });
      if (m === 'preload') {
        rows.push({ name: `${p}: (c) − (a) in the child's CPU time over the same span`, value: round(cpuOverhead, 2), unit: 'CPU ms' });
        targets.push(target(`${p}: first request after preload() vs warm raw SDK`, '(c) − (a) ≤ 5 ms of TTFT', round(overhead, 2), '<=', 5, 'ms'));
        // The same claim in the child's CPU time: on a loaded machine the wall medians swing by tens of ms.
        targets.push(target(`${p}: the same in CPU time`, '(c) − (a) ≤ 5 CPU ms over the TTFT span', round(cpuOverhead, 2), '<=', 5, 'CPU ms'));
      }
    }
  }
  const failures = [...samples.values()].flatMap((s) => (s.failure === undefined ? [] : [s.failure]));
  if (failures.length > 0) notes.push(`FAILED rows: ${[...new Set(failures)].join('; ')} — the (c) rows and their targets are not measured until every provider has preload().`);
  notes.push(
    `Each TTFT is the FIRST request of a fresh child process (bench/firstRequestChild.ts; ${FIRST_REQUEST_REPS} processes per provider and mode, medians; ranges in results.json extras).`,
    'The child is `node --import tsx bench/firstRequestChild.ts`: it imports rxjs and our three provider modules from src/ (compiled by tsx) before anything is timed, in every mode; no SDK is imported statically. (a) then imports the SDK and builds its client (maxRetries 0) before the clock; (b) builds our provider only; (c) builds it and awaits provider.preload(). tsx\'s loader hooks serve the SDK import in (b) as they would for a tsx user (a compiled app loads faster).',
    `Server: node:http on 127.0.0.1 in the parent, a ${DELTAS}-delta transcript per provider (bench/wireGen.ts), written at once. Each request opens a new connection (the child's first); the 2nd request in the same process (extra secondRequestMedianMs) reuses it.`,
    "CPU ms: the child's process.cpuUsage() (all its threads: main, tsx's loader-hooks thread, GC) over the same span as the TTFT, so what a busy machine adds as waiting is left out; on an idle machine the wall TTFT of a first request is mostly this CPU work (loading fetch's internals, compiling code run for the first time) plus the loopback round trip.",
    'The children start together and wait idle until all are ready, then measure one at a time (order rotated per repetition), so no start-up overlaps a measurement. (b) − (a) is what the lazy SDK load costs the first request; (c) − (a) is what is left after preload (target ≤ 5 ms). The extra preloadMedianMs is timed while the batch\'s other children start, so it is no measure of preload() itself.',
  );
  return { id: 'firstRequest', title: `11. The first request (fresh processes: ${FIRST_REQUEST_REPS} per provider and mode)`, rows, targets, notes };
}

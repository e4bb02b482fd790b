/**
 * Section 14: instruction counts (valgrind's callgrind) for section 1's operator rows and the chain's floor, and
 * for section 3's short requests (ours and the raw SDK, per provider).
 *
 * Timings of the same code on these VMs move by ±25 %, and the chain's regression guard (≤ 1.2× its floor) read
 * 1.16× and 1.43× in two runs of one commit on one day. An instruction count repeats to ~0.001 %: it is the
 * noise-free figure for the guard rows. Each workload (bench/instructions.ts, bundled once with esbuild and run
 * under `node --predictable`) is counted twice, with 2 and 6 pipelines after the same start-up and warm-up, so
 * the difference is exactly 4 pipelines of 20,000 chunks + 1 final. Needs valgrind; without it the rows are not
 * measured and the section says how to install it. A quick run only checks that every workload delivers the
 * whole text (natively, no counts).
 *
 * A short request is counted in one run (bench/requestInstructions.ts): thousands of uncounted requests first,
 * until V8 has stopped compiling, then instrumentation on, counters zeroed, the counted requests, and a dump
 * (`callgrind_control`), while this process serves the loopback transcripts.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { QUICK, SHORT_CHUNKS, makeDeltas, round, target, type Row, type SectionResult, type Target } from './common.js';
import { INSTRUCTION_CHUNKS, WORKLOAD_NAMES } from './instructions.js';
import { startLoopback } from './loopback.js';
import { ROW, SUMS, type RowKey } from './operators.js';
import { REQUEST_WARM_UP, REQUEST_WORKLOADS } from './requestInstructions.js';
import { WIRE_PROVIDERS, transcript } from './wireGen.js';

const exec = promisify(execFile);
const ENTRY = fileURLToPath(new URL('./instructions.ts', import.meta.url));
const REQUEST_ENTRY = fileURLToPath(new URL('./requestInstructions.ts', import.meta.url));
const TITLE = '14. Instruction counts (callgrind)';
/** Pipelines after the warm-up in the two counted runs: their difference is what a row costs. */
const FEW = 2;
const MORE = 6;
/** Workloads in this section, in order: the rows section 1 names in `ROW` (its streamMetrics row, for information, is left out). */
const COUNTED = Object.keys(ROW) as RowKey[];
/** Short requests counted per request workload, after its {@link REQUEST_WARM_UP} uncounted ones. */
const REQUESTS = 400;

/** Runs `tasks` at most `width` at a time, results in order. */
async function pooled<T>(tasks: readonly (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array<T>(tasks.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, lane));
  return out;
}

async function hasValgrind(): Promise<boolean> {
  try {
    await exec('valgrind', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** Instructions valgrind counted for one run of `workload` with `times` pipelines after the warm-up. */
async function counted(bundle: string, workload: string, times: number): Promise<number> {
  const { stderr } = await exec(
    'valgrind',
    ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--predictable', bundle, workload, String(times)],
    { maxBuffer: 16 * 2 ** 20, timeout: 15 * 60_000 },
  );
  const found = /Collected\s*:\s*(\d+)/.exec(stderr);
  if (found === null) throw new Error(`callgrind printed no count for ${workload} ${times}: ${stderr.slice(-500)}`);
  return Number(found[1]);
}

/**
 * Runs one short-request workload (bench/requestInstructions.ts) against the loopback server at `url` and
 * answers its `warm` / `done` lines. Under valgrind (`dir`: where callgrind writes its dumps), instrumentation
 * is turned on and the counters zeroed at `warm` and the counts dumped at `done`: the result is instructions per
 * counted request. Without `dir` the workload runs natively (a quick run's check) and the result is NaN.
 */
async function countedRequests(bundle: string, workload: string, url: string, times: number, warmUp: number, dir?: string): Promise<number> {
  const node = [process.execPath, '--predictable', bundle, workload, url, String(times), String(warmUp)];
  const [command, ...args] =
    dir === undefined ? node : ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'requests.%p')}`, ...node];
  const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 20 * 60_000 });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const expect = async (word: string): Promise<void> => {
    const line = await lines.next();
    if (line.done === true || line.value !== word) {
      throw new Error(`${workload}: expected "${word}", got ${line.done === true ? 'the end' : JSON.stringify(line.value)}: ${stderr.slice(-800)}`);
    }
  };
  const control = (...options: string[]): Promise<unknown> => exec('callgrind_control', [...options, String(child.pid)]);
  try {
    await expect('warm');
    if (dir !== undefined) {
      await control('-i', 'on');
      await control('-z');
    }
    child.stdin.write('go\n');
    await expect('done');
    if (dir !== undefined) await control('-d');
    child.stdin.end('exit\n');
    const code = await exited;
    if (code !== 0) throw new Error(`${workload} exited with ${String(code)}: ${stderr.slice(-800)}`);
  } finally {
    if (child.exitCode === null) child.kill();
  }
  if (dir === undefined) return Number.NaN;
  const dump = join(dir, `requests.${String(child.pid)}.1`);
  if (!existsSync(dump)) throw new Error(`${workload}: callgrind wrote no dump at ${dump}: ${stderr.slice(-800)}`);
  const found = /^(?:totals|summary):\s*(\d+)/m.exec(readFileSync(dump, 'utf8'));
  if (found === null) throw new Error(`${workload}: no totals in ${dump}`);
  return Number(found[1]) / times;
}

export async function run(): Promise<SectionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'agrx-callgrind-'));
  const server = await startLoopback();
  for (const name of WIRE_PROVIDERS) server.setMode(name, { transcript: transcript(name, makeDeltas(SHORT_CHUNKS)) });
  try {
    const bundle = join(dir, 'instructions.mjs');
    const requestBundle = join(dir, 'requests.mjs');
    await build({ entryPoints: [ENTRY], bundle: true, platform: 'node', format: 'esm', logLevel: 'warning', outfile: bundle });
    await build({ entryPoints: [REQUEST_ENTRY], bundle: true, platform: 'node', format: 'esm', logLevel: 'warning', outfile: requestBundle });
    if (QUICK) return await checkOnly(bundle, requestBundle, server.url);
    if (!(await hasValgrind())) return notMeasured();
    const jobs = [
      ...COUNTED.flatMap((w) => [() => counted(bundle, w, FEW), () => counted(bundle, w, MORE)]),
      ...REQUEST_WORKLOADS.map((w) => () => countedRequests(requestBundle, w, server.url, REQUESTS, REQUEST_WARM_UP, dir)),
    ];
    const counts = await pooled(jobs, Math.max(1, cpus().length));
    const perChunk = new Map<RowKey, number>();
    COUNTED.forEach((w, i) => perChunk.set(w, (counts[2 * i + 1]! - counts[2 * i]!) / ((MORE - FEW) * (INSTRUCTION_CHUNKS + 1))));
    const perRequest = new Map<string, number>(REQUEST_WORKLOADS.map((w, i) => [w, counts[2 * COUNTED.length + i]!]));
    return measured(perChunk, perRequest);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function measured(perChunk: ReadonlyMap<RowKey, number>, perRequest: ReadonlyMap<string, number>): SectionResult {
  const of = (w: RowKey): number => perChunk.get(w)!;
  const rows: Row[] = COUNTED.map((w) => ({
    name: ROW[w],
    value: round(of(w), 1),
    unit: 'instructions/chunk',
    ...(w === 'fold' ? {} : { ratio: round(of(w) / of('fold'), 2), ratioTo: 'bare fold' }),
  }));
  const targets: Target[] = [
    target(`${ROW.chain} vs ${ROW.chainFloor}`, '<= 1.2x the RxJS floor plus one clock read (regression guard, instructions)', round(of('chain') / of('chainFloor'), 3), '<=', 1.2, 'x the floor'),
  ];
  // The sum of the parts, as section 1 takes it (SUMS).
  for (const { of: whole, parts, sink } of SUMS) {
    const sum = parts.reduce((acc, w) => acc + of(w) - of('fold'), of(sink));
    rows.push({ name: `sum of the parts of: ${ROW[whole]}`, value: round(sum, 1), unit: 'instructions/chunk' });
    targets.push(target(ROW[whole], '<= the sum of its operators alone (instructions)', round(of(whole) / sum, 3), '<=', 1, 'x the sum'));
  }
  // Section 3's short requests, judged as there: ours against the raw SDK.
  for (const name of WIRE_PROVIDERS) {
    const raw = perRequest.get(`raw:${name}`)!;
    const ours = perRequest.get(`ours:${name}`)!;
    const label = `${name} short (${SHORT_CHUNKS} deltas)`;
    rows.push({ name: `${label}: raw SDK for await`, value: Math.round(raw), unit: 'instructions/request' });
    rows.push({ name: `${label}: our provider Observable`, value: Math.round(ours), unit: 'instructions/request', ratio: round(ours / raw, 3), ratioTo: 'raw SDK' });
    targets.push(target(`${name}: short request (${SHORT_CHUNKS} deltas) vs raw SDK`, '<= 1.10x the raw SDK (instructions)', round(ours / raw, 3), '<=', 1.1, 'x'));
  }
  return { id: 'callgrind', title: TITLE, rows, targets, notes: [...NOTES] };
}

/** A quick run: every workload once, natively, checking its text (the workloads throw otherwise). */
async function checkOnly(bundle: string, requestBundle: string, url: string): Promise<SectionResult> {
  await pooled<unknown>(
    [
      ...WORKLOAD_NAMES.map((w) => () => exec(process.execPath, [bundle, w, '0'], { timeout: 120_000 })),
      ...REQUEST_WORKLOADS.map((w) => () => countedRequests(requestBundle, w, url, 2, 3)),
    ],
    Math.max(1, cpus().length),
  );
  const names = [...WORKLOAD_NAMES, ...REQUEST_WORKLOADS];
  return {
    id: 'callgrind',
    title: TITLE,
    rows: [{ name: `workloads checked natively (quick run: no counts): ${names.join(', ')}`, value: names.length, unit: 'workloads' }],
    targets: [],
    notes: ['A quick run does not count instructions (each count is a valgrind run of 25–90 s); the full run does.'],
  };
}

function notMeasured(): SectionResult {
  return {
    id: 'callgrind',
    title: TITLE,
    rows: [{ name: 'valgrind not found: instruction counts not measured', value: 0, unit: 'workloads' }],
    targets: [
      target(`${ROW.chain} vs ${ROW.chainFloor}`, '<= 1.2x the floor (instructions)', Number.NaN, '<=', 1.2, 'x the floor'),
      ...WIRE_PROVIDERS.map((name) => target(`${name}: short request (${SHORT_CHUNKS} deltas) vs raw SDK`, '<= 1.10x the raw SDK (instructions)', Number.NaN, '<=', 1.1, 'x')),
    ],
    notes: ['valgrind is not installed: `apt-get install -y valgrind` (Debian) to count instructions.', ...NOTES],
  };
}

const NOTES: readonly string[] = [
  `Each operator row: instructions counted by valgrind --tool=callgrind for bench/instructions.ts (one esbuild bundle, node --predictable), (I(${MORE} pipelines) − I(${FEW})) / (${MORE - FEW} × ${(INSTRUCTION_CHUNKS + 1).toLocaleString('en-US')} chunks): start-up, module loading and warm-up cancel out. Counts repeat to ~0.001 %.`,
  "Before its warm-up, each workload runs small pipelines through RxJS's map and reduce with eight different functions, as section 1 does with its many rows (and an app with its many pipelines): the floor's map and reduce are counted as they run there.",
  `Each short-request row: the client's instructions for ${REQUESTS} requests of ${SHORT_CHUNKS} deltas (bench/requestInstructions.ts, one bundle, node --predictable, the loopback server in the bench's process), counted after ${REQUEST_WARM_UP.toLocaleString('en-US')} uncounted requests with instrumentation off, when V8 has stopped optimizing (--trace-opt: both sides still optimize after 4,000 requests). Shorter warm-ups count compilation: ours, with more code to tier up, read 1.28x the raw SDK after 200 requests and 1.10x after 1,000.`,
  'An instruction count is not a time: allocation, cache misses and GC pauses weigh differently. Section 1 times the same rows; this section is the noise-free check of their guards.',
];

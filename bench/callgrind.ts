/**
 * Section 14: instruction counts (valgrind's callgrind) for section 1's operator rows and the chain's floor.
 *
 * Timings of the same code on these VMs move by ±25 %, and the chain's regression guard (≤ 1.2× its floor) read
 * 1.16× and 1.43× in two runs of one commit on one day. An instruction count repeats to ~0.001 %: it is the
 * noise-free figure for the guard rows. Each workload (bench/instructions.ts, bundled once with esbuild and run
 * under `node --predictable`) is counted twice, with 2 and 6 pipelines after the same start-up and warm-up, so
 * the difference is exactly 4 pipelines of 20,000 chunks + 1 final. Needs valgrind; without it the rows are not
 * measured and the section says how to install it. A quick run only checks that every workload delivers the
 * whole text (natively, no counts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { QUICK, round, target, type Row, type SectionResult, type Target } from './common.js';
import { INSTRUCTION_CHUNKS, WORKLOAD_NAMES } from './instructions.js';
import { ROW, SUMS, type RowKey } from './operators.js';

const exec = promisify(execFile);
const ENTRY = fileURLToPath(new URL('./instructions.ts', import.meta.url));
const TITLE = '14. Instruction counts (callgrind)';
/** Pipelines after the warm-up in the two counted runs: their difference is what a row costs. */
const FEW = 2;
const MORE = 6;
/** Workloads in this section, in order: the rows section 1 names in `ROW` (its streamMetrics row, for information, is left out). */
const COUNTED = Object.keys(ROW) as RowKey[];

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

export async function run(): Promise<SectionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'agrx-callgrind-'));
  try {
    const bundle = join(dir, 'instructions.mjs');
    await build({ entryPoints: [ENTRY], bundle: true, platform: 'node', format: 'esm', logLevel: 'warning', outfile: bundle });
    if (QUICK) return await checkOnly(bundle);
    if (!(await hasValgrind())) return notMeasured();
    const jobs = COUNTED.flatMap((w) => [() => counted(bundle, w, FEW), () => counted(bundle, w, MORE)]);
    const counts = await pooled(jobs, Math.max(1, cpus().length));
    const perChunk = new Map<RowKey, number>();
    COUNTED.forEach((w, i) => perChunk.set(w, (counts[2 * i + 1]! - counts[2 * i]!) / ((MORE - FEW) * (INSTRUCTION_CHUNKS + 1))));
    return measured(perChunk);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function measured(perChunk: ReadonlyMap<RowKey, number>): SectionResult {
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
  return { id: 'callgrind', title: TITLE, rows, targets, notes: [...NOTES] };
}

/** A quick run: every workload once, natively, checking its text (bench/instructions.ts throws otherwise). */
async function checkOnly(bundle: string): Promise<SectionResult> {
  await pooled(
    WORKLOAD_NAMES.map((w) => () => exec(process.execPath, [bundle, w, '0'], { timeout: 120_000 })),
    Math.max(1, cpus().length),
  );
  return {
    id: 'callgrind',
    title: TITLE,
    rows: [{ name: `workloads checked natively (quick run: no counts): ${WORKLOAD_NAMES.join(', ')}`, value: WORKLOAD_NAMES.length, unit: 'workloads' }],
    targets: [],
    notes: ['A quick run does not count instructions (each count is a valgrind run of ~25 s); the full run does.'],
  };
}

function notMeasured(): SectionResult {
  return {
    id: 'callgrind',
    title: TITLE,
    rows: [{ name: 'valgrind not found: instruction counts not measured', value: 0, unit: 'workloads' }],
    targets: [target(`${ROW.chain} vs ${ROW.chainFloor}`, '<= 1.2x the floor (instructions)', Number.NaN, '<=', 1.2, 'x the floor')],
    notes: ['valgrind is not installed: `apt-get install -y valgrind` (Debian) to count instructions.', ...NOTES],
  };
}

const NOTES: readonly string[] = [
  `Each row: instructions counted by valgrind --tool=callgrind for bench/instructions.ts (one esbuild bundle, node --predictable), (I(${MORE} pipelines) − I(${FEW})) / (${MORE - FEW} × ${(INSTRUCTION_CHUNKS + 1).toLocaleString('en-US')} chunks): start-up, module loading and warm-up cancel out. Counts repeat to ~0.001 %.`,
  "Before its warm-up, each workload runs small pipelines through RxJS's map and reduce with eight different functions, as section 1 does with its many rows (and an app with its many pipelines): the floor's map and reduce are counted as they run there.",
  'An instruction count is not a time: allocation, cache misses and GC pauses weigh differently. Section 1 times the same rows; this section is the noise-free check of their guards.',
];

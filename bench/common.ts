/**
 * Shared pieces of the benchmark: the quick/full switch, the chunk data every section uses, a tinybench
 * runner that interleaves tasks in rounds (ratios per round, so a noisy neighbour slows both sides), and
 * the result types that index.ts prints and writes to bench/results.json.
 */
import { Bench } from 'tinybench';
import { chunk, finalChunk, type ChunkMetadata, type StreamChunk } from '../src/chunk.js';

/** `npm run bench -- --quick` or BENCH_QUICK=1: a much smaller run (< 30 s) for smoke tests. */
export const QUICK = process.argv.includes('--quick') || process.env['BENCH_QUICK'] === '1';

/** Pick the full or the quick value. */
export function size<T>(full: T, quick: T): T {
  return QUICK ? quick : full;
}

// ---------------------------------------------------------------------------------------------------
// Results

export interface Row {
  readonly name: string;
  /** The headline number (a median unless the unit says otherwise). */
  readonly value: number;
  readonly unit: string;
  /** value / baseline, where a row has a baseline. */
  readonly ratio?: number;
  /** What `ratio` is relative to. */
  readonly ratioTo?: string;
  readonly extra?: Readonly<Record<string, number | string | boolean>>;
}

export interface Target {
  readonly name: string;
  /** Human-readable claim, e.g. 'full chain <= 3x bare fold'. */
  readonly claim: string;
  readonly measured: number;
  readonly threshold: number;
  readonly comparator: '<=' | '>=' | '<' | '>';
  readonly unit: string;
  /** undefined when the measurement could not be made. */
  readonly met: boolean | undefined;
}

export interface SectionResult {
  readonly id: string;
  readonly title: string;
  readonly rows: Row[];
  readonly targets: Target[];
  readonly notes: string[];
  readonly durationMs?: number;
  readonly error?: string;
}

export function target(
  name: string,
  claim: string,
  measured: number,
  comparator: Target['comparator'],
  threshold: number,
  unit: string,
): Target {
  const ok = Number.isFinite(measured);
  const met = !ok
    ? undefined
    : comparator === '<='
      ? measured <= threshold
      : comparator === '<'
        ? measured < threshold
        : comparator === '>='
          ? measured >= threshold
          : measured > threshold;
  return { name, claim, measured, threshold, comparator, unit, met };
}

// ---------------------------------------------------------------------------------------------------
// Data: the same deltas for every section

const WORDS = [
  'the', 'stream', 'of', 'tokens', 'arrives', 'as', 'small', 'deltas', 'and', 'each', 'one', 'is',
  'a', 'word', 'or', 'part', 'model', 'response', 'with', 'punctuation,', 'numbers', '42', 'emoji', 'é',
  'observable', 'operator', 'chunk', 'text.', 'Then', 'it', 'ends', 'cleanly', 'after', 'many', 'more',
];

/** Deltas in a short stream, whose cost is mostly the request's own (a tool round, a one-line answer). */
export const SHORT_CHUNKS = 5;

/** `n` text deltas (" word"-sized, ~5 chars, like real token deltas), deterministic. */
export function makeDeltas(n: number): string[] {
  const out: string[] = new Array<string>(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out[i] = ' ' + WORDS[seed % WORDS.length]!;
  }
  return out;
}

export const BENCH_METADATA: ChunkMetadata = Object.freeze({ provider: 'bench', model: 'bench-model', eventType: 'delta' });
const FINAL_METADATA: ChunkMetadata = Object.freeze({
  provider: 'bench',
  model: 'bench-model',
  eventType: 'done',
  finishReason: 'stop',
  rawFinishReason: 'stop',
});

/**
 * A clock-sized first timestamp: real chunks carry `scheduler.now()` (a double), and small integer
 * timestamps would give the bench's chunks another V8 field representation than production's.
 */
const TIME_ORIGIN = 1_764_547_200_000.5;

/** `deltas` as content chunks plus one final chunk (what a provider emits). */
export function makeChunks(deltas: readonly string[]): StreamChunk[] {
  const out: StreamChunk[] = deltas.map((d, i) => chunk(d, { metadata: BENCH_METADATA, timestamp: TIME_ORIGIN + i }));
  out.push(finalChunk(FINAL_METADATA, { timestamp: TIME_ORIGIN + deltas.length }));
  return out;
}

export function textLength(deltas: readonly string[]): number {
  let n = 0;
  for (const d of deltas) n += d.length;
  return n;
}

// ---------------------------------------------------------------------------------------------------
// Measuring

export interface Task {
  readonly name: string;
  readonly fn: () => Promise<unknown>;
}

export interface Measured {
  readonly name: string;
  /** Median ms per call over all rounds' samples. */
  readonly medianMs: number;
  readonly p25Ms: number;
  readonly p75Ms: number;
  readonly samples: number;
  /** Median over rounds of (this task's round median / baseline's round median). */
  readonly ratio?: number;
}

export interface MeasureOptions {
  /** Rounds; each round is a fresh tinybench `Bench` with the tasks in a rotated order. */
  readonly rounds: number;
  /** tinybench `time` per task per round (ms). */
  readonly time: number;
  /** tinybench minimum `iterations` per task per round. */
  readonly iterations: number;
  /** Name of the task ratios are computed against. */
  readonly baseline?: string;
  /** The clock in ms (tinybench's `now`). @default wall time; {@link cpuNow} measures this process's CPU time. */
  readonly now?: () => number;
}

/** This process's CPU time (user + system) in ms: what a task costs the process, not how long it waited. */
export function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Runs `tasks` with tinybench in `rounds` interleaved rounds (task order rotated each round, warm-up in
 * every round) and returns per-task medians and per-round-median ratios against `baseline`.
 * Any task error aborts with that error: a benchmark that silently measures a failure is worse than none.
 */
export async function measure(tasks: readonly Task[], options: MeasureOptions): Promise<Measured[]> {
  const samples = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  const roundMedians = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    const bench = new Bench({
      time: options.time,
      iterations: options.iterations,
      warmupTime: Math.min(100, options.time),
      warmupIterations: 2,
      throws: true,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    const shift = round % tasks.length;
    const order = [...tasks.slice(shift), ...tasks.slice(0, shift)];
    for (const task of order) bench.add(task.name, task.fn);
    await bench.run();
    for (const t of bench.tasks) {
      const result = t.result;
      if (!result || result.error) throw result?.error ?? new Error(`task ${t.name} produced no result`);
      samples.get(t.name)!.push(...result.latency.samples);
      roundMedians.get(t.name)!.push(median(result.latency.samples));
    }
  }
  const base = options.baseline === undefined ? undefined : roundMedians.get(options.baseline);
  return tasks.map((t) => {
    const all = samples.get(t.name)!;
    const perRound = roundMedians.get(t.name)!;
    const ratio = base === undefined ? undefined : median(perRound.map((m, i) => m / base[i]!));
    return {
      name: t.name,
      medianMs: median(all),
      p25Ms: quantile(all, 0.25),
      p75Ms: quantile(all, 0.75),
      samples: all.length,
      ...(ratio === undefined ? {} : { ratio }),
    };
  });
}

/** µs per chunk from a median ms per run of `chunks` chunks. */
export function usPerChunk(ms: number, chunks: number): number {
  return (ms * 1000) / chunks;
}

export function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new Error(`bench sanity check failed: ${what}: expected ${String(expected)}, got ${String(actual)}`);
}

export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

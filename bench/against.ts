/**
 * `npm run bench -- --against <ref> [--only=...] [--quick] [--pairs=N] [--keep-tree]`: the same bench on
 * two commits, side by side in one process, so a change's effect is a ratio measured under the same
 * machine state instead of two absolute numbers taken minutes apart on a noisy VM.
 *
 * - Side A is `<ref>` (resolved with `git rev-parse`), side B is the working tree as it is (dirty or not).
 * - A's tree is `git archive <ref>` unpacked into a temporary directory (no worktree, no index, no git state
 *   touched), with `node_modules` a symlink to this checkout's and the CURRENT `bench/` copied over the ref's
 *   own: both sides run the same bench code, each against its own `src/`. A section that imports what the
 *   ref's `src/` lacks fails on side A; that is reported and the other sections still run.
 * - Both sides' section modules are imported into this one process (each tree has its own `src/` module
 *   instances; rxjs and every other package resolve through the symlink to one shared copy) and each section
 *   runs alternately A B, B A, A B, … for `--pairs` pairs (default 3, quick 2).
 * - Per row (matched by name): A's and B's medians over the pairs, and B/A as the median of the per-pair
 *   ratios with their min–max. For rows that carry their own ratio (e.g. × the bare fold, measured within one
 *   run), the same for that ratio: it is already corrected for the machine's speed during the run.
 * - Prints one table per section and writes bench/results.against.json.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { QUICK, median, type SectionResult } from './common.js';
import { fmt, table } from './format.js';

// ---------------------------------------------------------------------------------------------------
// Arguments

export interface AgainstOptions {
  /** The commit to compare the working tree with, as given (a sha, a branch, HEAD~3, a tag). */
  readonly ref: string;
  /** Pairs of runs per section (each pair is one run per side). */
  readonly pairs: number;
  /** Leave the ref's unpacked tree in place (its path is printed). */
  readonly keepTree: boolean;
}

export const DEFAULT_PAIRS = { full: 3, quick: 2 } as const;

/**
 * `--against <ref>` or `--against=<ref>`, `--pairs=N` (or `--pairs N`), `--keep-tree`. Undefined when
 * `--against` is absent (a normal run); throws on a missing ref or a pair count that is not a positive integer.
 */
export function parseAgainstArgs(argv: readonly string[], quick: boolean = QUICK): AgainstOptions | undefined {
  const valueOf = (flag: string): string | undefined => {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
      if (a === flag) {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) throw new Error(`${flag} needs a value`);
        return next;
      }
    }
    return undefined;
  };
  const ref = valueOf('--against');
  if (ref === undefined) return undefined;
  if (ref === '') throw new Error('--against needs a git ref (a commit, branch, tag or HEAD~n)');
  const pairsText = valueOf('--pairs');
  const pairs = pairsText === undefined ? (quick ? DEFAULT_PAIRS.quick : DEFAULT_PAIRS.full) : Number(pairsText);
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`--pairs must be a positive integer, got ${pairsText ?? ''}`);
  return { ref, pairs, keepTree: argv.includes('--keep-tree') };
}

// ---------------------------------------------------------------------------------------------------
// Order and maths

export type Side = 'a' | 'b';

/** A B, B A, A B, …: each pair's two runs, the first side alternating so neither side always goes first. */
export function pairOrder(pairs: number): ReadonlyArray<readonly [Side, Side]> {
  return Array.from({ length: pairs }, (_, i) => (i % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const)));
}

export interface Spread {
  /** Median of the values (for ratios: of the per-pair ratios). */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly values: readonly number[];
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, values };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), values };
}

/**
 * b / a; NaN when either is not a finite number, a is 0, or the two have opposite signs (a heap growth of
 * −0.08 MB against +0.03 MB is noise around zero, not a ratio of −2.7).
 */
export function ratioOf(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || a === 0) return Number.NaN;
  if (Math.sign(a) * Math.sign(b) < 0) return Number.NaN;
  return b / a;
}

export interface RowComparison {
  readonly name: string;
  readonly unit: string;
  /** Set when the row exists on one side only (a row added or renamed between the commits' bench output). */
  readonly onlyIn?: Side;
  readonly a: Spread;
  readonly b: Spread;
  /** Per pair b / a of the row's value; median and min–max over the pairs. */
  readonly ratio: Spread;
  /** For rows with their own ratio (`ratioTo`): that ratio on each side, and per pair b / a of it. */
  readonly rowRatio?: { readonly ratioTo: string; readonly a: Spread; readonly b: Spread; readonly ratio: Spread };
}

/** Row names, a repeated name numbered (`name #2`) so rows still pair up one to one. */
function keyed(result: SectionResult): Map<string, SectionResult['rows'][number]> {
  const out = new Map<string, SectionResult['rows'][number]>();
  const seen = new Map<string, number>();
  for (const row of result.rows) {
    const n = (seen.get(row.name) ?? 0) + 1;
    seen.set(row.name, n);
    out.set(n === 1 ? row.name : `${row.name} #${n}`, row);
  }
  return out;
}

/**
 * Compares one section's runs: `a[i]` and `b[i]` are pair i's results (undefined for a run that failed; a
 * pair with a failed run is left out of the ratios). Rows in the order of the first complete result of A,
 * then B's extra rows.
 */
export function compareSection(a: ReadonlyArray<SectionResult | undefined>, b: ReadonlyArray<SectionResult | undefined>): RowComparison[] {
  const pairs: Array<[Map<string, SectionResult['rows'][number]>, Map<string, SectionResult['rows'][number]>]> = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const ra = a[i];
    const rb = b[i];
    if (ra === undefined || rb === undefined || ra.error !== undefined || rb.error !== undefined) continue;
    pairs.push([keyed(ra), keyed(rb)]);
  }
  const names: string[] = [];
  for (const side of [0, 1] as const) for (const p of pairs) for (const name of p[side].keys()) if (!names.includes(name)) names.push(name);

  return names.map((name) => {
    const rowsA = pairs.map((p) => p[0].get(name));
    const rowsB = pairs.map((p) => p[1].get(name));
    const first = rowsA.find((r) => r !== undefined) ?? rowsB.find((r) => r !== undefined)!;
    const inA = rowsA.some((r) => r !== undefined);
    const inB = rowsB.some((r) => r !== undefined);
    const values = (rows: typeof rowsA): number[] => rows.flatMap((r) => (r === undefined ? [] : [r.value]));
    const ratios = (rows: typeof rowsA): number[] => rows.flatMap((r) => (r?.ratio === undefined ? [] : [r.ratio]));
    const perPair = rowsA.map((ra, i) => ratioOf(ra?.value, rowsB[i]?.value));
    const withRatio = first.ratio !== undefined && first.ratioTo !== undefined;
    return {
      name,
      unit: first.unit,
      ...(inA && inB ? {} : { onlyIn: inA ? ('a' as const) : ('b' as const) }),
      a: spread(values(rowsA)),
      b: spread(values(rowsB)),
      ratio: spread(perPair.filter((r) => Number.isFinite(r))),
      ...(withRatio
        ? {
            rowRatio: {
              ratioTo: first.ratioTo!,
              a: spread(ratios(rowsA)),
              b: spread(ratios(rowsB)),
              ratio: spread(rowsA.map((ra, i) => ratioOf(ra?.ratio, rowsB[i]?.ratio)).filter((r) => Number.isFinite(r))),
            },
          }
        : {}),
    };
  });
}

/** '▲' when B/A > 1 in every pair, '▼' when < 1 in every pair (with 2+ pairs), '' otherwise. */
export function direction(ratio: Spread): string {
  if (ratio.values.length < 2 || !Number.isFinite(ratio.min)) return '';
  if (ratio.min > 1) return '▲';
  if (ratio.max < 1) return '▼';
  return '';
}

// ---------------------------------------------------------------------------------------------------
// The ref's tree

export interface PreparedTree {
  /** The unpacked tree (its bench/ is the current one). */
  readonly dir: string;
  /** The full commit id the ref resolved to. */
  readonly commit: string;
  readonly remove: () => void;
}

function git(root: string, args: readonly string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The commit id `ref` names, or an error saying it names none. */
export function resolveCommit(root: string, ref: string): string {
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new Error(`--against ${ref}: not a commit in ${root}`);
  }
}

/** HEAD's commit id and whether the working tree differs from it (read without taking git's index lock). */
export function workingTreeState(root: string): { readonly head: string; readonly dirty: boolean } {
  const head = git(root, ['rev-parse', 'HEAD']);
  const status = git(root, ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no']);
  return { head, dirty: status !== '' };
}

/** Files of the current bench/ that are output, not code: never copied into the ref's tree. */
export function isBenchOutput(path: string): boolean {
  const name = basename(path);
  return /^results.*\.json$/.test(name) || name.endsWith('.cpuprofile');
}

/**
 * Unpacks `ref` into a new temporary directory with `git archive | tar -x` (no worktree, nothing written to
 * the repository), links `node_modules` to `root`'s and replaces the ref's bench/ with `root`'s current one.
 */
export function prepareTree(root: string, ref: string): PreparedTree {
  const commit = resolveCommit(root, ref);
  const dir = mkdtempSync(join(tmpdir(), `agrx-against-${commit.slice(0, 10)}-`));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const archive = execFileSync('git', ['archive', '--format=tar', commit], { cwd: root, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
    execFileSync('tar', ['-x', '-C', dir], { input: archive, stdio: ['pipe', 'ignore', 'pipe'] });
    rmSync(join(dir, 'bench'), { recursive: true, force: true });
    cpSync(join(root, 'bench'), join(dir, 'bench'), { recursive: true, filter: (src) => !isBenchOutput(src) });
    if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    return { dir, commit, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// Running

export interface SectionRef {
  readonly id: string;
  readonly title: string;
}

interface RunRecord {
  readonly pair: number;
  readonly side: Side;
  readonly durationMs: number;
  readonly error?: string;
}

interface SectionComparison {
  readonly id: string;
  readonly title: string;
  /** Why a side's section module could not be loaded (then the section is not run at all). */
  readonly loadError?: Partial<Record<Side, string>>;
  readonly runs: RunRecord[];
  readonly rows: RowComparison[];
}

type SectionModule = { run(): Promise<SectionResult> };

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Each section lives in `bench/<id>.ts` (index.ts's SECTIONS loads `./<id>.js`). */
function sectionUrl(tree: string, id: string): string {
  return pathToFileURL(join(tree, 'bench', `${id}.ts`)).href;
}

async function load(tree: string, id: string): Promise<SectionModule> {
  const mod = (await import(sectionUrl(tree, id))) as Partial<SectionModule>;
  if (typeof mod.run !== 'function') throw new Error(`${join(tree, 'bench', `${id}.ts`)} exports no run()`);
  return mod as SectionModule;
}

async function compare(section: SectionRef, trees: Record<Side, string>, pairs: number): Promise<SectionComparison> {
  const modules: Partial<Record<Side, SectionModule>> = {};
  const loadError: Partial<Record<Side, string>> = {};
  for (const side of ['a', 'b'] as const) {
    try {
      modules[side] = await load(trees[side], section.id);
    } catch (error) {
      loadError[side] = messageOf(error);
      console.log(`  ${section.id}: side ${side.toUpperCase()} failed to load: ${loadError[side]}`);
    }
  }
  if (modules.a === undefined || modules.b === undefined) return { id: section.id, title: section.title, loadError, runs: [], rows: [] };

  const results: Record<Side, Array<SectionResult | undefined>> = { a: [], b: [] };
  const runs: RunRecord[] = [];
  for (const [pair, order] of pairOrder(pairs).entries()) {
    const line: string[] = [];
    for (const side of order) {
      const t0 = performance.now();
      try {
        results[side][pair] = await modules[side]!.run();
        runs.push({ pair, side, durationMs: Math.round(performance.now() - t0) });
        line.push(`${side.toUpperCase()} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } catch (error) {
        results[side][pair] = undefined;
        runs.push({ pair, side, durationMs: Math.round(performance.now() - t0), error: messageOf(error) });
        line.push(`${side.toUpperCase()} FAILED (${messageOf(error)})`);
        if (error instanceof Error && error.stack) console.error(error.stack);
      }
    }
    console.log(`  ${section.id}: pair ${pair + 1}/${pairs}: ${line.join(', ')}`);
  }
  return { id: section.id, title: section.title, runs, rows: compareSection(results.a, results.b) };
}

function range(s: Spread): string {
  if (!Number.isFinite(s.min)) return '';
  return s.values.length < 2 ? '' : `${fmt(s.min)}–${fmt(s.max)}`;
}

export function renderComparison(rows: readonly RowComparison[]): string {
  const withRowRatio = rows.some((r) => r.rowRatio !== undefined);
  const headers = ['measurement', 'unit', 'A', 'B', 'B/A', 'pairs', '', ...(withRowRatio ? ['row ratio A → B', 'B/A', 'pairs'] : [])];
  return table(
    headers,
    rows.map((r) => [
      r.onlyIn === undefined ? r.name : `${r.name} (only in ${r.onlyIn.toUpperCase()})`,
      r.unit,
      fmt(r.a.median),
      fmt(r.b.median),
      Number.isFinite(r.ratio.median) ? `${fmt(r.ratio.median)}×` : '',
      range(r.ratio),
      direction(r.ratio),
      ...(withRowRatio
        ? r.rowRatio === undefined
          ? ['', '', '']
          : [
              `${fmt(r.rowRatio.a.median)} → ${fmt(r.rowRatio.b.median)}× ${r.rowRatio.ratioTo}`,
              Number.isFinite(r.rowRatio.ratio.median) ? `${fmt(r.rowRatio.ratio.median)}×` : '',
              range(r.rowRatio.ratio),
            ]
        : []),
    ]),
  );
}

/**
 * Runs `sections` on both sides and reports. Returns the exit code: 0, or 1 when a side of a section failed
 * to load or crashed (as a normal run exits 1 when a section crashed).
 */
export async function runAgainst(
  options: AgainstOptions,
  sections: readonly SectionRef[],
  environment: Readonly<Record<string, unknown>>,
): Promise<number> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const state = workingTreeState(root);
  const tree = prepareTree(root, options.ref);
  const removeOnSignal = (): void => {
    if (!options.keepTree) tree.remove();
    process.exit(130);
  };
  process.once('SIGINT', removeOnSignal);
  const sides = {
    a: { label: `${options.ref} (${tree.commit.slice(0, 10)})`, ref: options.ref, commit: tree.commit, tree: tree.dir },
    b: { label: `working tree (${state.head.slice(0, 10)}${state.dirty ? ' + uncommitted changes' : ''})`, commit: state.head, dirty: state.dirty, tree: root },
  };
  console.log(`# agenticraft-rx benchmark, side by side${QUICK ? ' (quick)' : ''}`);
  console.log(`${String(environment['date'])} · Node ${String(environment['node'])} · ${String(environment['cpuModel'])} × ${String(environment['cpuCount'])}`);
  console.log(`A = ${sides.a.label}: ${tree.commit}, unpacked in ${tree.dir}`);
  console.log(`B = ${sides.b.label}: ${root}`);
  console.log(`Both sides run this checkout's bench/ against their own src/; ${options.pairs} pair(s) per section, order ${pairOrder(Math.min(options.pairs, 4)).map((p) => p.join('').toUpperCase()).join(' ')}${options.pairs > 4 ? ' …' : ''}.`);
  console.log('B/A: median of the per-pair ratios, [pairs] their min–max; ▲/▼: B above/below A in every pair.\n');

  const compared: SectionComparison[] = [];
  if (sections.length === 0) console.log('No section selected (--only): nothing is run.');
  try {
    for (const section of sections) {
      const t0 = performance.now();
      const result = await compare(section, { a: tree.dir, b: root }, options.pairs);
      compared.push(result);
      console.log(`\n## ${section.title}  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
      for (const side of ['a', 'b'] as const) {
        const why = result.loadError?.[side];
        if (why !== undefined) console.log(`SIDE ${side.toUpperCase()} COULD NOT LOAD THE SECTION: ${why}`);
        for (const r of result.runs.filter((x) => x.side === side && x.error !== undefined)) {
          console.log(`SIDE ${side.toUpperCase()} FAILED in pair ${r.pair + 1}: ${r.error}`);
        }
      }
      if (result.rows.length > 0) console.log(renderComparison(result.rows));
      console.log('');
    }
  } finally {
    process.removeListener('SIGINT', removeOnSignal);
    if (options.keepTree) console.log(`kept A's tree: ${tree.dir}`);
    else tree.remove();
  }

  const failed = compared.filter((c) => c.loadError !== undefined || c.runs.some((r) => r.error !== undefined)).map((c) => c.id);
  if (failed.length > 0) console.log(`## Sections with a failed side: ${failed.join(', ')}`);
  const out = fileURLToPath(new URL('./results.against.json', import.meta.url));
  const summary = { failedSections: failed };
  writeFileSync(
    out,
    JSON.stringify({ environment, against: { ...sides, pairs: options.pairs, order: pairOrder(options.pairs).map((p) => p.join('')) }, summary, sections: compared }, null, 2) + '\n',
  );
  console.log(`\nwrote ${out}`);
  return failed.length > 0 ? 1 : 0;
}

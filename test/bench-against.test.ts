/**
 * The pure parts of `npm run bench -- --against <ref>` (bench/against.ts): its arguments, the A B / B A
 * order, the pairing and ratio maths, and the ref's tree (git archive into a temp dir, the current bench/
 * over the ref's, node_modules linked, nothing in the repository touched). No benchmark is timed here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PAIRS,
  compareSection,
  direction,
  isBenchOutput,
  pairOrder,
  parseAgainstArgs,
  prepareTree,
  ratioOf,
  renderComparison,
  resolveCommit,
  spread,
} from '../bench/against.js';
import type { Row, SectionResult } from '../bench/common.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function result(rows: ReadonlyArray<Partial<Row> & { name: string; value: number }>, error?: string): SectionResult {
  return {
    id: 's',
    title: 'S',
    rows: rows.map((r) => ({ unit: 'ms', ...r })),
    targets: [],
    notes: [],
    ...(error === undefined ? {} : { error }),
  };
}

describe('parseAgainstArgs', () => {
  it('is undefined without --against (a normal run)', () => {
    expect(parseAgainstArgs([], false)).toBeUndefined();
    expect(parseAgainstArgs(['--quick', '--only=operators'], true)).toBeUndefined();
  });

  it('takes the ref as the next argument or after =, and the pairs likewise', () => {
    expect(parseAgainstArgs(['--against', 'HEAD~3', '--only=operators'], false)).toEqual({ ref: 'HEAD~3', pairs: DEFAULT_PAIRS.full, keepTree: false });
    expect(parseAgainstArgs(['--against=main', '--quick'], true)).toEqual({ ref: 'main', pairs: DEFAULT_PAIRS.quick, keepTree: false });
    expect(parseAgainstArgs(['--pairs=5', '--against', 'abc123', '--keep-tree'], false)).toEqual({ ref: 'abc123', pairs: 5, keepTree: true });
    expect(parseAgainstArgs(['--against', 'v1', '--pairs', '4'], true)?.pairs).toBe(4);
  });

  it('refuses a missing ref and a pair count that is not a positive integer', () => {
    expect(() => parseAgainstArgs(['--against'], false)).toThrow(/--against needs a value/);
    expect(() => parseAgainstArgs(['--against', '--quick'], true)).toThrow(/--against needs a value/);
    expect(() => parseAgainstArgs(['--against='], false)).toThrow(/git ref/);
    for (const bad of ['0', '-1', '1.5', 'x', '']) {
      expect(() => parseAgainstArgs(['--against', 'HEAD', `--pairs=${bad}`], false)).toThrow(/--pairs must be a positive integer/);
    }
  });
});

describe('order and maths', () => {
  it('alternates which side goes first: A B, B A, A B, …', () => {
    expect(pairOrder(1)).toEqual([['a', 'b']]);
    expect(pairOrder(4)).toEqual([
      ['a', 'b'],
      ['b', 'a'],
      ['a', 'b'],
      ['b', 'a'],
    ]);
  });

  it('ratioOf is b / a, NaN without two finite numbers, with a = 0 or across zero', () => {
    expect(ratioOf(2, 3)).toBe(1.5);
    expect(ratioOf(-2, -1)).toBe(0.5);
    expect(ratioOf(2, 0)).toBe(0);
    expect(ratioOf(0.031, -0.082)).toBeNaN();
    expect(ratioOf(0, 3)).toBeNaN();
    expect(ratioOf(undefined, 3)).toBeNaN();
    expect(ratioOf(2, Number.NaN)).toBeNaN();
  });

  it('spread: median, min and max of the finite values', () => {
    expect(spread([3, 1, 2, Number.NaN])).toMatchObject({ median: 2, min: 1, max: 3 });
    expect(spread([]).median).toBeNaN();
  });

  it('B/A is the median of the per-pair ratios (not the ratio of the medians), with their min–max', () => {
    // Pair 1 ran on a slow machine (both sides 10× slower): the per-pair ratio is immune to that.
    const a = [result([{ name: 'x', value: 100 }]), result([{ name: 'x', value: 10 }]), result([{ name: 'x', value: 12 }])];
    const b = [result([{ name: 'x', value: 50 }]), result([{ name: 'x', value: 6 }]), result([{ name: 'x', value: 6 }])];
    const [x] = compareSection(a, b);
    expect(x!.a.median).toBe(12);
    expect(x!.b.median).toBe(6);
    expect(x!.ratio.values).toEqual([0.5, 0.6, 0.5]);
    expect(x!.ratio).toMatchObject({ median: 0.5, min: 0.5, max: 0.6 });
    expect(direction(x!.ratio)).toBe('▼');
  });

  it('leaves out a pair in which either side failed', () => {
    const a = [result([{ name: 'x', value: 10 }]), undefined, result([{ name: 'x', value: 10 }])];
    const b = [result([{ name: 'x', value: 20 }]), result([{ name: 'x', value: 1 }]), result([], 'Error: boom')];
    const [x] = compareSection(a, b);
    expect(x!.ratio.values).toEqual([2]);
    expect(x!.a.values).toEqual([10]);
    expect(direction(x!.ratio)).toBe(''); // one pair says nothing about direction
  });

  it('matches rows by name, numbers repeated names, marks rows found on one side only', () => {
    const a = [result([{ name: 'x', value: 1 }, { name: 'dup', value: 2 }, { name: 'dup', value: 4 }, { name: 'gone', value: 1 }])];
    const b = [result([{ name: 'new', value: 5 }, { name: 'dup', value: 3 }, { name: 'x', value: 2 }, { name: 'dup', value: 8 }])];
    const rows = compareSection(a, b);
    expect(rows.map((r) => [r.name, r.onlyIn, r.ratio.median])).toEqual([
      ['x', undefined, 2],
      ['dup', undefined, 1.5],
      ['dup #2', undefined, 2],
      ['gone', 'a', Number.NaN],
      ['new', 'b', Number.NaN],
    ]);
  });

  it("compares a row's own ratio (measured within one run) pair by pair too", () => {
    const a = [result([{ name: 'op', value: 4, ratio: 2, ratioTo: 'fold' }]), result([{ name: 'op', value: 8, ratio: 2.2, ratioTo: 'fold' }])];
    const b = [result([{ name: 'op', value: 3, ratio: 1.5, ratioTo: 'fold' }]), result([{ name: 'op', value: 6, ratio: 1.65, ratioTo: 'fold' }])];
    const [op] = compareSection(a, b);
    expect(op!.rowRatio?.ratioTo).toBe('fold');
    expect(op!.rowRatio?.ratio.values.map((v) => Math.round(v * 1000) / 1000)).toEqual([0.75, 0.75]);
    expect(op!.rowRatio?.a.median).toBeCloseTo(2.1);
    const text = renderComparison([op!]);
    expect(text).toContain('| op ');
    expect(text).toContain('2.10 → 1.57× fold');
    expect(text).toContain('0.750×');
    expect(text).toContain('▼');
  });

  it('direction: ▲ when B is above A in every pair, nothing when the pairs disagree', () => {
    expect(direction(spread([1.1, 1.3]))).toBe('▲');
    expect(direction(spread([0.9, 1.3]))).toBe('');
  });
});

describe("the ref's tree", () => {
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8' });

  it('names a ref that is no commit', () => {
    expect(() => resolveCommit(root, 'no-such-ref-for-against-test')).toThrow(/not a commit/);
  });

  it('is git archive of the ref with the current bench/ and a link to node_modules, and touches nothing in the repository', async () => {
    const headBefore = git('rev-parse', 'HEAD');
    const worktreesBefore = git('worktree', 'list', '--porcelain');
    const tree = prepareTree(root, 'HEAD');
    try {
      expect(tree.commit).toBe(git('rev-parse', 'HEAD').trim());
      const tracked = git('ls-tree', '-r', '--name-only', 'HEAD', 'src').trim().split('\n');
      for (const path of tracked) expect(existsSync(join(tree.dir, path)), path).toBe(true);
      // bench/ is this checkout's, including files HEAD may not have (this very module), without outputs.
      const names = readdirSync(join(root, 'bench'));
      expect(readdirSync(join(tree.dir, 'bench')).sort()).toEqual(names.filter((n) => !isBenchOutput(n)).sort());
      expect(names.some(isBenchOutput)).toBe(true); // results.json is committed: the filter had something to leave out
      const self = join('bench', 'against.ts');
      expect(readFileSync(join(tree.dir, self), 'utf8')).toBe(readFileSync(join(root, self), 'utf8'));
      expect(lstatSync(join(tree.dir, 'node_modules')).isSymbolicLink()).toBe(true);
      expect(realpathSync(join(tree.dir, 'node_modules'))).toBe(realpathSync(join(root, 'node_modules')));
      // Each tree has its own src/ module instances.
      const here = (await import(pathToFileURL(join(root, 'src', 'chunk.ts')).href)) as { chunk: unknown };
      const there = (await import(pathToFileURL(join(tree.dir, 'src', 'chunk.ts')).href)) as { chunk: unknown };
      expect(typeof there.chunk).toBe('function');
      expect(there.chunk).not.toBe(here.chunk);
    } finally {
      tree.remove();
    }
    expect(existsSync(tree.dir)).toBe(false);
    expect(git('rev-parse', 'HEAD')).toBe(headBefore);
    expect(git('worktree', 'list', '--porcelain')).toBe(worktreesBefore);
  });
});

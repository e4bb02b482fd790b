/**
 * The benchmark suite runs (quick mode, ~20 s), so it cannot rot between full runs. Its numbers are not
 * asserted here — performance is reported by `npm run bench`, never asserted in timed unit tests — only
 * that every section ran and checked its output.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

it('npm run bench -- --quick runs every section', async () => {
  const written = new URL('./results.quick.json', import.meta.url);
  rmSync(written, { force: true }); // a file left by an earlier run must not pass for this one
  await run(tsx, ['bench/index.ts', '--quick'], { cwd: root, timeout: 400_000, env: { ...process.env, BENCH_QUICK: '1' } });
  const results = JSON.parse(readFileSync(written, 'utf8')) as {
    summary: { failedSections: unknown[]; notMeasured: number };
    sections: Array<{ id: string; rows: unknown[]; targets: Array<{ measured: unknown }> }>;
  };
  expect(results.summary.failedSections).toEqual([]);
  expect(results.summary.notMeasured).toBe(0);
  expect(results.sections.map((s) => s.id)).toEqual(['operators', 'alternatives', 'e2e', 'memory', 'concurrency', 'cancellation', 'workflow', 'structured', 'serving', 'recovery', 'firstRequest', 'scale', 'agentLoop', 'callgrind']);
  for (const section of results.sections) {
    expect(section.rows.length).toBeGreaterThan(0);
    for (const target of section.targets) expect(typeof target.measured).toBe('number');
  }
}, 420_000);

/**
 * The soak in `npm test`: 1,000 mixed streams through the three SDKs, in a process of its own started with
 * `--expose-gc`, so the heap is measured after a collection rather than guessed: every stream behaves, nothing
 * is left open, and the heap is back within a few MB of its warmed-up baseline.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { KINDS, type SoakSummary } from './soak/soak.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

it('1,000 mixed streams: completed, unsubscribed, timed out, failed, retried, with tools — none wrong, nothing left open', async () => {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/soak/cli.ts', '1000', '--json'], { cwd: root, timeout: 110_000 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as SoakSummary & { gc: boolean };
  expect(summary.gc).toBe(true);
  for (const kind of KINDS) {
    expect(summary.outcomes[kind], kind).toEqual({ ok: expect.any(Number) as number, wrong: 0 });
    expect(summary.outcomes[kind].ok, kind).toBeGreaterThanOrEqual(166);
  }
  expect(summary.leftover).toEqual({});
  expect(summary.heapAfterMB - summary.heapBeforeMB).toBeLessThan(10);
}, 120_000);

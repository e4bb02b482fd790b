/**
 * `npm run soak [-- <streams>] [--json]`: the soak (10,000 streams by default) with a summary; exit 1 if anything
 * went wrong. Run with `--expose-gc` (npm run soak does) for an exact heap figure; `--json` prints the summary as
 * one JSON line instead (test/soak.test.ts reads it).
 */
import { runSoak } from './soak.js';

const args = process.argv.slice(2);
const streams = Number(args.find((a) => /^\d+$/.test(a)) ?? 10_000);
const summary = await runSoak(streams);
const wrong = Object.values(summary.outcomes).reduce((n, o) => n + o.wrong, 0);
if (args.includes('--json')) {
  console.log(JSON.stringify({ ...summary, gc: typeof (globalThis as { gc?: unknown }).gc === 'function' }));
} else {
  console.log(`soak: ${summary.streams} streams in ${(summary.wallMs / 1000).toFixed(1)} s, ${summary.serverRequests} requests`);
  for (const [kind, o] of Object.entries(summary.outcomes)) console.log(`  ${kind.padEnd(12)} ${o.ok} as expected, ${o.wrong} not`);
  console.log(`  left behind: ${Object.keys(summary.leftover).length === 0 ? 'nothing' : JSON.stringify(summary.leftover)}`);
  console.log(`  heap: ${summary.heapBeforeMB} MB before, ${summary.heapAfterMB} MB after${(globalThis as { gc?: unknown }).gc ? ' (after gc)' : ' (run with --expose-gc for an exact figure)'}`);
}
if (wrong > 0 || Object.keys(summary.leftover).length > 0) process.exitCode = 1;

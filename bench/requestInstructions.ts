/**
 * Short requests for counting instructions with valgrind (section 14): the client side of section 3's
 * "short (5 deltas)" rows, our provider or the raw SDK, against a loopback server that another process runs
 * (bench/callgrind.ts starts it; valgrind counts this process only).
 *
 * A short request's count only settles once V8 has stopped compiling: with `--trace-opt`, both sides still
 * optimize functions after 4,000 requests and stop by ~5,000, and ours, with more code to tier up, reads
 * 1.28× the raw SDK after 200 requests, 1.10× after 1,000 and 1.04× after 1,500 and 5,000. So the workload
 * first runs {@link REQUEST_WARM_UP} requests with valgrind's instrumentation off (~5× slower, not ~50×), then
 * says `warm` on stdout and waits for a line on stdin. The parent turns instrumentation on and zeroes the
 * counters (`callgrind_control -i on`, `-z`), the workload runs the counted requests, says `done` and waits
 * again while the parent dumps the counts (`callgrind_control -d`). By hand (bundle it first, as
 * bench/instructions.ts):
 *
 *   npx esbuild bench/requestInstructions.ts --bundle --platform=node --format=esm --log-level=warning --outfile=/tmp/cg/R.mjs
 *   valgrind --tool=callgrind --instr-atstart=no node --predictable /tmp/cg/R.mjs ours:ollama <url> 400
 *   # at "warm": callgrind_control -i on <pid>; callgrind_control -z <pid>; press Enter
 *   # at "done": callgrind_control -d <pid>; press Enter; the dump's "totals:" line / 400 is a request
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, reduce } from 'rxjs';
import type { StreamChunk } from '../src/chunk.js';
import { SHORT_CHUNKS, makeDeltas } from './common.js';
import { REQUEST, ourProvider, rawClient } from './sdk.js';
import { WIRE_PROVIDERS, transcript, type WireProvider } from './wireGen.js';

/** Requests before the counted ones (uncounted): V8 has stopped optimizing the SDK's and our code by then. */
export const REQUEST_WARM_UP = 5_000;
export const REQUEST_SIDES = ['ours', 'raw'] as const;
export type RequestSide = (typeof REQUEST_SIDES)[number];

/** The workload names, `<side>:<provider>`, for bench/callgrind.ts. */
export const REQUEST_WORKLOADS: readonly string[] = WIRE_PROVIDERS.flatMap((p) => REQUEST_SIDES.map((s) => `${s}:${p}`));

const fold = (text: string, c: StreamChunk): string => text + c.content;

function task(side: RequestSide, name: WireProvider, url: string): () => Promise<string> {
  if (side === 'ours') {
    const provider = ourProvider(name, url);
    return () => lastValueFrom(provider.stream(REQUEST).pipe(reduce(fold, '')));
  }
  const raw = rawClient(name, url);
  return async () => {
    let text = '';
    const stream = await raw.open();
    await stream.consume((d) => (text += d));
    return text;
  };
}

async function main(): Promise<void> {
  const [workload = '', url = '', timesText = '', warmUpText = String(REQUEST_WARM_UP)] = process.argv.slice(2);
  const [side, name] = workload.split(':') as [RequestSide, WireProvider];
  const times = Number(timesText);
  const warmUp = Number(warmUpText);
  const counts = (n: number): boolean => Number.isInteger(n) && n >= 0;
  if (!REQUEST_WORKLOADS.includes(workload) || !/^http:\/\/127\.0\.0\.1:\d+$/.test(url) || !counts(times) || !counts(warmUp)) {
    console.error(`usage: bench/requestInstructions.ts <${REQUEST_WORKLOADS.join('|')}> <loopback url> <counted requests> [warm-up requests, ${REQUEST_WARM_UP}]`);
    process.exit(2);
  }
  const expected = transcript(name, makeDeltas(SHORT_CHUNKS)).text;
  const request = task(side, name, url);
  const run = async (): Promise<void> => {
    const text = await request();
    if (text !== expected) throw new Error(`${workload}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(text)}`);
  };
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const say = async (word: string): Promise<void> => {
    process.stdout.write(`${word}\n`);
    await lines.next();
  };
  for (let i = 0; i < warmUp; i++) await run();
  await say('warm');
  for (let i = 0; i < times; i++) await run();
  await say('done');
  process.exit(0);
}

// Run as a script (the bundle valgrind runs); imported by bench/callgrind.ts for its names only.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

/**
 * A fixed workload per operator row for counting instructions with valgrind, which is repeatable where
 * timings on a shared VM are not (`perf stat` is unavailable there). Bundle it first: under tsx the loader's
 * thread makes counts vary by ~3 %; a plain bundle under `node --predictable` repeats to ~0.001 %:
 *
 *   npx esbuild bench/instructions.ts --bundle --platform=node --format=esm --log-level=warning --outfile=/tmp/cg/B.mjs
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --predictable /tmp/cg/B.mjs retry 2
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --predictable /tmp/cg/B.mjs retry 6
 *
 * Each prints "Collected : <instructions>". Both runs do the same start-up, module loading and warm-up
 * (small pipelines through RxJS's map and reduce with eight functions, then 5 pipelines), so their difference
 * is exactly 4 pipelines of 20,000 chunks (+ 1 final): (I6 − I2) / 80,004 is the row's instructions per chunk.
 * Section 14 (bench/callgrind.ts) does this for every row; by hand it serves `--against`. For another commit, bundle the file from the tree that
 * `npm run bench -- --against <ref> --only=none --keep-tree` unpacks (it has this bench/ and that commit's src/).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, map, reduce, type OperatorFunction } from 'rxjs';
import type { StreamChunk } from '../src/chunk.js';
import { bufferChunks } from '../src/operators/bufferChunks.js';
import { collectResponse } from '../src/operators/collectResponse.js';
import { interruptAfter } from '../src/operators/interruptAfter.js';
import { retryStream } from '../src/operators/retryStream.js';
import { streamMetrics } from '../src/operators/streamMetrics.js';
import { timeoutStream } from '../src/operators/timeoutStream.js';
import { makeChunks, makeDeltas, textLength } from './common.js';
import { TIMEOUTS, chainWithoutBuffer, foldAndClock, fullChain, same, type RowKey } from './operators.js';

export const INSTRUCTION_CHUNKS = 20_000;
const WARM_UP = 5;

const deltas = makeDeltas(INSTRUCTION_CHUNKS);
const chunks = makeChunks(deltas);
const never = textLength(deltas) * 2 + 1;
const fold = (text: string, c: StreamChunk): string => text + c.content;
const viaFold = (op: OperatorFunction<StreamChunk, StreamChunk>) => (): Promise<string> => lastValueFrom(from(chunks).pipe(op, reduce(fold, '')));

const WORKLOADS: Readonly<Record<RowKey | 'metrics', () => Promise<string>>> = {
  fold: () => lastValueFrom(from(chunks).pipe(reduce(fold, ''))),
  timeout: viaFold(timeoutStream(TIMEOUTS)),
  retry: viaFold(retryStream()),
  interrupt: viaFold(interruptAfter({ chars: never })),
  buffer: viaFold(bufferChunks(8)),
  metrics: viaFold(streamMetrics()),
  collect: () => lastValueFrom(from(chunks).pipe(collectResponse({ keepChunks: false }), map((r) => r.completeText))),
  pair: viaFold((s) => s.pipe(interruptAfter({ chars: never }), bufferChunks(8))),
  chainWithoutBuffer: () => lastValueFrom(from(chunks).pipe(chainWithoutBuffer(never))),
  chain: () => lastValueFrom(from(chunks).pipe(fullChain(never))),
  chainFloor: () => lastValueFrom(from(chunks).pipe(map(same), map(same), map(same), map(same), map(same), reduce(foldAndClock, ''))),
};

/** The workloads' names, for bench/callgrind.ts. */
export const WORKLOAD_NAMES: readonly string[] = Object.keys(WORKLOADS);

async function main(): Promise<void> {
  const [name = '', timesText = ''] = process.argv.slice(2);
  const workload = (WORKLOADS as Readonly<Record<string, (() => Promise<string>) | undefined>>)[name];
  const times = Number(timesText);
  if (workload === undefined || !Number.isInteger(times) || times < 0) {
    console.error(`usage: bench/instructions.ts <${Object.keys(WORKLOADS).join('|')}> <pipelines after the warm-up>`);
    process.exit(2);
  }
  // RxJS's map and reduce see many functions first, as in an app (and as in section 1, where every row shares
  // them): a floor built of them is then measured as it runs there, not with call sites that saw one function.
  const shapes: readonly ((c: StreamChunk) => unknown)[] = [(c) => c, (c) => ({ ...c }), (c) => c.content, (c) => c.isFinal, (c) => c.metadata, (c) => [c], () => 1, (c) => c.timestamp];
  for (const f of shapes) {
    for (const g of shapes) {
      await lastValueFrom(from(chunks.slice(0, 500)).pipe(map(f), map(g as (v: unknown) => unknown), reduce((n: number) => n + 1, 0), reduce((_: number, n: number) => n, 0)));
    }
  }
  for (let i = 0; i < WARM_UP + times; i++) {
    const text = await workload();
    if (text.length !== textLength(deltas)) throw new Error(`${name}: expected ${textLength(deltas)} chars, got ${text.length}`);
  }
}

// Run as a script (the bundle valgrind runs); imported by bench/callgrind.ts for its names only.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

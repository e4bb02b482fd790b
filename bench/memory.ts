/**
 * Section 4 — memory. Heap growth (heapUsed after a forced full GC) while N chunks stream through:
 *   - the bare source (harness floor),
 *   - a non-collecting pipeline: bufferChunks(8) → interruptAfter({ chars }) → streamMetrics() → a counting
 *     subscriber, and each of bufferChunks, interruptAfter, retryStream, streamMetrics alone,
 *   - collectResponse({ keepChunks: false }): growth compared with the size of the text it must hold,
 *   - timeoutStream({ first, idle, total }): it keeps the partial text for its error, ~1 byte a char.
 * The source makes each chunk on the fly (from a shared vocabulary of deltas), so chunks are garbage as soon
 * as the pipeline drops them. Heap is read after the last content chunk while the pipeline is still live,
 * and (for collectResponse) again after completion while the response is held.
 * Each scenario runs in its own `node --expose-gc --import tsx` child process so heaps do not mix.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Observable, type OperatorFunction } from 'rxjs';
import { chunk, finalChunk, type StreamChunk } from '../src/chunk.js';
import { bufferChunks } from '../src/operators/bufferChunks.js';
import { collectResponse } from '../src/operators/collectResponse.js';
import { interruptAfter } from '../src/operators/interruptAfter.js';
import { retryStream } from '../src/operators/retryStream.js';
import { streamMetrics } from '../src/operators/streamMetrics.js';
import { timeoutStream } from '../src/operators/timeoutStream.js';
import type { StreamingResponse } from '../src/response.js';
import { BENCH_METADATA, QUICK, makeDeltas, round, size, target, type Row, type SectionResult } from './common.js';
import { TIMEOUTS } from './operators.js';

export const MEMORY_CHUNKS = size(1_000_000, 100_000);
const MB = 2 ** 20;

type ScenarioId = 'source' | 'pipeline' | 'collect' | 'timeout' | 'bufferChunks' | 'interruptAfter' | 'retryStream' | 'streamMetrics';

interface ScenarioResult {
  readonly id: ScenarioId;
  readonly chunks: number;
  readonly chars: number;
  /** heapUsed growth (bytes) at 25/50/75/100 % of the stream, pipeline live. */
  readonly liveGrowth: readonly number[];
  /** heapUsed growth (bytes) after completion, result still referenced (collect only). */
  readonly retainedGrowth?: number;
  readonly textLength?: number;
}

const ALONE: ReadonlySet<ScenarioId> = new Set(['bufferChunks', 'interruptAfter', 'retryStream', 'streamMetrics']);
const SCENARIOS: readonly ScenarioId[] = ['source', 'pipeline', 'collect', 'timeout', 'bufferChunks', 'interruptAfter', 'retryStream', 'streamMetrics'];

function heap(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A lazy source of `n` content chunks then a final one; calls `probe(i)` after chunk i for i in `at`. */
function lazySource(n: number, vocabulary: readonly string[], at: ReadonlySet<number>, probe: (i: number) => void): Observable<StreamChunk> {
  return new Observable<StreamChunk>((subscriber) => {
    for (let i = 1; i <= n && !subscriber.closed; i++) {
      subscriber.next(chunk(vocabulary[i % vocabulary.length]!, { metadata: BENCH_METADATA, timestamp: i }));
      if (at.has(i)) probe(i);
    }
    subscriber.next(finalChunk({ ...BENCH_METADATA, finishReason: 'stop' }, { timestamp: n + 1 }));
    subscriber.complete();
  });
}

function runScenario(id: ScenarioId, n: number, gc: () => void): ScenarioResult {
  const vocabulary = makeDeltas(4096);
  let chars = 0;
  for (let i = 1; i <= n; i++) chars += vocabulary[i % vocabulary.length]!.length;
  const at = new Set([Math.floor(n / 4), Math.floor(n / 2), Math.floor((3 * n) / 4), n]);
  const live: number[] = [];
  let base = 0;
  const source = lazySource(n, vocabulary, at, () => live.push(heap(gc) - base));

  let seenChars = 0;
  const count = { next: (c: StreamChunk) => (seenChars += c.content.length) };
  let response: StreamingResponse | undefined;

  const pipelines: Record<Exclude<ScenarioId, 'collect'>, OperatorFunction<StreamChunk, StreamChunk>> = {
    source: (s) => s,
    pipeline: (s) => s.pipe(bufferChunks(8), interruptAfter({ chars: chars * 2 + 1 }), streamMetrics()),
    timeout: (s) => s.pipe(timeoutStream(TIMEOUTS)),
    bufferChunks: (s) => s.pipe(bufferChunks(8)),
    interruptAfter: (s) => s.pipe(interruptAfter({ chars: chars * 2 + 1 })),
    retryStream: (s) => s.pipe(retryStream()),
    streamMetrics: (s) => s.pipe(streamMetrics()),
  };

  base = heap(gc);
  if (id === 'collect') {
    source.pipe(collectResponse({ keepChunks: false })).subscribe((r) => (response = r));
  } else {
    source.pipe(pipelines[id]).subscribe(count).unsubscribe();
  }
  const retained = heap(gc) - base;
  const textLength = response?.completeText.length;
  if (id === 'collect' ? textLength !== chars : seenChars !== chars) {
    throw new Error(`memory scenario ${id}: expected ${chars} chars, got ${id === 'collect' ? textLength : seenChars}`);
  }
  return {
    id,
    chunks: n,
    chars,
    liveGrowth: live,
    ...(id === 'collect' ? { retainedGrowth: retained, textLength } : {}),
  };
}

function runChild(id: ScenarioId): ScenarioResult {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child', id, ...(QUICK ? ['--quick'] : [])], {
    encoding: 'utf8',
    maxBuffer: 16 * MB,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (child.status !== 0) throw new Error(`memory child ${id} failed (${child.status}): ${child.stderr}`);
  const line = child.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ScenarioResult;
}

export async function run(): Promise<SectionResult> {
  const results = SCENARIOS.map(runChild);
  const byId = new Map(results.map((r) => [r.id, r]));
  const rows: Row[] = [];
  const label: Record<ScenarioId, string> = {
    source: 'bare source → counting subscriber (harness floor)',
    pipeline: 'bufferChunks(8) → interruptAfter → streamMetrics → counting subscriber',
    collect: 'collectResponse({keepChunks:false}) (live, before completion)',
    timeout: 'timeoutStream({first,idle,total}) → counting subscriber',
    bufferChunks: 'bufferChunks(8) alone',
    interruptAfter: 'interruptAfter({chars}) alone (never fires)',
    retryStream: 'retryStream() alone',
    streamMetrics: 'streamMetrics() alone',
  };
  for (const r of results) {
    const end = r.liveGrowth[r.liveGrowth.length - 1] ?? Number.NaN;
    rows.push({
      name: label[r.id],
      value: round(end / MB, 3),
      unit: 'MB heap growth',
      extra: {
        bytesPerChar: round(end / r.chars, 3),
        growthAt25_50_75_100pctMB: r.liveGrowth.map((g) => round(g / MB, 2)).join(' / '),
        chunks: r.chunks,
        chars: r.chars,
      },
    });
  }
  const collect = byId.get('collect')!;
  if (collect.retainedGrowth !== undefined) {
    rows.push({
      name: 'collectResponse({keepChunks:false}) (completed, response held)',
      value: round(collect.retainedGrowth / MB, 3),
      unit: 'MB heap growth',
      extra: { bytesPerChar: round(collect.retainedGrowth / collect.chars, 3), textMB: round(collect.chars / MB, 3) },
    });
  }
  rows.push({ name: 'text size (one byte a char)', value: round(collect.chars / MB, 3), unit: 'MB', extra: { chars: collect.chars } });

  const pipelineEnd = byId.get('pipeline')!.liveGrowth.at(-1)! / MB;
  const collectEnd = collect.liveGrowth.at(-1)! / collect.chars;
  const timeoutEnd = byId.get('timeout')!.liveGrowth.at(-1)! / byId.get('timeout')!.chars;
  return {
    id: 'memory',
    title: `4. Memory (${MEMORY_CHUNKS.toLocaleString('en-US')} chunks, ${round(collect.chars / MB, 2)} MB of text)`,
    rows,
    targets: [
      target('non-collecting pipeline heap growth', '<= 5 MB growth over the whole stream', round(pipelineEnd, 3), '<=', 5, 'MB'),
      target('collectResponse({keepChunks:false}) holds only the text', '<= 2 bytes of heap per char of text (text is 1 byte/char)', round(collectEnd, 3), '<=', 2, 'B/char'),
      target('timeoutStream partial text', '<= 2 bytes of heap per char (keeps the partial text, ~1 B/char)', round(timeoutEnd, 3), '<=', 2, 'B/char'),
    ],
    notes: [
      ...results
        .filter((r) => ALONE.has(r.id) && (r.liveGrowth.at(-1) ?? 0) > MB)
        .map((r) => `${label[r.id]} retains ${round((r.liveGrowth.at(-1) ?? 0) / r.chars, 2)} B per char of text passed (its partial response), so any chain containing it grows with the stream.`),
      'Growth = heapUsed after two forced GCs at the probe point − heapUsed after two forced GCs before subscribing; probes at 25/50/75/100 % of the stream while the pipeline is live.',
      'The non-collecting pipeline is bufferChunks(8) → interruptAfter({ chars: 2 × text + 1 }) → streamMetrics(); the operators alone show which one holds what.',
      'The 2 B/char bounds for collectResponse and timeoutStream are this harness\'s reading of "holds only the text": ~1 B/char for the one-byte text plus the bookkeeping of the text (a rope of the latest pieces, flattened every 512).',
    ],
  };
}

if (process.argv.includes('--child')) {
  const id = process.argv[process.argv.indexOf('--child') + 1] as ScenarioId;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('memory child needs --expose-gc');
  process.stdout.write(JSON.stringify(runScenario(id, MEMORY_CHUNKS, gc)) + '\n');
}

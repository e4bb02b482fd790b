/**
 * Section 1 — operator overhead. The same pre-built chunks (N content chunks + 1 final chunk) go through
 * each operator alone and through the full chain; every pipeline ends in the same text fold, so the ratio
 * to the bare RxJS fold is the operator's own cost. Baselines: the bare fold (`from(chunks)` + `reduce`),
 * a `for await` over an async generator of the chunks (how SDK streams are consumed) and a sync `for…of`.
 */
import { asyncScheduler, from, lastValueFrom, map, reduce, type Observable, type OperatorFunction } from 'rxjs';
import type { StreamChunk } from '../src/chunk.js';
import { StreamingResponse } from '../src/response.js';
import { bufferChunks } from '../src/operators/bufferChunks.js';
import { collectResponse } from '../src/operators/collectResponse.js';
import { interruptAfter } from '../src/operators/interruptAfter.js';
import { retryStream } from '../src/operators/retryStream.js';
import { streamMetrics } from '../src/operators/streamMetrics.js';
import { timeoutStream } from '../src/operators/timeoutStream.js';
import {
  assertEqual,
  makeChunks,
  makeDeltas,
  measure,
  round,
  size,
  target,
  textLength,
  usPerChunk,
  type SectionResult,
  type Task,
} from './common.js';

export const OPERATOR_CHUNKS = size(200_000, 20_000);
/** Rows before it are baselines and floors, rows from it on are our operators (each gets the targets). */
const FIRST_OPERATOR_ROW = 6;
/** Measured for information, no target (the targets are for the five operators and their chain). */
const INFO_ONLY = 'streamMetrics() + fold (for information)';

const fold = (text: string, c: StreamChunk): string => text + c.content;
/** The fold plus the one clock read per chunk that an exact idle deadline needs (the same clock timeoutStream reads). */
let clockSink = 0;
const foldAndClock = (text: string, c: StreamChunk): string => {
  clockSink += asyncScheduler.now() & 1;
  return text + c.content;
};
const same = (c: StreamChunk): StreamChunk => c;

/**
 * The fold plus what timeoutStream's contract makes it do per chunk, with no operator around it: one clock
 * read (the exact idle deadline) and adding the chunk to the partial response its error carries.
 */
function contractFloor(chunks: readonly StreamChunk[]): Promise<string> {
  const partial = new StreamingResponse({ keepChunks: false });
  const foldClockPartial = (text: string, c: StreamChunk): string => {
    clockSink += asyncScheduler.now() & 1;
    partial.addChunk(c);
    return text + c.content;
  };
  return lastValueFrom(from(chunks).pipe(reduce(foldClockPartial, '')));
}

/** Deadlines far beyond the run, so the timers are armed but never fire. */
export const TIMEOUTS = { first: 60_000, idle: 60_000, total: 600_000 } as const;

/** The full chain, in the order an app would write it. `neverChars` keeps interruptAfter armed but idle. */
export function fullChain(neverChars: number): OperatorFunction<StreamChunk, string> {
  return (source: Observable<StreamChunk>) =>
    source.pipe(
      timeoutStream(TIMEOUTS),
      retryStream(),
      interruptAfter({ chars: neverChars }),
      bufferChunks(8),
      collectResponse({ keepChunks: false }),
      map((r) => r.completeText),
    );
}

async function* generate(chunks: readonly StreamChunk[]): AsyncGenerator<StreamChunk> {
  for (const c of chunks) yield c;
}

export async function run(): Promise<SectionResult> {
  const deltas = makeDeltas(OPERATOR_CHUNKS);
  const chunks = makeChunks(deltas);
  const chars = textLength(deltas);
  const never = chars * 2 + 1;

  const viaFold = (op: OperatorFunction<StreamChunk, StreamChunk>) => (): Promise<string> =>
    lastValueFrom(from(chunks).pipe(op, reduce(fold, '')));

  const tasks: Task[] = [
    { name: 'bare RxJS fold: from(chunks) + reduce', fn: () => lastValueFrom(from(chunks).pipe(reduce(fold, ''))) },
    {
      name: 'for await over async generator',
      fn: async () => {
        let text = '';
        for await (const c of generate(chunks)) text += c.content;
        return text;
      },
    },
    {
      name: 'plain for…of loop (sync)',
      fn: async () => {
        let text = '';
        for (const c of chunks) text += c.content;
        return text;
      },
    },
    {
      name: 'clock floor: fold + asyncScheduler.now() per chunk',
      fn: () => lastValueFrom(from(chunks).pipe(reduce(foldAndClock, ''))),
    },
    { name: "timeoutStream's contract floor: fold + clock read + partial response per chunk", fn: () => contractFloor(chunks) },
    {
      name: 'RxJS floor: 5 × map(identity) + fold',
      fn: () => lastValueFrom(from(chunks).pipe(map(same), map(same), map(same), map(same), map(same), reduce(fold, ''))),
    },
    { name: 'timeoutStream({first,idle,total}) + fold', fn: viaFold(timeoutStream(TIMEOUTS)) },
    { name: 'retryStream() + fold', fn: viaFold(retryStream()) },
    { name: 'interruptAfter({chars}) + fold (never fires)', fn: viaFold(interruptAfter({ chars: never })) },
    { name: 'bufferChunks(8) + fold', fn: viaFold(bufferChunks(8)) },
    {
      name: 'collectResponse({keepChunks:false})',
      fn: () => lastValueFrom(from(chunks).pipe(collectResponse({ keepChunks: false }), map((r) => r.completeText))),
    },
    { name: 'full chain (all five)', fn: () => lastValueFrom(from(chunks).pipe(fullChain(never))) },
    // Not among the five the targets are for: a new chunk and metadata object per chunk, and a clock read.
    { name: INFO_ONLY, fn: viaFold(streamMetrics()) },
  ];

  // Sanity: every pipeline must deliver the whole text, or it is not measuring the real path.
  for (const t of tasks) assertEqual(((await t.fn()) as string).length, chars, `${t.name} text length`);

  const baseline = tasks[0]!.name;
  const results = await measure(tasks, { rounds: size(5, 2), time: size(600, 150), iterations: size(5, 3), baseline });

  const rows = results.map((r) => ({
    name: r.name,
    value: round(usPerChunk(r.medianMs, chunks.length), 4),
    unit: 'µs/chunk',
    ...(r.ratio === undefined ? {} : { ratio: round(r.ratio, 2), ratioTo: 'bare fold' }),
    extra: {
      medianMsPerRun: round(r.medianMs, 3),
      p25MsPerRun: round(r.p25Ms, 3),
      p75MsPerRun: round(r.p75Ms, 3),
      samples: r.samples,
    },
  }));

  const targets = [];
  for (const r of results.slice(FIRST_OPERATOR_ROW).filter((r) => r.name !== INFO_ONLY)) {
    const perChunk = usPerChunk(r.medianMs, chunks.length);
    targets.push(target(r.name, '<= 3x bare RxJS fold', r.ratio ?? Number.NaN, '<=', 3, 'x'));
    targets.push(target(r.name, '< 1 µs per chunk', perChunk, '<', 1, 'µs/chunk'));
  }

  return {
    id: 'operators',
    title: `1. Operator overhead (${OPERATOR_CHUNKS.toLocaleString('en-US')} chunks + final, ${chars.toLocaleString('en-US')} chars)`,
    rows,
    targets,
    notes: [
      'Every pipeline ends in the same fold (text + chunk.content), so ratio = (operator + fold) / fold.',
      'collectResponse replaces the fold (it builds the text itself); the full chain is timeoutStream → retryStream → interruptAfter → bufferChunks(8) → collectResponse({ keepChunks: false }).',
      `timeoutStream deadlines ${JSON.stringify(TIMEOUTS)} ms on asyncScheduler: armed, never fire. interruptAfter chars = 2 × text length + 1: armed, never fires.`,
      'The "RxJS floor" row is five trivial RxJS operators: what any five-operator chain costs before doing any work.',
      'The "clock floor" row is the fold plus one asyncScheduler.now() per chunk: what timeoutStream\'s exact idle deadline (and so the full chain) cannot go below.',
      'The "contract floor" row adds the partial response (StreamingResponse, text only) that timeoutStream\'s error must carry: the clock read and the partial, with no operator around them.',
      'ratio = median over rounds of (round median / bare fold round median); µs/chunk = median run time / chunk count.',
    ],
  };
}

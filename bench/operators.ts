/**
 * Section 1 — operator overhead. The same pre-built chunks (N content chunks + 1 final chunk) go through
 * each operator alone and through the full chain; every pipeline ends in the same text fold, so the ratio
 * to the bare RxJS fold is the operator's own cost. Baselines: the bare fold (`from(chunks)` + `reduce`),
 * a `for await` over an async generator of the chunks (how SDK streams are consumed) and a sync `for…of`.
 */
import { Observable, asyncScheduler, bufferCount, from, lastValueFrom, map, reduce, type OperatorFunction } from 'rxjs';
import { chunk, type StreamChunk } from '../src/chunk.js';
import { StreamingResponse } from '../src/response.js';
import { bufferChunks } from '../src/operators/bufferChunks.js';
import { collectResponse } from '../src/operators/collectResponse.js';
import { interruptAfter } from '../src/operators/interruptAfter.js';
import { retryStream } from '../src/operators/retryStream.js';
import { streamMetrics } from '../src/operators/streamMetrics.js';
import { timeoutStream } from '../src/operators/timeoutStream.js';
import {
  assertEqual,
  cpuNow,
  makeChunks,
  makeDeltas,
  measure,
  round,
  size,
  target,
  textLength,
  usPerChunk,
  type Row,
  type SectionResult,
  type Task,
} from './common.js';

export const OPERATOR_CHUNKS = size(200_000, 20_000);
/** Rows before it are baselines and floors, rows from it on are our operators (each gets the targets). */
const FIRST_OPERATOR_ROW = 6;
/** Measured for information, no target (the targets are for the five operators and their chain). */
const INFO_ONLY = 'streamMetrics() + fold (for information)';
/** The rows that section 14 (bench/callgrind.ts) counts too, by the name of its workload (bench/instructions.ts). */
export const ROW = {
  fold: 'bare RxJS fold: from(chunks) + reduce',
  timeout: 'timeoutStream({first,idle,total}) + fold',
  retry: 'retryStream() + fold',
  interrupt: 'interruptAfter({chars}) + fold (never fires)',
  buffer: 'bufferChunks(8) + fold',
  collect: 'collectResponse({keepChunks:false})',
  pair: 'interruptAfter + bufferChunks(8) + fold',
  chainWithoutBuffer: 'full chain without bufferChunks',
  chain: 'full chain (all five)',
  chainFloor: 'floor of the chain: RxJS floor + one clock read',
} as const;
export type RowKey = keyof typeof ROW;
/**
 * The combinations, each judged against the sum of its operators alone (the "sum of the parts"), not the
 * per-operator targets: the sink (collectResponse, or the fold) plus each part's cost beyond the fold.
 */
export const SUMS: readonly { readonly of: RowKey; readonly parts: readonly RowKey[]; readonly sink: RowKey }[] = [
  { of: 'pair', parts: ['interrupt', 'buffer'], sink: 'fold' },
  { of: 'chainWithoutBuffer', parts: ['timeout', 'retry', 'interrupt'], sink: 'collect' },
  { of: 'chain', parts: ['timeout', 'retry', 'interrupt', 'buffer'], sink: 'collect' },
];
const COMBINATIONS: ReadonlySet<string> = new Set([ROW.pair, ROW.chainWithoutBuffer]);

/**
 * Each operator's contract floor: the fold plus the per-chunk work its contract makes any implementation do,
 * written with RxJS primitives (one `map`, or RxJS's own operator for the job) and nothing else. The
 * regression guard is operator ≤ 1.3× its floor; the chain's is ≤ 1.2× the RxJS floor plus one clock read.
 */
const FLOOR_OF: Readonly<Record<string, string>> = {
  [ROW.timeout]: 'floor of timeoutStream: map(clock read + partial response) + fold',
  [ROW.retry]: 'floor of retryStream: map(partial response) + fold',
  [ROW.interrupt]: 'floor of interruptAfter: map(count chars, compare) + fold',
  [ROW.buffer]: 'floor of bufferChunks: bufferCount(8) + map(join into one chunk) + fold',
  [ROW.collect]: 'floor of collectResponse: reduce(StreamingResponse.addChunk)',
  [ROW.chain]: ROW.chainFloor,
};
const FLOORS: ReadonlySet<string> = new Set(Object.values(FLOOR_OF));
/** What each guard allows over its floor. */
const FLOOR_LIMIT = (name: string): number => (name === ROW.chain ? 1.2 : 1.3);

/** The floors' tasks, on `chunks` (content chunks + one final chunk). */
function floorTasks(chunks: readonly StreamChunk[], limit: number): Task[] {
  const viaFold = (...ops: OperatorFunction<StreamChunk, StreamChunk>[]) => (): Promise<string> =>
    // pipe() with a spread loses the tuple typing; the ops are all chunk → chunk.
    lastValueFrom((ops.reduce<Observable<StreamChunk>>((s, op) => s.pipe(op), from(chunks))).pipe(reduce(fold, '')));
  const partialMap = (withClock: boolean): OperatorFunction<StreamChunk, StreamChunk> => (source) =>
    new Observable<StreamChunk>((subscriber) => {
      const partial = new StreamingResponse({ keepChunks: false });
      return source
        .pipe(
          map((c) => {
            if (withClock) clockSink += asyncScheduler.now() & 1;
            partial.addChunk(c);
            return c;
          }),
        )
        .subscribe(subscriber);
    });
  const countMap: OperatorFunction<StreamChunk, StreamChunk> = (source) =>
    new Observable<StreamChunk>((subscriber) => {
      let chars = 0;
      return source
        .pipe(
          map((c) => {
            chars += c.content.length;
            if (chars > limit) throw new Error('limit');
            return c;
          }),
        )
        .subscribe(subscriber);
    });
  const joined = (group: StreamChunk[]): StreamChunk => {
    if (group.length === 1) return group[0]!;
    let content = '';
    for (const c of group) content += c.content;
    const last = group[group.length - 1]!;
    return last.isFinal ? { ...last, content } : chunk(content, { metadata: last.metadata, timestamp: last.timestamp });
  };
  return [
    { name: FLOOR_OF[ROW.timeout]!, fn: viaFold(partialMap(true)) },
    { name: FLOOR_OF[ROW.retry]!, fn: viaFold(partialMap(false)) },
    { name: FLOOR_OF[ROW.interrupt]!, fn: viaFold(countMap) },
    { name: FLOOR_OF[ROW.buffer]!, fn: viaFold((s) => s.pipe(bufferCount(8), map(joined))) },
    {
      name: FLOOR_OF[ROW.collect]!,
      fn: () =>
        lastValueFrom(
          from(chunks).pipe(
            reduce((r, c) => r.addChunk(c), new StreamingResponse({ keepChunks: false })),
            map((r) => r.completeText),
          ),
        ),
    },
    {
      name: ROW.chainFloor,
      fn: () => lastValueFrom(from(chunks).pipe(map(same), map(same), map(same), map(same), map(same), reduce(foldAndClock, ''))),
    },
  ];
}

const fold = (text: string, c: StreamChunk): string => text + c.content;
/** The fold plus the one clock read per chunk that an exact idle deadline needs (the same clock timeoutStream reads). */
let clockSink = 0;
export const foldAndClock = (text: string, c: StreamChunk): string => {
  clockSink += asyncScheduler.now() & 1;
  return text + c.content;
};
export const same = (c: StreamChunk): StreamChunk => c;

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

/** The full chain less `bufferChunks`: every chunk reaches collectResponse as the provider made it. */
export function chainWithoutBuffer(neverChars: number): OperatorFunction<StreamChunk, string> {
  return (source: Observable<StreamChunk>) =>
    source.pipe(
      timeoutStream(TIMEOUTS),
      retryStream(),
      interruptAfter({ chars: neverChars }),
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
    { name: ROW.fold, fn: () => lastValueFrom(from(chunks).pipe(reduce(fold, ''))) },
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
    { name: ROW.timeout, fn: viaFold(timeoutStream(TIMEOUTS)) },
    { name: ROW.retry, fn: viaFold(retryStream()) },
    { name: ROW.interrupt, fn: viaFold(interruptAfter({ chars: never })) },
    { name: ROW.buffer, fn: viaFold(bufferChunks(8)) },
    {
      name: ROW.collect,
      fn: () => lastValueFrom(from(chunks).pipe(collectResponse({ keepChunks: false }), map((r) => r.completeText))),
    },
    { name: ROW.chain, fn: () => lastValueFrom(from(chunks).pipe(fullChain(never))) },
    { name: ROW.pair, fn: viaFold((s) => s.pipe(interruptAfter({ chars: never }), bufferChunks(8))) },
    { name: ROW.chainWithoutBuffer, fn: () => lastValueFrom(from(chunks).pipe(chainWithoutBuffer(never))) },
    // Not among the five the targets are for: a new chunk and metadata object per chunk, and a clock read.
    { name: INFO_ONLY, fn: viaFold(streamMetrics()) },
    ...floorTasks(chunks, never),
  ];

  // Sanity: every pipeline must deliver the whole text, or it is not measuring the real path.
  for (const t of tasks) assertEqual(((await t.fn()) as string).length, chars, `${t.name} text length`);

  const baseline = tasks[0]!.name;
  // In CPU time: a 20–130 ms run on a shared VM otherwise counts the time the process was descheduled.
  const results = await measure(tasks, { rounds: size(5, 2), time: size(600, 150), iterations: size(5, 3), baseline, now: cpuNow });

  const rows: Row[] = results.map((r) => ({
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
  const resultOf = new Map(results.map((r) => [r.name, r]));
  for (const r of results.slice(FIRST_OPERATOR_ROW).filter((r) => r.name !== INFO_ONLY && !COMBINATIONS.has(r.name) && !FLOORS.has(r.name))) {
    const perChunk = usPerChunk(r.medianMs, chunks.length);
    targets.push(target(r.name, '<= 3x bare RxJS fold', r.ratio ?? Number.NaN, '<=', 3, 'x'));
    targets.push(target(r.name, '< 1 µs per chunk', perChunk, '<', 1, 'µs/chunk'));
    const floorName = FLOOR_OF[r.name];
    if (floorName !== undefined) {
      const limit = FLOOR_LIMIT(r.name);
      // On the lower quartile of run times, as the sum-of-parts targets below (and for the same reason): at
      // 200,000 chunks run times are bimodal (a GC pause or none), and a median lands in either mode, so a
      // median-based quotient flipped between runs of the same code. Both are measured in the same rounds.
      const floorP25 = resultOf.get(floorName)?.p25Ms ?? Number.NaN;
      const overFloor = r.p25Ms / floorP25;
      targets.push(target(`${r.name} vs ${floorName}`, `<= ${limit}x its contract floor (regression guard, p25 run times)`, round(overFloor, 3), '<=', limit, 'x the floor'));
    }
  }

  // The sum of the parts: the fold once, plus each operator's own cost measured alone (its row minus the
  // fold; collectResponse replaces the fold, so its row is its whole cost). A combination that costs more
  // than that pays for being combined. Judged on the lower quartile of run times, not the median: at this
  // size a run holds 0.2–0.5 scavenges of 10–60 ms (the fold's text is a live rope of every chunk), so run
  // times are bimodal and a median lands in either mode depending on how much a pipeline allocates —
  // medians of the parts do not add up even when the costs do. The p25 is a run without a GC pause.
  const byName = new Map(results.map((r) => [r.name, r]));
  const cost = (name: string, pick: (r: (typeof results)[number]) => number): number => usPerChunk(pick(byName.get(name)!), chunks.length);
  for (const sum of SUMS) {
    const of = ROW[sum.of];
    const parts = sum.parts.map((part) => ROW[part]);
    const sink = ROW[sum.sink];
    const sumBy = (pick: (r: (typeof results)[number]) => number): number =>
      parts.reduce((acc, part) => acc + cost(part, pick) - cost(baseline, pick), cost(sink, pick));
    const p25 = sumBy((r) => r.p25Ms);
    const medianSum = sumBy((r) => r.medianMs);
    const measuredP25 = cost(of, (r) => r.p25Ms);
    rows.push({
      name: `sum of the parts of: ${of}`,
      value: round(p25, 4),
      unit: 'µs/chunk p25',
      extra: {
        measuredP25UsPerChunk: round(measuredP25, 4),
        sumOfMediansUsPerChunk: round(medianSum, 4),
        measuredMedianUsPerChunk: round(cost(of, (r) => r.medianMs), 4),
        computedFrom: [...parts, sink].join(' | '),
      },
    });
    targets.push(target(of, '<= the sum of its operators alone (p25 run times)', measuredP25 / p25, '<=', 1, 'x the sum'));
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
      'Timed in this process\'s CPU time (process.cpuUsage as tinybench\'s clock). ratio = median over rounds of (round median / bare fold round median); µs/chunk = median run time / chunk count.',
      '"floor of …" rows are each operator\'s contract floor: the fold plus the per-chunk work the operator\'s contract requires (the clock read and partial response for timeoutStream, the partial response for retryStream, the char count for interruptAfter, RxJS bufferCount + join for bufferChunks, StreamingResponse.addChunk for collectResponse), in RxJS primitives. Guards: each operator <= 1.3x its floor; the chain <= 1.2x the RxJS floor plus one clock read.',
      '"sum of the parts" rows are computed, not measured: collectResponse (or the fold) plus each operator\'s alone row minus the fold, on the lower quartile of run times (runs without a GC pause: at 200,000 chunks run times are bimodal, and medians of the parts do not add up); a combination\'s target is its measured p25 over that sum.',
    ],
  };
}

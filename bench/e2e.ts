/**
 * Section 3 — end to end through the SDKs. A generated transcript (one text delta per wire event) is served
 * over loopback in each provider's wire format, whole body in one write; per provider we compare the raw SDK
 * (`for await` over its stream, collecting the text) with our provider Observable (same SDK underneath,
 * folded to the text), and with our provider through the full operator chain (for information).
 */
import { Observable, asyncScheduler, lastValueFrom, reduce } from 'rxjs';
import type { ChunkMetadata, StreamChunk } from '../src/chunk.js';
import { fullChain } from './operators.js';
import { SHORT_CHUNKS, assertEqual, cpuNow, makeDeltas, measure, round, size, target, usPerChunk, type Measured, type Row, type SectionResult, type Target, type Task } from './common.js';
import { startLoopback } from './loopback.js';
import { startLoopbackProcess } from './loopbackProcess.js';
import { REQUEST, baselineProvider, ourProvider, rawClient, type RawClient } from './sdk.js';
import { WIRE_PROVIDERS, transcript } from './wireGen.js';

export const E2E_CHUNKS = size(10_000, 1_000);
/** Deltas per stream when the server writes them as it goes (each stream then takes a few tens of ms). */
export const STREAMED_CHUNKS = size(2_000, 200);

const fold = (text: string, c: StreamChunk): string => text + c.content;
/** Another build of src/providers to compare with ours in the same run (see baselineProvider); unset: no such rows. */
const AB_DIR = process.env['BENCH_AB_PROVIDERS'];
const FLOOR_METADATA: ChunkMetadata = Object.freeze({ provider: 'floor' });

/**
 * The least any Observable of chunks over the SDK can cost: the raw SDK loop, plus for each text delta a
 * chunk object stamped with the clock, delivered through one RxJS subscriber. No decoding, no partial
 * response, no error mapping: what is left between this and our provider is our own per-chunk work.
 */
function floor(raw: ReturnType<typeof rawClient>): Observable<StreamChunk> {
  return new Observable<StreamChunk>((subscriber) => {
    raw
      .open()
      .then((stream) =>
        stream.consume((content) => subscriber.next({ content, metadata: FLOOR_METADATA, isFinal: false, timestamp: asyncScheduler.now() })),
      )
      .then(
        () => subscriber.complete(),
        (error: unknown) => subscriber.error(error),
      );
  });
}

/** The raw SDK side: `for await` over the stream, text deltas concatenated. */
async function rawText(raw: RawClient): Promise<string> {
  let text = '';
  const stream = await raw.open();
  await stream.consume((d) => (text += d));
  return text;
}

/** A row for one provider stream task: median per stream, ratio to the raw SDK, µs per delta. */
function streamRow(r: Measured, unit: string, deltas: number, extra: Record<string, number>): Row {
  return {
    name: r.name,
    value: round(r.medianMs, 3),
    unit,
    ...(r.ratio === undefined ? {} : { ratio: round(r.ratio, 3), ratioTo: 'raw SDK' }),
    extra: { usPerChunk: round(usPerChunk(r.medianMs, deltas), 3), p25Ms: round(r.p25Ms, 3), p75Ms: round(r.p75Ms, 3), samples: r.samples, ...extra },
  };
}

/**
 * The same comparison with the events written one per event-loop turn by a server in another process, in
 * client CPU time: per event the client now also pays for reading the socket, as it does against a real API.
 */
async function streamed(targets: Target[]): Promise<Row[]> {
  const server = await startLoopbackProcess();
  const rows: Row[] = [];
  const variants = [
    { label: 'streamed', deltas: STREAMED_CHUNKS, eventsPerWrite: 1 },
    { label: `short (${SHORT_CHUNKS} deltas)`, deltas: SHORT_CHUNKS, eventsPerWrite: 1_000 },
  ] as const;
  try {
    for (const variant of variants) {
      for (const name of WIRE_PROVIDERS) {
        const wire = await server.setMode({ provider: name, deltas: variant.deltas, pace: 'turn', eventsPerWrite: variant.eventsPerWrite });
        const provider = ourProvider(name, server.url);
        const raw = rawClient(name, server.url);
        const tasks: Task[] = [
          { name: `${name} ${variant.label}: raw SDK for await`, fn: () => rawText(raw) },
          { name: `${name} ${variant.label}: our provider Observable`, fn: () => lastValueFrom(provider.stream(REQUEST).pipe(reduce(fold, ''))) },
        ];
        if (AB_DIR !== undefined) {
          const baseline = await baselineProvider(AB_DIR, name, server.url);
          tasks.push({ name: `${name} ${variant.label}: A/B baseline provider Observable`, fn: () => lastValueFrom(baseline.stream(REQUEST).pipe(reduce(fold, ''))) });
        }
        for (const t of tasks) assertEqual(await t.fn(), wire.text, `${t.name} text`);
        const results = await measure(tasks, { rounds: size(16, 1), time: size(150, 100), iterations: size(3, 2), baseline: tasks[0]!.name, now: cpuNow });
        for (const r of results) rows.push(streamRow(r, 'CPU ms/stream', variant.deltas, { events: wire.events }));
        if (variant.deltas === SHORT_CHUNKS) {
          targets.push(target(`${name}: short request (${SHORT_CHUNKS} deltas) vs raw SDK`, '<= 1.10x the raw SDK (client CPU)', round(results[1]!.ratio ?? Number.NaN, 3), '<=', 1.1, 'x'));
        }
      }
    }
  } finally {
    await server.close();
  }
  return rows;
}

export async function run(): Promise<SectionResult> {
  const deltas = makeDeltas(E2E_CHUNKS);
  const server = await startLoopback();
  const rows: Row[] = [];
  const targets: Target[] = [];
  try {
    for (const name of WIRE_PROVIDERS) {
      const wire = transcript(name, deltas);
      server.setMode(name, { transcript: wire });
      const provider = ourProvider(name, server.url);
      const raw = rawClient(name, server.url);
      const never = wire.text.length * 2 + 1;

      const tasks: Task[] = [
        { name: `${name}: raw SDK for await`, fn: () => rawText(raw) },
        { name: `${name}: our provider Observable`, fn: () => lastValueFrom(provider.stream(REQUEST).pipe(reduce(fold, ''))) },
        { name: `${name}: our provider + full operator chain`, fn: () => lastValueFrom(provider.stream(REQUEST).pipe(fullChain(never))) },
        { name: `${name}: floor: raw SDK + a clock-stamped chunk per delta through one subscriber`, fn: () => lastValueFrom(floor(raw).pipe(reduce(fold, ''))) },
      ];
      if (AB_DIR !== undefined) {
        const baseline = await baselineProvider(AB_DIR, name, server.url);
        tasks.push({ name: `${name}: A/B baseline provider Observable`, fn: () => lastValueFrom(baseline.stream(REQUEST).pipe(reduce(fold, ''))) });
      }
      for (const t of tasks) assertEqual(await t.fn(), wire.text, `${t.name} text`);

      // Many short rounds: the ratio is a median of per-round ratios, so more rounds steady it against machine drift.
      const results = await measure(tasks, { rounds: size(24, 1), time: size(150, 150), iterations: size(3, 3), baseline: tasks[0]!.name });
      for (const r of results) rows.push(streamRow(r, 'ms/stream', deltas.length, { wireBytes: wire.body.length }));
      // Judged against the floor measured in the same rounds: what any chunk Observable over this SDK pays.
      const points = ((results[1]!.ratio ?? Number.NaN) - (results[3]!.ratio ?? Number.NaN)) * 100;
      targets.push(target(`${name}: provider vs the floor row (whole body)`, 'within 3 points of the floor (ratio to the raw SDK)', round(points, 2), '<=', 3, 'points'));
    }
  } finally {
    await server.close();
  }
  rows.push(...(await streamed(targets)));
  return {
    id: 'e2e',
    title: `3. End to end over loopback (${E2E_CHUNKS.toLocaleString('en-US')}-delta transcript per provider)`,
    rows,
    targets,
    notes: [
      'Server: node:http on 127.0.0.1, whole transcript written at once (OpenAI SSE, Anthropic SSE, Ollama NDJSON; see bench/wireGen.ts).',
      'Raw SDK: one reused client per provider (maxRetries 0), `for await` over the stream, text deltas concatenated.',
      'Ours: provider.stream(request) folded to the text (content chunks + the final chunk). Ratios = median over rounds of (task / raw SDK). Target (#22): ours within 3 points of the floor row on the whole body; short requests <= 1.10x.',
      'Our Ollama provider keeps one SDK client and hands each request its AbortSignal through the client\'s fetch (see src/providers/ollama.ts).',
      'BENCH_AB_PROVIDERS=<dir> (another build of src/providers) adds an "A/B baseline" row per provider, measured in the same interleaved rounds.',
      `"short" rows: the same with ${SHORT_CHUNKS}-delta streams written at once: the cost of a request itself (building it, the SDK call, releasing the response), as in a tool round or a one-line answer.`,
      `"streamed" rows: a second server process writes the events one per event-loop turn (a server flushing events as it makes them; ${STREAMED_CHUNKS.toLocaleString('en-US')} deltas), so the client reads them a few at a time, as from a real API. Measured in this process's CPU time (process.cpuUsage, the server's is not counted): what each stream costs a server that holds many. For information: the target is judged on the whole-body rows above, the harder case.`,
      'The "floor" row is the raw SDK loop plus what any chunk Observable must do per delta (a chunk object, a clock read for its timestamp, one RxJS delivery): no provider layer can go below it; ours minus the floor is our own decoding, partial response and error mapping.',
    ],
  };
}

/**
 * Section 8 — structured output. A JSON document (an object holding an array of records: the shape the
 * native structured modes produce) streamed in chunks of ~100 characters, at 10 KB / 100 KB / 1 MB (1 MB =
 * 10,000 chunks):
 * (a) parsing cost: `IncrementalJsonParser` without snapshots, with a snapshot every 100 chunks (a UI sampling
 *     with `auditTime`), with an identity-keeping snapshot after every chunk, and the whole `partialObject`
 *     operator (a snapshot object per chunk, schema validation at the end) — against one `JSON.parse` of the
 *     whole text;
 * (b) the cost of one identity-keeping snapshot, per chunk: it grows with the width of the containers on the
 *     changed path (here the records array), so it is reported against that width;
 * (c) what peers do: re-parse the accumulated text on every chunk (the AI SDK's `parsePartialJson`, measured on
 *     a sample of chunk positions and summed over all chunks), whose cost grows with the square of the text.
 * Reported, never asserted.
 */
import { from, lastValueFrom } from 'rxjs';
import { parsePartialJson } from 'ai';
import { chunk, finalChunk, type StreamChunk } from '../src/chunk.js';
import { IncrementalJsonParser } from '../src/operators/incrementalJsonParser.js';
import { partialObject } from '../src/operators/partialObject.js';
import { assertEqual, measure, median, round, size, target, type Row, type SectionResult } from './common.js';

const CHUNK_CHARS = 100;
const SIZES = size([10_000, 100_000, 1_000_000], [10_000, 100_000, 1_000_000]);
const SAMPLE_EVERY = 100;
/** Chunk positions at which the peers' re-parse is timed (then scaled to all chunks). */
const PEER_SAMPLES = size(40, 8);

const RECORD_SCHEMA = {
  type: 'object',
  properties: {
    title: { type: 'string' },
    records: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'integer' }, name: { type: 'string' }, score: { type: 'number' }, active: { type: 'boolean' }, tags: { type: 'array', items: { type: 'string' } } },
        required: ['id', 'name'],
      },
    },
  },
  required: ['title', 'records'],
} as const;

function documentOf(bytes: number): string {
  const records: unknown[] = [];
  const doc = { title: 'Quarterly report', records };
  let length = 40;
  for (let id = 0; length < bytes; id++) {
    const record = { id, name: `Record number ${id}, with a longer name`, score: Math.round(id * 7.31) / 100, active: id % 3 !== 0, tags: ['alpha', 'beta', `t${id % 17}`] };
    length += JSON.stringify(record).length + 1;
    records.push(record);
  }
  return JSON.stringify(doc);
}

function chunksOf(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += CHUNK_CHARS) out.push(text.slice(i, i + CHUNK_CHARS));
  return out;
}

function parseAll(pieces: readonly string[], snapshotEvery: number): unknown {
  const parser = new IncrementalJsonParser();
  let last: unknown;
  for (let i = 0; i < pieces.length; i++) {
    parser.write(pieces[i]!);
    if (snapshotEvery > 0 && (i + 1) % snapshotEvery === 0) last = parser.snapshot();
  }
  parser.end();
  last = parser.snapshot();
  return last;
}

export async function run(): Promise<SectionResult> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const targets = [];
  const time = size(300, 25);
  const rounds = size(3, 1);

  for (const bytes of SIZES) {
    const text = documentOf(bytes);
    const pieces = chunksOf(text);
    const chunks: StreamChunk[] = [...pieces.map((p) => chunk(p, { timestamp: 0 })), finalChunk({ finishReason: 'stop' }, { timestamp: 0 })];
    const label = bytes >= 1_000_000 ? `${bytes / 1_000_000} MB` : `${bytes / 1000} KB`;
    const expected = JSON.stringify(JSON.parse(text));
    assertEqual(JSON.stringify(parseAll(pieces, 1)), expected, `the ${label} document parsed incrementally`);

    const measured = await measure(
      [
        { name: 'JSON.parse (whole, once)', fn: async () => JSON.parse(text) },
        { name: 'incremental, no snapshots', fn: async () => parseAll(pieces, 0) },
        { name: `incremental, snapshot every ${SAMPLE_EVERY} chunks`, fn: async () => parseAll(pieces, SAMPLE_EVERY) },
        { name: 'incremental, snapshot every chunk', fn: async () => parseAll(pieces, 1) },
        { name: 'partialObject (snapshot per chunk, JSON Schema at the end)', fn: () => lastValueFrom(from(chunks).pipe(partialObject(RECORD_SCHEMA))) },
      ],
      { rounds, time, iterations: bytes >= 1_000_000 ? size(3, 1) : size(10, 3), baseline: 'JSON.parse (whole, once)' },
    );
    for (const m of measured) {
      rows.push({
        name: `${label} (${pieces.length} chunks): ${m.name}`,
        value: round(m.medianMs),
        unit: 'ms',
        ...(m.ratio !== undefined && { ratio: round(m.ratio, 2), ratioTo: 'JSON.parse' }),
        extra: { usPerChunk: round((m.medianMs * 1000) / pieces.length) },
      });
    }
    const sampled = measured[2]!;
    const every = measured[3]!;
    const bare = measured[1]!;
    if (bytes >= 1_000_000 && sampled.ratio !== undefined) {
      targets.push(target('structured-1mb-sampled', `1 MB in ${pieces.length} chunks, snapshots every ${SAMPLE_EVERY}: <= 3x JSON.parse`, round(sampled.ratio, 2), '<=', 3, 'x'));
    }
    // (b) the snapshot's own cost per chunk, and the width of the array it copies at the end
    const records = (JSON.parse(text) as { records: unknown[] }).records.length;
    rows.push({
      name: `${label}: identity-keeping snapshot, cost per chunk`,
      value: round(((every.medianMs - bare.medianMs) * 1000) / pieces.length),
      unit: 'µs',
      extra: { widestContainer: records, note: 'shallow copies of the containers on the changed path' },
    });

    // (c) peers: re-parse the text so far on every chunk
    const positions = Array.from({ length: Math.min(PEER_SAMPLES, pieces.length) }, (_, i) => Math.floor(((i + 0.5) * pieces.length) / Math.min(PEER_SAMPLES, pieces.length)));
    const prefixes = positions.map((p) => pieces.slice(0, p + 1).join(''));
    const costs: number[] = [];
    for (const prefix of prefixes) {
      const t0 = performance.now();
      await parsePartialJson(prefix);
      costs.push(performance.now() - t0);
    }
    const meanCost = costs.reduce((a, b) => a + b, 0) / costs.length;
    const peerTotal = meanCost * pieces.length;
    rows.push({
      name: `${label}: re-parse per chunk (ai parsePartialJson, as peers do), estimated total`,
      value: round(peerTotal),
      unit: 'ms',
      ratio: round(peerTotal / every.medianMs, 1),
      ratioTo: 'incremental, snapshot every chunk',
      extra: { sampledChunks: costs.length, medianSampleMs: round(median(costs)) },
    });
  }
  notes.push(
    `Chunks of ${CHUNK_CHARS} characters; the document is { title, records: [...] }. The incremental parser's time per chunk stays flat as the text grows; the re-parse per chunk grows with the text, so its total grows with the square of the size (compare the rows at 10 KB / 100 KB / 1 MB).`,
    'The per-chunk snapshot copies each container on the changed path once (here the root object and the records array, whose width grows to the number of records): sampling snapshots (auditTime, or every 100 chunks) removes most of that cost.',
  );
  return { id: 'structured', title: '8. Structured output', rows, targets, notes };
}

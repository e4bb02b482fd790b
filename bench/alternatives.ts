/**
 * Section 2 — the same text deltas through the alternatives: Vercel AI SDK `streamText` over its
 * `MockLanguageModelV3` (stream from `simulateReadableStream`, no delays) and LangChain.js `.stream()` over
 * `FakeStreamingChatModel` (pre-built chunks, no sleep), against ours: `from(chunks)` through
 * `collectResponse({ keepChunks: false })`, and through the full operator chain.
 * Each side starts from its own pre-built native parts and ends with the whole text in hand.
 */
import { AIMessageChunk } from '@langchain/core/messages';
import { FakeStreamingChatModel } from '@langchain/core/utils/testing';
import { simulateReadableStream, streamText } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { from, lastValueFrom, map } from 'rxjs';
import { collectResponse } from '../src/operators/collectResponse.js';
import { fullChain } from './operators.js';
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

export const ALTERNATIVE_CHUNKS = size(20_000, 2_000);

type MockOptions = NonNullable<ConstructorParameters<typeof MockLanguageModelV3>[0]>;
type DoStream = Extract<MockOptions['doStream'], (...args: never[]) => unknown>;
type StreamPart = Awaited<ReturnType<DoStream>>['stream'] extends ReadableStream<infer P> ? P : never;

function aiSdkParts(deltas: readonly string[]): StreamPart[] {
  const parts: StreamPart[] = [{ type: 'stream-start', warnings: [] }, { type: 'text-start', id: 't0' }];
  for (const delta of deltas) parts.push({ type: 'text-delta', id: 't0', delta });
  parts.push({ type: 'text-end', id: 't0' });
  parts.push({
    type: 'finish',
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: {
      inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: deltas.length, text: deltas.length, reasoning: 0 },
    },
  });
  return parts;
}

export async function run(): Promise<SectionResult> {
  const deltas = makeDeltas(ALTERNATIVE_CHUNKS);
  const chunks = makeChunks(deltas);
  const chars = textLength(deltas);
  const parts = aiSdkParts(deltas);
  const lcChunks = deltas.map((content) => new AIMessageChunk({ content }));

  // A fresh stream per call: the mock model replays the same parts each time.
  const aiModel = new MockLanguageModelV3({
    doStream: async () => ({ stream: simulateReadableStream({ chunks: parts, initialDelayInMs: null, chunkDelayInMs: null }) }),
  });
  const lcModel = new FakeStreamingChatModel({ chunks: lcChunks, sleep: 0 });

  const tasks: Task[] = [
    {
      name: 'ours: from(chunks) → collectResponse({keepChunks:false})',
      fn: () => lastValueFrom(from(chunks).pipe(collectResponse({ keepChunks: false }), map((r) => r.completeText))),
    },
    { name: 'ours: full operator chain', fn: () => lastValueFrom(from(chunks).pipe(fullChain(chars * 2 + 1))) },
    {
      name: 'AI SDK streamText (MockLanguageModelV3) textStream',
      fn: async () => {
        const result = streamText({ model: aiModel, prompt: 'bench' });
        let text = '';
        for await (const delta of result.textStream) text += delta;
        return text;
      },
    },
    {
      name: 'AI SDK mock source alone (simulateReadableStream read loop)',
      fn: async () => {
        let text = '';
        const stream = simulateReadableStream({ chunks: parts, initialDelayInMs: null, chunkDelayInMs: null });
        for await (const part of stream) if (part.type === 'text-delta') text += part.delta;
        return text;
      },
    },
    {
      name: 'LangChain FakeStreamingChatModel .stream()',
      fn: async () => {
        let text = '';
        for await (const c of await lcModel.stream('bench')) text += typeof c.content === 'string' ? c.content : '';
        return text;
      },
    },
  ];

  for (const t of tasks) assertEqual(((await t.fn()) as string).length, chars, `${t.name} text length`);

  const baseline = tasks[0]!.name;
  const results = await measure(tasks, { rounds: size(3, 1), time: size(800, 150), iterations: size(3, 2), baseline });
  const ours = results[0]!;
  const oursUs = usPerChunk(ours.medianMs, deltas.length);

  const rows = results.map((r) => ({
    name: r.name,
    value: round(usPerChunk(r.medianMs, deltas.length), 4),
    unit: 'µs/chunk',
    ...(r.ratio === undefined ? {} : { ratio: round(r.ratio, 2), ratioTo: 'ours (collectResponse)' }),
    extra: { medianMsPerRun: round(r.medianMs, 3), samples: r.samples },
  }));

  const streamTextResult = results[2]!;
  const chainResult = results[1]!;
  const langchain = results[4]!;
  return {
    id: 'alternatives',
    title: `2. Against the alternatives (${ALTERNATIVE_CHUNKS.toLocaleString('en-US')} text deltas)`,
    rows,
    targets: [
      target('streamText ÷ ours (collectResponse)', '>= 50x cheaper per chunk than streamText', streamTextResult.ratio ?? Number.NaN, '>=', 50, 'x'),
      target(
        'streamText ÷ ours (full chain)',
        '>= 50x cheaper per chunk than streamText',
        usPerChunk(streamTextResult.medianMs, deltas.length) / usPerChunk(chainResult.medianMs, deltas.length),
        '>=',
        50,
        'x',
      ),
    ],
    notes: [
      `ours µs/chunk = ${round(oursUs, 4)}; streamText ÷ ours = ${round(streamTextResult.ratio ?? Number.NaN, 1)}x; LangChain ÷ ours = ${round(langchain.ratio ?? Number.NaN, 1)}x.`,
      'Ratios are per round (same round, same machine state), then the median over rounds.',
      'The AI SDK mock source alone is listed so the cost of simulateReadableStream (one awaited pull per part) can be told apart from streamText itself.',
      'Only the text deltas are compared: each side consumes its own pre-built parts and ends holding the full text.',
    ],
  };
}

/**
 * Section 13 — the agent loop and workflow events.
 *
 * (a) Tool rounds: our `Agent` over a scripted provider (pre-built chunk arrays, emitted synchronously: a
 * tool-call round — one argument delta, then the final chunk with `toolCalls` — until the request holds R
 * tool results, then a 5-delta answer) with one trivial zod tool, against the Vercel AI SDK's multi-step
 * `streamText` (`stopWhen: stepCountIs(R + 1)`) over `MockLanguageModelV3` scripted the same way (tool-input
 * start/delta/end + tool-call + finish 'tool-calls', then the answer), the same zod tool. Each side is timed
 * answering directly (R = 0), after one tool round (R = 1) and after four (R = 4), in the same interleaved
 * rounds; per tool round = (R = 4 − R = 0) / 4, the one-round turn minus the direct answer is listed too.
 *
 * (b) Workflow events: one agent stream of N text deltas consumed bare (`agent.stream`) and as the chunk
 * events of a one-step workflow whose step has no handler (an LLM step: `streamWorkflow`), µs per chunk.
 */
import { MockLanguageModelV3 } from 'ai/test';
import { stepCountIs, streamText, tool } from 'ai';
import { Observable, lastValueFrom, reduce } from 'rxjs';
import { z } from 'zod';
import { Agent } from '../src/agent/agent.js';
import { chunk, type ChunkMetadata, type StreamChunk } from '../src/chunk.js';
import type { ChatRequest, Provider, ProviderInfo } from '../src/providers/provider.js';
import { defineTool, toolJsonSchema } from '../src/tools/tool.js';
import { WorkflowAgent } from '../src/workflow/workflowAgent.js';
import type { WorkflowEvent } from '../src/workflow/events.js';
import { assertEqual, cpuNow, makeChunks, makeDeltas, measure, round, size, type Row, type SectionResult, type Task } from './common.js';

/** Text deltas in the agent's workflow stream. */
export const WORKFLOW_CHUNKS = size(10_000, 1_000);
/** The deltas of every answer (a short reply after the tool). */
const ANSWER = makeDeltas(5);
const ANSWER_TEXT = ANSWER.join('');
const MANY_ROUNDS = 4;

// ---------------------------------------------------------------------------------------------------
// Ours: a scripted provider

const INFO: ProviderInfo = { provider: 'bench', model: 'bench-model', supportsStreaming: true, supportsTools: true };
const DELTA_META: ChunkMetadata = Object.freeze({ provider: 'bench', model: 'bench-model', eventType: 'delta' });
const STOP_META: ChunkMetadata = Object.freeze({ provider: 'bench', model: 'bench-model', eventType: 'done', finishReason: 'stop', rawFinishReason: 'stop' });
const USAGE = Object.freeze({ inputTokens: 10, outputTokens: 5, totalTokens: 15 });

/** Round n's chunks: one tool-call argument delta, then the final chunk with the call (as a real provider's). */
function toolRoundChunks(n: number): StreamChunk[] {
  const id = `call_${n}`;
  const argumentsText = JSON.stringify({ city: 'Paris' });
  return [
    chunk('', { metadata: { ...DELTA_META, eventType: 'tool_call_delta', toolCallDelta: { index: 0, id, name: 'weather', argumentsDelta: argumentsText } }, timestamp: 0 }),
    chunk('', {
      metadata: { ...DELTA_META, eventType: 'done', finishReason: 'tool_calls', rawFinishReason: 'tool_calls', usage: USAGE, toolCalls: [{ id, name: 'weather', arguments: { city: 'Paris' } }] },
      isFinal: true,
      timestamp: 1,
    }),
  ];
}

const ANSWER_CHUNKS: readonly StreamChunk[] = [
  ...ANSWER.map((d, i) => chunk(d, { metadata: DELTA_META, timestamp: i })),
  chunk('', { metadata: { ...STOP_META, usage: USAGE }, isFinal: true, timestamp: ANSWER.length }),
];

/** Emits prepared chunks synchronously: what is measured is the agent, not a wire. */
function emit(chunks: readonly StreamChunk[]): Observable<StreamChunk> {
  return new Observable<StreamChunk>((subscriber) => {
    for (const c of chunks) subscriber.next(c);
    subscriber.complete();
  });
}

/**
 * A provider that calls the tool until the request carries `rounds` tool results, then answers. Like a real
 * provider it turns the request's tools into their JSON Schemas (cached per schema, as ours are).
 */
function scriptedProvider(rounds: number): Provider {
  const scripts = Array.from({ length: rounds }, (_, n) => toolRoundChunks(n));
  return {
    name: 'bench',
    model: 'bench-model',
    info: () => INFO,
    stream: (request: ChatRequest) => {
      for (const t of request.tools ?? []) toolJsonSchema(t);
      let results = 0;
      for (const m of request.messages) if (m.role === 'tool') results++;
      return emit(results < rounds ? scripts[results]! : ANSWER_CHUNKS);
    },
  };
}

let ourToolRuns = 0;
const weather = defineTool({
  name: 'weather',
  description: 'The weather in a city.',
  parameters: z.object({ city: z.string() }),
  execute: ({ city }) => {
    ourToolRuns++;
    return { city, sky: 'clear', celsius: 21 };
  },
});

const fold = (text: string, c: StreamChunk): string => text + c.content;

function ourTurn(agent: Agent, rounds: number): () => Promise<string> {
  return async () => {
    let final: StreamChunk | undefined;
    const text = await lastValueFrom(
      agent.stream('What is the weather in Paris?', { history: false }).pipe(
        reduce((t, c) => {
          if (c.isFinal) final = c;
          return fold(t, c);
        }, ''),
      ),
    );
    if ((final?.metadata.toolRounds ?? 0) !== rounds) throw new Error(`bench sanity check failed: ours ran ${String(final?.metadata.toolRounds)} tool rounds, expected ${rounds}`);
    return text;
  };
}

// ---------------------------------------------------------------------------------------------------
// The AI SDK: MockLanguageModelV3, scripted the same way

type MockOptions = NonNullable<ConstructorParameters<typeof MockLanguageModelV3>[0]>;
type DoStream = Extract<MockOptions['doStream'], (...args: never[]) => unknown>;
type StreamPart = Awaited<ReturnType<DoStream>>['stream'] extends ReadableStream<infer P> ? P : never;

const AI_USAGE = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 5, text: 5, reasoning: 0 },
};

function aiToolRoundParts(n: number): StreamPart[] {
  const id = `call_${n}`;
  const input = JSON.stringify({ city: 'Paris' });
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'tool-input-start', id, toolName: 'weather' },
    { type: 'tool-input-delta', id, delta: input },
    { type: 'tool-input-end', id },
    { type: 'tool-call', toolCallId: id, toolName: 'weather', input },
    { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage: AI_USAGE },
  ];
}

const AI_ANSWER_PARTS: readonly StreamPart[] = [
  { type: 'stream-start', warnings: [] },
  { type: 'text-start', id: 't0' },
  ...ANSWER.map((delta): StreamPart => ({ type: 'text-delta', id: 't0', delta })),
  { type: 'text-end', id: 't0' },
  { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: AI_USAGE },
];

/**
 * The parts as a ReadableStream filled at once: cheaper than `simulateReadableStream` (one awaited pull
 * per part), so the AI SDK side gets the fastest source it can have.
 */
function filledStream(parts: readonly StreamPart[]): ReadableStream<StreamPart> {
  return new ReadableStream<StreamPart>({
    start(controller) {
      for (const p of parts) controller.enqueue(p);
      controller.close();
    },
  });
}

function aiModel(rounds: number): MockLanguageModelV3 {
  const scripts = Array.from({ length: rounds }, (_, n) => aiToolRoundParts(n));
  return new MockLanguageModelV3({
    doStream: async (options) => {
      let results = 0;
      for (const m of options.prompt) if (m.role === 'tool') results++;
      return { stream: filledStream(results < rounds ? scripts[results]! : AI_ANSWER_PARTS) };
    },
  });
}

let aiToolRuns = 0;
const aiWeather = tool({
  description: 'The weather in a city.',
  inputSchema: z.object({ city: z.string() }),
  execute: ({ city }: { city: string }) => {
    aiToolRuns++;
    return { city, sky: 'clear', celsius: 21 };
  },
});

function aiTurn(rounds: number): () => Promise<string> {
  const model = aiModel(rounds);
  return async () => {
    const result = streamText({
      model,
      prompt: 'What is the weather in Paris?',
      ...(rounds === 0 ? {} : { tools: { weather: aiWeather }, stopWhen: stepCountIs(rounds + 1) }),
    });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    const steps = (await result.steps).length;
    if (steps !== rounds + 1) throw new Error(`bench sanity check failed: the AI SDK ran ${steps} steps, expected ${rounds + 1}`);
    return text;
  };
}

// ---------------------------------------------------------------------------------------------------
// (b) workflow events

function answerProvider(chunks: readonly StreamChunk[]): Provider {
  return { name: 'bench', model: 'bench-model', info: () => INFO, stream: () => emit(chunks) };
}

async function toolRounds(rows: Row[], notes: string[]): Promise<void> {
  const counts = [0, 1, MANY_ROUNDS] as const;
  const ours = counts.map((r) => {
    const agent = new Agent({ name: 'bench', provider: scriptedProvider(r), ...(r === 0 ? {} : { tools: [weather] }) });
    return { name: `ours: Agent.stream, ${r} tool round(s) + answer`, fn: ourTurn(agent, r), rounds: r };
  });
  const ai = counts.map((r) => ({ name: `AI SDK: streamText, ${r} tool round(s) + answer`, fn: aiTurn(r), rounds: r }));

  // Sanity: the exact answer, and each tool ran once per round.
  for (const t of [...ours, ...ai]) {
    const [before, beforeAi] = [ourToolRuns, aiToolRuns];
    assertEqual(await t.fn(), ANSWER_TEXT, `${t.name} text`);
    assertEqual(ourToolRuns - before + (aiToolRuns - beforeAi), t.rounds, `${t.name}: tool executions`);
  }

  const tasks: Task[] = [...ours, ...ai].map(({ name, fn }) => ({ name, fn }));
  // CPU time of this process: what a turn costs, not how long a busy machine kept it waiting.
  const results = await measure(tasks, { rounds: size(6, 2), time: size(300, 60), iterations: size(20, 5), now: cpuNow });
  const us = (name: string): number => results.find((r) => r.name === name)!.medianMs * 1000;
  for (const r of results) {
    const i = ai.findIndex((t) => t.name === r.name);
    const versus = i < 0 ? undefined : us(ours[i]!.name);
    rows.push({
      name: r.name,
      value: round(r.medianMs * 1000, 1),
      unit: 'CPU µs/turn',
      ...(versus === undefined ? {} : { ratio: round((r.medianMs * 1000) / versus, 1), ratioTo: 'ours, same rounds' }),
      extra: { p25Us: round(r.p25Ms * 1000, 1), p75Us: round(r.p75Ms * 1000, 1), samples: r.samples },
    });
  }
  const perRound = (side: typeof ours): number => (us(side[2]!.name) - us(side[0]!.name)) / MANY_ROUNDS;
  const firstRound = (side: typeof ours): number => us(side[1]!.name) - us(side[0]!.name);
  const oursPer = perRound(ours);
  const aiPer = perRound(ai);
  rows.push({ name: `ours: per tool round ((${MANY_ROUNDS} rounds − 0) / ${MANY_ROUNDS})`, value: round(oursPer, 1), unit: 'CPU µs/round' });
  rows.push({
    name: `AI SDK: per tool round ((${MANY_ROUNDS} rounds − 0) / ${MANY_ROUNDS})`,
    value: round(aiPer, 1),
    unit: 'CPU µs/round',
    ratio: round(aiPer / oursPer, 1),
    ratioTo: 'ours per round',
  });
  rows.push({ name: 'ours: one-tool-round turn − direct answer', value: round(firstRound(ours), 1), unit: 'CPU µs' });
  rows.push({
    name: 'AI SDK: one-tool-round turn − direct answer',
    value: round(firstRound(ai), 1),
    unit: 'CPU µs',
    ratio: round(firstRound(ai) / firstRound(ours), 1),
    ratioTo: 'ours',
  });
  notes.push(
    `Tool rounds: ours = new Agent({ provider, tools: [weather] }).stream(prompt, { history: false }) folded to the text (final chunk checked: metadata.toolRounds = R); the provider emits pre-built chunks synchronously (round n: one toolCallDelta chunk, then the final chunk with toolCalls; then the ${ANSWER.length}-delta answer) and, as a real provider does, asks for each tool's JSON Schema (cached). AI SDK 6: streamText({ model: MockLanguageModelV3, tools: { weather }, stopWhen: stepCountIs(R + 1) }), textStream read to the end and result.steps checked; its doStream returns a ReadableStream filled at once (cheaper than simulateReadableStream) with tool-input-start/delta/end, tool-call and finish('tool-calls'), then the answer. Both tools are the same zod schema (validated on both sides) and return the same object; each side's tool executions are counted.`,
    "Per tool round = (turn with 4 tool rounds − direct answer) / 4: what one call → result → next request costs, without the fixed cost of a turn. Timings are this process's CPU time (process.cpuUsage, so a busy machine's waits are not counted), interleaved rounds (bench/common.ts measure); ratios are of medians.",
  );
}

async function workflowEvents(rows: Row[], notes: string[]): Promise<void> {
  const chunks = makeChunks(makeDeltas(WORKFLOW_CHUNKS));
  const text = chunks.map((c) => c.content).join('');
  const provider = answerProvider(chunks);
  const bare = new Agent({ name: 'bare', provider });
  const wfAgent = new WorkflowAgent({ name: 'wf', provider });
  const oneStep = wfAgent.createWorkflow('one').addStep({ name: 'answer', action: 'Answer.' });
  const foldEvent = (t: string, e: WorkflowEvent): string => (e.type === 'chunk' ? t + e.chunk.content : t);
  const tasks: Task[] = [
    { name: 'agent.stream, bare (fold of content)', fn: () => lastValueFrom(bare.stream('x', { history: false }).pipe(reduce(fold, ''))) },
    { name: 'streamWorkflow, one LLM step (fold of chunk events)', fn: () => lastValueFrom(wfAgent.streamWorkflow(oneStep).pipe(reduce(foldEvent, ''))) },
  ];
  for (const t of tasks) assertEqual(await t.fn(), text, `${t.name} text`);
  const events = await lastValueFrom(wfAgent.streamWorkflow(oneStep).pipe(reduce((n: number) => n + 1, 0)));
  assertEqual(events, chunks.length + 4, 'events of the one-step workflow (start, step-start, chunks, step-complete, complete)');
  const complete = await wfAgent.executeWorkflow(oneStep);
  assertEqual(complete.results['answer'], text, 'the LLM step result');

  const [bareR, wfR] = await measure(tasks, { rounds: size(8, 3), time: size(300, 80), iterations: size(10, 5), baseline: tasks[0]!.name, now: cpuNow });
  const bareUs = (bareR!.medianMs * 1000) / chunks.length;
  const wfUs = (wfR!.medianMs * 1000) / chunks.length;
  rows.push({ name: `agent.stream bare, ${chunks.length.toLocaleString('en')} chunks`, value: round(bareUs, 4), unit: 'µs/chunk', extra: { medianMsPerRun: round(bareR!.medianMs, 3) } });
  rows.push({
    name: 'the same as chunk events of a one-step streamWorkflow',
    value: round(wfUs, 4),
    unit: 'µs/chunk',
    ratio: round(wfR!.ratio ?? Number.NaN, 2),
    ratioTo: 'bare',
    extra: { medianMsPerRun: round(wfR!.medianMs, 3), overheadUsPerChunk: round(wfUs - bareUs, 4) },
  });
  notes.push(
    `Workflow events: the same provider (${WORKFLOW_CHUNKS.toLocaleString('en')} pre-built text deltas + final, emitted synchronously) behind a bare Agent and a WorkflowAgent; bare = agent.stream(prompt, { history: false }) folded to the text; workflow = streamWorkflow of one step without a handler (its action streamed through the agent, as LLM steps are), the chunk events folded to the same text. Both texts checked, and the event count (chunks + 4). No target (the issue sets none; section 7 holds the ≤ 1 µs/chunk overhead target): ratio = median over rounds of workflow ÷ bare, in CPU time.`,
  );
}

export async function run(): Promise<SectionResult> {
  const rows: Row[] = [];
  const notes: string[] = [];
  await toolRounds(rows, notes);
  await workflowEvents(rows, notes);
  return { id: 'agentLoop', title: '13. The agent loop and workflow events', rows, targets: [], notes };
}

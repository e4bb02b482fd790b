/**
 * Section 7 — workflows. (a) Scheduling overhead: DAGs of 100 / 1,000 / 10,000 steps with trivial
 * synchronous handlers, each step depending on up to two earlier ones, run to `workflow-complete`; reported
 * per step + dependency, and how the time grows from one size to the next (linear scheduling grows 10× per
 * 10× steps). (b) Event overhead per chunk: the same agent stream consumed bare and as the chunk events of a
 * one-step workflow (an LLM step), in the same rounds.
 */
import { Observable, count as countAll, lastValueFrom } from 'rxjs';
import { Agent } from '../src/agent/agent.js';
import { WorkflowAgent } from '../src/workflow/workflowAgent.js';
import type { Workflow } from '../src/workflow/workflow.js';
import type { ChatRequest, Provider, ProviderInfo } from '../src/providers/provider.js';
import type { StreamChunk } from '../src/chunk.js';
import { assertEqual, makeChunks, makeDeltas, measure, round, size, target, type Row, type SectionResult } from './common.js';

const SIZES = size([100, 1_000, 10_000], [100, 1_000, 3_000]);
const CHUNKS = size(20_000, 2_000);

/** A provider that emits prepared chunks synchronously: what is measured is the agent and the workflow, not a wire. */
function syncProvider(chunks: readonly StreamChunk[]): Provider {
  const info: ProviderInfo = { provider: 'bench', model: 'bench-model', supportsStreaming: true, supportsTools: false };
  return {
    name: 'bench',
    model: 'bench-model',
    info: () => info,
    stream: (_request: ChatRequest) =>
      new Observable<StreamChunk>((subscriber) => {
        for (const c of chunks) subscriber.next(c);
        subscriber.complete();
      }),
  };
}

function dag(agent: WorkflowAgent, steps: number): { workflow: Workflow<WorkflowAgent>; edges: number } {
  const workflow = agent.createWorkflow(`dag-${steps}`);
  let edges = 0;
  for (let i = 0; i < steps; i++) {
    // Each step depends on its predecessor and on one step about half-way back: a wide, deep DAG.
    const dependsOn = i === 0 ? [] : i < 2 ? [`s${i - 1}`] : [`s${i - 1}`, `s${i >> 1}`].filter((d, k, all) => all.indexOf(d) === k);
    edges += dependsOn.length;
    workflow.addStep({ name: `s${i}`, handler: () => i, dependsOn });
  }
  return { workflow, edges };
}

export async function run(): Promise<SectionResult> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const agent = new WorkflowAgent({ name: 'bench', provider: syncProvider([]) });

  // (a) scheduling
  const perSize: { steps: number; edges: number; ms: number }[] = [];
  for (const steps of SIZES) {
    const { workflow, edges } = dag(agent, steps);
    const check = await agent.executeWorkflow(workflow);
    assertEqual(check.results[`s${steps - 1}`], steps - 1, `the last step of the ${steps}-step DAG`);
    const [m] = await measure([{ name: `dag-${steps}`, fn: () => agent.executeWorkflow(workflow).then(() => undefined) }], {
      rounds: 3,
      time: size(400, 100),
      iterations: steps >= 10_000 ? 3 : 10,
    });
    perSize.push({ steps, edges, ms: m!.medianMs });
    rows.push({
      name: `DAG of ${steps.toLocaleString('en')} steps, ${edges.toLocaleString('en')} dependencies: whole run`,
      value: round(m!.medianMs, 2),
      unit: 'ms',
      extra: { usPerStepAndEdge: round((m!.medianMs * 1000) / (steps + edges), 3) },
    });
  }
  const growth = perSize.slice(1).map((s, i) => {
    const prev = perSize[i]!;
    return (s.ms / prev.ms) / ((s.steps + s.edges) / (prev.steps + prev.edges));
  });
  for (const [i, g] of growth.entries()) {
    rows.push({
      name: `time growth ${perSize[i]!.steps.toLocaleString('en')} → ${perSize[i + 1]!.steps.toLocaleString('en')} steps, over the growth of steps + edges`,
      value: round(g, 2),
      unit: '×',
    });
  }
  const largest = perSize.at(-1)!;
  const perUnit = (largest.ms * 1000) / (largest.steps + largest.edges);

  // (b) event overhead per chunk
  const chunks = makeChunks(makeDeltas(CHUNKS));
  const provider = syncProvider(chunks);
  const bare = new Agent({ name: 'bare', provider });
  const wfAgent = new WorkflowAgent({ name: 'wf', provider });
  const oneStep = wfAgent.createWorkflow('one').addStep({ name: 'answer', action: 'Answer.' });
  let seen = 0;
  const count = (source: Observable<unknown>): Promise<void> => lastValueFrom(source).then(() => undefined);
  const [bareRow, wfRow] = await measure(
    [
      {
        name: 'agent.stream, bare',
        fn: async () => {
          seen = 0;
          await count(new Observable<number>((s) => bare.stream('x', { history: false }).subscribe({ next: () => seen++, error: (e: unknown) => s.error(e), complete: () => (s.next(seen), s.complete()) })));
        },
      },
      {
        name: 'streamWorkflow chunk events',
        fn: async () => {
          seen = 0;
          await count(new Observable<number>((s) => wfAgent.streamWorkflow(oneStep).subscribe({ next: () => seen++, error: (e: unknown) => s.error(e), complete: () => (s.next(seen), s.complete()) })));
        },
      },
    ],
    { rounds: size(5, 2), time: size(500, 100), iterations: 10, baseline: 'agent.stream, bare' },
  );
  // Sanity: both consumed every chunk (the workflow adds its start, step-start, step-complete and complete events).
  const bareCount = await lastValueFrom(bare.stream('x', { history: false }).pipe(countAll()));
  const wfCount = await lastValueFrom(wfAgent.streamWorkflow(oneStep).pipe(countAll()));
  assertEqual(bareCount, chunks.length, 'chunks of the bare agent stream');
  assertEqual(wfCount, chunks.length + 4, 'events of the one-step workflow');
  const bareUs = (bareRow!.medianMs * 1000) / chunks.length;
  const wfUs = (wfRow!.medianMs * 1000) / chunks.length;
  rows.push({ name: `agent.stream, ${chunks.length.toLocaleString('en')} chunks, bare`, value: round(bareUs, 3), unit: 'µs/chunk' });
  rows.push({
    name: 'the same as chunk events of a one-step workflow',
    value: round(wfUs, 3),
    unit: 'µs/chunk',
    ratio: round(wfRow!.ratio ?? Number.NaN, 2),
    ratioTo: 'bare',
  });
  notes.push(
    'Scheduling keeps, per step, a count of unfinished dependencies and its dependents; ready steps wait in a heap by the order they were added: time linear in steps + dependencies (growth ≈ 1×).',
    'Each workflow chunk event is one object around the agent chunk, plus the step text the failure event would carry.',
  );

  return {
    id: 'workflow',
    title: '7. Workflows',
    rows,
    targets: [
      target('workflow scheduling is linear', 'time grows with steps + edges (growth ≤ 2× per 10× size)', Math.max(...growth), '<=', 2, '×'),
      target('workflow scheduling per step + edge', `≤ 50 µs per step + dependency at ${largest.steps} steps`, perUnit, '<=', 50, 'µs'),
      target('chunk events vs the bare agent stream', 'per-chunk overhead of streamWorkflow ≤ 1 µs', wfUs - bareUs, '<=', 1, 'µs'),
    ],
    notes,
  };
}

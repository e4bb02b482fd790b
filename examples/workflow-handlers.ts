/**
 * `npx tsx examples/workflow-handlers.ts` — the guide's workflow patterns, offline (no API key):
 *
 * 1. The handler pattern: a `calculate` handler streams its status, runs the calculation, writes
 *    `context.calc_result` and returns the result.
 * 2. The tool wrapper pattern: `toolHandler(tool)` runs a `defineTool` tool as a streaming step, its
 *    arguments from `context.<step>_params`, its result in `context.<step>_result` and `results`.
 * 3. A workflow with dependencies and an LLM step (the embedded offline model over loopback, through the
 *    real `openai` SDK), streamed event by event; then the same workflow cancelled mid-run.
 */
import { concat, defer, filter, lastValueFrom, take, tap } from 'rxjs';
import { z } from 'zod';
import {
  WorkflowAgent,
  calculator,
  defineTool,
  evaluateExpression,
  mockStream,
  openai,
  toolHandler,
  type WorkflowEvent,
} from '../src/index.js';
import { startOfflineServer } from './offline.js';

const out = (text: string): void => void process.stdout.write(text);
const delay = Number(process.env['DEMO_CHUNK_DELAY_MS'] ?? 20);

/** Prints a run's events as they come: chunks as text, the rest as one line each. */
const print = (event: WorkflowEvent): void => {
  switch (event.type) {
    case 'chunk':
      out(event.chunk.content);
      break;
    case 'step-start':
      out(`\n[${event.step}] started\n`);
      break;
    case 'step-complete':
      out(`\n[${event.step}] done → ${JSON.stringify(event.result)}\n`);
      break;
    case 'step-failed':
      out(`\n[${event.step}] failed: ${event.error instanceof Error ? event.error.message : String(event.error)}\n`);
      break;
    case 'step-skipped':
      out(`[${event.step}] skipped (${event.reason})\n`);
      break;
    case 'step-retry':
      out(`\n[${event.step}] retrying (attempt ${event.attempt})\n`);
      break;
    case 'workflow-start':
    case 'workflow-complete':
      break;
  }
};

async function main(): Promise<void> {
  const offline = await startOfflineServer({ chunkDelayMs: delay });
  try {
    const agent = new WorkflowAgent({
      name: 'Calculator',
      provider: openai({ baseURL: offline.baseURL, apiKey: 'offline-demo', model: 'offline-mini' }),
    });

    out('== 1. The handler pattern\n');
    agent.registerHandler('calculate', (_agent, _step, context) =>
      concat(
        mockStream(`Calculating ${JSON.stringify(context['calc_params'])}...\n`, { chunkSize: 5, delay }),
        defer(() => {
          const { expression } = context['calc_params'] as { expression: string };
          context['calc_result'] = evaluateExpression(expression);
          return mockStream(`Result: ${String(context['calc_result'])}\n`, { chunkSize: 5, delay });
        }),
      ),
    );
    const math = agent.createWorkflow('math_workflow').addStep({ name: 'calculate', handler: 'calculate', action: 'Performing calculation...' });
    const context: Record<string, unknown> = { calc_params: { expression: '15 * 2500 / 100' } };
    const result = await lastValueFrom(
      agent.streamWorkflow(math, { context }).pipe(
        tap((e) => e.type === 'chunk' && out(e.chunk.content)),
        filter((e) => e.type === 'workflow-complete'),
      ),
    );
    out(`successful: ${String(result.result.successful)}; context.calc_result = ${String(context['calc_result'])}\n`);

    out('\n== 2. The tool wrapper pattern (toolHandler)\n');
    const convert = defineTool({
      name: 'convert_temperature',
      description: 'Celsius to Fahrenheit',
      parameters: z.object({ celsius: z.number() }),
      execute: ({ celsius }) => celsius * 1.8 + 32,
    });
    agent.registerHandler('convert', toolHandler(convert));
    agent.registerHandler('percent', toolHandler(calculator, { args: (ctx) => ({ expression: `${String(ctx['rate'])}% of ${String(ctx['amount'])}` }) }));
    const tools = agent
      .createWorkflow('tools')
      .addStep({ name: 'boiling', handler: 'convert' })
      .addStep({ name: 'tip', handler: 'percent' });
    const toolContext: Record<string, unknown> = { boiling_params: { celsius: 100 }, rate: 15, amount: 2500 };
    const tooled = await agent.executeWorkflow(tools, { context: toolContext });
    out(`results: ${JSON.stringify(tooled.results)}; context.boiling_result = ${String(toolContext['boiling_result'])}\n`);

    out('\n== 3. Dependencies and an LLM step, streamed event by event\n');
    const report = agent
      .createWorkflow('report')
      .addStep({ name: 'tip', handler: 'percent' })
      .addStep({ name: 'boiling', handler: 'convert' })
      .addStep({ name: 'story', action: 'Tell me a story about these numbers.', dependsOn: ['tip', 'boiling'] })
      .addStep({ name: 'never', handler: () => 'unused', condition: () => false });
    const done = await lastValueFrom(
      agent.streamWorkflow(report, { context: { ...toolContext }, concurrency: 2 }).pipe(
        tap(print),
        filter((e) => e.type === 'workflow-complete'),
      ),
    );
    out(`successful: ${String(done.result.successful)}; ${Object.keys(done.result.results).length} results in ${done.result.duration} ms\n`);

    out('\n== 4. Cancelling: unsubscribing mid-run aborts the LLM request\n');
    const before = offline.abortedCount;
    await lastValueFrom(
      agent.streamWorkflow(report, { context: { ...toolContext } }).pipe(
        filter((e) => e.type === 'chunk' && e.step === 'story'),
        take(3),
      ),
    );
    // The socket closes a moment after the unsubscribe: wait for the server to see it (at most a second).
    for (let waited = 0; offline.abortedCount === before && waited < 1000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    out(`cancelled after 3 chunks of the story; the server saw ${offline.abortedCount - before} aborted request\n`);
  } finally {
    await offline.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

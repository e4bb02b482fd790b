/**
 * `npx tsx examples/advanced-streaming-handlers.ts` — the guide's advanced handler patterns, offline.
 *
 * 1. The `StreamingToolWrapper` pattern as a class: one wrapper per plain function, each a `defineTool` tool run
 *    by `toolHandler` (status streamed, arguments validated, result in `context.<step>_result`), wired into a
 *    pipeline that fans out (two steps at once) and back in (`dependsOn`), every value passed through `context`.
 * 2. A failing tool: the step fails with a `ToolError`, its dependents are skipped, the run still completes.
 * 3. A flaky handler with `retry`: `step-retry` is announced, and the step's output starts over.
 * 4. A step `timeout`: a handler that stalls fails with a `StreamTimeoutError`; its partial output is kept.
 * 5. `runWorkflow` with the 'switch' policy: a new input cancels the run in flight, its LLM request aborted at the socket.
 *
 * The basic handler and wrapper patterns are in examples/workflow-handlers.ts and examples/streaming-with-handlers.ts.
 */
import { NEVER, Subject, concat, defer, filter, lastValueFrom, of, tap, throwError } from 'rxjs';
import { z } from 'zod';
import {
  WorkflowAgent,
  chunk,
  defineTool,
  evaluateExpression,
  mockStream,
  runWorkflow,
  toolHandler,
  type StandardSchemaV1,
  type StepHandler,
  type Tool,
  type Workflow,
  type WorkflowContext,
  type WorkflowEvent,
  type WorkflowResult,
} from '../src/index.js';
import { chunkDelayFromEnv, offlineProviders, startOfflineServer } from './offline.js';
import { heading, out, runExample } from './terminal.js';
import { logEvent } from './workflowLog.js';

/** The guide's wrapper: a plain function, its name and description, and a handler for any step that uses it. */
class StreamingToolWrapper<Args> {
  readonly tool: Tool;

  constructor(name: string, description: string, parameters: StandardSchemaV1<unknown, Args>, func: (args: Args) => unknown) {
    this.tool = defineTool({ name, description, parameters, execute: func });
  }

  /** Arguments from `args(context)`, or else the guide's `context.<step>_params`. */
  createStreamingHandler(args?: (context: WorkflowContext) => Args): StepHandler {
    return toolHandler(this.tool, args === undefined ? {} : { args });
  }
}

const calc = new StreamingToolWrapper('calculate', 'Evaluate an arithmetic expression', z.object({ expression: z.string() }), ({ expression }) =>
  evaluateExpression(expression),
);
const percentOf = (key: string, rate: string) => (context: WorkflowContext) => ({ expression: `${String(context[key])} * ${rate} / 100` });

async function main(): Promise<void> {
  const offline = await startOfflineServer({ chunkDelayMs: chunkDelayFromEnv() });
  const agent = new WorkflowAgent({ name: 'Bookkeeper', provider: offlineProviders(offline).ollama });
  const run = (workflow: Workflow<WorkflowAgent>, context: WorkflowContext): Promise<WorkflowResult> =>
    lastValueFrom(agent.streamWorkflow(workflow, { context }).pipe(tap(logEvent), filter((e) => e.type === 'workflow-complete'))).then((e) => e.result);
  try {
    heading('1. Wrapped tools in a pipeline: fan out, fan in, data through context');
    agent.registerHandler('subtotal', calc.createStreamingHandler());
    agent.registerHandler('tip', calc.createStreamingHandler(percentOf('subtotal_result', '15')));
    agent.registerHandler('tax', calc.createStreamingHandler(percentOf('subtotal_result', '8')));
    agent.registerHandler('total', calc.createStreamingHandler((c) => ({ expression: `${String(c['subtotal_result'])} + ${String(c['tip_result'])} + ${String(c['tax_result'])}` })));
    const bill = agent
      .createWorkflow('bill')
      .addStep({ name: 'subtotal', handler: 'subtotal' })
      .addStep({ name: 'tip', handler: 'tip', dependsOn: ['subtotal'] })
      .addStep({ name: 'tax', handler: 'tax', dependsOn: ['subtotal'] })
      .addStep({ name: 'total', handler: 'total', dependsOn: ['tip', 'tax'] });
    const billed = await run(bill, { subtotal_params: { expression: '2 * 1250' } });
    out(`successful: ${String(billed.successful)}; results: ${JSON.stringify(billed.results)}\n`);

    heading('2. A failing tool: ToolError, dependents skipped, the run still completes');
    const broken = await run(bill, { subtotal_params: { expression: '2 * (1250' } });
    out(`successful: ${String(broken.successful)}; failed: ${Object.keys(broken.errors).join(', ')}; skipped: ${JSON.stringify(broken.skipped)}\n`);

    heading('3. A flaky step with retry: 1');
    let attempts = 0;
    const flaky: StepHandler = () =>
      concat(
        mockStream('Fetching rates... '),
        defer(() => (++attempts === 1 ? throwError(() => new Error('connection reset')) : mockStream('rates: EUR 0.92\n'))),
      );
    const retried = await run(agent.createWorkflow('rates').addStep({ name: 'rates', handler: flaky, retry: { count: 1, delay: 10 } }), {});
    out(`successful: ${String(retried.successful)} after ${attempts} attempts; result: ${JSON.stringify(retried.results['rates'])}\n`);

    heading('4. A step timeout: the handler stalls, the step fails with its partial output');
    // One chunk, then nothing: a stalled upstream (a hung connection, a tool that never answers).
    const stalling: StepHandler = () => concat(of(chunk('Waiting for the ledger')), NEVER);
    const timedOut = await run(agent.createWorkflow('ledger').addStep({ name: 'ledger', handler: stalling, timeout: { idle: 50 } }), {});
    out(`successful: ${String(timedOut.successful)}; partial output: ${JSON.stringify(timedOut.partialOutputs['ledger'])}\n`);

    heading("5. runWorkflow with 'switch': a new input cancels the run in flight");
    const story = agent.createWorkflow('story').addStep({ name: 'story', action: 'Tell a story about the topic in the context.' });
    const inputs = new Subject<{ topic: string }>();
    const abortedBefore = offline.abortedCount;
    const completed: string[] = [];
    let chunks = 0;
    const events = lastValueFrom(
      inputs.pipe(
        runWorkflow(agent, story, { policy: 'switch' }),
        tap((event: WorkflowEvent) => {
          // The first run's third chunk: a newer input arrives and replaces it.
          if (event.type === 'chunk' && ++chunks === 3) inputs.next({ topic: 'rivers' });
          if (event.type === 'workflow-complete') {
            completed.push(String(event.result.context['topic']));
            inputs.complete();
          }
        }),
      ),
    );
    inputs.next({ topic: 'mountains' });
    await events;
    await offline.settled();
    out(`completed runs: ${completed.join(', ')}; the server saw ${offline.abortedCount - abortedBefore} aborted request\n`);
  } finally {
    await offline.close();
  }
}

runExample(main);

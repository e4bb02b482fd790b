/**
 * `npx tsx examples/streaming-with-handlers.ts` — the guide's "Streaming with Tools", offline.
 *
 * 1. Basic agent tool streaming: an `Agent` with the `calculator` tool streams "What's 15% of $2,500?" through
 *    each provider's own tool wire format (OpenAI `tool_calls` deltas, Anthropic `tool_use` blocks with
 *    `input_json_delta`, Ollama's whole call): the call's argument deltas stream, the tool runs, the answer streams.
 * 2. The handler pattern in a WorkflowAgent: a plain function (no tool decorator) run by a handler that streams its
 *    status, stores `context.calc_result`, and then streams the LLM's explanation of the result.
 * 3. Data flow between steps: the next step reads what the handler put in `context` (and `results`).
 *
 * The guide's pure handler and `StreamingToolWrapper` patterns (mock-streamed status, `toolHandler`) are in
 * examples/workflow-handlers.ts; the advanced patterns (failures, retries, cancellation) in
 * examples/advanced-streaming-handlers.ts.
 */
import { concat, defer, filter, lastValueFrom, tap } from 'rxjs';
import { Agent, WorkflowAgent, calculator, collectResponse, evaluateExpression, mockStream, type WorkflowContext } from '../src/index.js';
import { chunkDelayFromEnv, offlineProviders, startOfflineServer } from './offline.js';
import { dim, heading, out, runExample } from './terminal.js';
import { logEvent } from './workflowLog.js';

/** The tool, as a regular function (the guide's step 1: no decorator). */
function calculate(expression: string): number {
  return evaluateExpression(expression);
}

async function main(): Promise<void> {
  const offline = await startOfflineServer({ chunkDelayMs: chunkDelayFromEnv() });
  const providers = offlineProviders(offline);
  try {
    heading('1. An Agent with a tool, streaming, through each provider');
    for (const provider of [providers.openai, providers.anthropic, providers.ollama]) {
      const agent = new Agent({ provider, tools: [calculator] });
      let deltas = 0;
      let args = '';
      const response = await lastValueFrom(
        agent.stream("What's 15% of $2,500?").pipe(
          tap((chunk) => {
            const delta = chunk.metadata.toolCallDelta;
            if (delta) {
              deltas++;
              args += delta.argumentsDelta;
            }
            const result = chunk.metadata.toolResult;
            if (result) out(dim(`[${result.name}(${args}) → ${'result' in result ? JSON.stringify(result.result) : result.error}] `));
            out(chunk.content);
          }),
          collectResponse(),
        ),
      );
      out(dim(`  (${provider.name}: ${deltas} argument delta${deltas === 1 ? '' : 's'}, finish: ${response.finishReason})\n`));
    }

    heading('2. The handler pattern: a WorkflowAgent step runs the function and streams');
    const agent = new WorkflowAgent({ name: 'Calculator', provider: providers.anthropic });
    // The guide's step 2, a streaming handler: status, the calculation, then the model's words about it.
    agent.registerHandler('calculate', (self, _step, context: WorkflowContext) => {
      const { expression } = context['calc_params'] as { expression: string };
      return concat(
        mockStream(`Calculating ${expression}...\n`, { chunkSize: 5 }),
        defer(() => {
          context['calc_result'] = calculate(expression);
          return mockStream(`Result: ${String(context['calc_result'])}\n`, { chunkSize: 5 });
        }),
        defer(() => self.stream(`Explain why ${expression} is ${String(context['calc_result'])}.`, { history: false })),
      );
    });
    // The guide's step 3, registered steps; the next one reads the handler's context entry (data flows through `context`).
    agent.registerHandler('report', (_self, _step, context) => `The tip is $${String(context['calc_result'])}.`);
    const workflow = agent
      .createWorkflow('math_workflow')
      .addStep({ name: 'calculate', handler: 'calculate', action: 'Performing calculation...' })
      .addStep({ name: 'report', handler: 'report', dependsOn: ['calculate'] });
    const context: WorkflowContext = { calc_params: { expression: '15 * 2500 / 100' } };
    const done = await lastValueFrom(agent.streamWorkflow(workflow, { context }).pipe(tap(logEvent), filter((e) => e.type === 'workflow-complete')));

    heading('3. Data flow: what the steps left');
    out(`context.calc_result = ${String(context['calc_result'])}; results.report = ${JSON.stringify(done.result.results['report'])}; successful: ${String(done.result.successful)}\n`);
  } finally {
    await offline.close();
  }
}

runExample(main);

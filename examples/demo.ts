/**
 * `npm run demo` — agenticraft-rx end to end, with no API key and no network: an embedded offline
 * model on loopback speaks the OpenAI, Anthropic and Ollama streaming wire formats, and the real `openai`,
 * `@anthropic-ai/sdk` and `ollama` SDKs talk to it. With OPENAI_API_KEY, ANTHROPIC_API_KEY or OLLAMA_HOST
 * set, the same demo uses that real provider (the fault-injection part and the three-provider comparison
 * then run against the offline model only).
 */
import { concat, defer, filter, lastValueFrom, tap } from 'rxjs';
import {
  Agent,
  WorkflowAgent,
  anthropic,
  calculator,
  collectResponse,
  evaluateExpression,
  interruptAfter,
  mockStream,
  ollama,
  openai,
  retryStream,
  streamMetrics,
  timeoutStream,
  type Provider,
  type StreamChunk,
} from '../src/index.js';
import { compareProviders, comparisonTable, sameText, warmUp } from './compare.js';
import { chunkDelayFromEnv, offlineProviders, startOfflineServer } from './offline.js';
import { dim, heading, out, runExample } from './terminal.js';

async function main(): Promise<void> {
  const offline = await startOfflineServer({ chunkDelayMs: chunkDelayFromEnv() });
  const offlineAll = offlineProviders(offline);
  const offlineProvider = offlineAll.openai;
  const live = liveProvider();
  const provider = live ?? offlineProvider;
  // Section 7 compares streams, not SDK imports: load the other two SDKs meanwhile (one chunk each, then
  // unsubscribe), done before section 2 counts requests.
  const warming = warmUp([offlineAll.anthropic, offlineAll.ollama]).then(() => offline.settled());
  out(dim(live ? `Using the real ${live.name} provider (${live.model}).\n` : 'No API key found: using the embedded offline model over loopback (the real SDK code paths).\n'));

  try {
    heading('1. Streaming with a live progress line (agent.stream + streamMetrics)');
    const agent = new Agent({ name: 'StreamingAgent', model: provider.model, provider });
    let last: StreamChunk | undefined;
    await lastValueFrom(
      agent.stream('Tell me a story').pipe(
        streamMetrics(),
        tap((c) => {
          out(c.content);
          last = c;
        }),
      ),
    );
    const m = last?.metadata['metrics'] as { chunks: number; elapsedMs: number; tokensPerSecond: number } | undefined;
    if (m) out(dim(`\n[${m.chunks} chunks in ${Math.round(m.elapsedMs)} ms, ${m.tokensPerSecond.toFixed(1)} tok/s]\n`));

    await warming;
    heading('2. Timeout + retry: the server answers 429 (retry-after-ms: 300) twice, retryStream waits and retries');
    offline.failNext(2, 300);
    const before = offline.requestCount;
    const retried = await lastValueFrom(
      offlineProvider.stream({ messages: [{ role: 'user', content: 'Tell me a story' }] }).pipe(
        timeoutStream({ first: 2_000, idle: 1_000, total: 10_000 }),
        retryStream({ count: 3, delay: 100 }),
        collectResponse(),
      ),
    );
    out(`${retried.completeText.slice(0, 60)}…\n`);
    out(dim(`[${offline.requestCount - before} requests (2 rate-limited, 1 answered), ${retried.chunkCount} chunks, finish: ${retried.finishReason}]\n`));

    heading('3. Interruption: interruptAfter(60) stops the stream and aborts the request');
    const abortedBefore = offline.abortedCount;
    const cut = await lastValueFrom(
      agent.stream('Tell me a story').pipe(
        interruptAfter(60),
        tap((c) => out(c.content)),
        collectResponse(),
      ),
    );
    await offline.settled();
    out(dim(`\n[${cut.completeText.length} chars, finish: ${cut.finishReason}; server saw ${offline.abortedCount - abortedBefore} aborted request]\n`));

    heading('4. Tools while streaming: the calculator runs between two streamed rounds');
    const calc = new Agent({ name: 'Calculator', model: provider.model, provider, tools: [calculator] });
    const answer = await lastValueFrom(
      calc.stream("What's 15% of $2,500?").pipe(
        tap((c) => {
          const delta = c.metadata.toolCallDelta;
          if (delta?.name) out(dim(`[calling ${delta.name}] `));
          const result = c.metadata['toolResult'] as { name: string; result?: unknown; error?: string } | undefined;
          if (result) out(dim(`[${result.name} → ${JSON.stringify(result.result ?? result.error)}]\n`));
          out(c.content);
        }),
        collectResponse(),
      ),
    );
    out(dim(`\n[finish: ${answer.finishReason}, tokens: ${answer.usage?.totalTokens ?? 'n/a'}]\n`));

    heading('5. agent.run(): the whole answer as one AgentResponse');
    const response = await calc.run("What's 15% of $2,500?");
    out(`${response.content}\n`);
    const calls = response.toolCalls.map((c) => `${c.name}(${JSON.stringify(c.arguments)})`).join(', ');
    out(dim(`[tool calls: ${calls}; finish: ${response.finishReason}; history: ${calc.history.length} messages]\n`));

    heading('6. A workflow: a handler step (the guide\'s pattern) feeds an LLM step');
    const flow = new WorkflowAgent({ name: 'Reporter', provider });
    flow.registerHandler('calculate', (_agent, _step, context) =>
      concat(
        mockStream(`Calculating ${String(context['expression'])}... `, { chunkSize: 8 }),
        defer(() => {
          context['calc_result'] = evaluateExpression(String(context['expression']));
          return mockStream(`Result: ${String(context['calc_result'])}\n`);
        }),
      ),
    );
    const report = flow
      .createWorkflow('report')
      .addStep({ name: 'calculate', handler: 'calculate' })
      .addStep({ name: 'summary', action: 'Write one sentence about this result.', dependsOn: ['calculate'] });
    const run = await lastValueFrom(
      flow.streamWorkflow(report, { context: { expression: '15 * 2500 / 100' } }).pipe(
        tap((e) => {
          if (e.type === 'step-start') out(dim(`[${e.step}] `));
          if (e.type === 'chunk') out(e.chunk.content);
        }),
        filter((e) => e.type === 'workflow-complete'),
      ),
    );
    const { successful, results, context } = run.result;
    out(dim(`\n[successful: ${String(successful)}; steps: ${Object.keys(results).join(', ')}; context.calc_result = ${String(context['calc_result'])}]\n`));

    heading('7. Three providers side by side: the same prompt through openai, anthropic and ollama (offline wire formats)');
    const rows = await lastValueFrom(compareProviders([offlineAll.openai, offlineAll.anthropic, offlineAll.ollama], 'Tell me a story'));
    out(comparisonTable(rows));
    out(dim(`[same answer from all three: ${String(sameText(rows))}]\n`));
  } finally {
    await offline.close();
  }
}

function liveProvider(): Provider | undefined {
  if (process.env['DEMO_OFFLINE']) return undefined;
  if (process.env['OPENAI_API_KEY']) return openai({ model: 'gpt-4o-mini' });
  if (process.env['ANTHROPIC_API_KEY']) return anthropic({ model: 'claude-haiku-4-5' });
  if (process.env['OLLAMA_HOST']) return ollama({ model: process.env['OLLAMA_MODEL'] ?? 'llama3.2' });
  return undefined;
}

runExample(main);

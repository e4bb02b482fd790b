/**
 * `npm run demo` — agenticraft-rx end to end, with no API key and no network: an embedded offline
 * model speaks the OpenAI streaming wire format on loopback and the real `openai` SDK talks to it.
 * With OPENAI_API_KEY, ANTHROPIC_API_KEY or OLLAMA_HOST set, the same demo uses that real provider
 * (the fault-injection part then runs against the offline model only).
 */
import { lastValueFrom, tap } from 'rxjs';
import {
  Agent,
  anthropic,
  calculator,
  collectResponse,
  interruptAfter,
  ollama,
  openai,
  retryStream,
  streamMetrics,
  timeoutStream,
  type Provider,
  type StreamChunk,
} from '../src/index.js';
import { startOfflineServer } from './offline.js';

const out = (text: string): void => void process.stdout.write(text);
const dim = (text: string): string => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[22m` : text);
const heading = (text: string): void => out(`\n\x1b[1m== ${text}\x1b[22m\n`);

async function main(): Promise<void> {
  const offline = await startOfflineServer({ chunkDelayMs: Number(process.env['DEMO_CHUNK_DELAY_MS'] ?? 25) });
  const offlineProvider = openai({ baseURL: offline.baseURL, apiKey: 'offline-demo', model: 'offline-mini' });
  const live = liveProvider();
  const provider = live ?? offlineProvider;
  out(dim(live ? `Using the real ${live.name} provider (${live.model}).\n` : 'No API key found: using the embedded offline model over loopback (the real openai SDK path).\n'));

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
    await new Promise((r) => setTimeout(r, 50));
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
    const response = await agent.run('Tell me a story');
    out(`${response.content.slice(0, 80)}…\n`);
    out(dim(`[history: ${agent.history.length} messages]\n`));
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

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

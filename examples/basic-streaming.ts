/**
 * `npx tsx examples/basic-streaming.ts [openai|anthropic|ollama]` — the guide's "Basic Usage", offline: the
 * embedded offline model speaks the chosen provider's wire format (default openai) and the real SDK reads it.
 *
 * 1. Check provider support (`getProviderInfo()`), falling back to `run()` where streaming is missing.
 * 2. Simple streaming: `for await (const chunk of agent.stream(prompt))`.
 * 3. Collecting a `StreamingResponse` (`addChunk`) with a progress indicator: text, duration, chunk count.
 * 4. Streaming with parameters (temperature, maxTokens, topP) — and what the provider put on the wire.
 * 5. Stopping early: `break` out of the loop aborts the HTTP request (the server sees it).
 * 6. The final chunk: exactly one, `isFinal`, with the finish reason and the token usage.
 */
import { Agent, StreamingResponse, type StreamChunk } from '../src/index.js';
import { chunkDelayFromEnv, offlineProviders, startOfflineServer, type WireFormat } from './offline.js';
import { dim, heading, out, runExample } from './terminal.js';

async function main(): Promise<void> {
  const format = (process.argv[2] ?? 'openai') as WireFormat;
  const offline = await startOfflineServer({ chunkDelayMs: chunkDelayFromEnv() });
  const provider = offlineProviders(offline)[format];
  if (provider === undefined) throw new TypeError(`usage: basic-streaming.ts [openai|anthropic|ollama], got ${format}`);
  const agent = new Agent({ name: 'StreamingAgent', provider });
  try {
    heading('1. Checking provider support');
    const info = agent.getProviderInfo();
    out(`provider: ${info.provider}, model: ${info.model}, supportsStreaming: ${String(info.supportsStreaming)}, supportsTools: ${String(info.supportsTools)}\n`);
    if (!info.supportsStreaming) {
      out(`${(await agent.run('Explain streaming')).content}\n`);
      return;
    }

    heading('2. Simple streaming');
    for await (const chunk of agent.stream('Tell me a story')) out(chunk.content);
    out('\n');

    heading('3. Collecting the complete response');
    const response = new StreamingResponse();
    for await (const chunk of agent.stream('List the planets')) {
      response.addChunk(chunk);
      out('.'); // progress indicator
    }
    out(`\nComplete response: ${response.completeText.slice(0, 40)}…\n`);
    out(`Duration: ${((response.duration ?? 0) / 1000).toFixed(2)} seconds\n`);
    out(`Chunks received: ${response.chunkCount}\n`);

    heading('4. Streaming with parameters');
    let chars = 0;
    for await (const chunk of agent.stream('Write a creative story', { temperature: 0.9, maxTokens: 500, topP: 0.95 })) chars += chunk.content.length;
    const sent = offline.lastRequest;
    const wire = Object.entries(sent?.body ?? {}).filter(([key]) => ['temperature', 'max_tokens', 'top_p', 'options'].includes(key));
    out(`${chars} chars; ${provider.name} sent POST ${sent?.path} with ${JSON.stringify(Object.fromEntries(wire))}\n`);

    heading('5. Stopping early: break after 100 characters');
    const abortedBefore = offline.abortedCount;
    let partial = '';
    for await (const chunk of agent.stream('Write a long essay')) {
      partial += chunk.content;
      if (partial.length > 100) break; // unsubscribes: the request is aborted at the socket
    }
    await offline.settled();
    out(`${partial}\n`);
    out(dim(`[stopped at ${partial.length} chars; the server saw ${offline.abortedCount - abortedBefore} aborted request]\n`));

    heading('6. The final chunk');
    let final: StreamChunk | undefined;
    let finals = 0;
    for await (const chunk of agent.stream('Hello there')) {
      if (chunk.isFinal) {
        final = chunk;
        finals++;
      }
    }
    const { finishReason, rawFinishReason, usage } = final?.metadata ?? {};
    out(`final chunks: ${finals}; finishReason: ${finishReason} (${provider.name} said ${JSON.stringify(rawFinishReason)}); usage: ${usage?.inputTokens} in + ${usage?.outputTokens} out = ${usage?.totalTokens} tokens\n`);
  } finally {
    await offline.close();
  }
}

runExample(main);

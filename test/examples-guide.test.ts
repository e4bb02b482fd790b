/**
 * Smoke tests for the guide's examples (docs/examples.md): each runs offline against the embedded offline model,
 * through the real openai / @anthropic-ai/sdk / ollama code paths, and prints lines asserted here so that a
 * broken example fails.
 */
import { describe, expect, it } from 'vitest';
import { example } from './helpers/examples.js';

const STORY_START = 'Once upon a time, a small stream of tokens left a distant server.';

// Each example is a child process (a tsx start-up included): a minute each at most, several at once.
describe.concurrent("the guide's examples, offline", { timeout: 60_000 }, () => {
  it.each(['openai', 'anthropic', 'ollama'])('basic-streaming.ts %s: support check, for await, StreamingResponse, params, break, final chunk', async (provider) => {
    const out = await example('examples/basic-streaming.ts', provider);
    expect(out).toContain(`provider: ${provider}, model: offline-mini, supportsStreaming: true, supportsTools: true`);
    expect(out).toContain(`== 2. Simple streaming\n${STORY_START}`);
    expect(out).toMatch(/\n\.{55}\nComplete response: Once upon a time/);
    expect(out).toMatch(/Duration: \d+\.\d\d seconds\nChunks received: 55\n/);
    const wire = {
      openai: 'openai sent POST /v1/chat/completions with {"temperature":0.9,"max_tokens":500,"top_p":0.95}',
      anthropic: 'anthropic sent POST /v1/messages with {"max_tokens":500,"temperature":0.9}',
      ollama: 'ollama sent POST /api/chat with {"options":{"temperature":0.9,"top_p":0.95,"num_predict":500}}',
    }[provider];
    expect(out).toContain(`287 chars; ${wire}`);
    expect(out).toContain('[stopped at 101 chars; the server saw 1 aborted request]');
    const raw = { openai: 'stop', anthropic: 'end_turn', ollama: 'stop' }[provider];
    expect(out).toMatch(new RegExp(`final chunks: 1; finishReason: stop \\(${provider} said "${raw}"\\); usage: \\d+ in \\+ \\d+ out = \\d+ tokens`));
  });

  it('multi-provider.ts: one chunk shape over three wire formats, a side-by-side table, a fallback', async () => {
    const out = await example('examples/multi-provider.ts');
    expect(out).toMatch(/^openai {4}events: chat\.completion\.chunk; finish: stop \(raw "stop"\); usage: \d+ tokens/m);
    expect(out).toMatch(/^anthropic events: content_block_delta, message_stop; finish: stop \(raw "end_turn"\); usage: \d+ tokens/m);
    expect(out).toMatch(/^ollama {4}events: message, done; finish: stop \(raw "stop"\); usage: \d+ tokens; also: durations/m);
    expect(out).toMatch(/^provider +first chunk +total +chunks +tokens +tok\/s$/m);
    for (const name of ['openai', 'anthropic', 'ollama']) expect(out).toMatch(new RegExp(`^${name} +\\d+ ms +\\d+ ms +55 +72 +[\\d.]+$`, 'm'));
    expect(out).toContain('[same answer from all three: true]');
    expect(out).toContain('answered by anthropic after 2 requests: Once upon a time');
  });

  it('streaming-with-handlers.ts: the tool loop on each provider, the handler pattern with an LLM, data through context', async () => {
    const out = await example('examples/streaming-with-handlers.ts');
    for (const [name, deltas] of [['openai', '4 argument deltas'], ['anthropic', '5 argument deltas'], ['ollama', '1 argument delta']]) {
      expect(out).toContain(`[calculator({"expression":"15% of 2500"}) → 375] That comes to 375.  (${name}: ${deltas}, finish: stop)`);
    }
    expect(out).toContain(`[calculate] Calculating 15 * 2500 / 100...\nResult: 375\n${STORY_START}`);
    expect(out).toContain('[report] [report → "The tip is $375."]');
    expect(out).toContain('context.calc_result = 375; results.report = "The tip is $375."; successful: true');
  });

  it('advanced-streaming-handlers.ts: wrapped tools fan out and in, a failure, a retry, a timeout, a switched run', async () => {
    const out = await example('examples/advanced-streaming-handlers.ts');
    expect(out).toContain('[tax] Executing calculate...\nResult: 200\n[tax → 200]');
    expect(out).toContain('successful: true; results: {"subtotal":2500,"tip":375,"tax":200,"total":3075}');
    expect(out).toContain('[subtotal failed: ToolError: Tool calculate (step "subtotal"): ');
    expect(out).toContain('successful: false; failed: subtotal; skipped: {"tip":"dependency-failed","tax":"dependency-failed","total":"dependency-skipped"}');
    expect(out).toContain('[rates retry, attempt 2: Error: connection reset]');
    expect(out).toContain('successful: true after 2 attempts; result: "Fetching rates... rates: EUR 0.92\\n"');
    expect(out).toContain('[ledger failed: StreamTimeoutError: Stream timed out: no chunk for 50 ms (idle)]');
    expect(out).toContain('successful: false; partial output: "Waiting for the ledger"');
    expect(out).toContain('completed runs: rivers; the server saw 1 aborted request');
  });

  it('practical.ts: batching, concurrency with forkJoin and a cap, memory-efficient processing', async () => {
    const out = await example('examples/practical.ts');
    expect(out).toContain('bufferChunks(10): 6 batches instead of 55 chunks; the first: "Once upon a time, a small stream of tokens left "');
    expect(out).toContain(`bufferChunks({ boundary: 'sentence' }): 4 sentences, e.g. "It crossed the wire`);
    expect(out).toMatch(/forkJoin: 4 answers \(55, 55, 55, 55 chunks\) in \d+ ms, all at once/);
    expect(out).toContain('mergeMap(…, 2): 4 answers, at most 2 streams at once');
    expect(out).toContain('collectResponse({ keepChunks: false }): 287 chars, chunkCount 55, chunks kept: 0');
    expect(out).toContain('streamed to a sink: 54 words, 287 bytes written, no chunk kept');
  });

  it('sse-server.ts: an SSE endpoint read back by fromServerSentEvents, an early leave that aborts upstream, an error with its class', async () => {
    const out = await example('examples/sse-server.ts');
    expect(out).toMatch(/sse-server listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toContain(`== 1. The client reads the stream back\n${STORY_START}`);
    expect(out).toMatch(/\[55 chunks over SSE, finish: stop, \d+ tokens\]/);
    expect(out).toContain('"Once upon a time, a "\n[the model request behind the endpoint was aborted: the offline model saw 1 hang-up]');
    expect(out).toContain('ProviderError from the server: status 429, retryable true, retryAfterMs 100');
  });

  it('cli.ts: drives the bin — text, --json parsed line by line, stdin and an interrupt exit code', async () => {
    const out = await example('examples/cli.ts');
    expect(out).toContain(`$ agenticraft-rx stream --offline 'Tell me a story'\n${STORY_START}`);
    expect(out).toContain('The end.\n[exit code 0]');
    expect(out).toMatch(/\d+ lines: 4 tool-call deltas, tool result \{"toolCallId":"[\w-]+","name":"calculator","result":375\}, text "That comes to 375\."/);
    expect(out).toMatch(/final chunks: 1; finishReason: stop; usage: \{"inputTokens":\d+,"outputTokens":\d+,"totalTokens":\d+\}/);
    expect(out).toContain('Once upon a time, a small stream of tokens \n[exit code 5: interrupted]');
  });
});

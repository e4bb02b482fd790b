/**
 * `npx tsx examples/multi-provider.ts` — the guide's "Compare providers", offline: one loopback server speaks the
 * OpenAI, Anthropic and Ollama wire formats, and the real `openai`, `@anthropic-ai/sdk` and `ollama` SDKs read them.
 *
 * 1. What each provider adds to a chunk: the wire event behind it (`eventType`), its own finish word
 *    (`rawFinishReason`), usage, and Ollama's durations — all behind one `StreamChunk` shape.
 * 2. Side by side: the same prompt through all three at once — time to first chunk, total time, chunks, tokens/s.
 * 3. `fallbackProvider`: the first provider is rate-limited (429), the next one answers.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { collectResponse, fallbackProvider } from '../src/index.js';
import { compareProviders, comparisonTable, sameText } from './compare.js';
import { chunkDelayFromEnv, offlineProviders, startOfflineServer } from './offline.js';
import { dim, heading, out, runExample } from './terminal.js';

async function main(): Promise<void> {
  const offline = await startOfflineServer({ chunkDelayMs: chunkDelayFromEnv() });
  const providers = offlineProviders(offline);
  const all = [providers.openai, providers.anthropic, providers.ollama];
  try {
    heading('1. One chunk shape, three wire formats');
    for (const provider of all) {
      const chunks = await lastValueFrom(provider.stream({ messages: [{ role: 'user', content: 'Explain DNA' }] }).pipe(toArray()));
      const events = [...new Set(chunks.map((c) => c.metadata.eventType))].join(', ');
      const final = chunks.at(-1)!.metadata;
      const extras = Object.keys(final).filter((key) => !['provider', 'model', 'eventType', 'finishReason', 'rawFinishReason', 'usage'].includes(key));
      out(`${provider.name.padEnd(9)} events: ${events}; finish: ${final.finishReason} (raw ${JSON.stringify(final.rawFinishReason)}); usage: ${final.usage?.totalTokens} tokens${extras.length > 0 ? `; also: ${extras.join(', ')}` : ''}\n`);
    }

    heading('2. Side by side: the same prompt, all three at once');
    // Part 1 loaded each SDK (a dynamic import on first use), so these timings measure the streams (see warmUp).
    const rows = await lastValueFrom(compareProviders(all, 'Tell me a story'));
    out(comparisonTable(rows));
    out(dim(`[same answer from all three: ${String(sameText(rows))}]\n`));

    heading('3. fallbackProvider: openai is rate-limited, anthropic answers');
    offline.failNext(1, 50);
    const before = offline.requestCount;
    const answer = await lastValueFrom(
      fallbackProvider([providers.openai, providers.anthropic, providers.ollama])
        .stream({ messages: [{ role: 'user', content: 'Tell me a story' }] })
        .pipe(collectResponse()),
    );
    out(`answered by ${answer.metadata.provider} after ${offline.requestCount - before} requests: ${answer.completeText.slice(0, 40)}…\n`);
  } finally {
    await offline.close();
  }
}

runExample(main);

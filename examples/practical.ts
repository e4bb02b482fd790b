/**
 * `npx tsx examples/practical.ts` — the guide's "Performance Optimization", offline (the real `openai` SDK against
 * the embedded offline model):
 *
 * 1. Batching: `bufferChunks(10)` hands chunks on ten at a time (the guide's `process_batch`), and
 *    `bufferChunks({ boundary: 'sentence' })` whole sentences, for a UI that should not repaint per token.
 * 2. Concurrency: `forkJoin` runs every prompt at once (the guide's `asyncio.gather`); `mergeMap(…, 2)` caps how
 *    many run at the same time — each stream is one HTTP request, opened on subscribe.
 * 3. Memory efficiency: `collectResponse({ keepChunks: false })` keeps the text and counters but no chunk objects,
 *    and a sink (here a Node `Writable`) takes each chunk as it comes while `reduce` keeps only a word count.
 */
import { Writable } from 'node:stream';
import { concatMap, defer, finalize, forkJoin, from, lastValueFrom, mergeMap, reduce, tap, toArray } from 'rxjs';
import { Agent, bufferChunks, collectResponse, type StreamChunk } from '../src/index.js';
import { chunkDelayFromEnv, offlineProviders, startOfflineServer } from './offline.js';
import { heading, out, runExample } from './terminal.js';

async function main(): Promise<void> {
  const offline = await startOfflineServer({ chunkDelayMs: chunkDelayFromEnv() });
  // history: false on every call below: these are independent one-off prompts, not one conversation.
  const agent = new Agent({ name: 'Worker', provider: offlineProviders(offline).openai });
  const ask = (prompt: string) => agent.stream(prompt, { history: false });
  try {
    heading('1. Batching');
    let chunks = 0;
    const batches = await lastValueFrom(ask('Tell me a story').pipe(tap(() => chunks++), bufferChunks(10), toArray()));
    out(`bufferChunks(10): ${batches.length} batches instead of ${chunks} chunks; the first: ${JSON.stringify(batches[0]?.content)}\n`);
    const sentences = await lastValueFrom(ask('Tell me a story').pipe(bufferChunks({ boundary: 'sentence' }), toArray()));
    const whole = sentences.filter((c) => c.content !== '');
    out(`bufferChunks({ boundary: 'sentence' }): ${whole.length} sentences, e.g. ${JSON.stringify(whole[1]?.content.trim())}\n`);

    heading('2. Concurrent streams');
    const prompts = ['Tell me a story', 'Tell me another story', 'One more story', 'The last story'];
    const started = performance.now();
    const all = await lastValueFrom(forkJoin(prompts.map((prompt) => ask(prompt).pipe(collectResponse()))));
    out(`forkJoin: ${all.length} answers (${all.map((r) => r.chunkCount).join(', ')} chunks) in ${Math.round(performance.now() - started)} ms, all at once\n`);
    let running = 0;
    let most = 0;
    const capped = await lastValueFrom(
      from(prompts).pipe(
        mergeMap(
          (prompt) =>
            defer(() => {
              most = Math.max(most, ++running);
              return ask(prompt).pipe(collectResponse());
            }).pipe(finalize(() => running--)),
          2, // at most two requests at a time
        ),
        toArray(),
      ),
    );
    out(`mergeMap(…, 2): ${capped.length} answers, at most ${most} streams at once\n`);

    heading('3. Memory-efficient processing');
    const lean = await lastValueFrom(ask('Write a long essay').pipe(collectResponse({ keepChunks: false })));
    out(`collectResponse({ keepChunks: false }): ${lean.completeText.length} chars, chunkCount ${lean.chunkCount}, chunks kept: ${lean.chunks.length}\n`);
    let written = 0;
    const sink = new Writable({
      write(piece: Buffer, _encoding, done) {
        written += piece.length; // e.g. a socket to the user, a file, a queue
        done();
      },
    });
    const words = await lastValueFrom(
      ask('Write a long essay').pipe(
        // Wait for the sink to drain before taking the next chunk: backpressure, nothing piles up.
        concatMap((chunk: StreamChunk) => (chunk.content === '' || sink.write(chunk.content) ? [chunk] : new Promise<StreamChunk>((resolve) => sink.once('drain', () => resolve(chunk))))),
        reduce((count, chunk) => count + (chunk.content.match(/\S+/g)?.length ?? 0), 0),
        tap({ complete: () => sink.end() }),
      ),
    );
    out(`streamed to a sink: ${words} words, ${written} bytes written, no chunk kept\n`);
  } finally {
    await offline.close();
  }
}

runExample(main);

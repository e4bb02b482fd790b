/**
 * `npx tsx examples/operators.ts` — every operator on a mockStream, no network at all.
 */
import { defer, lastValueFrom, tap, toArray } from 'rxjs';
import {
  StreamingManager,
  bufferChunks,
  collectResponse,
  interruptAfter,
  isStreamTimeoutError,
  mockStream,
  retryStream,
  scanResponse,
  streamMetrics,
  timeoutStream,
} from '../src/index.js';

const text = 'Streams arrive chunk by chunk. Operators shape them. Nothing is lost.';

async function main(): Promise<void> {
  // collectResponse: one StreamingResponse at the end.
  const response = await lastValueFrom(mockStream(text, { chunkSize: 8 }).pipe(collectResponse()));
  console.log(`collectResponse: ${response.chunkCount} chunks, finish ${response.finishReason}: ${response.completeText}`);

  // bufferChunks: whole sentences.
  const sentences = await lastValueFrom(
    mockStream(text, { chunkSize: 4 }).pipe(bufferChunks({ boundary: 'sentence' }), toArray()),
  );
  console.log(`bufferChunks: ${JSON.stringify(sentences.map((c) => c.content))}`);

  // interruptAfter: stop after 20 characters; the stream ends with an 'interrupted' final chunk.
  const cut = await lastValueFrom(mockStream(text, { chunkSize: 8 }).pipe(interruptAfter(20), collectResponse()));
  console.log(`interruptAfter: "${cut.completeText}" (${cut.finishReason})`);

  // timeoutStream: a 40 ms gap between chunks is too long for an idle deadline of 20 ms.
  try {
    await lastValueFrom(mockStream(text, { chunkSize: 8, delay: 40 }).pipe(timeoutStream({ first: 1_000, idle: 20 })));
  } catch (error) {
    if (!isStreamTimeoutError(error)) throw error;
    console.log(`timeoutStream: ${error.message}; partial "${error.partialResponse.completeText}"`);
  }

  // retryStream: the first attempt does not start within 20 ms (a first-chunk timeout, nothing delivered yet),
  // so it is retried; the second attempt streams at once.
  let attempt = 0;
  const flaky = defer(() => mockStream(text, { chunkSize: 16, delay: ++attempt === 1 ? 50 : 1 }));
  const retried = await lastValueFrom(
    flaky.pipe(timeoutStream({ first: 20 }), retryStream({ count: 2, delay: 10 }), collectResponse()),
  );
  console.log(`retryStream: ${attempt} attempts, ${retried.completeText.length} chars, finish ${retried.finishReason}`);

  // streamMetrics + scanResponse: progress for a UI.
  await lastValueFrom(
    mockStream(text, { chunkSize: 10, delay: 5 }).pipe(
      streamMetrics(),
      tap((c) => {
        if (c.isFinal) console.log(`streamMetrics: ${c.metadata.metrics.chunks} chunks, ${c.metadata.metrics.chars} chars`);
      }),
      scanResponse(),
      tap((r) => {
        if (r.endTime !== undefined) console.log(`scanResponse: last snapshot has ${r.completeText.length} chars`);
      }),
    ),
  );

  // StreamingManager: a registry of live streams that can really be stopped.
  const manager = new StreamingManager({ timeout: 5_000 });
  const managed = lastValueFrom(manager.streamWithTimeout(mockStream(text, { chunkSize: 4, delay: 10 }), { id: 'demo' }).pipe(collectResponse()));
  setTimeout(() => manager.interrupt('demo'), 35); // e.g. a Stop button
  const stopped = await managed;
  console.log(`StreamingManager: stopped after "${stopped.completeText}" (${stopped.finishReason}); active now: ${manager.activeCount}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

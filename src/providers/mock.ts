import { Observable, asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { checkedChunks, chunk, type ChunkMetadata, type StreamChunk } from '../chunk.js';
import { assertNonNegativeNumber, assertPositiveInteger, assertScheduler } from '../optionChecks.js';
import { mergeObjects } from '../mergeObjects.js';
import { scheduleAfter } from '../longTimers.js';

export interface MockStreamConfig {
  /** Characters (code points) per content chunk. @default 10 */
  readonly chunkSize?: number;
  /** ms before each content chunk, in the scheduler's time; the final chunk comes with the last one. @default 0 */
  readonly delay?: number;
  /** Merged into every chunk's metadata. */
  readonly metadata?: ChunkMetadata;
  /** @default asyncScheduler (only used when `delay` > 0, and for timestamps) */
  readonly scheduler?: SchedulerLike;
}

/**
 * A cold stream of `text` in chunks of `chunkSize` characters, then one final chunk (also for empty text)
 * with `finishReason: 'stop'`. The guide's `create_mock_stream`, with delays in virtual time.
 *
 * ```
 * <!-- diagram: mockStream/delay -->
 * trigger:    --x|                          a request, e.g. a click: mockStream is cold
 * mockStream('Hello world', { chunkSize: 5, delay: 10 })
 * result:     -- 10ms a 9ms b 9ms (cF|)     a = 'Hello', b = ' worl', c = 'd', F = final (finishReason 'stop')
 * ```
 *
 * Text is split on code points, so no emoji or surrogate pair is ever cut in half.
 */
export function mockStream(text: string, config: MockStreamConfig = {}): Observable<StreamChunk> {
  if (typeof text !== 'string') throw new TypeError(`mockStream(text): text must be a string, got ${typeof text}`);
  const { chunkSize = 10, delay = 0, metadata, scheduler = asyncScheduler } = config;
  assertPositiveInteger('mockStream: chunkSize', chunkSize);
  assertNonNegativeNumber('mockStream: delay', delay);
  assertScheduler('mockStream: scheduler', scheduler);
  const pieces = splitCodePoints(text, chunkSize);
  const base: ChunkMetadata = { provider: 'mock', model: 'mock', ...metadata };
  const contentMeta: ChunkMetadata = mergeObjects(base, { eventType: 'delta' });
  const finalMeta: ChunkMetadata = mergeObjects(base, { eventType: 'done', finishReason: 'stop', rawFinishReason: 'stop' });

  return checkedChunks(new Observable<StreamChunk>((subscriber) => {
    const emit = (i: number): void => {
      const piece = pieces[i];
      if (piece !== undefined) subscriber.next(chunk(piece, { metadata: contentMeta, scheduler }));
      if (i >= pieces.length - 1) {
        subscriber.next(chunk('', { metadata: finalMeta, isFinal: true, scheduler }));
        subscriber.complete();
      }
    };
    if (delay === 0) {
      for (let i = 0; i < Math.max(pieces.length, 1) && !subscriber.closed; i++) emit(i);
      return;
    }
    let i = 0;
    let next: Subscription;
    const tick = (): void => {
      emit(i++);
      if (!subscriber.closed) next = scheduleAfter(scheduler, delay, tick);
    };
    next = scheduleAfter(scheduler, delay, tick);
    return () => next.unsubscribe();
  }));
}

function splitCodePoints(text: string, size: number): string[] {
  const pieces: string[] = [];
  // Fast path: no surrogate pairs, slice by code units.
  if (!/[\uD800-\uDFFF]/.test(text)) {
    for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
    return pieces;
  }
  const points = Array.from(text);
  for (let i = 0; i < points.length; i += size) pieces.push(points.slice(i, i + size).join(''));
  return pieces;
}

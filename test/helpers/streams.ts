/**
 * Helpers for tests that subscribe to real chunk streams (providers against the wire server, agents,
 * properties): run a stream to its end or its error, read its text, and wait on the server's abort record.
 */
import { expect } from 'vitest';
import { Observable, concat, interval, map, of, take, type SchedulerLike } from 'rxjs';
import { chunk, finalChunk, type StreamChunk } from '../../src/chunk.js';
import { isProviderError, type ProviderError } from '../../src/errors/ProviderError.js';

/** How a stream ended: the chunks it delivered, and its error or completion. */
export interface Outcome {
  readonly chunks: StreamChunk[];
  readonly error?: unknown;
  readonly completed: boolean;
}

/** Subscribes and resolves when the stream completes or errors (never rejects). */
export function collect(source: Observable<StreamChunk>): Promise<Outcome> {
  return new Promise((resolve) => {
    const chunks: StreamChunk[] = [];
    source.subscribe({
      next: (c) => chunks.push(c),
      error: (error: unknown) => resolve({ chunks, error, completed: false }),
      complete: () => resolve({ chunks, completed: true }),
    });
  });
}

/** Runs the stream to its end, asserts that it failed with a ProviderError and returns the chunks before it. */
export async function failure(source: Observable<StreamChunk>): Promise<{ chunks: StreamChunk[]; error: ProviderError }> {
  const outcome = await collect(source);
  expect(outcome.completed).toBe(false);
  expect(isProviderError(outcome.error)).toBe(true);
  return { chunks: outcome.chunks, error: outcome.error as ProviderError };
}

/** The concatenated content of the chunks. */
export function textOf(chunks: readonly StreamChunk[]): string {
  return chunks.map((c) => c.content).join('');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves with the abort time (a RecordedRequest's `aborted`), or rejects if the server has not seen
 * the connection close within `ms`.
 */
export function abortedWithin(aborted: Promise<number>, ms: number): Promise<number> {
  return Promise.race([aborted, sleep(ms).then(() => Promise.reject(new Error(`server saw no abort within ${ms} ms`)))]);
}

/** A model that counts its subscriptions: `n` chunks `t0 `, `t1 `... one every `periodMs`, then a final chunk. */
export interface CountedModel {
  readonly source: Observable<StreamChunk>;
  subscribed: number;
  unsubscribed: number;
}

/** A {@link CountedModel} on `scheduler` (virtual time under a TestScheduler) or real time. */
export function countedModel(n: number, periodMs: number, scheduler?: SchedulerLike): CountedModel {
  const clock = scheduler === undefined ? {} : { scheduler };
  const record: CountedModel = {
    subscribed: 0,
    unsubscribed: 0,
    source: new Observable<StreamChunk>((subscriber) => {
      record.subscribed++;
      const sub = concat(
        interval(periodMs, scheduler).pipe(
          take(n),
          map((i) => chunk(`t${i} `, clock)),
        ),
        of(finalChunk({ finishReason: 'stop' }, clock)),
      ).subscribe(subscriber);
      return () => {
        record.unsubscribed++;
        sub.unsubscribe();
      };
    }),
  };
  return record;
}

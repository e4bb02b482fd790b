/**
 * Shared marble-test helpers. Like RxJS's own spec/helpers/observableMatcher.ts, errors are compared by
 * name and message (plus the fields a user relies on: reason, phase, timeoutMs and the partial text).
 */
import { Subscription, asyncScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type { StreamChunk } from '../src/chunk.js';
import { StreamingResponse } from '../src/response.js';

export function normalize(value: unknown): unknown {
  if (value instanceof Error) {
    const e = value as Error & Record<string, unknown>;
    const out: Record<string, unknown> = { name: e.name, message: e.message };
    for (const key of ['reason', 'phase', 'timeoutMs', 'provider', 'status', 'retryable'] as const) {
      if (e[key] !== undefined) out[key] = e[key];
    }
    const partial = e['partialResponse'] as { completeText: string; chunkCount: number } | undefined;
    if (partial) out['partial'] = { text: partial.completeText, chunks: partial.chunkCount };
    return out;
  }
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object' && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

/** A new TestScheduler for each test, with the error-normalising matcher. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(normalize(actual)).toEqual(normalize(expected));
  });
}

/** The partial response an operator reports after delivering the chunks named by `keys` (from a marble values map). */
export function partialOf(values: Readonly<Record<string, StreamChunk>>, ...keys: string[]): StreamingResponse {
  const response = new StreamingResponse({ keepChunks: false, startTime: 0 });
  for (const key of keys) {
    const value = values[key];
    if (value === undefined) throw new Error(`no chunk ${key}`);
    response.addChunk(value);
  }
  return response;
}

/** How many frames of the run one ms of {@link halfSpeedScheduler} lasts. */
const SLOWDOWN = 2;

/** The action a {@link halfSpeedScheduler} task runs as: rescheduling it (`this.schedule`) waits in half-speed time too. */
class HalfSpeedAction<T> extends Subscription implements SchedulerAction<T> {
  readonly #inner: SchedulerAction<T>;

  constructor(inner: SchedulerAction<T>) {
    super(() => inner.unsubscribe());
    this.#inner = inner;
  }

  schedule(state?: T, delay = 0): Subscription {
    this.#inner.schedule(state, delay * SLOWDOWN);
    return this;
  }
}

/**
 * A scheduler with a clock of its own, for the specs that check an operator uses the scheduler it is given.
 * Inside `TestScheduler.run` its time runs at half the speed of the run's frames: `now()` is half the frame,
 * and `n` ms on it last `2n` frames. An operator that measured or waited on another clock — the default
 * `asyncScheduler`, which `run` virtualises to the frames themselves — shows the run's times instead, so
 * the spec fails.
 */
export function halfSpeedScheduler(): SchedulerLike {
  return {
    now: () => asyncScheduler.now() / SLOWDOWN,
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      return asyncScheduler.schedule<T>(
        function (this: SchedulerAction<T>, s?: T) {
          work.call(new HalfSpeedAction(this), s);
        },
        delay * SLOWDOWN,
        state,
      );
    },
  };
}

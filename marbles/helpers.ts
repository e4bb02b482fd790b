/**
 * Shared marble-test helpers. Like RxJS's own spec/helpers/observableMatcher.ts, errors are compared by
 * name and message (plus the fields a user relies on: reason, phase, timeoutMs and the partial text).
 */
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

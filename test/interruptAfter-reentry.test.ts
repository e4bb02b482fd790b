/**
 * interruptAfter with one subscriber to its source (no takeUntil / takeWhile / concat): the cases where a stop
 * happens inside a delivery — a notifier fired by the consumer while it handles a chunk, a synchronous source
 * that keeps emitting after the limit — end the stream exactly once and stop the source at once.
 */
import { Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { chunk, finalChunk, type StreamChunk } from '../src/chunk.js';
import { interruptAfter } from '../src/operators/interruptAfter.js';

/** A synchronous source of `n` content chunks and a final one, recording how far it got and its teardown. */
function syncSource(n: number): { source: Observable<StreamChunk>; log: string[] } {
  const log: string[] = [];
  const source = new Observable<StreamChunk>((subscriber) => {
    for (let i = 0; i < n && !subscriber.closed; i++) {
      log.push(`emit ${i}`);
      subscriber.next(chunk(`c${i}`, { metadata: { provider: 'p', model: 'm' }, timestamp: i }));
    }
    if (!subscriber.closed) {
      subscriber.next(finalChunk({ finishReason: 'stop' }, { timestamp: n }));
      subscriber.complete();
    }
    return () => log.push('teardown');
  });
  return { source, log };
}

describe('interruptAfter: stops that happen inside a delivery', () => {
  it('a notifier fired by the consumer while it handles a chunk ends the stream once, after that chunk', () => {
    const stop$ = new Subject<void>();
    const { source, log } = syncSource(10);
    const seen: string[] = [];
    let completions = 0;
    source.pipe(interruptAfter({ notifier: stop$ })).subscribe({
      next: (c) => {
        seen.push(c.isFinal ? `final ${String(c.metadata.interruptedBy)}` : c.content);
        if (c.content === 'c2') stop$.next();
      },
      complete: () => completions++,
    });
    expect(seen).toEqual(['c0', 'c1', 'c2', 'final notifier']);
    expect(completions).toBe(1);
    // The source loop sees a closed subscriber right after c2: nothing more was emitted, and it was torn down.
    expect(log).toEqual(['emit 0', 'emit 1', 'emit 2', 'teardown']);
    expect(stop$.observed).toBe(false);
  });

  it('a limit reached while the consumer also fires the notifier reports the limit, once', () => {
    const stop$ = new Subject<void>();
    const { source } = syncSource(10);
    const finals: string[] = [];
    source.pipe(interruptAfter({ chunks: 2, notifier: stop$ })).subscribe((c) => {
      if (c.isFinal) finals.push(String(c.metadata.interruptedBy));
      else if (c.content === 'c1') stop$.next();
    });
    // The notifier fired during the delivery of c1, the chunk that reached the limit: the first to stop wins.
    expect(finals).toHaveLength(1);
    expect(['chunks', 'notifier']).toContain(finals[0]);
  });

  it('a synchronous source that would go on after the limit is stopped at the limit', () => {
    const { source, log } = syncSource(1000);
    const out: StreamChunk[] = [];
    source.pipe(interruptAfter({ chunks: 3 })).subscribe((c) => out.push(c));
    expect(out.map((c) => c.content)).toEqual(['c0', 'c1', 'c2', '']);
    expect(out[3]?.metadata).toEqual({ provider: 'p', model: 'm', finishReason: 'interrupted', interruptedBy: 'chunks' });
    expect(log).toEqual(['emit 0', 'emit 1', 'emit 2', 'teardown']);
  });
});

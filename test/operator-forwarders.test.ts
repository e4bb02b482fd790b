/**
 * The per-operator copies of the Forwarder (src/operators/forwarder.ts) exist only so that each operator's
 * `_next` call site sees one handler; they must keep the Forwarder's contract exactly: one handler call per
 * value, a throwing handler ends the stream with that error (never the source's caller), the source is
 * unsubscribed once it has ended.
 */
import { Observable } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import {
  BufferChunksForwarder,
  Forwarder,
  InterruptAfterForwarder,
  RetryStreamForwarder,
  TimeoutStreamForwarder,
} from '../src/operators/forwarder.js';

const classes = { Forwarder, TimeoutStreamForwarder, RetryStreamForwarder, InterruptAfterForwarder, BufferChunksForwarder } as const;

describe.each(Object.entries(classes))('%s', (_name, Class) => {
  it('calls the handlers, turns a throwing next handler into the error, and tears the source down', () => {
    const teardown = vi.fn();
    const next = vi.fn((value: number) => {
      if (value === 2) throw new Error('boom');
    });
    const error = vi.fn();
    const complete = vi.fn();
    const source = new Observable<number>((subscriber) => {
      subscriber.next(1);
      subscriber.next(2);
      subscriber.next(3);
      subscriber.complete();
      return teardown;
    });
    expect(() => source.subscribe(new Class<number>(next, error, complete))).not.toThrow();
    expect(next.mock.calls.map(([v]) => v)).toEqual([1, 2]);
    expect(error).toHaveBeenCalledTimes(1);
    expect((error.mock.calls[0]?.[0] as Error).message).toBe('boom');
    expect(complete).not.toHaveBeenCalled();
    expect(teardown).toHaveBeenCalledTimes(1);
  });

  it('completes once and unsubscribes from the source', () => {
    const teardown = vi.fn();
    const complete = vi.fn();
    const seen: number[] = [];
    new Observable<number>((subscriber) => {
      subscriber.next(1);
      subscriber.complete();
      subscriber.next(2);
      return teardown;
    }).subscribe(new Class<number>((v) => seen.push(v), () => undefined, complete));
    expect(seen).toEqual([1]);
    expect(complete).toHaveBeenCalledTimes(1);
    expect(teardown).toHaveBeenCalledTimes(1);
  });
});

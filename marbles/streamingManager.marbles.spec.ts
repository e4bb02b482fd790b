/*
 * new StreamingManager({ timeout, mode = 'complete', scheduler })
 *
 * #region diagram: streamingManager/interrupt
 * source:    -a-b-c-d-e-F|
 * manager.streamWithTimeout(source, { id: 'x' })          manager.interrupt('x') at frame 5
 * result:    -a-b-(I|)        I = final chunk, finishReason 'interrupted', interruptedBy 'manager'
 * upstream:  ^----!
 * activeIds: ['x'] while subscribed, [] after
 * #endregion
 *
 * #region diagram: streamingManager/idle
 * source:    -a-b 20ms c|
 * new StreamingManager({ timeout: { idle: 10 } }).streamWithTimeout(source)
 * result:    -a-b 9ms #       # = StreamTimeoutError phase 'idle'
 * upstream:  ^-- 10ms !
 * #endregion
 */
import { describe, expect, it } from 'vitest';
import { NEVER, VirtualTimeScheduler } from 'rxjs';
import { chunk, type ChunkMetadata, type StreamChunk } from '../src/chunk.js';
import { StreamInterruptedError } from '../src/errors/StreamInterruptedError.js';
import { StreamTimeoutError } from '../src/errors/StreamTimeoutError.js';
import { StreamingResponse } from '../src/response.js';
import { StreamingManager } from '../src/operators/streamingManager.js';
import { halfSpeedScheduler, testScheduler } from './helpers.js';

const meta: ChunkMetadata = { provider: 'mock', model: 'm' };
const c = (content: string): StreamChunk => chunk(content, { metadata: meta, timestamp: 0 });
const F = chunk('', { metadata: { ...meta, finishReason: 'stop' }, isFinal: true, timestamp: 0 });
const values = { a: c('a'), b: c('b'), c: c('c'), d: c('d'), e: c('e'), F };
const interrupted = (timestamp: number): StreamChunk =>
  chunk('', { metadata: { ...meta, finishReason: 'interrupted', interruptedBy: 'manager' }, isFinal: true, timestamp });
const partial = (text: string, chunks: number): StreamingResponse => {
  const response = new StreamingResponse({ keepChunks: false });
  for (let i = 0; i < chunks; i++) response.addChunk(c(i === 0 ? text : ''));
  return response;
};

describe('StreamingManager', () => {
  it('interrupt(id) stops that stream gracefully and unregisters it', () => {
    const manager = new StreamingManager({ timeout: 1000 });
    const log: unknown[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-e-F|', values);
      expectObservable(manager.streamWithTimeout(source, { id: 'x' })).toBe('-a-b-(I|)', { ...values, I: interrupted(5) });
      expectSubscriptions(source.subscriptions).toBe('^----!');
      cold('--x--y-z').subscribe((step) => {
        if (step === 'x') log.push(manager.activeIds);
        if (step === 'y') log.push(manager.interrupt('x'));
        if (step === 'z') log.push(manager.activeIds, manager.interrupt('x'));
      });
    });
    expect(log).toEqual([['x'], true, [], false]);
  });

  it("errors with a StreamInterruptedError, reason 'manager', in error mode", () => {
    const manager = new StreamingManager({ timeout: 1000, mode: 'error' });
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', values);
      expectObservable(manager.streamWithTimeout(source, { id: 'q' })).toBe(
        '-a-b#',
        values,
        new StreamInterruptedError('Stream interrupted (manager) after 2 chunk(s)', { partialResponse: partial('ab', 2), reason: 'manager' }),
      );
      expectSubscriptions(source.subscriptions).toBe('^---!');
      cold('----x').subscribe(() => manager.interrupt('q'));
    });
    expect(manager.activeCount).toBe(0);
  });

  it('applies the timeout: a number is a total deadline', () => {
    const manager = new StreamingManager({ timeout: 10 });
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b 20ms c|', values);
      expectObservable(manager.streamWithTimeout(source)).toBe(
        '-a-b 6ms #',
        values,
        new StreamTimeoutError('Stream timed out: not finished within 10 ms (total)', {
          partialResponse: partial('ab', 2),
          phase: 'total',
          timeoutMs: 10,
        }),
      );
      expectSubscriptions(source.subscriptions).toBe('^ 9ms !');
    });
    expect(manager.activeIds).toEqual([]);
  });

  it("accepts timeoutStream's { first, idle, total } config", () => {
    const manager = new StreamingManager({ timeout: { idle: 10 } });
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b 20ms c|', values);
      expectObservable(manager.streamWithTimeout(source)).toBe(
        '-a-b 9ms #',
        values,
        new StreamTimeoutError('Stream timed out: no chunk for 10 ms (idle)', { partialResponse: partial('ab', 2), phase: 'idle', timeoutMs: 10 }),
      );
      expectSubscriptions(source.subscriptions).toBe('^-- 10ms !');
    });
  });

  it("runs a { first, idle, total } timeout on the manager's scheduler", () => {
    const virtual = new VirtualTimeScheduler();
    const manager = new StreamingManager({ timeout: { idle: 10 }, scheduler: virtual });
    let failedAt = -1;
    manager.streamWithTimeout(NEVER).subscribe({ error: () => (failedAt = virtual.now()) });
    virtual.flush();
    expect(failedAt).toBe(10);
    expect(manager.activeCount).toBe(0);
  });

  it('measures the timeout and stamps the interruption on its scheduler', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // On the half-speed clock 10 ms are 20 frames, and the interruption at frame 6 is stamped 3.
      const timed = new StreamingManager({ timeout: 10, scheduler: halfSpeedScheduler() });
      const stopped = new StreamingManager({ timeout: 1000, scheduler: halfSpeedScheduler() });
      const slow = cold('-a-b 30ms c|', values);
      const long = cold('-a-b-c-d-e-F|', values);
      expectObservable(timed.streamWithTimeout(slow)).toBe(
        '-a-b 16ms #',
        values,
        new StreamTimeoutError('Stream timed out: not finished within 10 ms (total)', { partialResponse: partial('ab', 2), phase: 'total', timeoutMs: 10 }),
      );
      expectObservable(stopped.streamWithTimeout(long, { id: 'x' })).toBe('-a-b-c(I|)', { ...values, I: interrupted(3) });
      expectSubscriptions(slow.subscriptions).toBe('^ 19ms !');
      expectSubscriptions(long.subscriptions).toBe('^-----!');
      cold('------x').subscribe(() => stopped.interrupt('x'));
    });
  });

  it('gives each subscription its own id, registered only while subscribed', () => {
    const manager = new StreamingManager({ timeout: 1000 });
    const log: unknown[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-F|', values);
      const stream = manager.streamWithTimeout(source);
      expectObservable(stream).toBe('-a-b-F|', values);
      expectObservable(stream, '--^').toBe('---a-b-F|', values);
      expectObservable(stream, '---^--!').toBe('----a-', values);
      expectSubscriptions(source.subscriptions).toBe(['^-----!', '--^-----!', '---^--!']);
      cold('xyz-w--u-v').subscribe((step) => log.push(step, manager.activeIds));
    });
    expect(log).toEqual([
      'x', ['stream-1'],
      'y', ['stream-1'],
      'z', ['stream-1', 'stream-2'],
      'w', ['stream-1', 'stream-2', 'stream-3'],
      'u', ['stream-2'],
      'v', [],
    ]);
    expect(manager.activeCount).toBe(0);
  });

  it('interruptAll() stops every active stream and returns how many', () => {
    const manager = new StreamingManager({ timeout: 1000 });
    const counts: number[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const one = cold('-a-b-c-|', values);
      const two = cold('--d-e-|', values);
      expectObservable(manager.streamWithTimeout(one)).toBe('-a-(I|)', { ...values, I: interrupted(3) });
      expectObservable(manager.streamWithTimeout(two, { id: 'two' })).toBe('--d(I|)', { ...values, I: interrupted(3) });
      expectSubscriptions(one.subscriptions).toBe('^--!');
      expectSubscriptions(two.subscriptions).toBe('^--!');
      cold('---x-y').subscribe(() => counts.push(manager.interruptAll()));
    });
    expect(counts).toEqual([2, 0]);
  });

  it('rejects a second active subscription with the same id', () => {
    const manager = new StreamingManager({ timeout: 1000 });
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', values);
      const stream = manager.streamWithTimeout(source, { id: 'chat' });
      expectObservable(stream).toBe('-a-b-|', values);
      expectObservable(stream, '--^').toBe('--#', undefined, new RangeError('StreamingManager: a stream with id "chat" is already active'));
      expectObservable(stream, '------^').toBe('-------a-b-|', values);
      expectSubscriptions(source.subscriptions).toBe(['^----!', '------^----!']);
    });
  });

  it('rejects invalid options', () => {
    expect(() => new StreamingManager({ timeout: 0 })).toThrow(RangeError);
    expect(() => new StreamingManager({ timeout: 0 })).toThrow(/timeout/);
    expect(() => new StreamingManager({} as { timeout: number })).toThrow(/timeout/);
    expect(() => new StreamingManager({ timeout: {} })).toThrow(/one of first, idle or total/);
    expect(() => new StreamingManager({ timeout: 5, mode: 'kill' as 'error' })).toThrow(/mode/);
    const manager = new StreamingManager({ timeout: 5 });
    testScheduler().run(({ cold, expectSubscriptions }) => {
      const source = cold('-a|', values);
      expect(() => manager.streamWithTimeout(source, { id: '' })).toThrow(/id/);
      expectSubscriptions(source.subscriptions).toBe([]);
    });
  });
});

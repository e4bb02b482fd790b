/**
 * retryStream lifecycle tests in the style of tRPC's retryLink.test.ts: a teardown spy per attempt,
 * synchronous and asynchronous failures, and unsubscribing at every point of the retry cycle.
 */
import { EventEmitter } from 'node:events';
import { Observable, VirtualTimeScheduler, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { chunk, finalChunk, type StreamChunk } from '../src/chunk.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { isRetryableStreamError, retryStream } from '../src/operators/retryStream.js';
import { StreamTimeoutError } from '../src/errors/StreamTimeoutError.js';
import { StreamingResponse } from '../src/response.js';

const retryable = (): ProviderError => new ProviderError('Service unavailable', { provider: 'mock', status: 503 });

describe.each([1, 3])('after %i failed attempts', (failures) => {
  it.each([false, true])('tears down every attempt and keeps only the live one (async errors: %s)', (asyncErrors) => {
    const scheduler = new VirtualTimeScheduler();
    const events = new EventEmitter();
    const cleanup = vi.fn<(attempt: number) => void>();
    const onData = vi.fn();
    const onError = vi.fn();
    let attempts = 0;
    const source = new Observable<StreamChunk>((subscriber) => {
      const attempt = ++attempts;
      if (attempt <= failures) {
        const fail = (): void => subscriber.error(retryable());
        if (asyncErrors) scheduler.schedule(fail, 3);
        else fail();
        return () => cleanup(attempt);
      }
      const onMessage = (text: string): void => subscriber.next(chunk(text));
      events.on('message', onMessage);
      return () => {
        events.off('message', onMessage);
        cleanup(attempt);
      };
    });

    const subscription = source.pipe(retryStream({ count: failures, delay: 10, scheduler })).subscribe({
      next: (c) => onData(c.content),
      error: onError,
    });
    scheduler.flush();

    expect(attempts).toBe(failures + 1);
    expect(cleanup).toHaveBeenCalledTimes(failures);
    expect(events.listenerCount('message')).toBe(1);
    events.emit('message', 'before unsubscribe');
    expect(onData).toHaveBeenCalledExactlyOnceWith('before unsubscribe');

    subscription.unsubscribe();
    subscription.unsubscribe();

    expect(events.listenerCount('message')).toBe(0);
    expect(cleanup).toHaveBeenCalledTimes(failures + 1);
    for (let attempt = 1; attempt <= failures + 1; attempt++) expect(cleanup).toHaveBeenCalledWith(attempt);
    events.emit('message', 'after unsubscribe');
    expect(onData).toHaveBeenCalledTimes(1);
    expect(onError).not.toHaveBeenCalled();
  });

  it.each(['complete', 'error'] as const)('cleans up every attempt after a synchronous terminal %s', (outcome) => {
    const scheduler = new VirtualTimeScheduler();
    const cleanup = vi.fn<(attempt: number) => void>();
    const onData = vi.fn();
    const onError = vi.fn();
    const onComplete = vi.fn();
    let attempts = 0;
    const source = new Observable<StreamChunk>((subscriber) => {
      const attempt = ++attempts;
      if (attempt <= failures || outcome === 'error') {
        subscriber.error(retryable());
      } else {
        subscriber.next(chunk('done'));
        subscriber.next(finalChunk());
        subscriber.complete();
      }
      return () => cleanup(attempt);
    });

    source.pipe(retryStream({ count: failures, delay: 10, scheduler })).subscribe({ next: onData, error: onError, complete: onComplete });
    scheduler.flush();

    expect(attempts).toBe(failures + 1);
    expect(cleanup).toHaveBeenCalledTimes(failures + 1);
    expect(onData).toHaveBeenCalledTimes(outcome === 'complete' ? 2 : 0);
    expect(onComplete).toHaveBeenCalledTimes(outcome === 'complete' ? 1 : 0);
    expect(onError).toHaveBeenCalledTimes(outcome === 'error' ? 1 : 0);
  });
});

describe('retryStream lifecycle', () => {
  it('tears the failed attempt down before the next one subscribes, even with a 0 ms wait', () => {
    const scheduler = new VirtualTimeScheduler();
    const log: string[] = [];
    let attempts = 0;
    const source = new Observable<StreamChunk>((subscriber) => {
      const attempt = ++attempts;
      log.push(`subscribe ${attempt}`);
      if (attempt === 1) subscriber.error(retryable());
      else subscriber.complete();
      return () => log.push(`teardown ${attempt}`);
    });

    source.pipe(retryStream({ delay: 0, scheduler })).subscribe();
    scheduler.flush();

    expect(log).toEqual(['subscribe 1', 'teardown 1', 'subscribe 2', 'teardown 2']);
  });

  it('unsubscribing during the retry delay cancels the next attempt', () => {
    const scheduler = new VirtualTimeScheduler();
    const cleanup = vi.fn();
    const retryIf = vi.fn(() => true);
    let attempts = 0;
    const source = new Observable<StreamChunk>((subscriber) => {
      attempts++;
      subscriber.error(retryable());
      return cleanup;
    });

    const subscription = source.pipe(retryStream({ delay: 100, retryIf, scheduler })).subscribe();
    expect(retryIf).toHaveBeenCalledTimes(1);
    expect(cleanup).toHaveBeenCalledTimes(1);
    expect(scheduler.actions).toHaveLength(1);

    subscription.unsubscribe();
    expect(scheduler.actions.filter((action) => !action.closed)).toHaveLength(0);
    scheduler.flush();
    expect(attempts).toBe(1);
    expect(retryIf).toHaveBeenCalledTimes(1);
    expect(cleanup).toHaveBeenCalledTimes(1);
  });

  it('unsubscribing from a synchronous retried result cleans up that attempt', () => {
    const scheduler = new VirtualTimeScheduler();
    const events = new EventEmitter();
    const cleanup = vi.fn<(attempt: number) => void>();
    let attempts = 0;
    let fail: () => void = () => {
      throw new Error('Expected the first attempt to start');
    };
    const source = new Observable<StreamChunk>((subscriber) => {
      const attempt = ++attempts;
      if (attempt === 1) {
        fail = () => subscriber.error(retryable());
        return () => cleanup(attempt);
      }
      const onMessage = (text: string): void => subscriber.next(chunk(text));
      events.on('message', onMessage);
      onMessage('retry result');
      return () => {
        events.off('message', onMessage);
        cleanup(attempt);
      };
    });
    const onData = vi.fn((_c: StreamChunk) => subscription.unsubscribe());
    const subscription = source.pipe(retryStream({ delay: 5, scheduler })).subscribe({ next: onData });

    fail();
    scheduler.flush();

    expect(onData).toHaveBeenCalledOnce();
    expect(onData.mock.calls[0]?.[0].content).toBe('retry result');
    expect(events.listenerCount('message')).toBe(0);
    expect(cleanup).toHaveBeenCalledTimes(2);
    expect(cleanup).toHaveBeenCalledWith(1);
    expect(cleanup).toHaveBeenCalledWith(2);
  });

  it.each(['retryIf', 'delay'] as const)('unsubscribing from %s does not schedule another attempt', (callback) => {
    const scheduler = new VirtualTimeScheduler();
    const cleanup = vi.fn();
    let attempts = 0;
    let fail: () => void = () => {
      throw new Error('Expected the first attempt to start');
    };
    const source = new Observable<StreamChunk>((subscriber) => {
      attempts++;
      fail = () => subscriber.error(retryable());
      return cleanup;
    });
    const subscription = source
      .pipe(
        retryStream({
          scheduler,
          retryIf: () => {
            if (callback === 'retryIf') subscription.unsubscribe();
            return true;
          },
          delay: () => {
            if (callback === 'delay') subscription.unsubscribe();
            return 100;
          },
        }),
      )
      .subscribe();

    fail();
    expect(scheduler.actions.filter((action) => !action.closed)).toHaveLength(0);
    scheduler.flush();
    expect(attempts).toBe(1);
    expect(cleanup).toHaveBeenCalledTimes(1);
  });
});

describe('retryStream errors', () => {
  it('passes a non-retryable error on as the same instance', async () => {
    const error = new ProviderError('Unauthorized', { provider: 'mock', status: 401 });
    const source = new Observable<StreamChunk>((subscriber) => subscriber.error(error));
    await expect(firstValueFrom(source.pipe(retryStream({ delay: 0 })))).rejects.toBe(error);
  });

  it('after content, the error keeps every chunk of the attempt as text, not as chunks', async () => {
    const cause = retryable();
    const source = new Observable<StreamChunk>((subscriber) => {
      for (const text of ['The ', 'quick ', 'brown ']) subscriber.next(chunk(text));
      subscriber.error(cause);
    });
    const error: unknown = await lastValueFrom(source.pipe(retryStream({ delay: 0 }), toArray())).catch((e: unknown) => e);

    // The ProviderError keeps its class (a copy of it, with the partial response).
    expect(error).toBeInstanceOf(ProviderError);
    const failed = error as ProviderError;
    expect([failed.message, failed.status]).toEqual([cause.message, cause.status]);
    const partial = failed.partialResponse!;
    expect(partial.completeText).toBe('The quick brown ');
    expect(partial.chunkCount).toBe(3);
    expect(partial.chunks).toEqual([]);
    expect(partial.endTime).toBeDefined();
  });

  it('retries on the real async scheduler by default', async () => {
    let attempts = 0;
    const source = new Observable<StreamChunk>((subscriber) => {
      if (++attempts < 3) {
        subscriber.error(retryable());
        return;
      }
      subscriber.next(chunk('ok'));
      subscriber.next(finalChunk());
      subscriber.complete();
    });
    const chunks = await lastValueFrom(source.pipe(retryStream({ delay: 1 }), toArray()));
    expect(chunks.map((c) => c.content).join('')).toBe('ok');
    expect(attempts).toBe(3);
  });
});

describe('isRetryableStreamError (the default retryIf)', () => {
  const timeout = (phase: 'first' | 'idle' | 'total'): StreamTimeoutError =>
    new StreamTimeoutError('timed out', { partialResponse: new StreamingResponse(), phase, timeoutMs: 1 });

  it.each([
    ['503', new ProviderError('x', { provider: 'p', status: 503 }), true],
    ['429', new ProviderError('x', { provider: 'p', status: 429 }), true],
    ['529 overloaded', new ProviderError('x', { provider: 'p', status: 529, code: 'overloaded_error' }), true],
    ['network failure', new ProviderError('x', { provider: 'p', code: 'ECONNRESET' }), true],
    ['400', new ProviderError('x', { provider: 'p', status: 400 }), false],
    ['401', new ProviderError('x', { provider: 'p', status: 401 }), false],
    ['explicitly not retryable', new ProviderError('x', { provider: 'p', status: 503, retryable: false }), false],
    ['first-chunk timeout', timeout('first'), true],
    ['idle timeout', timeout('idle'), false],
    ['total timeout', timeout('total'), false],
    ['plain Error', new Error('x'), false],
    ['a string', 'boom', false],
  ] as const)('%s → %s', (_name, error, expected) => {
    expect(isRetryableStreamError(error)).toBe(expected);
  });

  it('recognises a ProviderError from another copy of the library by name', () => {
    const foreign = Object.assign(new Error('x'), { name: 'ProviderError', retryable: true });
    expect(isRetryableStreamError(foreign)).toBe(true);
  });
});

import type { Observable, Subscription } from 'rxjs';

/**
 * Adapts an Observable to an async iterator, for `for await … of`.
 *
 * ```
 * source:   --a--b--c--|
 * next():     a  b  c  done
 *
 * source:   --a--#
 * next():     a  rejects with the error
 *
 * return(): unsubscribes the source (a provider stream aborts its HTTP request)
 * ```
 *
 * The source is subscribed on the first `next()` (not before), values that arrive faster than they are
 * pulled are queued (memory is not bounded: the queue holds what the consumer has not read yet), an error
 * rejects the `next()` after the queued values have been read, and `return()` (what `break` calls) or
 * `throw()` unsubscribes. The iterator is single-use: it returns itself from `[Symbol.asyncIterator]`.
 *
 * ## Examples
 *
 * ```ts
 * import { toAsyncIterable, mockStream } from 'agenticraft-rx';
 *
 * for await (const chunk of toAsyncIterable(mockStream('Hello world', { chunkSize: 3 }))) {
 *   process.stdout.write(chunk.content);
 *   if (chunk.content.includes('w')) break; // unsubscribes the source
 * }
 * ```
 *
 * @param source The Observable to iterate.
 * @returns An `AsyncIterableIterator` over the source's values.
 */
export function toAsyncIterable<T>(source: Observable<T>): AsyncIterableIterator<T> {
  const queue: T[] = [];
  const waiting: Array<{ resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }> = [];
  let subscription: Subscription | undefined;
  let started = false;
  let done = false;
  let failed = false;
  let failure: unknown;

  const finish = (): void => {
    done = true;
    subscription?.unsubscribe();
    subscription = undefined;
  };

  const settle = (): void => {
    while (waiting.length > 0) {
      if (queue.length > 0) {
        waiting.shift()!.resolve({ value: queue.shift() as T, done: false });
      } else if (failed) {
        failed = false; // an error rejects one next(); later calls see the end
        waiting.shift()!.reject(failure);
      } else if (done) {
        waiting.shift()!.resolve({ value: undefined, done: true });
      } else {
        return;
      }
    }
  };

  const start = (): void => {
    started = true;
    subscription = source.subscribe({
      next: (value) => {
        queue.push(value);
        settle();
      },
      error: (error: unknown) => {
        failed = true;
        failure = error;
        done = true;
        settle();
      },
      complete: () => {
        done = true;
        settle();
      },
    });
    // A source that ended synchronously left a closed subscription: nothing to tear down later.
    if (done) subscription = undefined;
  };

  const iterator: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      if (!started) start();
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiting.push({ resolve, reject });
        settle();
      });
    },
    return(value?: unknown): Promise<IteratorResult<T>> {
      started = true;
      queue.length = 0;
      failed = false;
      finish();
      settle();
      return Promise.resolve({ value: value as T, done: true });
    },
    throw(error?: unknown): Promise<IteratorResult<T>> {
      started = true;
      queue.length = 0;
      failed = false;
      finish();
      settle();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

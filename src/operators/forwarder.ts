import { Subscriber } from 'rxjs';

/**
 * An operator's inner subscriber to its source, calling the given handlers directly. Passing a plain
 * observer object to `subscribe` wraps it in a SafeSubscriber (two more calls and a try/catch per value);
 * this is one call per value, which is what the per-chunk cost of the stream operators is made of.
 * Like RxJS's own operator subscribers, it unsubscribes from the source once the source has ended.
 *
 * This is the library's only subclass of RxJS's `Subscriber`, whose constructor RxJS 7 documents as becoming
 * internal in v8: keeping that dependence in this one module means an RxJS upgrade can break one file, and
 * test/forwarder.test.ts says so by name when it does.
 */
export class Forwarder<T> extends Subscriber<T> {
  readonly #next: (value: T) => void;
  readonly #error: (error: unknown) => void;
  readonly #complete: () => void;

  constructor(next: (value: T) => void, error: (error: unknown) => void, complete: () => void) {
    super();
    this.#next = next;
    this.#error = error;
    this.#complete = complete;
  }

  /** A handler that throws ends the stream with that error (as in RxJS's operators), never the source's caller. */
  protected override _next(value: T): void {
    try {
      this.#next(value);
    } catch (error) {
      this.error(error);
    }
  }

  protected override _error(error: unknown): void {
    try {
      this.#error(error);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      this.#complete();
    } finally {
      this.unsubscribe();
    }
  }
}

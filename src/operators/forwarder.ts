import { Subscriber } from 'rxjs';

/**
 * An operator's inner subscriber to its source, calling the given handlers directly. Passing a plain
 * observer object to `subscribe` wraps it in a SafeSubscriber (two more calls and a try/catch per value);
 * this is one call per value, which is what the per-chunk cost of the stream operators is made of.
 * Like RxJS's own operator subscribers, it unsubscribes from the source once the source has ended.
 *
 * This module holds the library's only subclasses of RxJS's `Subscriber` (this one and its per-operator copies
 * below), whose constructor RxJS 7 documents as becoming internal in v8: keeping that dependence in this one
 * module means an RxJS upgrade can break one file, and test/forwarder.test.ts says so by name when it does.
 */
export class Forwarder<T> extends Subscriber<T> {
  /** The value handler; the subclasses below call it from their own `_next`. */
  protected readonly forward: (value: T) => void;
  readonly #error: (error: unknown) => void;
  readonly #complete: () => void;

  constructor(next: (value: T) => void, error: (error: unknown) => void, complete: () => void) {
    super();
    this.forward = next;
    this.#error = error;
    this.#complete = complete;
  }

  /** A handler that throws ends the stream with that error (as in RxJS's operators), never the source's caller. */
  protected override _next(value: T): void {
    try {
      this.forward(value);
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

// One Forwarder class per operator on the per-chunk path, each with its own copy of `_next`: V8 keeps call
// feedback per function, so in one shared `_next` the `this.forward(value)` call sees every operator's handler
// (polymorphic, then megamorphic as a chain grows) and inlines none well; in its own copy it sees one. Measured
// (docs/bench.md, "Why the hot paths look the way they do"): each operator 2–6 % cheaper, the five-operator chain
// 5–8 %. The copies are identical on purpose; do not fold them back into one.

/** {@link Forwarder} with `_next` of its own, for `timeoutStream`. */
export class TimeoutStreamForwarder<T> extends Forwarder<T> {
  protected override _next(value: T): void {
    try {
      this.forward(value);
    } catch (error) {
      this.error(error);
    }
  }
}

/** {@link Forwarder} with `_next` of its own, for `retryStream`. */
export class RetryStreamForwarder<T> extends Forwarder<T> {
  protected override _next(value: T): void {
    try {
      this.forward(value);
    } catch (error) {
      this.error(error);
    }
  }
}

/** {@link Forwarder} with `_next` of its own, for `interruptAfter`. */
export class InterruptAfterForwarder<T> extends Forwarder<T> {
  protected override _next(value: T): void {
    try {
      this.forward(value);
    } catch (error) {
      this.error(error);
    }
  }
}

/** {@link Forwarder} with `_next` of its own, for `bufferChunks`. */
export class BufferChunksForwarder<T> extends Forwarder<T> {
  protected override _next(value: T): void {
    try {
      this.forward(value);
    } catch (error) {
      this.error(error);
    }
  }
}

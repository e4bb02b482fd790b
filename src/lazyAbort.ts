/**
 * An `AbortController` made only when its `signal` is first read. Making one costs microseconds (an
 * `EventTarget` and its signal), which a tool call or a workflow step whose code never looks at its signal
 * should not pay on every round. Aborting before the signal was read is remembered: a signal read afterwards
 * is already aborted, with the same reason.
 */
export class LazyAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** As `AbortController.abort`: the first reason wins, later calls do nothing. */
  abort(reason?: unknown): void {
    if (this.#controller !== undefined) {
      this.#controller.abort(reason);
      return;
    }
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
  }
}

import type { Observable } from 'rxjs';

/** What a stream delivered before it was cut, for its continuation to go on from. */
export interface Delivered {
  /** The text delivered (since the last reset). */
  readonly text: string;
  /** How many chunks were delivered. */
  readonly chunks: number;
}

/** A cold stream that goes on from what was delivered: the same answer, continued. */
export type Continuation<T> = (delivered: Delivered) => Observable<T>;

/** A stream that knows how to continue itself after a cut (provider and agent streams). */
export type ResumableStream<T> = Observable<T> & { readonly [CONTINUATION]: Continuation<T> };

// Symbol.for: two copies of the library (or realms) still recognise each other's resumable streams.
const CONTINUATION: unique symbol = Symbol.for('agenticraft-rx.continuation');

/** The values an Observable type carries. */
type ValueOf<S> = S extends Observable<infer T> ? T : never;

/** Marks `source` as resumable: `continuation(delivered)` continues its answer. Returns `source` itself, typed as it was. */
export function resumable<S extends Observable<unknown>>(source: S, continuation: Continuation<ValueOf<S>>): S & ResumableStream<ValueOf<S>> {
  Object.defineProperty(source, CONTINUATION, { value: continuation, enumerable: false, configurable: true });
  return source as S & ResumableStream<ValueOf<S>>;
}

/** The continuation a stream carries, or undefined for a stream that cannot resume. */
export function continuationOf<T>(source: Observable<T>): Continuation<T> | undefined {
  const continuation = (source as Partial<ResumableStream<T>>)[CONTINUATION];
  return typeof continuation === 'function' ? continuation : undefined;
}

/**
 * An operator that keeps its source's continuation: applied to a resumable stream it gives a resumable stream
 * whose continuation is the operator applied to the source's continuation. The library's operators are
 * wrapped in this, so `timeoutStream` before `retryStream({ afterContent: 'resume' })` still resumes; a
 * foreign operator in between drops the continuation.
 */
export function keepContinuation<T, R = T>(operator: (source: Observable<T>) => Observable<R>): (source: Observable<T>) => Observable<R> {
  return (source) => {
    const out = operator(source);
    const continuation = continuationOf(source);
    return continuation === undefined ? out : resumable(out, (delivered) => keepContinuation(operator)(continuation(delivered)));
  };
}

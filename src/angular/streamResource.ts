import { effect, signal, untracked, type Injector, type Resource, type ResourceSnapshot, type ResourceStatus, type Signal } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { defaultIfEmpty, defer, finalize, map, type Observable, type OperatorFunction, Subject, takeUntil, tap } from 'rxjs';
import type { StreamChunk } from '../chunk.js';
import { interruptAfter } from '../operators/interruptAfter.js';

/**
 * What {@link streamResource} needs: a reactive request, the chunk stream for one request, and how chunks
 * accumulate into the value (a snapshot per chunk: `rxResource` replaces its value, it never appends).
 */
export interface StreamResourceConfig<P, T> {
  /** Reactive: `undefined` means idle (no request); a new value cancels the request in flight. */
  readonly params: () => P | undefined;
  /** One request: subscribed when it starts, unsubscribed (the HTTP request aborted) when it is cancelled. */
  readonly stream: (params: P) => Observable<StreamChunk>;
  /**
   * Chunks to values: `scanResponse()` for text. It must honour reset chunks (`metadata.reset`) and emit
   * on the final chunk that `stop()` appends (`finishReason: 'interrupted'`).
   */
  readonly snapshots: OperatorFunction<StreamChunk, T>;
  /** The value of a request that ended before any chunk (rxResource errors on a stream that completes empty). */
  readonly empty: () => T;
  readonly injector: Injector;
  readonly debugName?: string;
}

const NOTHING: unique symbol = Symbol('nothing');

/** A `Resource` whose value streams in, one snapshot per chunk, and can be stopped. */
export interface StreamResource<T> extends Resource<T | undefined> {
  /** True from the request's subscription until its stream ends (completes, errors, is stopped or cancelled). */
  readonly isStreaming: Signal<boolean>;
  /**
   * The latest snapshot of the current request, also in the `error` state (where `value()` throws): what had
   * arrived before the failure. `undefined` while idle and before the first chunk.
   */
  readonly latest: Signal<T | undefined>;
  /** Ends the request in flight: unsubscribes its stream (aborting the HTTP request) and keeps the value so far. */
  stop(): void;
  /** Runs the current request again; false when there is none (idle). */
  reload(): boolean;
  /** Aborts the request in flight and returns the resource to `idle` for good. */
  destroy(): void;
}

/**
 * The core every streaming resource of `agenticraft-rx/angular` is built on: `rxResource` over a chunk stream,
 * with `stop()` (an `interruptAfter` notifier: upstream unsubscribed, a final `finishReason: 'interrupted'`
 * chunk appended) and `isStreaming()`.
 *
 * This is the seam for structured output (issue #21): an `objectResource({ prompt, schema })` is this function
 * with `snapshots: partialObject(schema)` and `empty: () => ({ partial: {}, done: false, text: '' })`, plus its
 * own derived signals (`partial()`, `object()`), exactly as `completionResource` derives `text()` and `usage()`.
 */
export function streamResource<P, T>(config: StreamResourceConfig<P, T>): StreamResource<T> {
  const { params, stream, snapshots, empty, injector, debugName } = config;
  const stops = new Subject<void>();
  const cancels = new Subject<void>();
  const isStreaming = signal(false);
  const latest = signal<T | undefined>(undefined);

  const ref = rxResource<T, P | undefined>({
    params,
    injector,
    ...(debugName === undefined ? {} : { debugName }),
    stream: ({ params: request }) =>
      defer(() => {
        latest.set(undefined);
        isStreaming.set(true);
        return stream(request as P).pipe(
          interruptAfter({ notifier: stops, reason: 'stop' }),
          snapshots,
          // a request that ended before its first chunk still resolves (rxResource errors on an empty stream)
          defaultIfEmpty(NOTHING),
          map((value) => (value === NOTHING ? empty() : value)),
          tap((value) => latest.set(value)),
          takeUntil(cancels),
          finalize(() => isStreaming.set(false)),
        );
      }),
  });

  // Angular's resource goes idle when its params become undefined but leaves the loader it started running
  // (it aborts it only when the next one starts): an undefined prompt ends the request in flight here.
  effect(
    () => {
      if (params() === undefined) untracked(() => cancels.next());
    },
    { injector, ...(debugName === undefined ? {} : { debugName: `${debugName}.idle` }) },
  );

  return {
    value: ref.value,
    status: ref.status as Signal<ResourceStatus>,
    error: ref.error,
    isLoading: ref.isLoading,
    snapshot: ref.snapshot as Signal<ResourceSnapshot<T | undefined>>,
    hasValue: (() => ref.hasValue()) as StreamResource<T>['hasValue'],
    isStreaming: isStreaming.asReadonly(),
    latest: latest.asReadonly(),
    stop: () => {
      if (untracked(isStreaming)) stops.next();
    },
    reload: () => ref.reload(),
    destroy: () => ref.destroy(),
  };
}


import { computed, type Injector, type ResourceSnapshot, type Signal } from '@angular/core';
import type { Observable } from 'rxjs';
import type { Agent } from '../agent/agent.js';
import type { StreamChunk, Usage } from '../chunk.js';
import { StreamingResponse } from '../response.js';
import { resourceInjector } from './injection.js';
import { scanResponse } from '../operators/scanResponse.js';
import { streamResource, type StreamResource } from './streamResource.js';

interface CompletionResourceBase {
  /**
   * The prompt: a signal or a getter read reactively. A new value cancels the request in flight (its HTTP
   * request aborted) and starts one for it; `undefined` means idle.
   */
  readonly prompt: Signal<string | undefined> | (() => string | undefined);
  /** Keep every chunk in each snapshot's `chunks` (O(n²) over a stream: only for UIs that render chunks). @default false */
  readonly keepChunks?: boolean;
  /** The injector the resource lives in; destroying it aborts the request. @default the current injection context's */
  readonly injector?: Injector;
  /** A name for Angular DevTools. */
  readonly debugName?: string;
}

/** {@link completionResource} over an `Agent`: each prompt is `agent.stream(prompt, { history: false })`. */
export interface AgentCompletionConfig extends CompletionResourceBase {
  /** Each prompt is a one-off turn: sent without the agent's history and not added to it (see docs/angular.md). */
  readonly agent: Pick<Agent, 'stream'>;
  readonly stream?: never;
}

/** {@link completionResource} over any chunk stream (in a browser: `fromServerSentEvents` to the app's endpoint). */
export interface StreamCompletionConfig extends CompletionResourceBase {
  /** One request per prompt: subscribed when it starts, unsubscribed to cancel it. */
  readonly stream: (prompt: string) => Observable<StreamChunk>;
  readonly agent?: never;
}

export type CompletionResourceConfig = AgentCompletionConfig | StreamCompletionConfig;

/**
 * A `Resource<StreamingResponse | undefined>`: `value()` is the accumulated response of the current prompt,
 * a new snapshot per chunk. Angular's statuses: `idle` (no prompt), `loading` (no chunk yet), `resolved` (chunks
 * arriving or done: `isStreaming()` tells which), `reloading`, `error` (`value()` throws, `text()` keeps what
 * arrived).
 */
export interface CompletionResource extends StreamResource<StreamingResponse> {
  /** The text so far ('' while idle or before the first chunk); after an error, the text that arrived before it. */
  readonly text: Signal<string>;
  /** The usage the provider reported, once the final chunk arrived. */
  readonly usage: Signal<Usage | undefined>;
  /** The response that `text()` and `usage()` read: `value()`, or in the `error` state the partial response. */
  readonly response: Signal<StreamingResponse | undefined>;
  /** Whether `value()` holds a response (reactive); narrows `value()` to `StreamingResponse`, as Angular's `hasValue()` does. */
  hasValue(): this is LoadedCompletionResource;
}

/** A {@link CompletionResource} whose `hasValue()` is true: `value()` is a `StreamingResponse`. */
export type LoadedCompletionResource = Omit<CompletionResource, 'value' | 'snapshot'> & {
  readonly value: Signal<StreamingResponse>;
  readonly snapshot: Signal<ResourceSnapshot<StreamingResponse>>;
};

/**
 * Streams a completion for a reactive prompt into signals.
 *
 * ```
 * prompt:     'a'-------'b'-----------
 * request a:  -x-y-!                    ! = a new prompt aborts the HTTP request of 'a'
 * request b:            -x-y-z-F|
 * text():     ''-H-He-''-W-Wo-Wor-Wor   (a reset chunk also starts the text over)
 * ```
 *
 * ## Examples
 *
 * ```ts
 * import { Component, signal } from '@angular/core';
 * import { completionResource } from 'agenticraft-rx/angular';
 * import { fromServerSentEvents } from 'agenticraft-rx';
 *
 * @Component({
 *   selector: 'app-answer',
 *   template: `<p>{{ answer.text() }}</p>
 *     @if (answer.isStreaming()) { <button (click)="answer.stop()">Stop</button> }`,
 * })
 * export class Answer {
 *   readonly question = signal<string | undefined>(undefined);
 *   readonly answer = completionResource({
 *     prompt: this.question,
 *     stream: (prompt) => fromServerSentEvents(`/api/complete?q=${encodeURIComponent(prompt)}`),
 *   });
 * }
 * ```
 *
 * @param config A {@link CompletionResourceConfig}: `prompt`, and `agent` or `stream`.
 * @returns A {@link CompletionResource}.
 * @throws {TypeError} when neither or both of `agent` and `stream` are given.
 * @throws Angular's NG0203 outside an injection context without `injector`.
 */
export function completionResource(config: CompletionResourceConfig): CompletionResource {
  if (config === null || typeof config !== 'object') throw new TypeError('completionResource: config must be an object');
  const { prompt, keepChunks = false, debugName } = config;
  if (typeof prompt !== 'function') throw new TypeError('completionResource: prompt must be a signal or a function');
  if (typeof keepChunks !== 'boolean') throw new TypeError('completionResource: keepChunks must be a boolean');
  const stream = completionStream(config);
  const injector = resourceInjector(completionResource, config.injector);

  const resource = streamResource<string, StreamingResponse>({
    params: () => prompt(),
    stream,
    snapshots: scanResponse({ keepChunks }),
    empty: () => new StreamingResponse({ keepChunks }).end(),
    injector,
    debugName: debugName ?? 'completionResource',
  });
  const response = computed(() =>
    resource.status() === 'error' ? resource.latest() : resource.hasValue() ? resource.value() : undefined,
  );
  return {
    ...resource,
    response,
    text: computed(() => response()?.completeText ?? ''),
    usage: computed(() => response()?.usage),
    hasValue: resource.hasValue as CompletionResource['hasValue'],
  };
}

function completionStream(config: CompletionResourceConfig): (prompt: string) => Observable<StreamChunk> {
  const { agent, stream } = config as { agent?: Pick<Agent, 'stream'>; stream?: unknown };
  if ((agent === undefined) === (stream === undefined)) {
    throw new TypeError('completionResource: give exactly one of agent or stream');
  }
  if (agent !== undefined) {
    if (typeof agent?.stream !== 'function') throw new TypeError('completionResource: agent must be an Agent');
    return (prompt) => agent.stream(prompt, { history: false });
  }
  if (typeof stream !== 'function') throw new TypeError('completionResource: stream must be a function (prompt) => Observable');
  return stream as (prompt: string) => Observable<StreamChunk>;
}

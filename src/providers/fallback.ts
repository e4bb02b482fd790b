import { Observable, asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import type { StreamChunk } from '../chunk.js';
import { continuationOf, resumable } from '../continuation.js';
import { isProviderError } from '../errors/ProviderError.js';
import { scheduleAfter } from '../longTimers.js';
import { assertFunction, assertLimit, assertObject, assertScheduler } from '../optionChecks.js';
import { isProvider } from './byName.js';
import type { ChatRequest, PreloadableProvider, Provider, ProviderInfo } from './provider.js';

/** The {@link fallbackProvider} configuration. */
export interface FallbackProviderConfig {
  /**
   * Whether a member's error (before it delivered anything) moves on to the next member.
   * @default a retryable ProviderError (network failure, 408, 409, 429, 5xx, overloaded)
   */
  readonly retryIf?: (error: unknown, member: Provider) => boolean;
}

/** The {@link hedgedProvider} configuration. */
export interface HedgedProviderConfig {
  /** ms without content after which the next member is started too. */
  readonly hedgeAfterMs: number;
  /** Timer for the hedges. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

const isRetryable = (error: unknown): boolean => isProviderError(error) && error.retryable;

/**
 * A `Provider` that moves to the next provider when one fails retryably before content: `fallbackProvider([
 * openai(), anthropic(), ollama()])`. After content the error passes on (its class kept), where `retryStream`'s
 * modes apply. Each member uses its own configured model, whatever model a request names. Its `name` is
 * `'fallback'`, its `model` the first member's; the chunks say which member answered (`metadata.provider`).
 *
 * ```
 * primary:   -#                       a 503 before content
 * secondary:  --a-b|                  started at once
 * result:    ---a-b|                  the secondary's chunks
 * ```
 */
export function fallbackProvider(providers: readonly Provider[], config: FallbackProviderConfig = {}): PreloadableProvider {
  const members = checkMembers('fallbackProvider', providers);
  assertObject('fallbackProvider: config', config);
  const retryIf = config.retryIf ?? isRetryable;
  assertFunction('fallbackProvider: retryIf', retryIf);

  const stream = (request: ChatRequest): Observable<StreamChunk> => {
    let answering: Observable<StreamChunk> | undefined;
    const out = new Observable<StreamChunk>((subscriber) => {
      let current: Subscription | undefined;
      const attempt = (i: number): void => {
        const member = members[i]!;
        let delivered = false;
        const source = member.stream(forMember(request));
        answering = source;
        current = source.subscribe({
          next: (chunk) => {
            delivered = true;
            subscriber.next(chunk);
          },
          error: (error: unknown) => {
            let next = false;
            try {
              next = !delivered && i + 1 < members.length && retryIf(error, member);
            } catch (thrown) {
              subscriber.error(thrown);
              return;
            }
            if (next) attempt(i + 1);
            else subscriber.error(error);
          },
          complete: () => subscriber.complete(),
        });
      };
      attempt(0);
      return () => current?.unsubscribe();
    });
    return resumable(out, (delivered) => continueWith(answering, delivered, 'fallbackProvider'));
  };

  return { name: 'fallback', model: members[0]!.model, info: () => combinedInfo('fallback', members), stream, preload: () => preloadAll(members) };
}

/**
 * A `Provider` that races its members: it starts the first, and when no content has arrived after `hedgeAfterMs`
 * also the next (and so on); the first to deliver content wins and the others are unsubscribed at once —
 * their requests aborted at the socket. A member that fails before content lets the next start at once.
 * Its `name` is `'hedged'`; the winner's chunks say who answered (`metadata.provider`).
 *
 * ```
 * hedgedProvider([a, b], { hedgeAfterMs: 3 })
 * a:         -----x-y|               slow to start
 * b:            -p-q|                started at 3; delivers first
 * result:    ----p-q|                b wins at 4; a unsubscribed then
 * ```
 */
export function hedgedProvider(providers: readonly Provider[], config: HedgedProviderConfig): PreloadableProvider {
  const members = checkMembers('hedgedProvider', providers);
  assertObject('hedgedProvider: config', config);
  const { hedgeAfterMs, scheduler } = config;
  assertLimit('hedgedProvider: hedgeAfterMs', hedgeAfterMs);
  if (scheduler !== undefined) assertScheduler('hedgedProvider: scheduler', scheduler);

  const stream = (request: ChatRequest): Observable<StreamChunk> => {
    let answering: Observable<StreamChunk> | undefined;
    const out = new Observable<StreamChunk>((subscriber) => {
      const clock = scheduler ?? asyncScheduler;
      const running = new Map<number, Subscription>();
      let started = 0;
      let winner: number | undefined;
      let lastError: unknown;
      let hedge: Subscription | undefined;

      const armHedge = (): void => {
        hedge?.unsubscribe();
        // Each hedge starts the next member and arms the one after it, until one delivers content.
        if (started < members.length) {
          hedge = scheduleAfter(clock, hedgeAfterMs, () => {
            startNext();
            if (winner === undefined && !subscriber.closed) armHedge();
          });
        }
      };
      const startNext = (): void => {
        if (winner !== undefined || started >= members.length || subscriber.closed) return;
        const i = started++;
        const source = members[i]!.stream(forMember(request));
        const subscription = source.subscribe({
          next: (chunk) => {
            if (winner === undefined) {
              winner = i;
              answering = source;
              hedge?.unsubscribe();
              for (const [j, other] of running) if (j !== i) other.unsubscribe();
              for (const j of [...running.keys()]) if (j !== i) running.delete(j);
            }
            if (winner === i) subscriber.next(chunk);
          },
          error: (error: unknown) => {
            running.delete(i);
            if (winner === i) {
              subscriber.error(error);
              return;
            }
            lastError = error;
            if (running.size === 0) {
              if (started < members.length) {
                startNext(); // nobody is left racing: the next one now, not after the hedge delay
                armHedge();
              } else subscriber.error(lastError);
            }
          },
          complete: () => {
            running.delete(i);
            if (winner === undefined || winner === i) subscriber.complete();
          },
        });
        if (winner === undefined || winner === i) running.set(i, subscription);
        else subscription.unsubscribe();
      };

      startNext();
      if (winner === undefined && !subscriber.closed) armHedge();
      return () => {
        hedge?.unsubscribe();
        for (const subscription of running.values()) subscription.unsubscribe();
        running.clear();
      };
    });
    return resumable(out, (delivered) => continueWith(answering, delivered, 'hedgedProvider'));
  };

  return { name: 'hedged', model: members[0]!.model, info: () => combinedInfo('hedged', members), stream, preload: () => preloadAll(members) };
}

/** Members always use their own model: the request's (an agent writes its own into every request) is dropped. */
function forMember(request: ChatRequest): ChatRequest {
  if (request.model === undefined) return request;
  const { model: _dropped, ...rest } = request;
  return rest;
}

function continueWith(answering: Observable<StreamChunk> | undefined, delivered: { text: string; chunks: number }, where: string): Observable<StreamChunk> {
  const continuation = answering === undefined ? undefined : continuationOf(answering);
  if (continuation === undefined) {
    return new Observable<StreamChunk>((s) => s.error(new TypeError(`${where}: the member that answered cannot resume its stream`)));
  }
  return continuation(delivered);
}

function checkMembers(where: string, providers: readonly Provider[]): readonly Provider[] {
  if (!Array.isArray(providers) || providers.length === 0) throw new TypeError(`${where}: needs a non-empty array of providers`);
  providers.forEach((p, i) => {
    if (!isProvider(p)) throw new TypeError(`${where}: providers[${i}] is not a Provider (an object with stream(request))`);
  });
  return [...providers];
}

/**
 * Preloads every member that can, all at once; when one fails, rejects with the first member's failure
 * (in member order) once all have settled, so no load is left running unobserved.
 */
async function preloadAll(members: readonly Provider[]): Promise<void> {
  const results = await Promise.allSettled(members.map((m) => (typeof m.preload === 'function' ? m.preload() : undefined)));
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}

/** What every member supports: a capability only when all of them have it. */
function combinedInfo(name: string, members: readonly Provider[]): ProviderInfo {
  const infos = members.map((m) => m.info());
  return {
    provider: name,
    model: members[0]!.model,
    supportsStreaming: infos.every((i) => i.supportsStreaming),
    supportsTools: infos.every((i) => i.supportsTools),
    supportsThinking: infos.every((i) => i.supportsThinking === true),
    members: infos,
  };
}

import {
  Observable,
  Subject,
  asyncScheduler,
  defer,
  tap,
  throwError,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import type { StreamChunk } from '../chunk.js';
import { assertLimit, assertObject, assertOneOf, assertScheduler } from '../optionChecks.js';
import { interruptAfter, type InterruptMode } from './interruptAfter.js';
import { timeoutStream, type TimeoutStreamConfig } from './timeoutStream.js';

/** The {@link StreamingManager} configuration. */
export interface StreamingManagerConfig {
  /** Deadline for every managed stream: a `total` in ms, or `timeoutStream`'s `{ first, idle, total }`. */
  readonly timeout: number | TimeoutStreamConfig;
  /**
   * How `interrupt` ends a stream: `'complete'` with a final chunk (`finishReason: 'interrupted'`,
   * `metadata.interruptedBy: 'manager'`), `'error'` with a `StreamInterruptedError` (reason `'manager'`).
   * @default 'complete'
   */
  readonly mode?: InterruptMode;
  /** Clock for the timestamp of the interruption's final chunk and the timeout's timers (unless a `timeout` config names its own scheduler). @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/** Options for one {@link StreamingManager.streamWithTimeout} stream. */
export interface ManagedStreamOptions {
  /** The id to interrupt the stream by; unique among active streams. @default 'stream-<n>', a new one per subscription */
  readonly id?: string;
}

/**
 * Runs streams under one timeout and keeps a live registry of the active ones, so they can be stopped by
 * id (a Stop button, a closed WebSocket) or all at once (shutdown). The guide's `StreamingManager`.
 *
 * ```
 * <!-- diagram: streamingManager/interrupt -->
 * source:    -a-b-c-d-e-F|
 * manager.streamWithTimeout(source, { id: 'x' })          manager.interrupt('x') at frame 5
 * result:    -a-b-(I|)        I = final chunk, finishReason 'interrupted', interruptedBy 'manager'
 * upstream:  ^----!
 * activeIds: ['x'] while subscribed, [] after
 * ```
 *
 * `streamWithTimeout` returns a cold Observable: each subscription pipes the source through
 * `timeoutStream(timeout)` and is registered under its id until it completes, errors or is unsubscribed.
 * `interrupt(id)` unsubscribes that stream's source (a provider stream aborts its HTTP request) and ends
 * the result gracefully, or with a `StreamInterruptedError` in `'error'` mode.
 *
 * ## Examples
 *
 * ```ts
 * import { StreamingManager, openai } from 'agenticraft-rx';
 *
 * const manager = new StreamingManager({ timeout: { first: 10_000, idle: 5_000, total: 60_000 } });
 * const llm = openai();
 *
 * manager
 *   .streamWithTimeout(llm.stream({ messages: [{ role: 'user', content: 'Tell me a story' }] }), { id: 'story' })
 *   .subscribe((c) => process.stdout.write(c.content));
 *
 * stopButton.onclick = () => manager.interrupt('story');
 * process.on('SIGTERM', () => manager.interruptAll());
 * ```
 */
export class StreamingManager {
  readonly #timeout: MonoTypeOperatorFunction<StreamChunk>;
  readonly #mode: InterruptMode;
  readonly #scheduler: SchedulerLike;
  readonly #active = new Map<string, Subject<void>>();
  #next = 1;

  /** @throws {TypeError | RangeError} when `timeout` or another option is invalid. */
  constructor(config: StreamingManagerConfig) {
    assertObject('StreamingManager: config', config);
    const { timeout, mode = 'complete', scheduler = asyncScheduler } = config;
    assertOneOf('StreamingManager: mode', mode, ['complete', 'error'] as const);
    assertScheduler('StreamingManager: scheduler', scheduler);
    if (typeof timeout === 'number') {
      assertLimit('StreamingManager: timeout', timeout);
      this.#timeout = timeoutStream({ total: timeout, scheduler });
    } else {
      assertObject('StreamingManager: timeout', timeout);
      // The manager's scheduler unless the timeout names its own.
      this.#timeout = timeoutStream({ scheduler, ...timeout });
    }
    this.#mode = mode;
    this.#scheduler = scheduler;
  }

  /** Ids of the streams subscribed now, in the order they started. */
  get activeIds(): readonly string[] {
    return [...this.#active.keys()];
  }

  /** How many streams are subscribed now. */
  get activeCount(): number {
    return this.#active.size;
  }

  /**
   * The source under the manager's timeout, registered while subscribed.
   * A subscription whose `id` is already active errors with a RangeError.
   */
  streamWithTimeout(source: Observable<StreamChunk>, options: ManagedStreamOptions = {}): Observable<StreamChunk> {
    assertObject('streamWithTimeout: options', options);
    const { id: fixedId } = options;
    if (fixedId !== undefined && (typeof fixedId !== 'string' || fixedId.length === 0)) {
      throw new TypeError('streamWithTimeout: id must be a non-empty string');
    }
    return defer(() => {
      const id = fixedId ?? this.#newId();
      if (this.#active.has(id)) {
        return throwError(() => new RangeError(`StreamingManager: a stream with id "${id}" is already active`));
      }
      const stop = new Subject<void>();
      this.#active.set(id, stop);
      const unregister = (): void => {
        if (this.#active.get(id) === stop) this.#active.delete(id);
      };
      return source.pipe(
        this.#timeout,
        interruptAfter({ notifier: stop, mode: this.#mode, reason: 'manager', scheduler: this.#scheduler }),
        // Unregistered before the subscriber hears of the end, and on unsubscribe.
        tap({ complete: unregister, error: unregister, finalize: unregister }),
      );
    });
  }

  /** Stops the active stream `id`; false when there is none. */
  interrupt(id: string): boolean {
    const stop = this.#active.get(id);
    if (stop === undefined) return false;
    stop.next();
    return true;
  }

  /** Stops every active stream; returns how many there were. */
  interruptAll(): number {
    const ids = this.activeIds;
    let stopped = 0;
    for (const id of ids) if (this.interrupt(id)) stopped++;
    return stopped;
  }

  #newId(): string {
    let id: string;
    do id = `stream-${this.#next++}`;
    while (this.#active.has(id));
    return id;
  }
}

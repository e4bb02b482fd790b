import type { Observable } from 'rxjs';

/**
 * One event of a resumable stream, as a store keeps it. `seq` numbers the events from 0: a data event's
 * `seq` is its SSE `id`; the terminal event ('end' or 'error', which finishes the stream) comes last.
 * `data` is JSON text.
 */
export interface StoredEvent {
  readonly seq: number;
  readonly type: 'data' | 'end' | 'error';
  readonly data: string;
}

/** What a store knows of one stream. */
export interface StoredStreamInfo {
  /** The `seq` of the last data event, -1 when there is none yet. */
  readonly lastDataSeq: number;
  /** A terminal event was appended. */
  readonly finished: boolean;
  /** The owner's lease is current (its instance renewed it less than `leaseMs` ago). */
  readonly alive: boolean;
}

export interface StoreLease {
  readonly leaseMs: number;
  /**
   * How long a finished stream is kept after its end. A running stream never expires while its lease is
   * renewed, whatever `ttlMs` is: a store keeps it `leaseMs + ttlMs` after each claim or renewal (so an
   * abandoned one goes `ttlMs` after its lease lapsed).
   */
  readonly ttlMs: number;
}

/**
 * Where resumable streams live: `memoryStore()` (one process) or `redisStore()` (shared by instances).
 * Every method is cold: nothing happens until it is subscribed. A store that cannot be reached errors with
 * `ResumableStreamError` code 'store_unavailable'.
 */
export interface StreamStore {
  /** Registers a generation of `id` run by `owner`: 'created', or 'exists' when the id is live or not yet expired. */
  claim(id: string, owner: string, lease: StoreLease): Observable<'created' | 'exists'>;
  /** Appends an event (in `seq` order); a terminal one finishes the stream, which expires `ttlMs` after it. */
  append(id: string, event: StoredEvent, lease: StoreLease): Observable<void>;
  /** The owner renews its lease while the generation runs, and with it the stream's keep (`leaseMs + ttlMs`). */
  renew(id: string, owner: string, lease: StoreLease): Observable<void>;
  /** The stream's state, or undefined for an unknown or expired id. */
  info(id: string): Observable<StoredStreamInfo | undefined>;
  /** Events after `afterSeq`, then live ones as they are appended; completes after the terminal event. */
  read(id: string, afterSeq: number): Observable<StoredEvent>;
  /**
   * Up to `count` of the stored events after `afterSeq`, in order, without waiting for more (fewer, or none,
   * when fewer are stored yet); errors for an unknown or expired id as `read` does. Optional: with it a replay
   * goes at the reader's pace, a page at a time, and only a reader that falls behind the live events is cut
   * (`maxBufferedBytes`); a store without it replays through `read`, all at once.
   */
  range?(id: string, afterSeq: number, count: number): Observable<readonly StoredEvent[]>;
  /** Asks the generation of `id` to stop, wherever it runs. */
  requestStop(id: string, lease: StoreLease): Observable<void>;
  /** Emits when a stop of `id` is requested (also one requested before this was subscribed). */
  stopRequests(id: string): Observable<void>;
}

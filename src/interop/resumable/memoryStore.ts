import { EMPTY, Observable, asyncScheduler, defer, of, throwError, type SchedulerLike, type Subscriber } from 'rxjs';
import { ResumableStreamError } from '../../errors/ResumableStreamError.js';
import { assertObject, assertScheduler } from '../../optionChecks.js';
import type { StoreLease, StoredEvent, StoredStreamInfo, StreamStore } from './store.js';

export interface MemoryStoreConfig {
  /** Clock for leases and expiry (pass the TestScheduler's in tests). @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

interface Entry {
  readonly events: StoredEvent[];
  owner: string;
  leaseUntil: number;
  /** Running: `ttlMs` after the lease would lapse (so never while it is renewed); finished: `ttlMs` after the end. */
  expiresAt: number;
  finished: boolean;
  stopRequested: boolean;
  lastDataSeq: number;
  readonly readers: Set<Subscriber<StoredEvent>>;
  readonly stopListeners: Set<Subscriber<void>>;
}

/**
 * The embedded store: streams kept in this process's memory, shared by every `resumableStreams` that is
 * given the same store. A finished stream expires `ttlMs` after its end, a running one never while its lease
 * is renewed (`ttlMs` after the lease lapsed). Expired streams are dropped lazily (on access, and in a sweep
 * at each `claim`).
 */
export function memoryStore(config: MemoryStoreConfig = {}): StreamStore {
  assertObject('memoryStore(config)', config);
  const { scheduler = asyncScheduler } = config;
  assertScheduler('memoryStore: scheduler', scheduler);
  const entries = new Map<string, Entry>();

  const get = (id: string): Entry | undefined => {
    const entry = entries.get(id);
    if (entry !== undefined && entry.expiresAt <= scheduler.now()) {
      entries.delete(id);
      for (const reader of entry.readers) reader.error(unknown(id));
      return undefined;
    }
    return entry;
  };

  // The sweep at each claim looks at a few entries, in turn, from where the last one stopped: O(1) a claim, and
  // every entry is looked at once per SWEEP_STEP claims (a sweep of the whole map at each claim made creating
  // streams quadratic in the streams kept).
  let sweeping: IterableIterator<string> | undefined;
  const sweep = (): void => {
    for (let i = 0; i < SWEEP_STEP; i++) {
      sweeping ??= entries.keys();
      const next = sweeping.next();
      if (next.done === true) {
        sweeping = undefined;
        return;
      }
      get(next.value);
    }
  };

  return {
    claim: (id, owner, lease) =>
      defer(() => {
        sweep();
        if (get(id) !== undefined) return of('exists' as const);
        const now = scheduler.now();
        entries.set(id, {
          events: [],
          owner,
          leaseUntil: now + lease.leaseMs,
          expiresAt: runningExpiry(now, lease),
          finished: false,
          stopRequested: false,
          lastDataSeq: -1,
          readers: new Set(),
          stopListeners: new Set(),
        });
        return of('created' as const);
      }),
    append: (id, event, lease: StoreLease) =>
      defer(() => {
        const entry = get(id);
        if (entry === undefined || entry.finished) return EMPTY;
        entry.events.push(event);
        const terminal = event.type !== 'data';
        if (terminal) {
          entry.finished = true;
          entry.expiresAt = scheduler.now() + lease.ttlMs;
        } else entry.lastDataSeq = event.seq;
        // The readers as they were: one that joins during a `next` has replayed this event already. (One
        // reader, the common case, is called without a copy of the set.)
        const { readers } = entry;
        if (readers.size === 1) {
          const reader = readers.values().next().value!;
          reader.next(event);
          if (terminal) reader.complete();
        } else if (readers.size > 1) {
          for (const reader of [...readers]) {
            reader.next(event);
            if (terminal) reader.complete();
          }
        }
        if (terminal) entry.stopListeners.clear();
        return EMPTY;
      }),
    renew: (id, owner, lease) =>
      defer(() => {
        const entry = get(id);
        if (entry !== undefined && entry.owner === owner && !entry.finished) {
          const now = scheduler.now();
          entry.leaseUntil = now + lease.leaseMs;
          entry.expiresAt = runningExpiry(now, lease);
        }
        return EMPTY;
      }),
    info: (id) =>
      defer(() => {
        const entry = get(id);
        const info: StoredStreamInfo | undefined =
          entry === undefined ? undefined : { lastDataSeq: entry.lastDataSeq, finished: entry.finished, alive: entry.leaseUntil > scheduler.now() };
        return of(info);
      }),
    read: (id, afterSeq) =>
      new Observable<StoredEvent>((subscriber) => {
        const entry = get(id);
        if (entry === undefined) return subscriber.error(unknown(id));
        const { events } = entry;
        for (let i = firstAfter(events, afterSeq); i < events.length; i++) subscriber.next(events[i]!);
        if (entry.finished) return subscriber.complete();
        entry.readers.add(subscriber);
        return () => entry.readers.delete(subscriber);
      }),
    range: (id, afterSeq, count) =>
      defer(() => {
        const entry = get(id);
        if (entry === undefined) return throwError(() => unknown(id));
        const from = firstAfter(entry.events, afterSeq);
        return of(entry.events.slice(from, from + count));
      }),
    requestStop: (id) =>
      defer(() => {
        const entry = get(id);
        if (entry !== undefined && !entry.finished) {
          entry.stopRequested = true;
          for (const listener of [...entry.stopListeners]) listener.next();
        }
        return EMPTY;
      }),
    stopRequests: (id) =>
      new Observable<void>((subscriber) => {
        const entry = get(id);
        if (entry === undefined) return;
        if (entry.stopRequested) subscriber.next();
        entry.stopListeners.add(subscriber);
        return () => entry.stopListeners.delete(subscriber);
      }),
  };
}

/** A running generation is kept while its lease is renewed, and `ttlMs` after the lease lapsed (its instance died). */
function runningExpiry(now: number, lease: StoreLease): number {
  return now + lease.leaseMs + lease.ttlMs;
}

/** The index of the first event whose `seq` is above `seq` (events are kept in `seq` order). */
function firstAfter(events: readonly StoredEvent[], seq: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (events[mid]!.seq <= seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Entries the sweep at each claim looks at. */
const SWEEP_STEP = 4;

function unknown(id: string): ResumableStreamError {
  return new ResumableStreamError(`No stream with id ${JSON.stringify(id)}: it was never created, or it expired`, { code: 'unknown_stream', streamId: id });
}

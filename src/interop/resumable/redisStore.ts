import { Observable, defer, from, interval, type Subscriber } from 'rxjs';
import { ResumableStreamError } from '../../errors/ResumableStreamError.js';
import { assertObject } from '../../optionChecks.js';
import type { StoreLease, StoredEvent, StoredStreamInfo, StreamStore } from './store.js';


/** How often a running generation also looks at its stop key (pub/sub alone misses a stop sent during a reconnect). */
const STOP_POLL_MS = 2_000;
/** The part of a node-redis (`redis` package, v5 or later) client that `redisStore` uses. */
export interface RedisClientLike {
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(): RedisClientLike;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  destroy(): void;
}

export type RedisStoreConfig = (
  | {
      /** A Redis URL (`redis://host:6379`): the store makes, connects and owns its client (`close()` ends it). */
      readonly url: string;
    }
  | {
      /** A node-redis client (`createClient()`), connected or not; the store duplicates it for blocking reads and pub/sub. */
      readonly client: RedisClientLike;
    }
) & {
  /** Prefix of every key and channel. @default 'agenticraft:stream:' */
  readonly prefix?: string;
  /** ms one blocking read waits before it checks again. @default 5_000 */
  readonly blockMs?: number;
};

/** A `StreamStore` on Redis; `close()` ends the connections it opened. */
export interface RedisStreamStore extends StreamStore {
  close(): Promise<void>;
}

type Entry = readonly [id: string, fields: readonly string[]];

/**
 * A store on Redis Streams, shared by every server instance that uses the same Redis: each stream's events
 * are one Redis stream (`XADD` with the ids `0-1`, `0-2`, …; replay by `XRANGE`, a page at a time, live events by
 * `XREAD BLOCK` on a connection of the reader's own), the generation's owner and lease are keys with `PX`
 * expiry, and a stop is a key plus a pub/sub message on the stream's stop channel. Every key expires `ttlMs`
 * after the stream's end; a running stream's keys are kept `leaseMs + ttlMs` after each renewal, so a live
 * generation never expires and an abandoned one goes `ttlMs` after its lease lapsed.
 *
 * The `redis` package is an optional peer: `{ url }` loads it on first use (a missing package is a
 * `ResumableStreamError` with code 'redis_not_installed'). A Redis that cannot be reached errors with
 * 'store_unavailable' (commands are not queued while disconnected).
 *
 * ```ts
 * const streams = resumableStreams({ store: redisStore({ url: process.env.REDIS_URL! }) });
 * ```
 */
export function redisStore(config: RedisStoreConfig): RedisStreamStore {
  assertObject('redisStore(config)', config);
  const hasUrl = 'url' in config && config.url !== undefined;
  const hasClient = 'client' in config && config.client !== undefined;
  if (hasUrl === hasClient) throw new TypeError('redisStore: pass either url or client');
  if (hasUrl && typeof (config as { url: unknown }).url !== 'string') throw new TypeError('redisStore: url must be a string');
  if (hasClient && typeof (config as { client: { sendCommand?: unknown } }).client.sendCommand !== 'function') {
    throw new TypeError('redisStore: client must be a node-redis client (createClient() from the redis package)');
  }
  const prefix = config.prefix ?? 'agenticraft:stream:';
  if (typeof prefix !== 'string') throw new TypeError('redisStore: prefix must be a string');
  const blockMs = config.blockMs ?? 5_000;
  if (!Number.isInteger(blockMs) || blockMs <= 0) throw new RangeError(`redisStore: blockMs must be a positive integer, got ${String(blockMs)}`);

  const opened: RedisClientLike[] = [];
  let main: Promise<RedisClientLike> | undefined;
  let pubsub: Promise<RedisClientLike> | undefined;
  let closed = false;

  const connectClient = async (client: RedisClientLike): Promise<RedisClientLike> => {
    client.on('error', () => undefined); // reported through the failing command instead of as an unhandled 'error' event
    if (!client.isOpen) await client.connect();
    return client;
  };
  const client = (): Promise<RedisClientLike> => {
    main ??= (async () => {
      if ('client' in config && config.client !== undefined) {
        return connectClient(config.client);
      }
      const created = await createRedisClient((config as { url: string }).url);
      opened.push(created);
      return connectClient(created);
    })();
    main.catch(() => (main = undefined)); // a failed connection is tried again by the next command
    return main;
  };
  const duplicate = async (): Promise<RedisClientLike> => {
    const copy = (await client()).duplicate();
    opened.push(copy);
    return connectClient(copy);
  };
  const command = (args: string[]): Promise<unknown> =>
    client()
      .then((c) => c.sendCommand(args))
      .catch((error: unknown) => {
        throw storeError(error);
      });
  const run = <R>(work: () => Promise<R>): Observable<R> => defer(() => from(work()));

  const key = (id: string, part: 'events' | 'owner' | 'lease' | 'stop'): string => `${prefix}{${id}}:${part}`;

  return {
    claim: (id, owner, lease) =>
      run(async () => {
        const ok = await command(['SET', key(id, 'owner'), owner, 'NX', 'PX', keepRunning(lease)]);
        if (ok === null) return 'exists' as const;
        await command(['SET', key(id, 'lease'), owner, 'PX', String(lease.leaseMs)]);
        return 'created' as const;
      }),
    append: (id, event, lease) =>
      run(async () => {
        const events = key(id, 'events');
        await command(['XADD', events, `0-${event.seq + 1}`, 't', event.type, 'd', event.data]);
        if (event.type !== 'data') {
          const ttl = String(lease.ttlMs);
          await Promise.all([
            command(['PEXPIRE', events, ttl]),
            command(['PEXPIRE', key(id, 'owner'), ttl]),
            command(['DEL', key(id, 'lease'), key(id, 'stop')]),
          ]);
        } else if (event.seq === 0) await command(['PEXPIRE', events, keepRunning(lease)]);
      }),
    renew: (id, owner, lease) =>
      run(async () => {
        // Nothing for a stream that is another owner's, gone, or finished (its last event terminal: its keys
        // expire ttlMs after the end). No server-side script: this library runs no code it builds from text. A
        // renewal that races the terminal event can keep a finished stream's keys up to leaseMs longer.
        const [current, last] = await Promise.all([
          command(['GET', key(id, 'owner')]),
          command(['XREVRANGE', key(id, 'events'), '+', '-', 'COUNT', '1']),
        ]);
        if (current !== owner) return;
        const latest = entries(last)[0];
        if (latest !== undefined && toEvent(latest)?.type !== 'data') return;
        const keep = keepRunning(lease);
        await Promise.all([
          command(['SET', key(id, 'lease'), owner, 'PX', String(lease.leaseMs)]),
          command(['PEXPIRE', key(id, 'owner'), keep]),
          command(['PEXPIRE', key(id, 'events'), keep]),
        ]);
      }),
    info: (id) =>
      run(async (): Promise<StoredStreamInfo | undefined> => {
        const [owner, last, lease] = await Promise.all([
          command(['EXISTS', key(id, 'owner')]),
          command(['XREVRANGE', key(id, 'events'), '+', '-', 'COUNT', '1']),
          command(['EXISTS', key(id, 'lease')]),
        ]);
        if (Number(owner) === 0) return undefined;
        const entry = entries(last)[0];
        const event = entry === undefined ? undefined : toEvent(entry);
        if (event === undefined) return { lastDataSeq: -1, finished: false, alive: Number(lease) > 0 };
        const finished = event.type !== 'data';
        return { lastDataSeq: finished ? event.seq - 1 : event.seq, finished, alive: Number(lease) > 0 };
      }),
    read: (id, afterSeq) =>
      new Observable<StoredEvent>((subscriber) => {
        let reader: RedisClientLike | undefined;
        let done = false;
        const emit = (list: readonly Entry[]): boolean => {
          for (const entry of list) {
            const event = toEvent(entry);
            if (event === undefined || event.seq <= afterSeq) continue;
            afterSeq = event.seq;
            subscriber.next(event);
            if (event.type !== 'data') return true;
          }
          return false;
        };
        void (async () => {
          const exists = await command(['EXISTS', key(id, 'owner')]);
          if (Number(exists) === 0) throw unknown(id);
          if (emit(entries(await command(['XRANGE', key(id, 'events'), `0-${afterSeq + 2}`, '+'])))) return subscriber.complete();
          reader = await duplicate();
          while (!done) {
            let reply: unknown;
            try {
              reply = await reader.sendCommand(['XREAD', 'BLOCK', String(blockMs), 'STREAMS', key(id, 'events'), `0-${afterSeq + 1}`]);
            } catch (error) {
              throw storeError(error);
            }
            if (done) return;
            if (emit(readEntries(reply))) return subscriber.complete();
            if (reply === null && Number(await command(['EXISTS', key(id, 'owner')])) === 0) throw unknown(id);
          }
        })()
          .catch((error: unknown) => {
            if (!done) subscriber.error(error);
          })
          .finally(() => {
            if (reader !== undefined) drop(reader);
          });
        return () => {
          done = true;
          if (reader !== undefined) drop(reader); // ends the blocking read at once
        };
      }),
    range: (id, afterSeq, count) =>
      run(async () => {
        const [exists, reply] = await Promise.all([
          command(['EXISTS', key(id, 'owner')]),
          command(['XRANGE', key(id, 'events'), `0-${afterSeq + 2}`, '+', 'COUNT', String(count)]),
        ]);
        if (Number(exists) === 0) throw unknown(id);
        return entries(reply)
          .map(toEvent)
          .filter((event): event is StoredEvent => event !== undefined && event.seq > afterSeq);
      }),
    requestStop: (id, lease) =>
      run(async () => {
        await command(['SET', key(id, 'stop'), '1', 'PX', keepRunning(lease)]);
        await command(['PUBLISH', key(id, 'stop'), '1']);
      }),
    stopRequests: (id) =>
      new Observable<void>((observer: Subscriber<void>) => {
        const channel = key(id, 'stop');
        let active = true;
        const listener = (): void => {
          if (active) observer.next();
        };
        pubsub ??= duplicate();
        const ready = pubsub.then(async (sub) => {
          await sub.subscribe(channel, listener);
          // A stop requested before the subscription was in place.
          if (active && (await command(['EXISTS', channel])) === 1) observer.next();
          return sub;
        });
        ready.catch(() => undefined);
        // A stop published while the subscriber connection was down (a failover) is missed by pub/sub; the stop
        // key is not: look at it now and then too.
        const poll = interval(STOP_POLL_MS).subscribe(() => {
          void command(['EXISTS', channel])
            .then((exists) => {
              if (active && Number(exists) === 1) observer.next();
            })
            .catch(() => undefined);
        });
        return () => {
          active = false;
          poll.unsubscribe();
          void ready.then((sub) => sub.unsubscribe(channel)).catch(() => undefined);
        };
      }),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const c of opened.splice(0)) drop(c);
    },
  };

  function drop(c: RedisClientLike): void {
    const at = opened.indexOf(c);
    if (at !== -1) opened.splice(at, 1);
    try {
      c.destroy();
    } catch {
      // already closed
    }
  }
}

/**
 * How long a running stream's keys are kept after its claim or a renewal: past the lease, so a generation that
 * is renewed never expires (however short `ttlMs` is), and `ttlMs` more, so an abandoned one is kept that long
 * after its lease lapsed. The terminal event sets `ttlMs` from the end.
 */
function keepRunning(lease: StoreLease): string {
  return String(lease.leaseMs + lease.ttlMs);
}

/** Loads the optional `redis` package and makes a client that fails fast instead of queueing when Redis is down. */
async function createRedisClient(url: string): Promise<RedisClientLike> {
  let redis: { createClient(options: object): RedisClientLike & { on(event: 'ready', listener: () => void): unknown } };
  try {
    // A specifier in a variable: bundlers building the library for a browser leave the optional peer alone.
    const name = 'redis';
    redis = (await import(/* @vite-ignore */ name)) as typeof redis;
  } catch (cause) {
    throw new ResumableStreamError('redisStore({ url }) needs the "redis" package, which is not installed. Run: npm install redis', {
      code: 'redis_not_installed',
      cause,
    });
  }
  // Before the first connection, 3 retries: an unreachable Redis is a prompt `store_unavailable`. Once connected,
  // the client reconnects for as long as it takes (a failover lasts seconds): commands fail fast meanwhile
  // (no offline queue) and work again when Redis is back. Its copies (duplicate()) share the strategy.
  let established = false;
  const client = redis.createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2_000,
      reconnectStrategy: (retries: number) =>
        !established && retries >= 3 ? new Error(`Redis unreachable after ${retries} retries`) : Math.min(100 * (retries + 1), 2_000),
    },
  });
  client.on('ready', () => {
    established = true;
  });
  return client;
}

function storeError(error: unknown): unknown {
  if (error instanceof ResumableStreamError) return error;
  // The URL (which may hold a password) is not in node-redis's messages; the message is kept as it is.
  return new ResumableStreamError(`Redis failed: ${(error as Error)?.message ?? String(error)}`, { code: 'store_unavailable', cause: error });
}

function unknown(id: string): ResumableStreamError {
  return new ResumableStreamError(`No stream with id ${JSON.stringify(id)}: it was never created, or it expired`, { code: 'unknown_stream', streamId: id });
}

/** XRANGE / XREVRANGE replies: `[[id, [field, value, …]], …]` (RESP2) or the same as objects (RESP3 clients). */
function entries(reply: unknown): Entry[] {
  if (!Array.isArray(reply)) return [];
  const out: Entry[] = [];
  for (const item of reply) {
    if (Array.isArray(item) && typeof item[0] === 'string') {
      const fields = item[1];
      out.push([item[0], Array.isArray(fields) ? fields.map(String) : Object.entries(fields as object).flat().map(String)]);
    } else if (typeof item === 'object' && item !== null && 'id' in item && 'message' in item) {
      const { id, message } = item as { id: string; message: Record<string, string> };
      out.push([id, Object.entries(message).flat()]);
    }
  }
  return out;
}

/** XREAD replies: `[[key, entries]]` (RESP2), a map of key → entries (RESP3), or null on timeout. */
function readEntries(reply: unknown): Entry[] {
  if (reply === null || reply === undefined) return [];
  if (Array.isArray(reply)) {
    return reply.flatMap((stream: unknown) =>
      Array.isArray(stream) ? entries(stream[1]) : entries((stream as { messages?: unknown }).messages),
    );
  }
  if (reply instanceof Map) return [...reply.values()].flatMap((v: unknown) => entries(v));
  return Object.values(reply as object).flatMap((v: unknown) => entries(v));
}

function toEvent([id, fields]: Entry): StoredEvent | undefined {
  const seq = Number(id.slice(id.indexOf('-') + 1)) - 1;
  let type: string | undefined;
  let data = '';
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 't') type = fields[i + 1];
    else if (fields[i] === 'd') data = fields[i + 1] ?? '';
  }
  if (type !== 'data' && type !== 'end' && type !== 'error') return undefined;
  return { seq, type, data };
}


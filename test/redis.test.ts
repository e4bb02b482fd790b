/**
 * resumableStreams on a real Redis: two instances ("two servers") sharing one redis-server — create on A,
 * resume on B, stop from B aborts the upstream on A; abandoned, expiry, an unreachable Redis.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { from } from 'rxjs';
import {
  chunk,
  finalChunk,
  isResumableStreamError,
  redisStore,
  resumableStreams,
  type RedisStreamStore,
} from '../src/index.js';
import { read, texts } from './helpers/sseRead.js';
import { countedModel, type CountedModel } from './helpers/streams.js';
import { REDIS_SERVER, serviceAvailable, startRedis, type RedisServer } from './helpers/services.js';

const available = serviceAvailable('redis-server', REDIS_SERVER);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(5);
  }
}

const model = (n: number, ms: number): CountedModel => countedModel(n, ms);

describe.skipIf(!available)('resumableStreams on Redis (two instances, one redis-server)', () => {
  let redis: RedisServer;
  const stores: RedisStreamStore[] = [];
  const store = (prefix = 'test:'): RedisStreamStore => {
    const s = redisStore({ url: redis.url, prefix, blockMs: 500 });
    stores.push(s);
    return s;
  };
  beforeAll(async () => {
    redis = await startRedis(REDIS_SERVER!);
  }, 15_000);
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis?.stop();
  });

  it('create on A, resume on B: the missed events, then live, no duplicates', async () => {
    const a = resumableStreams({ store: store() });
    const b = resumableStreams({ store: store() });
    const m = model(8, 20);
    const first = read(await a.create('r1', m.source));
    await until(() => first.events.length >= 3);
    await first.cancel(); // the client left
    const lastId = first.events.filter((e) => e.type === 'message').at(-1)!.id!;
    const second = read(await b.resume('r1', lastId));
    await second.done;
    const ids = [...first.events, ...second.events].filter((e) => e.type === 'message').map((e) => Number(e.id));
    expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(texts(first.events) + texts(second.events)).toBe('t0 t1 t2 t3 t4 t5 t6 t7 ');
    expect(second.events.at(-1)!.type).toBe('end');
    expect(m.subscribed).toBe(1);
    // A second create on B joins the finished generation: replays it, subscribes nothing.
    const again = model(2, 1);
    const joined = read(await b.create('r1', again.source));
    await joined.done;
    expect(again.subscribed).toBe(0);
    expect(texts(joined.events)).toBe('t0 t1 t2 t3 t4 t5 t6 t7 ');
  });

  it('stop on B aborts the upstream running on A', async () => {
    const a = resumableStreams({ store: store() });
    const b = resumableStreams({ store: store() });
    const m = model(1000, 10);
    const reader = read(await a.create('r2', m.source));
    await until(() => reader.events.length >= 2);
    expect(await b.stop('r2')).toBe(true);
    await until(() => m.unsubscribed === 1);
    await reader.done;
    expect(reader.events.at(-1)).toMatchObject({ type: 'end', data: '{"reason":"stopped"}' });
    await until(() => a.running.size === 0);
    expect(await b.stop('r2')).toBe(false);
  });

  it("typed errors, an abandoned generation ('abandoned' after leaseMs), and expiry after ttlMs", async () => {
    const b = resumableStreams({ store: store(), leaseMs: 300, ttlMs: 400 });
    const code = (p: Promise<unknown>): Promise<unknown> => p.then(
      () => 'resolved',
      (e: unknown) => (isResumableStreamError(e) ? e.code : e),
    );
    expect(await code(b.resume('never'))).toBe('unknown_stream');
    // A generation whose instance is gone: the owner key exists, the lease lapses, no terminal event.
    const client = createClient({ url: redis.url });
    await client.connect();
    await client.set('test:{ghost}:owner', 'dead', { PX: 400 });
    await client.xAdd('test:{ghost}:events', '0-1', { t: 'data', d: JSON.stringify(chunk('boo')) });
    expect(await code(b.resume('ghost', '5'))).toBe('invalid_event_id');
    const reader = read(await b.resume('ghost'));
    await reader.done;
    expect(reader.events.map((e) => e.type)).toEqual(['message', 'error']);
    expect(JSON.parse(reader.events[1]!.data)).toMatchObject({ code: 'abandoned' });
    await sleep(450);
    expect(await code(b.resume('ghost'))).toBe('unknown_stream');
    await client.quit();
  });

  it('works with a client the application made', async () => {
    const client = createClient({ url: redis.url });
    await client.connect();
    const shared = redisStore({ client, prefix: 'own:' });
    stores.push(shared);
    const streams = resumableStreams({ store: shared });
    const reader = read(await streams.create('c1', model(3, 1).source));
    await reader.done;
    expect(texts(reader.events)).toBe('t0 t1 t2 ');
    await shared.close();
    await client.quit();
  });

  it('a running generation never expires, however short ttlMs is; a finished one expires ttlMs after its end', async () => {
    const a = resumableStreams({ store: store('ttl:'), ttlMs: 300 }); // leaseMs 30 s: renewals every 10 s
    const b = resumableStreams({ store: store('ttl:'), ttlMs: 300 });
    const m = model(15, 100); // 1.5 s
    const reader = read(await a.create('long', m.source));
    await sleep(800);
    const midway = read(await b.resume('long', 1));
    await Promise.all([reader.done, midway.done]);
    expect(reader.events.some((e) => e.type === 'error')).toBe(false);
    expect(texts(reader.events)).toBe(Array.from({ length: 15 }, (_, i) => `t${i} `).join(''));
    expect(midway.events.at(-1)).toMatchObject({ type: 'end' });
    const after = read(await b.resume('long', 13));
    await after.done;
    expect(after.events.map((e) => e.id ?? e.type)).toEqual(['14', '15', 'end']);
    await sleep(400);
    const expired = await b.resume('long').catch((e: unknown) => e);
    expect(isResumableStreamError(expired) && expired.code).toBe('unknown_stream');
  });

  it("a long replay goes a page at a time at the reader's pace: a reader at full speed is never cut", async () => {
    const a = resumableStreams({ store: store('pace:') });
    const b = resumableStreams({ store: store('pace:'), maxBufferedBytes: 20_000 });
    // 1,000 events of about 300 bytes: 15 times maxBufferedBytes.
    const values = [...Array.from({ length: 1000 }, (_, i) => chunk(`${i} ${'x'.repeat(200)}`, { timestamp: 0 })), finalChunk({}, { timestamp: 0 })];
    await read(await a.create('big', from(values))).done;
    const resumed = read(await b.resume('big', 10));
    await resumed.done;
    expect(resumed.events.filter((e) => e.type === 'message').map((e) => Number(e.id))).toEqual(Array.from({ length: 990 }, (_, i) => i + 11));
    expect(resumed.events.at(-1)).toMatchObject({ type: 'end' });
  });

  it('a Redis restart (a failover) is survived: the store reconnects, and a stop sent meanwhile still stops', async () => {
    const a = resumableStreams({ store: store('failover:') });
    const first = model(2, 1);
    await read(await a.create('before', first.source)).done;
    // Redis goes away and comes back on the same address (what a failover looks like to a client).
    await redis.stop();
    await sleep(1_500); // longer than the first connection's 3 retries: a client that gave up stays broken
    redis = await startRedis(REDIS_SERVER!, redis.port);
    let error: unknown;
    for (let tries = 0; tries < 100; tries++) {
      try {
        const m = model(2, 1);
        const body = await a.create(`after-${tries}`, m.source);
        await read(body).done;
        error = undefined;
        break;
      } catch (e) {
        error = e;
        await sleep(100); // commands fail fast while the client reconnects
      }
    }
    expect(error).toBeUndefined();
    // A generation whose stop was published while nobody listened: the stop key is polled too.
    const long = model(1000, 10);
    const reader = read(await a.create('missed-stop', long.source));
    await until(() => reader.events.length >= 1);
    const other = await (await import('redis')).createClient({ url: redis.url }).connect();
    await other.sendCommand(['SET', 'failover:{missed-stop}:stop', '1', 'PX', '60000']); // the key, without the message
    await until(() => long.unsubscribed === 1, 5_000);
    await other.quit();
  }, 30_000);

  it('an unreachable Redis is a typed error at create, and nothing is started', async () => {
    const dead = redisStore({ url: 'redis://127.0.0.1:1' });
    stores.push(dead);
    const streams = resumableStreams({ store: dead });
    const m = model(3, 1);
    const error = await streams.create('u', m.source).catch((e: unknown) => e);
    expect(isResumableStreamError(error) && error.code).toBe('store_unavailable');
    expect(m.subscribed).toBe(0);
  });
});

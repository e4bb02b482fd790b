/** resumableStreams with the memory store, in virtual time: create, join, resume, stop, abandoned, ttl. */
import { EMPTY, NEVER, Observable, concat, firstValueFrom, from, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import {
  chunk,
  finalChunk,
  isResumableStreamError,
  isServerSentEventsError,
  memoryStore,
  resumableStreams,
  type StreamStore,
} from '../src/index.js';
import { read, texts } from './helpers/sseRead.js';
import { countedModel, type CountedModel } from './helpers/streams.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function clock(): { scheduler: TestScheduler; advance: (ms: number) => Promise<void> } {
  const scheduler = new TestScheduler(() => undefined);
  return {
    scheduler,
    advance: async (ms: number) => {
      const until = scheduler.now() + ms;
      // In steps, so the bodies' reads (promises) run between the virtual events.
      while (scheduler.now() < until) {
        scheduler.maxFrames = Math.min(until, scheduler.now() + 50);
        scheduler.flush();
        scheduler.frame = scheduler.maxFrames;
        await tick();
      }
    },
  };
}

/** Reads an event-stream body in the background: `events` fills as it arrives, `done` resolves at its end. */

/** `n` chunks 100 ms apart then a final one, counting subscriptions and unsubscriptions. */
const model = (scheduler: TestScheduler, n = 5): CountedModel => countedModel(n, 100, scheduler);

describe('resumableStreams (memory store, virtual time)', () => {
  it('a generation runs to its end when the client leaves; resume replays what it missed and follows live', async () => {
    const { scheduler, advance } = clock();
    const streams = resumableStreams({ scheduler });
    const m = model(scheduler);
    const first = read(await streams.create('chat-1', m.source));
    await tick();
    await advance(250); // t0 t1
    expect(texts(first.events)).toBe('t0 t1 ');
    await first.cancel(); // the client left: nothing stops
    await advance(150); // t2
    expect(m.unsubscribed).toBe(0);
    expect(streams.running.has('chat-1')).toBe(true);
    const second = read(await streams.resume('chat-1', first.events.at(-1)!.id));
    await tick();
    await advance(400);
    await second.done;
    expect(second.events.filter((e) => e.type === 'message').map((e) => e.id)).toEqual(['2', '3', '4', '5']);
    expect(texts(second.events)).toBe('t2 t3 t4 ');
    expect(second.events.at(-1)).toMatchObject({ type: 'end', data: '{"reason":"complete"}' });
    expect(m.subscribed).toBe(1);
    expect(streams.running.size).toBe(0);
  });

  it('a second create with a live id joins it: no second generation, the stream from its start', async () => {
    const { scheduler, advance } = clock();
    const streams = resumableStreams({ scheduler });
    const a = model(scheduler, 3);
    const b = model(scheduler, 3);
    const one = read(await streams.create('c', a.source));
    await tick();
    await advance(150);
    const two = read(await streams.create('c', b.source));
    await tick();
    await advance(400);
    await Promise.all([one.done, two.done]);
    expect(b.subscribed).toBe(0);
    expect(texts(two.events)).toBe('t0 t1 t2 ');
    expect(two.events.map((e) => e.type)).toEqual(one.events.map((e) => e.type));
  });

  it('any instance sharing the store resumes; a finished stream replays whole; it expires after ttlMs', async () => {
    const { scheduler, advance } = clock();
    const store = memoryStore({ scheduler });
    const a = resumableStreams({ store, scheduler, ttlMs: 10_000 });
    const b = resumableStreams({ store, scheduler, ttlMs: 10_000 });
    const m = model(scheduler, 2);
    void read(await a.create('x', m.source));
    await tick();
    await advance(300);
    const replay = read(await b.resume('x'));
    await replay.done;
    expect(texts(replay.events)).toBe('t0 t1 ');
    const tail = read(await b.resume('x', 1));
    await tail.done;
    expect(tail.events.map((e) => e.id ?? e.type)).toEqual(['2', 'end']);
    await advance(10_001);
    const expired = await b.resume('x').catch((e: unknown) => e);
    expect(isResumableStreamError(expired) && expired.code).toBe('unknown_stream');
  });

  it('typed errors: unknown id, an id beyond the last event, garbage, a bad stream id', async () => {
    const { scheduler, advance } = clock();
    const streams = resumableStreams({ scheduler });
    void read(await streams.create('y', model(scheduler, 2).source));
    await tick();
    await advance(150);
    const code = (p: Promise<unknown>): Promise<unknown> => p.then(
      () => 'resolved',
      (e: unknown) => (isResumableStreamError(e) ? e.code : e),
    );
    expect(await code(streams.resume('nope'))).toBe('unknown_stream');
    expect(await code(streams.resume('y', '7'))).toBe('invalid_event_id');
    expect(await code(streams.resume('y', 'abc'))).toBe('invalid_event_id');
    expect(await code(streams.resume('y', '-1'))).toBe('invalid_event_id');
    expect(await code(streams.resume('y', '0'))).toBe('resolved');
    expect(await code(streams.create('', EMPTY))).toBe('invalid_id');
    expect(await code(streams.stop('nope'))).toBe('unknown_stream');
    expect(() => resumableStreams({ leaseMs: 0 })).toThrow(/leaseMs/);
    expect(() => resumableStreams({ ttlMs: -5 })).toThrow(/ttlMs/);
  });

  it('stop from another instance aborts the upstream where it runs; readers get an interrupted final chunk and the end', async () => {
    const { scheduler, advance } = clock();
    const store = memoryStore({ scheduler });
    const a = resumableStreams({ store, scheduler });
    const b = resumableStreams({ store, scheduler });
    const m = model(scheduler, 50);
    const reader = read(await a.create('s', m.source));
    await tick();
    await advance(250);
    expect(await b.stop('s')).toBe(true);
    expect(m.unsubscribed).toBe(1);
    await reader.done;
    const last = reader.events.filter((e) => e.type === 'message').at(-1)!;
    expect(JSON.parse(last.data)).toMatchObject({ isFinal: true, metadata: { finishReason: 'interrupted' } });
    expect(reader.events.at(-1)).toMatchObject({ type: 'end', data: '{"reason":"stopped"}' });
    expect(await b.stop('s')).toBe(false);
    expect(a.running.size).toBe(0);
  });

  it("a generation whose instance died ends for its readers with event: error, code 'abandoned', after leaseMs", async () => {
    const { scheduler, advance } = clock();
    const store = memoryStore({ scheduler });
    let dead = false;
    // Instance A's view of the store: once it "dies", none of its writes arrive.
    const dying: StreamStore = {
      ...store,
      append: (id, event, lease) => (dead ? NEVER : store.append(id, event, lease)),
      renew: (id, owner, lease) => (dead ? EMPTY : store.renew(id, owner, lease)),
    };
    const a = resumableStreams({ store: dying, scheduler, leaseMs: 1000 });
    const b = resumableStreams({ store, scheduler, leaseMs: 1000 });
    void read(await a.create('d', model(scheduler, 100).source));
    await tick();
    await advance(250);
    dead = true;
    const reader = read(await b.resume('d', 0));
    await tick();
    await advance(2000);
    await reader.done;
    const last = reader.events.at(-1)!;
    expect(last.type).toBe('error');
    expect(JSON.parse(last.data)).toMatchObject({ name: 'ResumableStreamError', code: 'abandoned', streamId: 'd' });
  });

  it('one failed lease renewal (a store that blinked) does not stop the renewals: readers never see it abandoned', async () => {
    const { scheduler, advance } = clock();
    const store = memoryStore({ scheduler });
    let failures = 0;
    const blinking: StreamStore = {
      ...store,
      renew: (id, owner, lease) => (failures++ === 0 ? new Observable<void>((s) => s.error(new Error('blink'))) : store.renew(id, owner, lease)),
    };
    const a = resumableStreams({ store: blinking, scheduler, leaseMs: 300 });
    const b = resumableStreams({ store, scheduler, leaseMs: 300 });
    const m = model(scheduler, 40); // 40 chunks 100 ms apart: many lease periods
    void read(await a.create('blink', m.source));
    await tick();
    const reader = read(await b.resume('blink'));
    for (let t = 0; t < 50; t++) await advance(100);
    await reader.done;
    expect(failures).toBeGreaterThan(3);
    expect(reader.events.some((e) => e.type === 'error')).toBe(false);
    expect(reader.events.at(-1)).toMatchObject({ type: 'end', data: '{"reason":"complete"}' });
  });

  it('a store whose appends complete later keeps every event in order, each appended after the one before', async () => {
    const { scheduler, advance } = clock();
    const store = memoryStore({ scheduler });
    const appended: number[] = [];
    let inFlight = 0;
    let overlapped = false;
    // Every other append completes 30 ms later (as Redis's do); the others as they are subscribed.
    const slow: StreamStore = {
      ...store,
      append: (id, event, lease) =>
        new Observable<void>((subscriber) => {
          if (inFlight > 0) overlapped = true;
          inFlight++;
          const finish = (): void => {
            appended.push(event.seq);
            inFlight--;
            store.append(id, event, lease).subscribe(subscriber);
          };
          if (event.seq % 2 === 0) return scheduler.schedule(finish, 30);
          finish();
          return undefined;
        }),
    };
    const streams = resumableStreams({ store: slow, scheduler });
    const m = model(scheduler, 8);
    const reader = read(await streams.create('slow', m.source));
    await tick();
    for (let t = 0; t < 20; t++) await advance(100);
    await reader.done;
    expect(overlapped).toBe(false);
    expect(appended).toEqual([...appended].sort((a, b) => a - b));
    expect(texts(reader.events)).toBe('t0 t1 t2 t3 t4 t5 t6 t7 ');
    expect(reader.events.at(-1)).toMatchObject({ type: 'end', data: '{"reason":"complete"}' });
    expect(streams.running.size).toBe(0);
  });

  it('serves any JSON values, and an upstream error is the stored terminal event', async () => {
    const { scheduler, advance } = clock();
    const streams = resumableStreams({ scheduler });
    const failing = concat(of({ type: 'step-start', step: 'a' }), new Observable<never>((s) => s.error(new Error('boom'))));
    const reader = read(await streams.create('e', failing));
    await tick();
    await advance(10);
    await reader.done;
    expect(reader.events.map((e) => e.type)).toEqual(['message', 'error']);
    expect(JSON.parse(reader.events[1]!.data)).toMatchObject({ name: 'StreamInterruptedError', message: 'Stream failed: boom' });
  });

  it('a running generation never expires, however short ttlMs is: expiry counts from its end', async () => {
    const { scheduler, advance } = clock();
    // ttlMs far below leaseMs / 3 (the renewal period): the generation (1.5 s) outlives many ttls.
    const streams = resumableStreams({ scheduler, ttlMs: 300 });
    const m = countedModel(15, 100, scheduler);
    const reader = read(await streams.create('long', m.source));
    await tick();
    await advance(1000);
    const midway = read(await streams.resume('long', 2));
    await tick();
    await advance(700);
    await Promise.all([reader.done, midway.done]);
    expect(reader.events.some((e) => e.type === 'error')).toBe(false);
    expect(texts(reader.events)).toBe(Array.from({ length: 15 }, (_, i) => `t${i} `).join(''));
    expect(reader.events.at(-1)).toMatchObject({ type: 'end', data: '{"reason":"complete"}' });
    expect(midway.events.at(-1)).toMatchObject({ type: 'end' });
    // Finished: kept ttlMs from the end, then gone.
    const after = read(await streams.resume('long', 10));
    await after.done;
    expect(after.events.map((e) => e.id ?? e.type)).toEqual(['11', '12', '13', '14', '15', 'end']);
    await advance(301);
    const expired = await streams.resume('long').catch((e: unknown) => e);
    expect(isResumableStreamError(expired) && expired.code).toBe('unknown_stream');
  });

  it('an abandoned generation is kept ttlMs after its lease lapsed, then expires', async () => {
    const { scheduler, advance } = clock();
    const store = memoryStore({ scheduler });
    const dead: StreamStore = { ...store, renew: () => EMPTY };
    const a = resumableStreams({ store: dead, scheduler, leaseMs: 1000, ttlMs: 500 });
    void read(await a.create('ghost', concat(of(chunk('boo')), NEVER)));
    await tick();
    await advance(1400); // the lease lapsed at 1000: kept until 1500
    expect(await firstValueFrom(store.info('ghost'))).toMatchObject({ alive: false, finished: false });
    await advance(200);
    expect(await firstValueFrom(store.info('ghost'))).toBeUndefined();
  });

  it('a long replay goes at the reader\'s pace: a reader at full speed is never cut, however small maxBufferedBytes is', async () => {
    const streams = resumableStreams({ maxBufferedBytes: 20_000 });
    // 3,000 events (about 300 KB), all stored before anyone reads: 15 times maxBufferedBytes.
    const values = [...Array.from({ length: 3000 }, (_, i) => chunk(`word ${i} `, { timestamp: 0 })), finalChunk({}, { timestamp: 0 })];
    const created = read(await streams.create('big', from(values)));
    const resumed = read(await streams.resume('big', 10));
    await Promise.all([created.done, resumed.done]);
    expect(created.events.filter((e) => e.type === 'message')).toHaveLength(3001);
    expect(created.events.at(-1)).toMatchObject({ type: 'end' });
    expect(resumed.events.filter((e) => e.type === 'message').map((e) => Number(e.id))).toEqual(Array.from({ length: 2990 }, (_, i) => i + 11));
    expect(resumed.events.at(-1)).toMatchObject({ type: 'end' });
  });

  it('a reader that pauses during a replay is not cut (nothing is pushed at it); one that falls behind the live events is', async () => {
    const streams = resumableStreams({ maxBufferedBytes: 20_000 });
    let emit!: (n: number, final?: boolean) => void;
    const source = new Observable<ReturnType<typeof chunk>>((subscriber) => {
      emit = (n, final = false) => {
        for (let i = 0; i < n; i++) subscriber.next(chunk('x'.repeat(90), { timestamp: 0 }));
        if (final) subscriber.next(finalChunk({}, { timestamp: 0 }));
      };
      emit(3000);
    });
    const reader = (await streams.create('pace', source)).getReader();
    await reader.read(); // the replay has begun; the reader pauses while 3,000 more events (300 KB) arrive
    emit(3000, true);
    await new Promise((r) => setTimeout(r, 20));
    let messages = 1;
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    messages += text.split('\n\n').filter((e) => e.startsWith('id: ')).length;
    expect(messages).toBe(6001);
    expect(text.endsWith('event: end\ndata: {"reason":"complete"}\n\n')).toBe(true);

    let push!: (n: number) => void;
    const live = new Observable<ReturnType<typeof chunk>>((subscriber) => {
      push = (n) => {
        for (let i = 0; i < n; i++) subscriber.next(chunk('y'.repeat(90), { timestamp: 0 }));
      };
    });
    const slow = (await streams.create('behind', live)).getReader();
    const first = slow.read(); // caught up at once (nothing stored): it follows live
    await new Promise((r) => setTimeout(r, 5));
    push(1000); // 100 KB the reader does not read
    await first;
    const error = await (async () => {
      for (;;) await slow.read();
    })().catch((e: unknown) => e);
    expect(isServerSentEventsError(error) && error.code).toBe('slow_client');
  });

  it('nested Errors in values are stored and served safely (no config, no key)', async () => {
    const streams = resumableStreams();
    const leaky = Object.assign(new Error('401 for sk-live-SECRET1234567890'), { status: 401, config: { headers: { Authorization: 'Bearer sk-live-SECRET1234567890' } } });
    const reader = read(await streams.create('wf', of({ type: 'step-failed', runId: 'r', step: 'b', error: leaky })));
    await reader.done;
    expect(reader.events[0]!.data).not.toContain('SECRET');
    expect(JSON.parse(reader.events[0]!.data)).toMatchObject({ error: { name: 'Error', message: '401 for [redacted]', status: 401 } });
  });
});

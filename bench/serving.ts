/**
 * Section 9 — serving streams (issue #17).
 *
 * - **Relay CPU**: a server in a child process (forked from this file, `--serving-child`, so its CPU time is
 *   its own: `process.cpuUsage` over IPC before and after each batch) answers N concurrent SSE clients (node:http
 *   in this process, bodies drained) with the same chunk stream (`from(makeChunks(deltas))`) four ways:
 *   `toServerSentEvents` piped by `pipeServerSentEvents`; a hand-written SSE writer of the same bytes into a
 *   web `ReadableStream` piped the same way (the same web-stream path, so the ratio is our encoder's cost);
 *   plain `res.write` per event (what the web stream itself costs); and `resumableStreams({ store:
 *   memoryStore() }).create()` piped the same way. Batches interleaved in rounds; the ratio is the median over
 *   rounds of (batch CPU ÷ the baseline's batch CPU).
 * - **Memory per open stream** (the child, `--expose-gc`): heapUsed after two GCs with N open generations
 *   (20 events each, the source still open, one in-process reader each) minus before, ÷ N.
 * - **Redis store** (when /usr/bin/redis-server and the `redis` package exist; otherwise a row says it was
 *   skipped): a throwaway `redis-server --save '' --appendonly no` on a free loopback port. Per-event latency
 *   = source `next` → that event read from the body of `create()` (XADD, the reader's XREAD BLOCK wakes, the
 *   body delivers); throughput and Redis memory from M concurrent streams (Redis `INFO cpu` / `INFO memory`).
 * - **Reconnect**: `fromServerSentEvents(url, { reconnect: { delay: 0 } })`; on the first chunk the server's
 *   socket is destroyed; time to the next delivered chunk (the re-open carries `Last-Event-ID`, the server
 *   resumes after it).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { NEVER, Subject, concat, from, type Observable, type Subscription } from 'rxjs';
import { chunk, finalChunk, type StreamChunk } from '../src/chunk.js';
import { fromServerSentEvents } from '../src/interop/fromServerSentEvents.js';
import { memoryStore } from '../src/interop/resumable/memoryStore.js';
import { redisStore } from '../src/interop/resumable/redisStore.js';
import { resumableStreams } from '../src/interop/resumable/resumableStreams.js';
import type { StreamStore } from '../src/interop/resumable/store.js';
import { pipeServerSentEvents, sseHeaders, toServerSentEvents } from '../src/interop/toServerSentEvents.js';
import { REDIS_SERVER, startRedis } from '../test/helpers/services.js';
import { BENCH_METADATA, QUICK, makeChunks, makeDeltas, median, quantile, round, size, target, type Row, type SectionResult, type Target } from './common.js';

const CLIENTS = size(1_000, 100);
const DELTAS = 50;
const ROUNDS = size(5, 2);
const OPEN_STREAMS = size(2_000, 200);
const REDIS_EVENTS = size(2_000, 100);
const REDIS_STREAMS = size(200, 10);
const RECONNECT_TRIALS = size(200, 20);

type Mode = 'lib' | 'hand' | 'plain' | 'resumable';
const MODES: readonly Mode[] = ['lib', 'hand', 'plain', 'resumable'];
const MODE_NAMES: Record<Mode, string> = {
  lib: 'toServerSentEvents → pipeServerSentEvents',
  hand: 'hand-written SSE writer → same web stream → pipeServerSentEvents',
  plain: 'hand-written SSE, plain res.write per event (no web stream)',
  resumable: 'resumableStreams({ store: memoryStore() }).create → pipeServerSentEvents',
};

// ---------------------------------------------------------------------------------------------------
// The child: the server whose CPU is measured

const encoder = new TextEncoder();
const END = 'event: end\ndata: {"reason":"complete"}\n\n';

/** The same events as toServerSentEvents, written by hand, as a web stream (high-water mark 0, byte-counted). */
function handBody(source: Observable<StreamChunk>): ReadableStream<Uint8Array> {
  let subscription: Subscription | undefined;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (subscription !== undefined) return;
        let id = 0;
        subscription = source.subscribe({
          next: (c) => controller.enqueue(encoder.encode(`id: ${id++}\ndata: ${JSON.stringify(c)}\n\n`)),
          complete: () => {
            controller.enqueue(encoder.encode(END));
            controller.close();
          },
        });
      },
      cancel() {
        subscription?.unsubscribe();
      },
    },
    { highWaterMark: 0, size: (bytes) => bytes.byteLength },
  );
}

function plainWrite(source: Observable<StreamChunk>, res: ServerResponse): void {
  res.writeHead(200, sseHeaders);
  let id = 0;
  const subscription = source.subscribe({
    next: (c) => res.write(`id: ${id++}\ndata: ${JSON.stringify(c)}\n\n`),
    complete: () => res.end(END),
  });
  res.on('close', () => subscription.unsubscribe());
}

const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('bench: the serving child needs --expose-gc');
  g();
  g();
};
const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** heapUsed per open stream: N generations/bodies open, each with 20 events delivered and its source still open. */
async function heapPerStream(n: number, kind: 'resumable' | 'plain'): Promise<number> {
  const chunks = makeChunks(makeDeltas(20)).slice(0, 20);
  const streams = resumableStreams({ store: memoryStore(), ttlMs: 60_000 });
  const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
  const drain = (reader: ReadableStreamDefaultReader<Uint8Array>): void => {
    void (async () => {
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return;
    })();
  };
  await settle(20);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) {
    const source = concat(from(chunks), NEVER);
    const body = kind === 'resumable' ? await streams.create(`open-${i}`, source) : toServerSentEvents(source);
    const reader = body.getReader();
    readers.push(reader);
    drain(reader);
  }
  await settle(100);
  gc();
  const after = process.memoryUsage().heapUsed;
  for (const r of readers) void r.cancel().catch(() => undefined);
  for (const id of streams.running) await streams.stop(id);
  return (after - before) / n;
}

async function child(): Promise<void> {
  const chunks = makeChunks(makeDeltas(DELTAS));
  const streams = resumableStreams({ store: memoryStore(), ttlMs: 2_000 });
  let next = 0;
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const mode = (req.url ?? '/').slice(1) as Mode;
    const source = from(chunks);
    switch (mode) {
      case 'lib':
        void pipeServerSentEvents(toServerSentEvents(source), res);
        return;
      case 'hand':
        void pipeServerSentEvents(handBody(source), res);
        return;
      case 'plain':
        plainWrite(source, res);
        return;
      case 'resumable':
        void streams.create(`s${next++}`, source).then((body) => pipeServerSentEvents(body, res));
        return;
      default:
        res.writeHead(404).end();
    }
  });
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', 4096, resolve));
  process.on('message', (message: { cmd: 'cpu' } | { cmd: 'heap'; n: number; kind: 'resumable' | 'plain' }) => {
    if (message.cmd === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ cpuMs: (user + system) / 1000 });
    } else {
      void heapPerStream(message.n, message.kind).then((bytes) => process.send?.({ bytes }));
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` });
}

if (process.argv.includes('--serving-child')) await child();

// ---------------------------------------------------------------------------------------------------
// The parent

interface Child {
  readonly url: string;
  ask<R>(message: object): Promise<R>;
  close(): Promise<void>;
}

async function startChild(): Promise<Child> {
  const proc: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serving-child', ...(QUICK ? ['--quick'] : [])], {
    execArgv: [...process.execArgv, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reply = <R>(): Promise<R> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`serving child exited (code ${String(code)})`));
      proc.once('exit', onExit);
      proc.once('message', (m) => {
        proc.off('exit', onExit);
        resolve(m as R);
      });
    });
  const hello = await reply<{ url: string }>();
  return {
    url: hello.url,
    ask: <R>(message: object) => {
      const r = reply<R>();
      proc.send(message);
      return r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill();
      }),
  };
}

/** N concurrent GETs, bodies drained; resolves with the bytes each got (all must be equal). */
async function batch(url: string, agent: Agent, n: number): Promise<number> {
  const sizes = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<number>((resolve, reject) => {
          get(url, { agent }, (res) => {
            let bytes = 0;
            res.on('data', (b: Buffer) => (bytes += b.length));
            res.on('end', () => resolve(bytes));
            res.on('error', reject);
          }).on('error', reject);
        }),
    ),
  );
  const first = sizes[0]!;
  if (sizes.some((s) => s !== first)) throw new Error(`bench: clients of ${url} got different byte counts`);
  return first;
}

async function relay(rows: Row[], targets: Target[], notes: string[], capacity: Record<string, number>): Promise<void> {
  const server = await startChild();
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    const cpu = async (): Promise<number> => (await server.ask<{ cpuMs: number }>({ cmd: 'cpu' })).cpuMs;
    const bytes = new Map<Mode, number>();
    for (const mode of MODES) bytes.set(mode, await batch(`${server.url}/${mode}`, agent, CLIENTS)); // warm-up, and the bytes
    for (const mode of ['hand', 'plain', 'resumable'] as const) {
      if (bytes.get(mode) !== bytes.get('lib')) throw new Error(`bench: ${mode} sent ${bytes.get(mode)} bytes per client, toServerSentEvents ${bytes.get('lib')}`);
    }
    const cpuMs = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
    const wallMs = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = [...MODES.slice(r % MODES.length), ...MODES.slice(0, r % MODES.length)];
      for (const mode of order) {
        const c0 = await cpu();
        const t0 = performance.now();
        await batch(`${server.url}/${mode}`, agent, CLIENTS);
        wallMs.get(mode)!.push(performance.now() - t0);
        cpuMs.get(mode)!.push((await cpu()) - c0);
      }
    }
    const events = CLIENTS * (DELTAS + 2); // deltas + final chunk + end event
    const ratio = (mode: Mode, base: Mode): number => median(cpuMs.get(mode)!.map((v, i) => v / cpuMs.get(base)![i]!));
    for (const mode of MODES) {
      const ms = median(cpuMs.get(mode)!);
      const base: Mode = mode === 'plain' || mode === 'hand' ? 'hand' : mode === 'lib' ? 'hand' : 'lib';
      rows.push({
        name: `${MODE_NAMES[mode]} (server CPU per batch)`,
        value: round(ms, 1),
        unit: 'CPU ms',
        ratio: round(ratio(mode, base), 3),
        ratioTo: base === 'hand' ? 'hand-written SSE (web stream)' : 'toServerSentEvents',
        extra: { usPerEvent: round((ms * 1000) / events, 3), wallMsPerBatch: round(median(wallMs.get(mode)!), 1), bytesPerClient: bytes.get(mode)! },
      });
    }
    const libMs = median(cpuMs.get('lib')!);
    const resumableMs = median(cpuMs.get('resumable')!);
    capacity['libEventsPerCpuSecond'] = Math.round(events / (libMs / 1000));
    capacity['resumableEventsPerCpuSecond'] = Math.round(events / (resumableMs / 1000));
    rows.push({ name: 'events relayed per server CPU second, toServerSentEvents', value: capacity['libEventsPerCpuSecond'], unit: 'events/s' });
    rows.push({ name: 'events relayed per server CPU second, resumable (memory store)', value: capacity['resumableEventsPerCpuSecond'], unit: 'events/s' });
    targets.push(target('toServerSentEvents vs hand-written SSE writer (same web stream), server CPU', '≤ 1.1× its CPU', round(ratio('lib', 'hand'), 3), '<=', 1.1, 'x'));
    targets.push(target('resumableStreams (memoryStore) vs plain relay, server CPU', '≤ 1.2× toServerSentEvents', round(ratio('resumable', 'lib'), 3), '<=', 1.2, 'x'));
    notes.push(
      `Relay: ${CLIENTS.toLocaleString('en-US')} concurrent clients per batch, each ${DELTAS} deltas + final chunk (${bytes.get('lib')} bytes: every way sends the same bytes, checked), ${ROUNDS} rounds, modes rotated; the server in its own process, its CPU from process.cpuUsage() before and after each batch (so the clients' CPU is not counted). The plain res.write row's ratio is against the hand-written web-stream writer: what the web stream costs.`,
      'The source emits synchronously (the whole answer at once): the relay path at its most concentrated. A real model paces events over seconds, which costs more timer and socket wake-ups per event.',
    );

    for (const kind of ['plain', 'resumable'] as const) {
      const { bytes: perStream } = await server.ask<{ bytes: number }>({ cmd: 'heap', n: OPEN_STREAMS, kind });
      capacity[`heapPerStream_${kind}`] = Math.round(perStream);
      rows.push({
        name: `heap per open stream, ${kind === 'plain' ? 'toServerSentEvents body' : 'resumable generation (memoryStore) + one reader'} (${OPEN_STREAMS.toLocaleString('en-US')} open, 20 events each)`,
        value: round(perStream / 1024, 2),
        unit: 'KB/stream',
      });
    }
    notes.push('Heap per open stream: heapUsed after two forced GCs with N streams open (source still open after 20 events, a reader draining each body in-process) minus before, ÷ N. No socket: a node:http connection adds its own (~tens of KB of buffers per socket, outside this figure).');
  } finally {
    agent.destroy();
    await server.close();
  }
}

async function redisRows(rows: Row[], notes: string[], capacity: Record<string, number>): Promise<void> {
  let hasClient = true;
  try {
    await import('redis');
  } catch {
    hasClient = false;
  }
  if (REDIS_SERVER === undefined || !hasClient) {
    rows.push({ name: `Redis store: skipped (${REDIS_SERVER === undefined ? 'no redis-server installed' : 'the redis package is not installed'})`, value: 0, unit: 'skipped' });
    return;
  }
  const redis = await startRedis(REDIS_SERVER);
  const { createClient } = await import('redis');
  const admin = createClient({ url: redis.url });
  await admin.connect();
  const store = redisStore({ url: redis.url });
  try {
    const info = async (section: string): Promise<Record<string, string>> => {
      const text = String(await admin.sendCommand(['INFO', section]));
      return Object.fromEntries(text.split(/\r?\n/).filter((l) => l.includes(':')).map((l) => l.split(':', 2) as [string, string]));
    };
    // Per-event latency, memory store and Redis store side by side.
    const latency = async (s: StreamStore, name: string): Promise<number[]> => {
      const streams = resumableStreams({ store: s, ttlMs: 60_000 });
      const source = new Subject<StreamChunk>();
      const reader = (await streams.create(`latency-${name}`, source)).getReader();
      const readOne = async (): Promise<void> => {
        const { done } = await reader.read();
        if (done) throw new Error('bench: the body ended early');
      };
      const samples: number[] = [];
      for (let i = -20; i < REDIS_EVENTS; i++) {
        const t0 = performance.now();
        const pending = readOne();
        source.next(chunk(' word', { metadata: BENCH_METADATA, timestamp: i }));
        await pending;
        if (i >= 0) samples.push(performance.now() - t0);
      }
      source.next(finalChunk(BENCH_METADATA));
      source.complete();
      await reader.cancel();
      return samples;
    };
    for (const [name, s] of [
      ['memory', memoryStore()],
      ['redis', store],
    ] as const) {
      const samples = await latency(s, name);
      rows.push({
        name: `${name === 'redis' ? 'Redis' : 'memory'} store: source next → event read from the body, p50`,
        value: round(median(samples), 3),
        unit: 'ms p50',
        extra: { p99: round(quantile(samples, 0.99), 3), max: round(Math.max(...samples), 3), events: samples.length },
      });
      rows.push({ name: `${name === 'redis' ? 'Redis' : 'memory'} store: source next → event read from the body, p99`, value: round(quantile(samples, 0.99), 3), unit: 'ms p99' });
    }

    // Throughput and memory: M streams at once, each the whole answer at once, one reader each; then M/10
    // streams ten times as long (the same number of events), to split the per-stream cost from the per-event cost.
    const streams = resumableStreams({ store, ttlMs: 600_000 });
    const load = async (count: number, deltas: number, tag: string) => {
      const chunks = makeChunks(makeDeltas(deltas));
      const mem0 = Number((await info('memory'))['used_memory']);
      const cpu0 = await info('cpu');
      const node0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const reader = (await streams.create(`${tag}-${i}`, from(chunks))).getReader();
          for (;;) if ((await reader.read()).done) return;
        }),
      );
      const wall = performance.now() - t0;
      const node1 = process.cpuUsage(node0);
      const cpu1 = await info('cpu');
      const mem1 = Number((await info('memory'))['used_memory']);
      const redisCpuMs = (Number(cpu1['used_cpu_user']) + Number(cpu1['used_cpu_sys']) - Number(cpu0['used_cpu_user']) - Number(cpu0['used_cpu_sys'])) * 1000;
      const jsonBytes = chunks.map((c) => JSON.stringify(c).length).reduce((a, b) => a + b, 0) / chunks.length;
      return { count, events: count * (deltas + 2), wall, nodeCpuMs: (node1.user + node1.system) / 1000, redisCpuMs, memPerStream: (mem1 - mem0) / count, jsonBytes };
    };
    const short = await load(REDIS_STREAMS, DELTAS, 'short');
    const long = await load(REDIS_STREAMS / 10, DELTAS * 10 + 18, 'long'); // 520 events each: the same total
    // cpu = streams × perStream + events × perEvent, from the two loads.
    const split = (a: number, b: number): { perStreamMs: number; perEventUs: number } => {
      const perStreamMs = (a - b) / (short.count - long.count);
      return { perStreamMs, perEventUs: ((b - long.count * perStreamMs) / long.events) * 1000 };
    };
    const node = split(short.nodeCpuMs, long.nodeCpuMs);
    const rcpu = split(short.redisCpuMs, long.redisCpuMs);
    capacity['redisEventsPerCpuSecond'] = Math.round(short.events / (short.redisCpuMs / 1000));
    capacity['redisEventsPerCpuSecondLong'] = Math.round(long.events / (long.redisCpuMs / 1000));
    capacity['redisBytesPerStream52'] = Math.round(short.memPerStream);
    capacity['redisBytesPerStream520'] = Math.round(long.memPerStream);
    capacity['redisBytesPerEvent'] = Math.round((long.memPerStream - short.memPerStream) / (long.events / long.count - short.events / short.count));
    capacity['redisNodeEventsPerCpuSecond'] = Math.round(short.events / (short.nodeCpuMs / 1000));
    capacity['redisNodeEventsPerCpuSecondLong'] = Math.round(long.events / (long.nodeCpuMs / 1000));
    capacity['redisNodePerStreamMs'] = round(node.perStreamMs, 3);
    capacity['redisNodePerEventUs'] = round(node.perEventUs, 1);
    capacity['redisServerPerStreamMs'] = round(rcpu.perStreamMs, 3);
    capacity['redisServerPerEventUs'] = round(rcpu.perEventUs, 1);
    for (const l of [short, long]) {
      const per = l.events / l.count;
      rows.push({
        name: `Redis store: ${l.count} streams × ${per} events at once, written and read (one process), wall`,
        value: round(l.wall, 1),
        unit: 'ms',
        extra: { events: l.events, eventsPerWallSecond: Math.round(l.events / (l.wall / 1000)), nodeCpuMs: round(l.nodeCpuMs, 1), redisCpuMs: round(l.redisCpuMs, 1) },
      });
      rows.push({ name: `Redis store, ${per}-event streams: events per Node CPU second (generations + readers + node-redis)`, value: Math.round(l.events / (l.nodeCpuMs / 1000)), unit: 'events/s' });
      rows.push({ name: `Redis store, ${per}-event streams: events per redis-server CPU second`, value: Math.round(l.events / (l.redisCpuMs / 1000)), unit: 'events/s' });
      rows.push({ name: `Redis memory per finished stream kept for resume (${per} events, ~${Math.round(l.jsonBytes)} B JSON each)`, value: round(l.memPerStream / 1024, 2), unit: 'KB/stream' });
    }
    rows.push({ name: 'Redis store, Node CPU split: per stream (create, claim, reader connection, end)', value: round(node.perStreamMs, 3), unit: 'CPU ms/stream' });
    rows.push({ name: 'Redis store, Node CPU split: per event (XADD, XREAD wake, delivery)', value: round(node.perEventUs, 1), unit: 'CPU µs/event' });
    rows.push({ name: 'Redis server CPU split: per stream', value: round(rcpu.perStreamMs, 3), unit: 'CPU ms/stream' });
    rows.push({ name: 'Redis server CPU split: per event', value: round(rcpu.perEventUs, 1), unit: 'CPU µs/event' });
    rows.push({ name: 'Redis memory per stored event (difference of the two loads)', value: capacity['redisBytesPerEvent'], unit: 'B/event' });
    notes.push(`Redis: redis-server ${String((await info('server'))['redis_version'] ?? '?').trim()} on loopback, no persistence; node-redis from the \`redis\` package. Latency: each event is XADDed by the generation and reaches the reader through its own XREAD BLOCK connection. Throughput rows: one process drives all streams, so the wall time is bounded by this process as much as by Redis; the Redis CPU row is what Redis itself spent (INFO cpu).`);
  } finally {
    await store.close();
    await admin.quit().catch(() => undefined);
    await redis.stop();
  }
}

async function reconnectRows(rows: Row[], notes: string[]): Promise<void> {
  const chunks = makeChunks(makeDeltas(10));
  const event = (i: number): string => `id: ${i}\ndata: ${JSON.stringify(chunks[i])}\n\n`;
  let held: ServerResponse | undefined;
  let requests = 0;
  const http = createServer((req, res) => {
    requests++;
    res.writeHead(200, sseHeaders);
    const last = req.headers['last-event-id'];
    if (last === undefined) {
      held = res;
      res.write(event(0));
      return;
    }
    let body = '';
    for (let i = Number(last) + 1; i < chunks.length; i++) body += event(i);
    res.end(body + END);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  const expected = chunks.map((c) => c.content).join('');
  const trial = (): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      requests = 0;
      let cutAt: number | undefined;
      let latency: number | undefined;
      let text = '';
      const timer = setTimeout(() => reject(new Error('bench: reconnect trial took over 5 s')), 5_000);
      fromServerSentEvents(url, { reconnect: { delay: 0, retries: 3 } }).subscribe({
        next: (c) => {
          text += c.content;
          if (cutAt === undefined) {
            cutAt = performance.now();
            held?.socket?.destroy();
            held = undefined;
          } else latency ??= performance.now() - cutAt;
        },
        error: (e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
        complete: () => {
          clearTimeout(timer);
          if (latency === undefined || text !== expected || requests !== 2) return reject(new Error(`bench: reconnect trial: ${requests} requests, text ${JSON.stringify(text).slice(0, 60)}`));
          resolve(latency);
        },
      });
    });
  try {
    for (let i = 0; i < 3; i++) await trial();
    const samples: number[] = [];
    for (let i = 0; i < RECONNECT_TRIALS; i++) samples.push(await trial());
    rows.push({
      name: 'reconnect: dropped connection → next delivered chunk (fromServerSentEvents reconnect, delay 0), p50',
      value: round(median(samples), 3),
      unit: 'ms p50',
      extra: { p99: round(quantile(samples, 0.99), 3), max: round(Math.max(...samples), 3), trials: samples.length },
    });
    rows.push({ name: 'reconnect: dropped connection → next delivered chunk, p99', value: round(quantile(samples, 0.99), 3), unit: 'ms p99' });
    notes.push(`Reconnect: ${RECONNECT_TRIALS} trials; the server holds the first response after event 0, the trial destroys its socket on the first chunk and times until the next chunk arrives over the re-opened request (Last-Event-ID: 0, answered at once with events 1… and the end). With the default delay (1 s, or the server's retry: field) add that wait.`);
  } finally {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  }
}

export async function run(): Promise<SectionResult> {
  const rows: Row[] = [];
  const targets: Target[] = [];
  const notes: string[] = [];
  const capacity: Record<string, number> = {};
  const phases: Record<string, number> = {};
  let t = performance.now();
  const phase = (name: string): void => {
    phases[name] = Math.round(performance.now() - t);
    t = performance.now();
  };
  await relay(rows, targets, notes, capacity);
  phase('relayAndHeapMs');
  await redisRows(rows, notes, capacity);
  phase('redisMs');
  await reconnectRows(rows, notes);
  phase('reconnectMs');
  notes.push(`Phase times: ${JSON.stringify(phases)}`);
  notes.push(`Capacity inputs (docs/scaling.md): ${JSON.stringify(capacity)}`);
  return { id: 'serving', title: `9. Serving streams (${CLIENTS.toLocaleString('en-US')} concurrent SSE clients, ${DELTAS} deltas each)`, rows, targets, notes };
}

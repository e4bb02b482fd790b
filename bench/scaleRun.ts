/**
 * What a client of section 12 (bench/scale.ts) does, whatever it streams through: N streams started at once
 * (in batches of START_BATCH per event-loop turn), each folded to its text and checked against the transcript,
 * with the moment every stream holds `hold` deltas signalled, event-loop delay and CPU measured. Used by the
 * client processes (bench/scaleClient.ts: raw SDK, ours) and, for the SSE clients, by the parent process.
 * No SDK is imported here.
 */
import { Agent, get } from 'node:http';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { cpuMs, heapAfterGc } from './scaleIpc.js';
import { WIRE_PROVIDERS, type WireProvider } from './wireGen.js';

/** Requests per event-loop turn: as at a busy server, not 10,000 subscriptions in one synchronous task. */
export const START_BATCH = 100;

/**
 * Stream number i to its end; calls onHold once it has `hold` text deltas; resolves with the text. `onStarted`,
 * when given, is called once the response has begun (its headers arrived).
 */
export type StreamFn = (i: number, onHold: () => void, hold: number, onStarted?: () => void) => Promise<string>;

export interface Outcome {
  completed: number;
  wrong: number;
  errors: Record<string, number>;
}

export interface Held {
  heapBefore: number;
  heapHeld: number;
  toHeldMs: number;
  cpuToHeldMs: number;
  failedBeforeHold?: Outcome;
}

export interface Finished extends Outcome {
  wallMs: number;
  cpuMs: number;
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  eldMeanMs: number;
}

function delays(h: IntervalHistogram): Pick<Finished, 'eldP50Ms' | 'eldP99Ms' | 'eldMaxMs' | 'eldMeanMs'> {
  return { eldP50Ms: h.percentile(50) / 1e6, eldP99Ms: h.percentile(99) / 1e6, eldMaxMs: h.max / 1e6, eldMeanMs: h.mean / 1e6 };
}

/** SSE clients of the relay (bench/scaleRelay.ts) on node:http: a cheap parser folding the events back to the text. */
export function sseStream(url: string): StreamFn {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity, keepAliveMsecs: 60_000 });
  return (i, onHold, hold, onStarted) =>
    new Promise<string>((resolve, reject) => {
      get(`${url}/stream?i=${i}`, { agent }, (res) => {
        onStarted?.();
        if (res.statusCode !== 200) return reject(new Error(`relay answered ${String(res.statusCode)}`));
        res.setEncoding('utf8');
        let buffer = '';
        let text = '';
        let count = 0;
        let final = false;
        let ended = false;
        res.on('data', (piece: string) => {
          buffer += piece;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            if (event.startsWith('event: end')) ended = true;
            else if (event.startsWith('event: error')) return reject(new Error(`relay sent ${event.slice(0, 200)}`));
            else {
              const at = event.indexOf('data: ');
              if (at < 0) continue;
              const chunk = JSON.parse(event.slice(at + 6)) as { content: string; isFinal: boolean };
              if (chunk.content !== '') {
                text += chunk.content;
                if (++count === hold) onHold();
              }
              if (chunk.isFinal) final = true;
            }
          }
        });
        res.on('end', () => (final && ended ? resolve(text) : reject(new Error('SSE body ended without a final chunk and the end event'))));
        res.on('error', reject);
      }).on('error', reject);
    });
}

/** One client's runs: `warm`, `start` (to the hold), `finish`, `saturate`. */
export class ClientSession {
  private histogram: IntervalHistogram | undefined;
  private running: Promise<Outcome> | undefined;
  private t0 = 0;
  private c0 = 0;

  constructor(
    private readonly stream: StreamFn,
    private readonly texts: Readonly<Record<WireProvider, string>>,
    /** Stream i uses wires[i % wires.length] (the stream function must map it the same way). */
    private readonly wires: readonly WireProvider[] = WIRE_PROVIDERS,
    /**
     * Start each batch of START_BATCH only once the batch before it has begun answering. For a server that
     * accepts slowly (the relay, which also opens an upstream request per stream): 10,000 connects at once
     * overflow the kernel's accept queue (net.core.somaxconn, 4096 here), and the dropped connections end as
     * ECONNRESET / timeouts, which measures the kernel, not the server.
     */
    private readonly ramp = false,
  ) {}

  /** n streams; `onAllHeld` fires when every one has `hold` deltas. */
  many(n: number, hold: number, onAllHeld: () => void): Promise<Outcome> {
    const outcome: Outcome = { completed: 0, wrong: 0, errors: {} };
    let heldCount = 0;
    const onHold = (): void => {
      if (++heldCount === n) onAllHeld();
    };
    const one = (i: number, onStarted?: () => void): Promise<void> => {
      const provider = this.wires[i % this.wires.length]!;
      return this.stream(i, onHold, hold, onStarted).then(
        (text) => {
          if (text === this.texts[provider]) outcome.completed++;
          else outcome.wrong++;
        },
        (error: unknown) => {
          const key = `${provider}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(0, 200);
          outcome.errors[key] = (outcome.errors[key] ?? 0) + 1;
        },
      );
    };
    const started: Promise<void>[] = [];
    return new Promise<void>((resolve) => {
      let i = 0;
      const batch = (): void => {
        const end = Math.min(n, i + START_BATCH);
        if (!this.ramp) {
          for (; i < end; i++) started.push(one(i));
          if (i < n) setImmediate(batch);
          else resolve();
          return;
        }
        let waiting = end - i;
        const next = (): void => {
          if (--waiting > 0) return;
          if (i < n) setImmediate(batch);
          else resolve();
        };
        for (; i < end; i++) {
          let called = false;
          const once = (): void => {
            if (called) return;
            called = true;
            next();
          };
          // A stream that fails before its headers still lets the next batch go.
          const run = one(i, once);
          started.push(run.finally(once));
        }
      };
      batch();
    })
      .then(() => Promise.all(started))
      .then(() => outcome);
  }

  async warm(n: number): Promise<Outcome> {
    const outcome = await this.many(n, 0, () => undefined);
    if (outcome.completed !== n) throw new Error(`warm-up: ${JSON.stringify(outcome)}`);
    return outcome;
  }

  /** Starts n streams; resolves when each holds `hold` deltas, with heapUsed after GC then and before. */
  async start(n: number, hold: number, options: { gc: boolean }): Promise<Held> {
    const heapBefore = options.gc ? await heapAfterGc() : Number.NaN;
    this.histogram = monitorEventLoopDelay({ resolution: 1 });
    let allHeld!: () => void;
    const held = new Promise<'held'>((resolve) => (allHeld = () => resolve('held')));
    this.histogram.enable();
    this.t0 = performance.now();
    this.c0 = cpuMs();
    this.running = this.many(n, hold, allHeld);
    // A stream that fails before its hold point would leave `held` pending: give up once all have ended.
    const first = await Promise.race([held, this.running.then(() => 'ended' as const)]);
    const toHeldMs = performance.now() - this.t0;
    const cpuToHeldMs = cpuMs() - this.c0;
    this.histogram.disable();
    if (first === 'ended') return { heapBefore, heapHeld: Number.NaN, toHeldMs, cpuToHeldMs, failedBeforeHold: await this.running };
    const heapHeld = options.gc ? await heapAfterGc() : Number.NaN;
    return { heapBefore, heapHeld, toHeldMs, cpuToHeldMs };
  }

  /** Resumes the delay histogram and resolves when every stream of `start` ended. */
  async finish(): Promise<Finished> {
    this.histogram!.enable();
    const outcome = await this.running!;
    const wallMs = performance.now() - this.t0;
    const cpu = cpuMs() - this.c0;
    this.histogram!.disable();
    return { ...outcome, wallMs, cpuMs: cpu, ...delays(this.histogram!) };
  }

  async saturate(n: number): Promise<Finished> {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const start = performance.now();
    const cpuStart = cpuMs();
    const outcome = await this.many(n, 0, () => undefined);
    const cpu = cpuMs() - cpuStart;
    const wallMs = performance.now() - start;
    h.disable();
    return { ...outcome, wallMs, cpuMs: cpu, ...delays(h) };
  }
}

/**
 * One fresh process of section 11 (bench/firstRequest.ts): forked by the parent with `--import tsx`, it
 * loads our three provider modules from src/ (so tsx has compiled them before any clock starts, in every
 * mode), gets ready for one mode, says so, and on the parent's 'go' times its first request and then a
 * second one, and reports both times to the first text delta.
 *
 * Modes (argv: <provider> <mode> <url>):
 *  - `raw`: the official SDK imported and its client built (retries off) before the clock; the clock starts
 *    at `create()` / `chat()` and stops at the first text delta of the `for await`.
 *  - `ours`: our provider built (the SDK not loaded yet); the clock starts at `provider.stream(request)`
 *    and stops at the first chunk with content.
 *  - `preload`: the same after `await provider.preload()` (loads the SDK and builds the client ahead).
 *
 * No SDK is imported statically here: which mode loads it, and when, is the point.
 */
import { performance } from 'node:perf_hooks';
import type { Subscription } from 'rxjs';
import type { ChatRequest, Provider } from '../src/providers/provider.js';
import { API_KEY, MODELS, ourProvider } from './ours.js';

export type FirstRequestMode = 'raw' | 'ours' | 'preload';
type Name = 'openai' | 'anthropic' | 'ollama';

/** What the child sends the parent. */
export type FromFirstRequestChild =
  | { readonly ready: true; readonly preloadMs?: number }
  | { readonly done: true; readonly requests: readonly Timed[] }
  | { readonly failed: string };

const PROMPT = 'Stream the benchmark transcript.';
const REQUEST: ChatRequest = { messages: [{ role: 'user', content: PROMPT }] };
const SDK_MESSAGES = [{ role: 'user' as const, content: PROMPT }];

/** One timed request. */
export interface Timed {
  /** Wall ms from the clock's start to the first text delta. */
  readonly ttftMs: number;
  /** This process's CPU ms (all threads: main, loader hooks, GC) over the same span. */
  readonly cpuMs: number;
  /** The span in process.hrtime µs (CLOCK_MONOTONIC, the clock of `--cpu-prof` timestamps), to cut a profile to it. */
  readonly spanUs: readonly [number, number];
  /** The whole text. */
  readonly text: string;
}
type Once = () => Promise<Timed>;

interface Start {
  readonly t: number;
  readonly cpu: NodeJS.CpuUsage;
  readonly hr: bigint;
}

function start(): Start {
  return { hr: process.hrtime.bigint(), cpu: process.cpuUsage(), t: performance.now() };
}

/** The first delta arrived: what it took since `s`. */
function firstDelta(s: Start): Omit<Timed, 'text'> {
  const t = performance.now();
  const cpu = process.cpuUsage(s.cpu);
  const hr = process.hrtime.bigint();
  return { ttftMs: t - s.t, cpuMs: (cpu.user + cpu.system) / 1000, spanUs: [Number(s.hr / 1000n), Number(hr / 1000n)] };
}

/** Our provider's request: subscribe, time to the first chunk with content, the text at completion. */
function oursOnce(provider: Provider): Once {
  return () =>
    new Promise((resolve, reject) => {
      let first: Omit<Timed, 'text'> | undefined;
      let text = '';
      let subscription: Subscription | undefined;
      const t0 = start();
      subscription = provider.stream(REQUEST).subscribe({
        next: (c) => {
          if (first === undefined && c.content !== '') first = firstDelta(t0);
          text += c.content;
        },
        error: (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
        complete: () => {
          subscription?.unsubscribe();
          if (first === undefined) reject(new Error('the stream ended without content'));
          else resolve({ ...first, text });
        },
      });
    });
}

/** The raw SDK, imported and its client built now (before any clock); each call is one timed request. */
async function rawOnce(name: Name, url: string): Promise<Once> {
  // Each loop is the SDK's own `for await`, as its users write it; the clock starts at the call that sends.
  switch (name) {
    case 'openai': {
      const { OpenAI } = await import('openai');
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: API_KEY, maxRetries: 0 });
      return async () => {
        let first: Omit<Timed, 'text'> | undefined;
        let text = '';
        const t0 = start();
        const stream = await client.chat.completions.create({ model: MODELS.openai, messages: SDK_MESSAGES, stream: true, stream_options: { include_usage: true } });
        for await (const c of stream) {
          const delta = c.choices[0]?.delta.content;
          if (!delta) continue;
          first ??= firstDelta(t0);
          text += delta;
        }
        return result(first, text);
      };
    }
    case 'anthropic': {
      const { default: Anthropic } = await import('@anthropic-ai/sdk');
      const client = new Anthropic({ baseURL: url, apiKey: API_KEY, maxRetries: 0 });
      return async () => {
        let first: Omit<Timed, 'text'> | undefined;
        let text = '';
        const t0 = start();
        const stream = await client.messages.create({ model: MODELS.anthropic, max_tokens: 4096, messages: SDK_MESSAGES, stream: true });
        for await (const e of stream) {
          if (e.type !== 'content_block_delta' || e.delta.type !== 'text_delta' || e.delta.text === '') continue;
          first ??= firstDelta(t0);
          text += e.delta.text;
        }
        return result(first, text);
      };
    }
    case 'ollama': {
      const { Ollama } = await import('ollama');
      const client = new Ollama({ host: url });
      return async () => {
        let first: Omit<Timed, 'text'> | undefined;
        let text = '';
        const t0 = start();
        const stream = await client.chat({ model: MODELS.ollama, messages: SDK_MESSAGES, stream: true });
        for await (const part of stream) {
          if (!part.message.content) continue;
          first ??= firstDelta(t0);
          text += part.message.content;
        }
        return result(first, text);
      };
    }
  }
}

function result(first: Omit<Timed, 'text'> | undefined, text: string): Timed {
  if (first === undefined) throw new Error('the stream ended without content');
  return { ...first, text };
}

function send(message: FromFirstRequestChild): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const [name, mode, url] = process.argv.slice(2) as [Name, FirstRequestMode, string];
  let once: Once;
  let preloadMs: number | undefined;
  if (mode === 'raw') {
    once = await rawOnce(name, url);
  } else {
    const provider = ourProvider(name, url);
    if (mode === 'preload') {
      // Typed loosely until every provider has it; a provider without it fails the row, clearly.
      const preload = (provider as Provider & { preload?: () => Promise<void> }).preload;
      if (typeof preload !== 'function') {
        send({ failed: `${name}: provider.preload() is missing` });
        return;
      }
      const t = performance.now();
      await preload.call(provider);
      preloadMs = performance.now() - t;
    }
    once = oursOnce(provider);
  }
  process.once('message', () => {
    void (async () => {
      const first = await once();
      const second = await once();
      send({ done: true, requests: [first, second] });
    })().catch((error: unknown) => send({ failed: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
  });
  send(preloadMs === undefined ? { ready: true } : { ready: true, preloadMs });
}

process.on('disconnect', () => process.exit(0));
main().catch((error: unknown) => send({ failed: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));

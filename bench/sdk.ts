/**
 * Both sides of the end-to-end comparisons, pointed at the loopback server: our providers
 * (src/providers/*.ts) and the raw official SDKs consumed with `for await`, the way a user of the SDK would.
 */
import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { pathToFileURL } from 'node:url';
import type { ChatRequest, Provider } from '../src/providers/provider.js';
import { API_KEY, MODELS, ourProvider, providerFrom } from './ours.js';
import type { WireProvider } from './wireGen.js';

export { API_KEY, MODELS, ourProvider };
export const REQUEST: ChatRequest = { messages: [{ role: 'user', content: 'Stream the benchmark transcript.' }] };
const SDK_MESSAGES = [{ role: 'user' as const, content: 'Stream the benchmark transcript.' }];

/**
 * The same provider from another build of src/providers (a directory holding openai.js, anthropic.js,
 * ollama.js: a copy of the old files, compiled), for an A/B in one run: `BENCH_AB_PROVIDERS=<dir>`.
 */
export async function baselineProvider(dir: string, name: WireProvider, url: string): Promise<Provider> {
  const module = (await import(pathToFileURL(`${dir}/${name}.js`).href)) as Record<string, (options: object) => Provider>;
  return providerFrom(module, name, url);
}

export interface RawStream {
  /** Consumes the stream, calling `onDelta` for each text delta; resolves at the end. */
  consume(onDelta: (text: string) => void): Promise<void>;
  /** Aborts the request the way the SDK documents it. */
  abort(): void;
}

export interface RawClient {
  open(): Promise<RawStream>;
}

/** A raw SDK client (one per provider, reused, retries off) for the loopback server at `url`. */
export function rawClient(name: WireProvider, url: string): RawClient {
  switch (name) {
    case 'openai': {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: API_KEY, maxRetries: 0 });
      return {
        open: async () => {
          const controller = new AbortController();
          const stream = await client.chat.completions.create(
            { model: MODELS.openai, messages: SDK_MESSAGES, stream: true, stream_options: { include_usage: true } },
            { signal: controller.signal },
          );
          return {
            consume: async (onDelta) => {
              for await (const c of stream) {
                const content = c.choices[0]?.delta.content;
                if (content) onDelta(content);
              }
            },
            abort: () => controller.abort(),
          };
        },
      };
    }
    case 'anthropic': {
      const client = new Anthropic({ baseURL: url, apiKey: API_KEY, maxRetries: 0 });
      return {
        open: async () => {
          const controller = new AbortController();
          const stream = await client.messages.create(
            { model: MODELS.anthropic, max_tokens: 4096, messages: SDK_MESSAGES, stream: true },
            { signal: controller.signal },
          );
          return {
            consume: async (onDelta) => {
              for await (const event of stream) {
                if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') onDelta(event.delta.text);
              }
            },
            abort: () => controller.abort(),
          };
        },
      };
    }
    case 'ollama': {
      const client = new Ollama({ host: url });
      return {
        open: async () => {
          const stream = await client.chat({ model: MODELS.ollama, messages: SDK_MESSAGES, stream: true });
          return {
            consume: async (onDelta) => {
              for await (const part of stream) if (part.message.content) onDelta(part.message.content);
            },
            abort: () => stream.abort(),
          };
        },
      };
    }
  }
}

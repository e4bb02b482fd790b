/**
 * `provider.preload()`: loads the SDK and builds the client ahead of the first request, sends nothing, is
 * idempotent, and fails like the first stream would when the SDK is missing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NEVER, lastValueFrom, reduce } from 'rxjs';
import type { PreloadableProvider, Provider } from '../src/providers/provider.js';
import { useWireServer, ndjson, sse } from './helpers/wireServer.js';

const server = useWireServer();
const HELLO = { messages: [{ role: 'user' as const, content: 'Hi' }] };

afterEach(() => {
  vi.resetModules();
});

interface Case {
  readonly provider: string;
  readonly pkg: string;
  /** The SDK module's export that is the client class. */
  readonly clientExport: string;
  readonly make: (url: string) => Promise<PreloadableProvider>;
  readonly reply: () => ReturnType<typeof sse>;
}

const cases: readonly Case[] = [
  {
    provider: 'openai',
    pkg: 'openai',
    clientExport: 'OpenAI',
    make: async (url) => (await import('../src/providers/openai.js')).openai({ baseURL: `${url}/v1`, apiKey: 'sk-test' }),
    reply: () => sse('openai-text.sse'),
  },
  {
    provider: 'anthropic',
    pkg: '@anthropic-ai/sdk',
    clientExport: 'default',
    make: async (url) => (await import('../src/providers/anthropic.js')).anthropic({ baseURL: url, apiKey: 'sk-ant-test' }),
    reply: () => sse('anthropic-text.sse'),
  },
  {
    provider: 'ollama',
    pkg: 'ollama',
    clientExport: 'Ollama',
    make: async (url) => (await import('../src/providers/ollama.js')).ollama({ host: url }),
    reply: () => ndjson('ollama-chat.ndjson'),
  },
];

/** Mocks `pkg` with the real module, counting how often it is loaded and how many clients are built. */
function countSdk(pkg: string, clientExport: string): { loads: number; clients: number } {
  const counts = { loads: 0, clients: 0 };
  vi.doMock(pkg, async (importOriginal) => {
    counts.loads++;
    const actual = await importOriginal<Record<string, unknown>>();
    const Client = actual[clientExport] as new (...args: unknown[]) => object;
    const Counted = class extends Client {
      constructor(...args: unknown[]) {
        super(...args);
        counts.clients++;
      }
    };
    return { ...actual, [clientExport]: Counted };
  });
  return counts;
}

const text = (p: Provider): Promise<string> => lastValueFrom(p.stream(HELLO).pipe(reduce((t, c) => t + c.content, '')));

describe.each(cases)('$provider: preload()', ({ provider, pkg, clientExport, make, reply }) => {
  it('constructing loads nothing; preload() loads the SDK and builds the client, sending no request; the stream then reuses both', async () => {
    vi.resetModules();
    const counts = countSdk(pkg, clientExport);
    try {
      const p = await make(server.url);
      expect(counts).toEqual({ loads: 0, clients: 0 });
      await expect(p.preload()).resolves.toBeUndefined();
      expect(counts).toEqual({ loads: 1, clients: 1 });
      expect(server.requests).toHaveLength(0);
      server.enqueue(reply());
      expect((await text(p)).length).toBeGreaterThan(0);
      expect(server.requests).toHaveLength(1);
      expect(counts).toEqual({ loads: 1, clients: 1 });
    } finally {
      vi.doUnmock(pkg);
    }
  });

  it('is idempotent: concurrent calls share one load, later calls build nothing more', async () => {
    vi.resetModules();
    const counts = countSdk(pkg, clientExport);
    try {
      const p = await make(server.url);
      await Promise.all([p.preload(), p.preload(), p.preload()]);
      await p.preload();
      expect(counts).toEqual({ loads: 1, clients: 1 });
      expect(server.requests).toHaveLength(0);
    } finally {
      vi.doUnmock(pkg);
    }
  });

  it("rejects with the first stream's 'sdk_not_installed' ProviderError when the SDK is missing, sends nothing, and a later call retries", async () => {
    vi.resetModules();
    vi.doMock(pkg, () => {
      throw Object.assign(new Error(`Cannot find package '${pkg}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    });
    const p = await make(server.url);
    try {
      const error: unknown = await p.preload().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: 'ProviderError', provider, code: 'sdk_not_installed', retryable: false });
      expect((error as Error).message).toContain(`npm install ${pkg}`);
      expect(server.requests).toHaveLength(0);
    } finally {
      vi.doUnmock(pkg);
    }
    // Installed now: the next call loads it.
    await expect(p.preload()).resolves.toBeUndefined();
    server.enqueue(reply());
    expect((await text(p)).length).toBeGreaterThan(0);
  });
});

describe('preload() on providers that need nothing loaded', () => {
  it('a provider with its own client resolves at once and loads no SDK', async () => {
    vi.resetModules();
    const counts = countSdk('ollama', 'Ollama');
    try {
      const { ollama } = await import('../src/providers/ollama.js');
      const p = ollama({ client: { chat: () => Promise.reject(new Error('unused')) } });
      await p.preload();
      expect(counts.loads).toBe(0);
    } finally {
      vi.doUnmock('ollama');
    }
  });

  it('anthropic without an API key still loads the module (each stream then fails with missing_api_key)', async () => {
    vi.resetModules();
    vi.stubEnv('ANTHROPIC_API_KEY', '');
    const counts = countSdk('@anthropic-ai/sdk', 'default');
    try {
      const { anthropic } = await import('../src/providers/anthropic.js');
      const p = anthropic({ baseURL: server.url });
      await p.preload();
      expect(counts).toEqual({ loads: 1, clients: 0 });
    } finally {
      vi.doUnmock('@anthropic-ai/sdk');
      vi.unstubAllEnvs();
    }
  });
});

describe('fallbackProvider / hedgedProvider: preload()', () => {
  const handWritten = (name: string): Provider => ({
    name,
    model: 'm',
    info: () => ({ provider: name, model: 'm', supportsStreaming: true, supportsTools: false }),
    stream: () => NEVER,
  });

  it('preloads every member that has preload() (a hand-written member without one is fine)', async () => {
    const { fallbackProvider, hedgedProvider } = await import('../src/providers/fallback.js');
    const calls: string[] = [];
    const member = (name: string): Provider => ({ ...handWritten(name), preload: () => (calls.push(name), Promise.resolve()) });
    await fallbackProvider([member('a'), handWritten('plain'), member('b')]).preload();
    expect(calls).toEqual(['a', 'b']);
    await hedgedProvider([member('c'), handWritten('plain')], { hedgeAfterMs: 100 }).preload();
    expect(calls).toEqual(['a', 'b', 'c']);
  });

  it('rejects with the first failing member once all have settled', async () => {
    const { fallbackProvider } = await import('../src/providers/fallback.js');
    let lateDone = false;
    const failing = (message: string): Provider => ({ ...handWritten(message), preload: () => Promise.reject(new Error(message)) });
    const late: Provider = {
      ...handWritten('late'),
      preload: () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            lateDone = true;
            resolve();
          }),
        ),
    };
    await expect(fallbackProvider([late, failing('first'), failing('second')]).preload()).rejects.toThrow('first');
    expect(lateDone).toBe(true);
  });

  it('preloads real members: their SDKs are loaded, no request sent', async () => {
    vi.resetModules();
    const counts = countSdk('ollama', 'Ollama');
    try {
      const { fallbackProvider } = await import('../src/providers/fallback.js');
      const { ollama } = await import('../src/providers/ollama.js');
      await fallbackProvider([ollama({ host: server.url }), handWritten('plain')]).preload();
      expect(counts).toEqual({ loads: 1, clients: 1 });
      expect(server.requests).toHaveLength(0);
    } finally {
      vi.doUnmock('ollama');
    }
  });
});

describe('agent.preload()', () => {
  const plain = (name: string): Provider => ({
    name,
    model: `${name}-model`,
    info: () => ({ provider: name, model: `${name}-model`, supportsStreaming: true, supportsTools: false }),
    stream: () => NEVER,
  });

  it("preloads the agent's provider, and resolves for a provider with nothing to load", async () => {
    const { Agent } = await import('../src/agent/agent.js');
    let preloads = 0;
    const loading: Provider = { ...plain('loading'), preload: () => (preloads++, Promise.resolve()) };
    await new Agent({ provider: loading }).preload();
    expect(preloads).toBe(1);
    await expect(new Agent({ provider: plain('plain') }).preload()).resolves.toBeUndefined();
  });

  it("rejects with the provider's error", async () => {
    const { Agent } = await import('../src/agent/agent.js');
    const failing: Provider = { ...plain('failing'), preload: () => Promise.reject(new Error('no sdk')) };
    await expect(new Agent({ provider: failing }).preload()).rejects.toThrow('no sdk');
  });
});

/** Each SDK is an optional peer: a missing one fails the subscription with an error naming the package. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Observable } from 'rxjs';
import type { StreamChunk } from '../src/chunk.js';
import { failure } from './helpers/streams.js';
import { useWireServer } from './helpers/wireServer.js';

const server = useWireServer();
const HELLO = { messages: [{ role: 'user' as const, content: 'Hi' }] };

afterEach(() => {
  vi.resetModules();
});

const cases: ReadonlyArray<[string, string, (url: string) => Promise<Observable<StreamChunk>>]> = [
  ['openai', 'openai', async (url) => (await import('../src/providers/openai.js')).openai({ baseURL: `${url}/v1`, apiKey: 'sk-test' }).stream(HELLO)],
  ['anthropic', '@anthropic-ai/sdk', async (url) => (await import('../src/providers/anthropic.js')).anthropic({ baseURL: url, apiKey: 'sk-ant-test' }).stream(HELLO)],
  ['ollama', 'ollama', async (url) => (await import('../src/providers/ollama.js')).ollama({ host: url }).stream(HELLO)],
];

describe('a provider whose SDK is not installed', () => {
  it.each(cases)("%s: a non-retryable 'sdk_not_installed' ProviderError naming %s, and no request", async (provider, pkg, open) => {
    vi.resetModules();
    vi.doMock(pkg, () => {
      throw Object.assign(new Error(`Cannot find package '${pkg}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    });
    try {
      const { error } = await failure(await open(server.url));
      expect(error).toMatchObject({ provider, code: 'sdk_not_installed', retryable: false });
      expect(error.message).toContain(`npm install ${pkg}`);
      expect(server.requests).toHaveLength(0);
    } finally {
      vi.doUnmock(pkg);
    }
  });
});

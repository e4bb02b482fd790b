/**
 * The CLI loads the chosen provider's SDK before it subscribes, so `--timeout` and `--idle-timeout` time the
 * request, not the SDK's `import()` (which takes hundreds of ms on a loaded machine); a missing SDK is still
 * a provider error (exit 3) that names the package, sent before any request.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sse, useWireServer } from './helpers/wireServer.js';
import { sleep } from './helpers/streams.js';

const server = useWireServer();

afterEach(() => {
  vi.doUnmock('openai');
  vi.resetModules();
});

/** Runs a freshly imported `main(argv)` (so the mocked SDK is imported anew) with fake streams. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdin: Object.assign(Readable.from([]), { isTTY: true }),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${server.url}/v1` },
  });
  return { code, stdout, stderr };
}

describe('agenticraft-rx loads the SDK before the deadlines start', () => {
  it('a slow SDK import does not count against --timeout or --idle-timeout', async () => {
    vi.resetModules();
    vi.doMock('openai', async (importOriginal) => {
      await sleep(1500);
      return importOriginal();
    });
    server.enqueue(sse('openai-text.sse'));
    const run = await cli(['stream', 'hi', '--timeout', '1s', '--idle-timeout', '1s']);
    expect(run).toEqual({ code: 0, stdout: 'Hello, world!\n', stderr: '' });
  });

  it('a missing SDK: the error naming the package, exit 3, no request', async () => {
    vi.resetModules();
    vi.doMock('openai', () => {
      throw Object.assign(new Error("Cannot find package 'openai'"), { code: 'ERR_MODULE_NOT_FOUND' });
    });
    const run = await cli(['stream', 'hi', '--timeout', '1s']);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^agenticraft-rx: The openai provider needs the "openai" package, which is not installed\. Run: npm install openai\n$/);
    expect(server.requests).toHaveLength(0);
  });
});

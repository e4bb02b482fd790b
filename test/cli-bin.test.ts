/**
 * The real `agenticraft-rx` bin as a child process (through tsx, from the sources): stdout, stderr and the
 * exit code as a shell sees them, a prompt on stdin, and SIGINT closing the request's socket.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sse, useWireServer } from './helpers/wireServer.js';
import { abortedWithin } from './helpers/streams.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = `${ROOT}node_modules/.bin/tsx`;
const BIN = `${ROOT}src/cli/index.ts`;

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface SpawnOptions {
  readonly stdin?: string;
  readonly env?: Record<string, string>;
  /** Called with the stdout so far; may send the child a signal. */
  readonly onStdout?: (text: string, child: ReturnType<typeof spawn>) => void;
}

/** util-linux `script`, to run the bin under a pseudo-terminal. */
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

function bin(args: string[], options: SpawnOptions = {}): Promise<Exit> {
  return run(TSX, [BIN, ...args], options);
}

function run(command: string, args: string[], options: SpawnOptions = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };
    // Hermetic: the child sees only the keys a test gives it.
    if (options.env?.['OPENAI_API_KEY'] === undefined) delete env['OPENAI_API_KEY'];
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      options.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

describe.concurrent('the agenticraft-rx bin', () => {
  it('stream --offline "hi": the answer on stdout, exit 0', async () => {
    const exit = await bin(['stream', '--offline', 'hi']);
    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(/^Hello! I'm the offline model built into agenticraft-rx.*\n$/);
  });

  it('reads the prompt from stdin with "-"', async () => {
    const exit = await bin(['run', '--offline', '--tools', 'calculator', '-'], { stdin: "What's 15% of 2500?\n" });
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe('That comes to 375.\n');
    expect(exit.stderr).toMatch(/usage: \d+ input/);
  });

  it('a usage error: one line on stderr, exit 2', async () => {
    const exit = await bin(['stream', 'hi', '--timeout', 'later']);
    expect(exit.code).toBe(2);
    expect(exit.stdout).toBe('');
    expect(exit.stderr).toBe('agenticraft-rx: --timeout: "later" is not a duration (use 500ms, 30s, 2m, or a number of ms) (see --help)\n');
  });

  it.skipIf(!HAS_SCRIPT)('under a terminal: a live metrics line on stderr after the streamed text', async () => {
    const exit = await run('script', ['-qec', `${TSX} ${BIN} stream --offline hi`, '/dev/null']);
    expect(exit.code).toBe(0);
    // stdout and stderr share the terminal: the text, each metrics line drawn and erased, then the summary line.
    const screen = exit.stdout.replaceAll(/\x1b(\[[?\d;]*[a-zA-Z]|[78])/g, '');
    expect(screen).toMatch(/^Hello! .*\[\d+ chunks · \d+ tokens · [\d.]+ tok\/s · first token \d+ ms · [\d.]+ s\]/);
    expect(exit.stdout).toContain('\x1b7\x1b[?7l');
    expect(screen).toMatch(/\r?\n\[\d+ chunks · .* s\]\r?\n$/);
  });
});

describe('the agenticraft-rx bin and Ctrl-C', () => {
  const server = useWireServer();

  it('SIGINT aborts the request (the server sees the socket close) and exits 130', async () => {
    server.enqueue(sse('openai-text.sse', { stallAfter: 3 }));
    const exit = await bin(['stream', 'hi'], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${server.url}/v1` },
      onStdout: (text, child) => {
        if (text.includes('Hello,')) child.kill('SIGINT');
      },
    });
    expect(exit.code).toBe(130);
    expect(exit.stdout).toBe('Hello,\n');
    expect(exit.stderr).toContain('interrupted (Ctrl-C)');
    await abortedWithin(server.requests[0]!.aborted, 2000);
  });
});

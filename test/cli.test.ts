/**
 * The CLI's `main()` driven in-process with fake streams: every exit code, the offline model, stdin
 * prompts, --json, the TTY metrics line, and the real `openai` SDK path against a loopback server
 * (Ctrl-C and timeouts close the socket there).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { map, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { main, printStream, type CliIO } from '../src/cli/main.js';
import { chunk, finalChunk } from '../src/chunk.js';
import { offlineModel } from '../src/cli/offlineModel.js';
import { Agent } from '../src/agent/agent.js';
import { calculator } from '../src/tools/calculator.js';
import { hang, httpError, json, sse, useWireServer } from './helpers/wireServer.js';
import { abortedWithin, collect, textOf } from './helpers/streams.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface FakeOptions {
  readonly stdin?: string;
  readonly env?: Record<string, string>;
  readonly signal?: AbortSignal;
  readonly stdoutTTY?: boolean;
  readonly stderrTTY?: boolean;
  /** Called with the text so far after every stdout write. */
  readonly onStdout?: (text: string) => void;
}

/** Runs `main(argv)` with fake streams; stdin is a terminal unless `stdin` text is given. */
async function cli(argv: string[], options: FakeOptions = {}): Promise<Run> {
  const { io, output } = fakeIO(options);
  const code = await main(argv, io);
  return { code, ...output() };
}

function fakeIO(options: FakeOptions): { io: CliIO; output: () => { stdout: string; stderr: string } } {
  let stdout = '';
  let stderr = '';
  const stdin = Object.assign(Readable.from(options.stdin === undefined ? [] : [options.stdin]), { isTTY: options.stdin === undefined });
  const io: CliIO = {
    stdin,
    stdout: {
      isTTY: options.stdoutTTY ?? false,
      write: (text: string) => {
        stdout += text;
        options.onStdout?.(stdout);
      },
    },
    stderr: { isTTY: options.stderrTTY ?? false, write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    offlineDelayMs: 1,
    version: '9.9.9',
    ...(options.signal !== undefined && { signal: options.signal }),
  };
  return { io, output: () => ({ stdout, stderr }) };
}

describe('agenticraft-rx: the offline model (exit 0)', () => {
  it('streams an answer with no key, no SDK and no network', async () => {
    const run = await cli(['stream', '--offline', 'hi']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Hello! I'm the offline model built into agenticraft-rx/);
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(run.stderr).toBe('');
  });

  it('answers "What\'s 15% of 2500?" with 375 through the calculator tool', async () => {
    const run = await cli(['stream', '--offline', '--tools', 'calculator', "What's 15% of 2500?"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('That comes to 375.\n');
    expect(run.stderr).toBe('[calculator: 375]\n');
  });

  it('run prints the whole answer, then the usage on stderr', async () => {
    const run = await cli(['run', '--offline', '--tools', 'calculator', "What's 15% of 2500?"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('That comes to 375.\n');
    expect(run.stderr).toMatch(/^\[calculator: 375\]\nusage: \d+ input \+ \d+ output = \d+ tokens\n$/);
  });

  it('reads the prompt from stdin for "-", and when none is given and stdin is not a terminal', async () => {
    const dash = await cli(['stream', '--offline', '--tools', 'calculator', '-'], { stdin: "What's 15% of 2500?\n" });
    expect(dash.stdout).toBe('That comes to 375.\n');
    const none = await cli(['run', '--offline'], { stdin: 'hello there' });
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^Hello!/);
  });

  it('--json prints one chunk a line, ending with the final chunk', async () => {
    const run = await cli(['stream', '--offline', '--json', '--tools', 'calculator', "What's 15% of 2500?"]);
    expect(run.code).toBe(0);
    const chunks = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { content: string; isFinal: boolean; metadata: Record<string, unknown> });
    expect(chunks.at(-1)).toMatchObject({ isFinal: true, metadata: { finishReason: 'stop' } });
    expect(chunks.filter((c) => c.isFinal)).toHaveLength(1);
    expect(chunks.map((c) => c.content).join('')).toBe('That comes to 375.');
    expect(chunks.some((c) => c.metadata['toolResult'] !== undefined)).toBe(true);
    expect(run.stderr).toBe('');
  });

  it('run --json prints the response as one JSON object', async () => {
    const run = await cli(['run', '--offline', '--json', 'hi']);
    const response = JSON.parse(run.stdout) as { content: string; finishReason: string; usage: { totalTokens: number } };
    expect(response.content).toMatch(/^Hello!/);
    expect(response.finishReason).toBe('stop');
    expect(response.usage.totalTokens).toBeGreaterThan(0);
  });

  it('a switch leaves the next word in the prompt: stream --offline false', async () => {
    const run = await cli(['stream', '--offline', 'false']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Once upon a time/);
    const json = await cli(['stream', '--json', 'true', '--offline', 'hi']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout.split('\n')[0]!)).toHaveProperty('content');
  });

  it('--help and --version print to stdout', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('agenticraft-rx stream "<prompt>"');
    expect(help.stdout).toContain('--idle-timeout');
    expect(help.stdout).toContain('130 Ctrl-C');
    expect((await cli(['--version'])).stdout).toBe('9.9.9\n');
  });

  it('draws a live metrics line on stderr only when stderr is a terminal, never in stdout', async () => {
    const tty = await cli(['stream', '--offline', 'hi'], { stderrTTY: true, stdoutTTY: true });
    expect(tty.code).toBe(0);
    expect(tty.stdout).toMatch(/^Hello! I'm the offline model[^\x1b]*\n$/);
    expect(tty.stderr).toMatch(/\d+ chunks · \d+ tokens · [\d.]+ tok\/s · first token \d+ ms/);
    const piped = await cli(['stream', '--offline', 'hi'], { stderrTTY: true });
    expect(piped.stderr).toContain('\r\x1b[2K');
    expect(piped.stderr).toMatch(/tok\/s.*\n$/);
    expect((await cli(['stream', '--offline', 'hi'])).stderr).toBe('');
  });
});

describe('agenticraft-rx: usage errors (exit 2)', () => {
  it.each([
    [['stream', '--offline', 'hi', '--bogus'], /Unknown option --bogus/],
    [['stream', '--offline', 'hi', '--timeout', 'soon'], /--timeout: "soon" is not a duration/],
    [['stream', '--offline', 'hi', '--provider', 'gemini'], /unknown provider "gemini"/],
    [['stream', '--offline', 'hi', '--tools', 'search'], /unknown tool "search"/],
    [['stream', '--offline'], /missing prompt/],
    [['stream', '--offline', ''], /missing prompt: the prompt argument is blank/],
    [['stream', '--offline', '   '], /missing prompt: the prompt argument is blank/],
    [['run', '--offline', '--', ' '], /missing prompt: the prompt argument is blank/],
    [['stream', '--offline', '--system', '', 'hi'], /--system needs a value/],
    [['stream', '--offline', '--provider=', 'hi'], /--provider needs a value/],
    [['stream', '--offline', 'hi', '--timeout', '-5'], /--timeout: "-5" is not a duration/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('%j', async (argv, message) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a blank prompt argument is refused like an empty stdin, also when stdin has text', async () => {
    const run = await cli(['stream', '--offline', ' \n '], { stdin: 'hello' });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/missing prompt/);
  });

  it('an empty stdin is a missing prompt', async () => {
    const run = await cli(['stream', '--offline', '-'], { stdin: '  \n' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/missing prompt: stdin was empty/);
  });

  it('without a key and without --offline: names the variable to set and --offline', async () => {
    const openai = await cli(['stream', 'hi']);
    expect(openai.code).toBe(2);
    expect(openai.stderr).toMatch(/no API key for openai: set OPENAI_API_KEY, or add --offline/);
    const anthropic = await cli(['stream', '--model', 'claude-sonnet-4-5', 'hi']);
    expect(anthropic.stderr).toMatch(/set ANTHROPIC_API_KEY/);
  });
});

describe('agenticraft-rx: limits', () => {
  it('--interrupt-after stops at a length: the partial text, a note on stderr, exit 5', async () => {
    const run = await cli(['stream', '--offline', '--interrupt-after', '20', 'Tell me a story']);
    expect(run.code).toBe(5);
    expect(run.stdout).toBe('Once upon a time, a \n');
    expect(run.stderr).toMatch(/^\[interrupted after 20 characters \(--interrupt-after\)\]\n$/);
  });

  it('--timeout is a deadline for the whole answer: exit 4, the partial text kept', async () => {
    const run = await cli(['run', '--offline', '--timeout', '30ms', 'Tell me a story'], {});
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/timed out: the answer took longer than 30 ms \(--timeout\)/);
  });
});

describe('agenticraft-rx --provider openai (the real SDK against a loopback server)', () => {
  const server = useWireServer();
  const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test-SECRET-4242', OPENAI_BASE_URL: `${server.url}/v1` });

  it('streams the answer: exit 0, and the flags reach the request', async () => {
    server.enqueue(sse('openai-text.sse'));
    const run = await cli(['stream', 'Say hello', '--model', 'gpt-4o-mini', '--system', 'Be brief', '--temperature', '0.3', '--max-tokens', '50'], { env: env() });
    expect(run).toEqual({ code: 0, stdout: 'Hello, world!\n', stderr: '' });
    expect(server.requests[0]!.body).toMatchObject({
      model: 'gpt-4o-mini',
      stream: true,
      temperature: 0.3,
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'Say hello' },
      ],
    });
  });

  it('a provider error: its message on one line, never the key, exit 3', async () => {
    server.enqueue(json(401, { error: { message: 'Incorrect API key provided: sk-test-SECRET-4242.', type: 'invalid_request_error', code: 'invalid_api_key' } }));
    const run = await cli(['stream', 'hi'], { env: env() });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^agenticraft-rx: openai: .*\n$/);
    expect(run.stderr).not.toContain('SECRET-4242');
    expect(run.stdout).toBe('');
  });

  it('--retries retries a rate limit before any text', async () => {
    server.enqueue(httpError('openai-429.json', { 'retry-after': '0', 'retry-after-ms': '10' }), sse('openai-text.sse'));
    const run = await cli(['stream', 'hi', '--retries', '2'], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Hello, world!\n');
    expect(server.requests).toHaveLength(2);
    const failed = await cli(['stream', 'hi'], { env: env() });
    expect(failed.code).toBe(3);
  });

  it('--idle-timeout: exit 4, and the stalled request is aborted at the server', async () => {
    server.enqueue(hang);
    const run = await cli(['stream', 'hi', '--idle-timeout', '150ms'], { env: env() });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/timed out: no first chunk within 150 ms \(--idle-timeout\)/);
    await abortedWithin(server.requests[0]!.aborted, 2000);
  });

  it('Ctrl-C (the signal) aborts the request at the socket and exits 130, keeping what arrived', async () => {
    server.enqueue(sse('openai-text.sse', { stallAfter: 3 }));
    const controller = new AbortController();
    const run = await cli(['stream', 'hi'], {
      env: env(),
      signal: controller.signal,
      onStdout: (text) => {
        if (text.includes('Hello,')) controller.abort();
      },
    });
    expect(run.code).toBe(130);
    expect(run.stdout).toBe('Hello,\n');
    expect(run.stderr).toMatch(/interrupted \(Ctrl-C\): the request was aborted/);
    await abortedWithin(server.requests[0]!.aborted, 2000);
  });

  it('Ctrl-C while the request waits for the server also aborts it', async () => {
    server.enqueue(hang);
    const controller = new AbortController();
    const pending = cli(['run', 'hi'], { env: env(), signal: controller.signal });
    await server.waitForRequests(1);
    controller.abort();
    expect((await pending).code).toBe(130);
    await abortedWithin(server.requests[0]!.aborted, 2000);
  });
});

// Its own server: a failing test here leaves queued replies behind that would answer the next test's request.
describe('agenticraft-rx --retries after text: a stalled stream is restarted', () => {
  const server = useWireServer();
  const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${server.url}/v1` });

  it('--retries restarts a stream that stalls after text (--idle-timeout): the text stays, [restarted] on stderr, exit 0', async () => {
    server.enqueue(sse('openai-text.sse', { stallAfter: 3 }), sse('openai-text.sse'));
    const run = await cli(['stream', 'hi', '--retries', '1', '--idle-timeout', '500ms'], { env: env() });
    expect(run).toEqual({ code: 0, stdout: 'Hello,\nHello, world!\n', stderr: '[restarted]\n' });
    expect(server.requests).toHaveLength(2);
    await abortedWithin(server.requests[0]!.aborted, 2000);
  });

  it('--retries --json: the restart is a reset chunk on a line of its own, like any other chunk', async () => {
    server.enqueue(sse('openai-text.sse', { stallAfter: 3 }), sse('openai-text.sse'));
    const run = await cli(['stream', 'hi', '--json', '--retries', '1', '--idle-timeout', '500ms'], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const chunks = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { content: string; isFinal: boolean; metadata: Record<string, unknown> });
    const reset = chunks.findIndex((c) => c.metadata['reset'] === true);
    expect(reset).toBeGreaterThan(0);
    expect(chunks[reset]!.content).toBe('');
    expect(chunks.slice(0, reset).map((c) => c.content).join('')).toBe('Hello,');
    expect(chunks.slice(reset).map((c) => c.content).join('')).toBe('Hello, world!');
    expect(chunks.at(-1)).toMatchObject({ isFinal: true, metadata: { finishReason: 'stop', attempts: 2 } });
  });
});

describe('a restarted attempt (a reset chunk)', () => {
  const restarted = () =>
    of(chunk('Hel'), chunk('', { metadata: { reset: true } }), chunk('Hello'), chunk(' again'), finalChunk({ finishReason: 'stop' }));
  const options = { tools: [], json: false, offline: false };

  it('stream cannot take back what it printed: it marks the restart on stderr', async () => {
    const { io, output } = fakeIO({});
    expect(await printStream('stream', restarted(), options, io)).toBe(0);
    expect(output()).toEqual({ stdout: 'Hel\nHello again\n', stderr: '[restarted]\n' });
  });

  it('run prints only the restarted answer', async () => {
    const { io, output } = fakeIO({});
    expect(await printStream('run', restarted(), options, io)).toBe(0);
    expect(output()).toEqual({ stdout: 'Hello again\n', stderr: '' });
  });
});

describe('offlineModel()', () => {
  it('is a Provider whose tool call the Agent runs, like a real provider', async () => {
    const agent = new Agent({ provider: offlineModel({ delay: 0 }), tools: [calculator] });
    const { chunks, completed } = await collect(agent.stream("What's 15% of $2,500?"));
    expect(completed).toBe(true);
    expect(textOf(chunks)).toBe('That comes to 375.');
    const final = chunks.at(-1)!;
    expect(final.metadata).toMatchObject({ finishReason: 'stop', toolRounds: 1, toolCalls: [{ name: 'calculator', arguments: { expression: '15% of 2500' } }] });
  });

  it('paces the words with the scheduler (virtual time), and answers a tool result', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ expectObservable }) => {
      const answer = offlineModel({ delay: 10 }).stream({ messages: [{ role: 'tool', content: '375', toolCallId: 'call_1' }] });
      const values = { a: 'That ', b: 'comes ', c: 'to ', d: '375.', F: '' };
      expectObservable(answer.pipe(map((c) => c.content))).toBe('10ms a 9ms b 9ms c 9ms (dF|)', values);
    });
  });

  it('streams word by word, and answers without calling a tool it is not offered', async () => {
    const { chunks } = await collect(offlineModel({ delay: 0 }).stream({ messages: [{ role: 'user', content: "What's 15% of 2500?" }] }));
    expect(chunks.slice(0, 3).map((c) => c.content)).toEqual(['Once ', 'upon ', 'a ']);
    expect(chunks.filter((c) => c.isFinal)).toHaveLength(1);
    expect(chunks.at(-1)!.metadata.toolCalls).toBeUndefined();
  });
});

import { EMPTY, fromEvent, takeUntil, type Observable } from 'rxjs';
import type { StreamChunk, StreamMetrics } from '../chunk.js';
import { Agent } from '../agent/agent.js';
import { isAgenticraftError } from '../errors/AgenticraftError.js';
import { isProviderError } from '../errors/ProviderError.js';
import { isStreamInterruptedError } from '../errors/StreamInterruptedError.js';
import { isStreamTimeoutError } from '../errors/StreamTimeoutError.js';
import { interruptAfter } from '../operators/interruptAfter.js';
import { retryStream } from '../operators/retryStream.js';
import { streamMetrics } from '../operators/streamMetrics.js';
import { timeoutStream } from '../operators/timeoutStream.js';
import { createProvider, providerForModel, type ProviderName } from '../providers/byName.js';
import type { Provider } from '../providers/provider.js';
import { StreamingResponse } from '../response.js';
import { HELP, parseArgs, TOOLS, type CliOptions, type CommandName } from './args.js';
import { MetricsLine, type Output } from './metricsLine.js';
import { offlineModel } from './offlineModel.js';
import { isUsageError, UsageError } from './usageError.js';

/** What `main` reads and writes: the process's streams and environment, or a test's fakes. */
export interface CliIO {
  /** Read when the prompt is `-`, or when none is given and stdin is not a terminal. */
  readonly stdin: AsyncIterable<string | Uint8Array> & { readonly isTTY?: boolean };
  readonly stdout: Output;
  readonly stderr: Output;
  /** API keys and endpoints: `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`, `OLLAMA_HOST`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Ctrl-C: aborting it stops the request (the socket is closed) and `main` resolves with 130. */
  readonly signal?: AbortSignal;
  /** Printed by `--version`. @default '0.0.0' */
  readonly version?: string;
  /** The offline model's pause before each word, in ms. @default 15 */
  readonly offlineDelayMs?: number;
}

/** The exit codes, as API.md fixes them. */
export const EXIT = Object.freeze({ done: 0, failed: 1, usage: 2, provider: 3, timeout: 4, interrupted: 5, sigint: 130 });

const KEY_ENV: Readonly<Record<ProviderName, string | undefined>> = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', ollama: undefined };
const URL_ENV: Readonly<Record<ProviderName, string>> = { openai: 'OPENAI_BASE_URL', anthropic: 'ANTHROPIC_BASE_URL', ollama: 'OLLAMA_HOST' };

/**
 * The `agenticraft-rx` command: parses `argv` (the arguments after the script), runs `stream` or `run`, and
 * resolves with the exit code. It never exits the process and writes only to `io`.
 *
 * ```ts
 * const code = await main(['stream', '--offline', 'hi'], { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
 * ```
 */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const fail = (code: number, message: string): number => report(io.stderr, code, message);
  try {
    const invocation = parseArgs(argv);
    if (invocation.kind === 'help') {
      io.stdout.write(HELP);
      return EXIT.done;
    }
    if (invocation.kind === 'version') {
      io.stdout.write(`${io.version ?? '0.0.0'}\n`);
      return EXIT.done;
    }
    const { command, options } = invocation;
    const prompt = await readPrompt(invocation.prompt, io);
    if (prompt === undefined) return fail(EXIT.sigint, 'interrupted');
    const provider = chooseProvider(options, io);
    const agent = new Agent({
      provider,
      ...(options.model !== undefined && { model: options.model }),
      ...(options.system !== undefined && { instructions: options.system }),
      ...(options.temperature !== undefined && { temperature: options.temperature }),
      ...(options.maxTokens !== undefined && { maxTokens: options.maxTokens }),
      tools: options.tools.map((name) => TOOLS[name]!),
    });
    // The SDK's import and client are ready before the stream starts, so --timeout and --idle-timeout time the
    // request alone (importing an SDK can take longer than a local server's whole answer).
    try {
      await agent.preload();
    } catch (error) {
      return failure(error, options, io.stderr);
    }
    return await printStream(command, shape(agent.stream(prompt), options), options, io);
  } catch (error) {
    if (isUsageError(error)) return fail(EXIT.usage, error.message.includes('--help') ? error.message : `${error.message} (see --help)`);
    // A value the library itself refused (checked before anything is sent).
    if (error instanceof TypeError || error instanceof RangeError) return fail(EXIT.usage, error.message);
    return fail(EXIT.failed, describe(error));
  }
}

/** The prompt from the arguments or stdin; undefined when Ctrl-C came while reading stdin. */
async function readPrompt(prompt: string | undefined, io: CliIO): Promise<string | undefined> {
  if (prompt !== undefined && prompt !== '-') return given(prompt, 'the prompt argument is blank (give the text, or "-" to read it from stdin)');
  if (prompt === undefined && io.stdin.isTTY === true) {
    throw new UsageError('missing prompt: give it as an argument, or "-" to read it from stdin');
  }
  const text = await readAll(io.stdin, io.signal);
  if (text === undefined) return undefined;
  return given(text, 'stdin was empty').trim();
}

/** One rule for a prompt from the arguments and from stdin: nothing but whitespace is no prompt. */
function given(prompt: string, why: string): string {
  if (prompt.trim() === '') throw new UsageError(`missing prompt: ${why}`);
  return prompt;
}

async function readAll(stdin: CliIO['stdin'], signal: AbortSignal | undefined): Promise<string | undefined> {
  const read = (async () => {
    const decoder = new TextDecoder();
    let text = '';
    for await (const piece of stdin) text += typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true });
    return text + decoder.decode();
  })();
  if (signal === undefined) return read;
  if (signal.aborted) return undefined;
  let onAbort = (): void => undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([read, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** `--offline`, or the provider by name (or picked from `--model`) with its key and endpoint from `env`. */
function chooseProvider(options: CliOptions, io: CliIO): Provider {
  if (options.offline) return offlineModel(io.offlineDelayMs === undefined ? {} : { delay: io.offlineDelayMs });
  const name = options.provider ?? (options.model !== undefined ? providerForModel(options.model) : 'openai');
  const keyVar = KEY_ENV[name];
  const apiKey = keyVar === undefined ? undefined : envValue(io.env, keyVar);
  if (keyVar !== undefined && apiKey === undefined) {
    throw new UsageError(`no API key for ${name}: set ${keyVar}, or add --offline to use the embedded offline model`);
  }
  return createProvider(name, { model: options.model, apiKey, baseURL: envValue(io.env, URL_ENV[name]) });
}

function envValue(env: CliIO['env'], name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * The flags as operators: idle deadline per attempt, retries, the total deadline over all attempts, the length
 * limit. A retry after text restarts the answer (`afterContent: 'restart'`, which also retries a stall after
 * content); `printStream` marks the restart, since printed text cannot be taken back.
 */
function shape(source: Observable<StreamChunk>, options: CliOptions): Observable<StreamChunk> {
  let out = source;
  if (options.idleTimeout !== undefined) out = out.pipe(timeoutStream({ idle: options.idleTimeout }));
  if (options.retries !== undefined && options.retries > 0) out = out.pipe(retryStream({ count: options.retries, afterContent: 'restart' }));
  if (options.timeout !== undefined) out = out.pipe(timeoutStream({ total: options.timeout }));
  if (options.interruptAfter !== undefined) out = out.pipe(interruptAfter(options.interruptAfter));
  return out;
}

type Ending = { readonly kind: 'complete' } | { readonly kind: 'error'; readonly error: unknown } | { readonly kind: 'sigint' };

/**
 * Subscribes, prints as the command wants (`stream`: text as it comes; `run`: the answer at the end; `--json`:
 * JSON), and turns how the stream ended into the exit code. A reset chunk (a restarted attempt) is marked
 * `[restarted]` on stderr: what `stream` printed cannot be taken back.
 */
export async function printStream(command: CommandName, source: Observable<StreamChunk>, options: CliOptions, io: CliIO): Promise<number> {
  const { stdout, stderr, signal } = io;
  const metrics = stderr.isTTY === true && !options.json ? new MetricsLine(stderr, command === 'stream' && stdout.isTTY === true) : undefined;
  const note = (text: string): void => {
    metrics?.clear();
    stderr.write(`${text}\n`);
  };
  let response = new StreamingResponse({ keepChunks: false });
  let printed = '';

  const onChunk = (c: StreamChunk): void => {
    if (c.metadata.reset === true) {
      // A restarted attempt: what was printed cannot be taken back, so say so.
      response = new StreamingResponse({ keepChunks: false });
      if (command === 'stream' && !options.json) {
        if (printed !== '' && !printed.endsWith('\n')) stdout.write('\n');
        printed = '';
        note('[restarted]');
      }
    }
    response.addChunk(c);
    if (options.json) {
      if (command === 'stream') stdout.write(`${JSON.stringify(c)}\n`);
      return;
    }
    const result = c.metadata.toolResult;
    if (result !== undefined) note(`[${result.name}: ${'error' in result ? `error: ${result.error}` : JSON.stringify(result.result)}]`);
    if (command === 'stream' && c.content !== '') {
      metrics?.clear();
      stdout.write(c.content);
      metrics?.wrote(c.content);
      printed += c.content;
    }
    const m = c.metadata['metrics'] as StreamMetrics | undefined;
    if (m !== undefined) metrics?.update(m, c.isFinal);
  };

  const stop$ = signal === undefined ? EMPTY : fromEvent(signal, 'abort');
  const ending = signal?.aborted
    ? ({ kind: 'sigint' } as const)
    : await new Promise<Ending>((resolve) => {
        (metrics === undefined ? source : source.pipe(streamMetrics()))
          .pipe(takeUntil(stop$))
          .subscribe({
            next: onChunk,
            error: (error: unknown) => resolve({ kind: 'error', error }),
            complete: () => resolve(signal?.aborted ? { kind: 'sigint' } : { kind: 'complete' }),
          });
      });

  // What arrived is printed: by `stream` as it came, by `run` now (also when the stream failed or was stopped).
  const text = command === 'run' ? response.completeText : printed;
  metrics?.clear();
  if (command === 'run' && options.json) {
    if (ending.kind === 'complete') stdout.write(`${JSON.stringify(summary(response))}\n`);
  } else {
    if (command === 'run') stdout.write(text);
    if (text !== '' && !text.endsWith('\n')) stdout.write('\n');
  }
  metrics?.finish();

  if (ending.kind === 'sigint') return report(stderr, EXIT.sigint, 'interrupted (Ctrl-C): the request was aborted');
  if (ending.kind === 'error') return failure(ending.error, options, stderr);
  if (response.finishReason === 'interrupted') {
    note(`[interrupted after ${response.completeText.length} characters (--interrupt-after)]`);
    return EXIT.interrupted;
  }
  if (response.finishReason === 'length') note('[stopped: the token limit was reached]');
  if (command === 'run' && response.usage !== undefined && !options.json) {
    const { inputTokens, outputTokens, totalTokens } = response.usage;
    note(`usage: ${inputTokens} input + ${outputTokens} output = ${totalTokens} tokens`);
  }
  return EXIT.done;
}

function summary(response: StreamingResponse): Record<string, unknown> {
  return {
    content: response.completeText,
    finishReason: response.finishReason,
    usage: response.usage,
    toolCalls: response.toolCalls,
    metadata: response.metadata,
  };
}

/** Prints one line on stderr and returns the exit code. */
function report(stderr: Output, code: number, message: string): number {
  stderr.write(`agenticraft-rx: ${message}\n`);
  return code;
}

/** The exit code and the one line that says what went wrong. */
function failure(error: unknown, options: CliOptions, stderr: Output): number {
  if (isStreamTimeoutError(error)) {
    const flag = error.phase === 'total' ? '--timeout' : '--idle-timeout';
    const what = error.phase === 'total' ? 'the answer took longer than' : error.phase === 'first' ? 'no first chunk within' : 'no chunk for';
    return report(stderr, EXIT.timeout, `timed out: ${what} ${error.timeoutMs} ms (${flag})`);
  }
  if (isProviderError(error)) {
    // No HTTP answer at all: say where the address comes from, and that --offline needs none.
    const addressVar = URL_ENV[error.provider as ProviderName] as string | undefined;
    const unreachable = error.status === undefined && error.retryable && !options.offline && addressVar !== undefined;
    const hint = unreachable ? ` (is ${addressVar} right? or try --offline)` : '';
    return report(stderr, EXIT.provider, `${error.message}${hint}`);
  }
  if (isStreamInterruptedError(error)) {
    // A foreign error wrapped on its way: report what failed.
    if (error.reason === 'error' && error.cause !== undefined) return failure(error.cause, options, stderr);
    return report(stderr, EXIT.interrupted, `interrupted: ${error.message}`);
  }
  return report(stderr, EXIT.failed, describe(error));
}

function describe(error: unknown): string {
  if (isAgenticraftError(error) || error instanceof Error) return error.message;
  return String(error);
}

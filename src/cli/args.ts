import { cac } from 'cac';
import { PROVIDER_NAMES, type ProviderName } from '../providers/byName.js';
import { calculator } from '../tools/calculator.js';
import type { Tool } from '../tools/tool.js';
import { parseDuration } from './durations.js';
import { UsageError } from './usageError.js';

/** The tools `--tools` can name. */
export const TOOLS: Readonly<Record<string, Tool>> = Object.freeze({ calculator });
const TOOL_NAMES = Object.keys(TOOLS);

/** The subcommands: `stream` prints text as it arrives, `run` the whole answer at the end. */
export type CommandName = 'stream' | 'run';

/** The flags of `stream` and `run`, checked and converted (durations in ms). */
export interface CliOptions {
  readonly provider?: ProviderName;
  readonly model?: string;
  readonly system?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
  /** ms for the whole answer (`--timeout`). */
  readonly timeout?: number;
  /** ms allowed between two chunks, and before the first (`--idle-timeout`). */
  readonly idleTimeout?: number;
  readonly retries?: number;
  /** Stop after this many characters (`--interrupt-after`). */
  readonly interruptAfter?: number;
  readonly tools: readonly string[];
  readonly json: boolean;
  readonly offline: boolean;
}

/** What a command line asks for. */
export type Invocation =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'command';
      readonly command: CommandName;
      /** The prompt's words joined by spaces; `'-'` means read stdin; undefined when none was given. */
      readonly prompt: string | undefined;
      readonly options: CliOptions;
    };

export const HELP = `agenticraft-rx — stream an LLM answer from the command line

Usage:
  agenticraft-rx stream "<prompt>" [options]   print the answer as it streams
  agenticraft-rx run "<prompt>" [options]      print the whole answer, then the token usage on stderr

  A prompt of "-" (or none, when stdin is not a terminal) is read from stdin.

Options:
  --provider <name>         openai | anthropic | ollama (default: picked from --model, else openai)
  --model <name>            the model (default: the provider's default)
  --system <text>           a system prompt
  --temperature <n>         sampling temperature, e.g. 0.2
  --max-tokens <n>          the most output tokens
  --timeout <duration>      deadline for the whole answer: 500ms, 30s, 2m (a bare number is ms)
  --idle-timeout <duration> deadline between two chunks (and for the first one)
  --retries <n>             retries for rate limits, overload, network failures and stalls (--idle-timeout);
                            after text the answer restarts, marked [restarted] on stderr
  --interrupt-after <n>     stop after n characters (exit code 5)
  --tools <names>           tools the model may call, comma-separated: calculator
  --json                    one chunk a line, as JSON (stream); the whole response as JSON (run)
  --offline                 use the embedded offline model: no key, no network
  -h, --help                show this help
  -v, --version             show the version

Environment:
  OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, OLLAMA_HOST

Exit codes:
  0 done, 2 usage error, 3 provider error, 4 timeout, 5 interrupted, 130 Ctrl-C (the request aborted)

Examples:
  agenticraft-rx stream --offline "hi"
  agenticraft-rx stream --offline --tools calculator "What's 15% of 2500?"
  echo "Summarise this" | agenticraft-rx run --provider anthropic -
  agenticraft-rx stream --json --idle-timeout 10s "Tell me a story" | jq -r .content
`;

// mri (inside cac) drops a bare `-` and turns numeric-looking text into numbers; this stands in for `-`
// while parsing, and `originalText` recovers the exact text of a value that was read as a number.
const STDIN_MARK = '\u0000-';
// A value such as `-5` or `-.5`, which mri would read as a short flag.
const NEGATIVE_NUMBER = /^-\.?\d/;

/**
 * Parses the command line (without `node` and the script) with cac and checks every value.
 * @throws {UsageError} naming the flag or argument at fault.
 */
export function parseArgs(argv: readonly string[]): Invocation {
  const cli = cac('agenticraft-rx');
  cli
    .option('--provider <name>', 'provider')
    .option('--model <name>', 'model')
    .option('--system <text>', 'system prompt')
    .option('--temperature <n>', 'temperature')
    .option('--max-tokens <n>', 'max tokens')
    .option('--timeout <duration>', 'total deadline')
    .option('--idle-timeout <duration>', 'idle deadline')
    .option('--retries <n>', 'retries')
    .option('--interrupt-after <n>', 'characters')
    .option('--tools <names>', 'tools')
    .option('--json', 'JSON lines')
    .option('--offline', 'offline model')
    .option('-h, --help', 'help')
    .option('-v, --version', 'version');
  cli.command('stream [...prompt]', 'print the answer as it streams');
  cli.command('run [...prompt]', 'print the whole answer');
  const args = asTyped(
    argv.map((a) => (a === '-' ? STDIN_MARK : a)),
    cli.globalCommand.options,
  );

  const parsed = cli.parse(['node', 'agenticraft-rx', ...args], { run: false });
  const options = parsed.options;
  if (options['help'] === true) return { kind: 'help' };
  if (options['version'] === true) return { kind: 'version' };
  const command = cli.matchedCommand;
  if (command === undefined) {
    const first = parsed.args[0];
    if (first === undefined) throw new UsageError('missing command: use "stream" or "run" (see --help)');
    throw new UsageError(`unknown command ${JSON.stringify(originalText(args, first))}: use "stream" or "run" (see --help)`);
  }
  try {
    command.checkUnknownOptions();
    command.checkOptionValue();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replaceAll('`', '') : String(error));
  }
  // Words after `--` are the prompt's too (a prompt that starts with "-").
  const afterDashes = (options['--'] as unknown[] | undefined) ?? [];
  const words = [...parsed.args, ...afterDashes].map((word) => fromMark(originalText(args, word)));
  return {
    kind: 'command',
    command: command.name as CommandName,
    prompt: words.length === 0 ? undefined : words.join(' '),
    options: checkOptions(args, options),
  };
}

/**
 * The command line rewritten so that mri reads it as it was typed: a switch becomes `--json=true`, since mri
 * would take a next word `true`, `false` or `""` as the switch's value (and lose it from the prompt); a value
 * that looks like a negative number stays with its flag (`--timeout=-5`), where mri would read a short flag
 * `-5`. A blank value (`--system ""`, `--system=`) is refused here, while it is still visible: mri reads `""`
 * as the number 0, and `--system=` as "take the next word".
 */
function asTyped(argv: readonly string[], options: ReadonlyArray<{ readonly rawName: string; readonly isBoolean?: boolean; readonly required?: boolean }>): string[] {
  const spellings = (option: { readonly rawName: string }): string[] => option.rawName.match(/--?[a-z][\w-]*/gi) ?? [];
  const switches = new Set(options.filter((o) => o.isBoolean === true).flatMap(spellings));
  const valued = new Set(options.filter((o) => o.required === true).flatMap(spellings));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const equals = arg.startsWith('-') ? arg.indexOf('=') : -1;
    const name = equals > 0 ? arg.slice(0, equals) : arg;
    const attached = equals > 0 ? arg.slice(equals + 1) : undefined;
    if (switches.has(name)) {
      if (attached !== undefined && attached !== 'true' && attached !== 'false') {
        throw new UsageError(`${name} is a switch and takes no value: use ${name}, ${name}=false or --no-${name.replace(/^-+/, '')}`);
      }
      out.push(attached === undefined ? `${arg}=true` : arg);
      continue;
    }
    if (!valued.has(name)) {
      out.push(arg);
      continue;
    }
    const next = attached === undefined ? argv[i + 1] : undefined;
    if ((attached ?? next)?.trim() === '') throw new UsageError(`${name} needs a value`);
    if (next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${name}=${next}`);
      i++;
    } else if (next !== undefined && !next.startsWith('-')) {
      // The flag's value: never read as a switch.
      out.push(arg, next);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function checkOptions(args: readonly string[], raw: Readonly<Record<string, unknown>>): CliOptions {
  // Blank values were refused while the command line was still as typed (asTyped).
  const text = (key: string): string | undefined => {
    const value = last(raw[key]);
    if (value === undefined) return undefined;
    return fromMark(originalText(args, value));
  };
  const number = (flag: string, key: string, check: (n: number) => boolean, what: string): number | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || !check(n)) throw new UsageError(`${flag}: ${JSON.stringify(value)} is not ${what}`);
    return n;
  };
  const duration = (flag: string, key: string): number | undefined => {
    const value = text(key);
    return value === undefined ? undefined : parseDuration(flag, value);
  };

  const provider = text('provider');
  if (provider !== undefined && !(PROVIDER_NAMES as readonly string[]).includes(provider)) {
    throw new UsageError(`--provider: unknown provider ${JSON.stringify(provider)}; use one of ${PROVIDER_NAMES.join(', ')}`);
  }
  const tools = [raw['tools']]
    .flat()
    .filter((t) => t !== undefined)
    .flatMap((t) => fromMark(originalText(args, t)).split(','))
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const tool of tools) {
    if (!TOOL_NAMES.includes(tool)) {
      throw new UsageError(`--tools: unknown tool ${JSON.stringify(tool)}; available: ${TOOL_NAMES.join(', ')}`);
    }
  }
  const out: { -readonly [K in keyof CliOptions]: CliOptions[K] } = {
    tools: [...new Set(tools)],
    json: flag(raw['json']),
    offline: flag(raw['offline']),
  };
  const set = <K extends keyof CliOptions>(key: K, value: CliOptions[K] | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  set('provider', provider as ProviderName | undefined);
  set('model', text('model'));
  set('system', text('system'));
  set('temperature', number('--temperature', 'temperature', (n) => n >= 0, 'a temperature (a number, 0 or more)'));
  set('maxTokens', number('--max-tokens', 'maxTokens', isPositiveInteger, 'a positive whole number'));
  set('timeout', duration('--timeout', 'timeout'));
  set('idleTimeout', duration('--idle-timeout', 'idleTimeout'));
  set('retries', number('--retries', 'retries', (n) => Number.isInteger(n) && n >= 0, 'a whole number, 0 or more'));
  set('interruptAfter', number('--interrupt-after', 'interruptAfter', isPositiveInteger, 'a positive number of characters'));
  return out;
}

function isPositiveInteger(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}

/** A switch: `--json`, `--json=false`, `--no-json`. */
function flag(value: unknown): boolean {
  return last(value) === true;
}

/** A flag given twice: the last one counts. */
function last(value: unknown): unknown {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** The text the user typed for a value the parser read as a number (`--model 4.0`, `--system 007`). */
function originalText(args: readonly string[], value: unknown): string {
  if (typeof value !== 'number') return String(value);
  for (const arg of args) {
    const candidate = arg.startsWith('--') && arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : arg;
    if (candidate.trim() !== '' && Number(candidate) === value) return candidate;
  }
  return String(value);
}

function fromMark(text: string): string {
  return text === STDIN_MARK ? '-' : text;
}

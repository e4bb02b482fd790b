import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args.js';
import { parseDuration } from '../src/cli/durations.js';
import { isUsageError } from '../src/cli/usageError.js';

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (error) {
    expect(isUsageError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`parseArgs(${JSON.stringify(argv)}) did not fail`);
}

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['750', 750],
    [' 20S ', 20_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration('--timeout', text)).toBe(ms);
  });

  it('takes a number the argument parser already read (a bare number is ms)', () => {
    expect(parseDuration('--timeout', 250)).toBe(250);
  });

  it.each(['soon', '10x', '-5s', '', 's', '1e3', '0', '0ms', '0.1ms'])('refuses %j, naming the flag', (text) => {
    let caught: unknown;
    try {
      parseDuration('--idle-timeout', text);
    } catch (error) {
      caught = error;
    }
    expect(isUsageError(caught)).toBe(true);
    expect((caught as Error).message).toMatch(/^--idle-timeout: /);
  });
});

describe('parseArgs', () => {
  it('reads a command, the prompt and every flag', () => {
    const invocation = parseArgs([
      'stream',
      'Tell me a story',
      '--provider',
      'anthropic',
      '--model',
      'claude-sonnet-4-5',
      '--system',
      'Be brief',
      '--temperature',
      '0.2',
      '--max-tokens',
      '256',
      '--timeout',
      '2m',
      '--idle-timeout',
      '10s',
      '--retries',
      '2',
      '--interrupt-after',
      '100',
      '--tools',
      'calculator',
      '--json',
      '--offline',
    ]);
    expect(invocation).toEqual({
      kind: 'command',
      command: 'stream',
      prompt: 'Tell me a story',
      options: {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        system: 'Be brief',
        temperature: 0.2,
        maxTokens: 256,
        timeout: 120_000,
        idleTimeout: 10_000,
        retries: 2,
        interruptAfter: 100,
        tools: ['calculator'],
        json: true,
        offline: true,
      },
    });
  });

  it('joins the words of an unquoted prompt, and keeps text the parser would read as a number', () => {
    const invocation = parseArgs(['run', 'what', 'is', '007', '--model=4.10', '--system', '0123']);
    expect(invocation).toMatchObject({ kind: 'command', command: 'run', prompt: 'what is 007', options: { model: '4.10', system: '0123' } });
  });

  it('takes a prompt that starts with "-" after --', () => {
    expect(parseArgs(['stream', '--offline', '--', '-5 °C in Fahrenheit?'])).toMatchObject({ prompt: '-5 °C in Fahrenheit?', options: { offline: true } });
  });

  it('reads "-" as "the prompt is on stdin", and no prompt as undefined', () => {
    expect(parseArgs(['stream', '-', '--offline'])).toMatchObject({ prompt: '-' });
    expect(parseArgs(['run', '--offline'])).toMatchObject({ prompt: undefined });
  });

  it('knows --help and --version, also after a command', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['stream', '-h'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--version'])).toEqual({ kind: 'version' });
    expect(parseArgs(['-v'])).toEqual({ kind: 'version' });
    expect(parseArgs(['run', '--version'])).toEqual({ kind: 'version' });
  });

  it.each([
    [['stream', 'hi', '--bogus'], /Unknown option --bogus/],
    [['stream', 'hi', '--model'], /--model <name> value is missing/],
    [['stream', 'hi', '--timeout', 'soon'], /^--timeout: "soon" is not a duration/],
    [['stream', 'hi', '--idle-timeout', '-1'], /^--idle-timeout: "-1" is not a duration/],
    [['stream', 'hi', '--timeout', '-5'], /^--timeout: "-5" is not a duration/],
    [['stream', 'hi', '--retries', '-1'], /^--retries: "-1" is not a whole number, 0 or more/],
    [['stream', 'hi', '--temperature', '-1'], /^--temperature: "-1" is not a temperature/],
    [['stream', 'hi', '--temperature', '-.5'], /^--temperature: "-.5" is not a temperature/],
    [['stream', 'hi', '--json=yes'], /^--json is a switch and takes no value/],
    [['stream', 'hi', '--offline='], /^--offline is a switch and takes no value/],
    [['stream', 'hi', '--temperature', 'hot'], /^--temperature: "hot" is not/],
    [['stream', 'hi', '--max-tokens', '1.5'], /^--max-tokens: "1.5" is not a positive whole number/],
    [['stream', 'hi', '--retries', 'x'], /^--retries: /],
    [['stream', 'hi', '--interrupt-after', '0'], /^--interrupt-after: /],
    [['stream', 'hi', '--provider', 'gemini'], /^--provider: unknown provider "gemini"; use one of openai, anthropic, ollama/],
    [['stream', 'hi', '--tools', 'calculator,search'], /^--tools: unknown tool "search"; available: calculator/],
    [['chat', 'hi'], /^unknown command "chat"/],
    [[], /^missing command/],
  ])('%j is a usage error', (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });

  // mri reads `--system ""` as the number 0, and `--system=` as "take the next word".
  describe.each(['--provider', '--model', '--system', '--temperature', '--max-tokens', '--timeout', '--idle-timeout', '--retries', '--interrupt-after', '--tools'])(
    'a blank %s',
    (flag) => {
      it.each([
        [[flag, '', 'hi']],
        [[flag, '   ', 'hi']],
        [[`${flag}=`, 'hi']],
        [[`${flag}= `, 'hi']],
      ])('%j: "needs a value"', (flagArgs) => {
        expect(usageError(['stream', ...flagArgs])).toBe(`${flag} needs a value`);
      });
    },
  );

  it('a switch never takes the next word as its value: true, false and "" stay in the prompt', () => {
    expect(parseArgs(['stream', '--offline', 'false'])).toMatchObject({ prompt: 'false', options: { offline: true } });
    expect(parseArgs(['stream', '--json', 'true', 'story'])).toMatchObject({ prompt: 'true story', options: { json: true } });
    expect(parseArgs(['stream', 'hi', '--offline', ''])).toMatchObject({ prompt: 'hi ', options: { offline: true } });
    expect(parseArgs(['run', '--offline', '--json', 'false', 'x'])).toMatchObject({ prompt: 'false x', options: { offline: true, json: true } });
  });

  it('a switch is turned off by --no-<switch> or =false, and on by =true', () => {
    expect(parseArgs(['stream', '--json', '--no-json', 'x'])).toMatchObject({ prompt: 'x', options: { json: false } });
    expect(parseArgs(['stream', '--json=false', 'x'])).toMatchObject({ prompt: 'x', options: { json: false } });
    expect(parseArgs(['stream', '--json=true', 'x'])).toMatchObject({ prompt: 'x', options: { json: true } });
  });

  it('a flag\'s value may be a switch\'s word or a negative number', () => {
    expect(parseArgs(['stream', '--model', 'true', 'hi'])).toMatchObject({ prompt: 'hi', options: { model: 'true', json: false, offline: false } });
    expect(parseArgs(['stream', '--system', '-5', 'hi'])).toMatchObject({ prompt: 'hi', options: { system: '-5' } });
  });
});

/**
 * `npx tsx examples/cli.ts` — the guide's "CLI Application", as the `agenticraft-rx` bin does it, and how a script
 * drives that bin. Each part runs the bin as a child process (`tsx src/cli/index.ts`, what `npx agenticraft-rx` runs
 * once the package is installed) with `--offline`: the embedded offline model, no key, no network.
 *
 * 1. `stream`: the answer on stdout as it arrives, exit code 0.
 * 2. `--json` for scripts: one chunk a line (NDJSON), parsed here line by line — tool-call deltas, the tool's
 *    result, the text, and one final chunk with the finish reason and usage.
 * 3. The prompt from stdin (`-`) and `--interrupt-after`: the exit code says the answer was cut (5).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StreamChunk } from '../src/index.js';
import { dim, heading, out, runExample } from './terminal.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `agenticraft-rx <args>` (from source) to its end, `stdin` written to it. */
function agenticraft(args: readonly string[], stdin = ''): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ['src/cli/index.ts', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** The command line as a user would type it (quoted where a shell needs it). */
const quote = (arg: string): string => (/^[\w.=-]+$/.test(arg) ? arg : arg.includes("'") ? `"${arg}"` : `'${arg}'`);
const shell = (args: readonly string[]): string => `$ agenticraft-rx ${args.map(quote).join(' ')}`;

async function main(): Promise<void> {
  const story = ['stream', '--offline', 'Tell me a story'];
  const json = ['stream', '--offline', '--json', '--tools', 'calculator', "What's 15% of 2500?"];
  const cut = ['stream', '--offline', '--interrupt-after', '40', '-'];
  // Three processes at once; their outputs are shown one after another.
  const [streamed, scripted, interrupted] = await Promise.all([agenticraft(story), agenticraft(json), agenticraft(cut, 'Tell me a story\n')]);

  heading('1. stream: text to stdout');
  out(`${dim(shell(story))}\n${streamed.stdout}`);
  out(dim(`[exit code ${streamed.code}]\n`));

  heading('2. --json: one chunk a line, for scripts');
  out(`${dim(shell(json))}\n`);
  const chunks = scripted.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as StreamChunk);
  const deltas = chunks.filter((c) => c.metadata.toolCallDelta !== undefined).length;
  const result = chunks.find((c) => c.metadata.toolResult !== undefined)?.metadata.toolResult;
  const final = chunks.filter((c) => c.isFinal);
  out(`${chunks.length} lines: ${deltas} tool-call deltas, tool result ${JSON.stringify(result)}, text ${JSON.stringify(chunks.map((c) => c.content).join(''))}\n`);
  out(`final chunks: ${final.length}; finishReason: ${final[0]?.metadata.finishReason}; usage: ${JSON.stringify(final[0]?.metadata.usage)}\n`);
  out(dim(`[exit code ${scripted.code}]\n`));

  heading('3. The prompt from stdin, cut by --interrupt-after');
  out(`${dim(`$ echo 'Tell me a story' | ${shell(cut).slice(2)}`)}\n${interrupted.stdout}`);
  out(dim(`[exit code ${interrupted.code}: interrupted]\n`));
}

runExample(main);

/** Running an example as a child process, offline: the embedded offline model, no keys, fast pacing. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The repository root, and the tsx that runs the examples. */
export const root = fileURLToPath(new URL('../..', import.meta.url));
export const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

/** The example's stdout (a minute at most). */
export async function example(file: string, ...args: string[]): Promise<string> {
  const env = { ...process.env, DEMO_OFFLINE: '1', DEMO_CHUNK_DELAY_MS: '1', OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', OLLAMA_HOST: '', NO_COLOR: '1' };
  const { stdout } = await run(tsx, [file, ...args], { cwd: root, env, timeout: 60_000 });
  return stdout;
}

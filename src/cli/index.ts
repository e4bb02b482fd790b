/**
 * The `agenticraft-rx` bin: runs {@link main} on this process's arguments, streams and environment.
 * Ctrl-C aborts the request in flight (a second Ctrl-C kills the process at once).
 */
import { main } from './main.js';
import { packageVersion } from './version.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
// The reader went away (`agenticraft-rx stream … | head -1`): nothing more can be shown, so stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

const code = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
  version: packageVersion(import.meta.url),
});
process.exitCode = code;

/**
 * Real services for the tests: a throwaway `redis-server` on a free loopback port (no persistence), and the
 * system's Chromium. When one is missing, its tests skip loudly (the reason and the install command are
 * printed); with REQUIRE_SERVICES=1 (CI, .ci/run) a missing service fails them instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

export const REQUIRE_SERVICES = process.env['REQUIRE_SERVICES'] === '1';
const INSTALL = 'apt-get install -y redis-server chromium';

/** The path of an executable on PATH (or one of `candidates`), or undefined. */
export function findExecutable(name: string, candidates: readonly string[] = []): string | undefined {
  for (const c of candidates) if (existsSync(c)) return c;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const path = join(dir, name);
    if (dir !== '' && existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Whether a service's tests can run. Missing: prints why and how to install it, and returns false — or,
 * with REQUIRE_SERVICES=1, throws, so the suite fails rather than skipping silently.
 */
export function serviceAvailable(service: string, path: string | undefined): path is string {
  if (path !== undefined) return true;
  const message = `${service} is not installed: its tests are SKIPPED. Install it with: ${INSTALL}`;
  if (REQUIRE_SERVICES) throw new Error(`REQUIRE_SERVICES=1 but ${message}`);
  console.warn(`\n*** ${message} ***\n`);
  return false;
}

export const REDIS_SERVER = findExecutable('redis-server', ['/usr/bin/redis-server']);
export const CHROMIUM = findExecutable('chromium', ['/usr/bin/chromium', '/usr/bin/chromium-browser']);

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts `redis-server --port <free port> --save '' --appendonly no` on loopback; resolves once it accepts connections. */
/** Starts redis-server on a free loopback port (or on `port`, to restart one: a failover's way back). */
export async function startRedis(executable: string, port?: number): Promise<RedisServer> {
  port ??= await freePort();
  const child: ChildProcess = spawn(executable, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${output}`)), 10_000);
    const onData = (data: Buffer): void => {
      output += data.toString();
      if (/Ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

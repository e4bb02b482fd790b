/**
 * The request/reply channel between bench/scale.ts and its child processes (the API server, the clients,
 * the SSE relay): the parent forks a file with this process's loader flags (so it runs under tsx as the
 * bench does) and asks it things; the child answers each request by its id.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ChildHandle {
  /** Sends `message` and resolves with the child's reply (or rejects with the error it reported, or its exit). */
  ask<R = Record<string, unknown>>(message: Record<string, unknown>): Promise<R>;
  close(): Promise<void>;
  readonly pid: number;
}

interface Reply {
  readonly replyTo: number;
  readonly result?: unknown;
  readonly error?: string;
}

/** Forks `file` with `args`; `gc` adds --expose-gc. Resolves once the child said it is ready. */
export async function forkChild(file: string, args: readonly string[], options: { gc?: boolean; extra?: readonly string[] } = {}): Promise<ChildHandle> {
  const child: ChildProcess = fork(file, [...args], {
    execArgv: [...process.execArgv, ...(options.gc ? ['--expose-gc'] : []), ...(options.extra ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let ready!: () => void;
  let failed!: (e: Error) => void;
  const isReady = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  child.on('message', (message: Reply | { ready: true }) => {
    if ('ready' in message) return ready();
    const waiter = pending.get(message.replyTo);
    if (waiter === undefined) return;
    pending.delete(message.replyTo);
    if (message.error !== undefined) waiter.reject(new Error(message.error));
    else waiter.resolve(message.result);
  });
  child.on('exit', (code, signal) => {
    const error = new Error(`bench child ${file.split('/').pop()} exited (code ${String(code)}, signal ${String(signal)})`);
    failed(error);
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  });
  await isReady;
  return {
    pid: child.pid ?? -1,
    ask: <R>(message: Record<string, unknown>) =>
      new Promise<R>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ ...message, requestId: id });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // Disconnecting lets the child exit on its own (so --cpu-prof can write its profile); kill if it lingers.
        if (child.connected) child.disconnect();
        const timer = setTimeout(() => child.kill(), 5_000);
        child.once('exit', () => clearTimeout(timer));
      }),
  };
}

/** The child side: answers every request with `handler`'s result (or its error), then says it is ready. */
export function serveRequests(handler: (message: Record<string, unknown>) => Promise<unknown>): void {
  process.on('message', (message: Record<string, unknown>) => {
    const replyTo = message['requestId'] as number;
    handler(message).then(
      (result) => process.send?.({ replyTo, result }),
      (error: unknown) => process.send?.({ replyTo, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}

/** Forced GCs (the child must run with --expose-gc), then heapUsed. */
export async function heapAfterGc(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('bench: this child needs --expose-gc');
  await new Promise((resolve) => setTimeout(resolve, 20));
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** This process's open-files limit (Linux /proc/self/limits), or `fallback`. */
export function openFilesLimit(fallback = 1024): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isFinite(soft) ? soft : fallback;
  } catch {
    return fallback;
  }
}

/** CPU time (user + system) of this process in ms. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

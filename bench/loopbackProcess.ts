/**
 * The loopback server (bench/loopback.ts) in a child process, for measurements that count the client's CPU
 * time only (`process.cpuUsage()` is per process): `startLoopbackProcess()` forks this file, which listens
 * and serves the transcripts the parent asks for. The child builds each transcript itself from the same
 * deterministic deltas (bench/common.ts), so only a few numbers cross the IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeDeltas } from './common.js';
import { startLoopback, type ServeMode } from './loopback.js';
import { transcript, type Transcript, type WireProvider } from './wireGen.js';

/** What the parent asks for: serve `deltas` generated deltas for `provider`, paced as given. */
export interface ChildMode {
  readonly provider: WireProvider;
  readonly deltas: number;
  readonly pace: 'turn';
  readonly eventsPerWrite: number;
}

type FromChild = { readonly url: string } | { readonly ready: string; readonly text: string; readonly events: number };

export interface LoopbackProcess {
  readonly url: string;
  /** Sets the mode and resolves with the transcript's text and event count once the child serves it. */
  setMode(mode: ChildMode): Promise<{ text: string; events: number }>;
  close(): Promise<void>;
}

/** Forks the server (with this process's loader flags, so it runs under tsx as the bench does). */
export async function startLoopbackProcess(): Promise<LoopbackProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (): Promise<FromChild> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`loopback child exited early (code ${String(code)})`));
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message as FromChild);
      });
    });
  const hello = await next();
  if (!('url' in hello)) throw new Error('loopback child: expected its url first');
  return {
    url: hello.url,
    setMode: async (mode) => {
      const reply = next();
      child.send(mode);
      const answer = await reply;
      if (!('ready' in answer) || answer.ready !== mode.provider) throw new Error(`loopback child: unexpected reply to ${mode.provider}`);
      return { text: answer.text, events: answer.events };
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

async function serve(): Promise<void> {
  const server = await startLoopback();
  const cache = new Map<string, Transcript>();
  process.on('message', (message: ChildMode) => {
    const key = `${message.provider}:${message.deltas}`;
    let wire = cache.get(key);
    if (wire === undefined) {
      wire = transcript(message.provider, makeDeltas(message.deltas));
      cache.set(key, wire);
    }
    const mode: ServeMode = { transcript: wire, pace: message.pace, eventsPerWrite: message.eventsPerWrite };
    server.setMode(message.provider, mode);
    process.send?.({ ready: message.provider, text: wire.text, events: wire.events.length });
  });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
  process.send?.({ url: server.url });
}

if (process.argv.includes('--child')) await serve();

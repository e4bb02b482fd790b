/**
 * A client process of section 12 (bench/scale.ts): one side per process, so heap numbers never mix.
 *
 * - `raw`: the official SDK clients (bench/sdk.ts `rawClient`, one per provider, reused), `for await` over each
 *   stream, text deltas concatenated into a string.
 * - `ours`: our providers (bench/sdk.ts `ourProvider`), `provider.stream(REQUEST)` subscribed, content folded
 *   into a string the same way (no operator: the provider's Observable against the SDK's iterator).
 *
 * Streams are spread over the providers in turn (OpenAI, Anthropic, Ollama, OpenAI, ...); every stream must end
 * with the exact text of its transcript (bench/scaleRun.ts counts wrong texts and errors).
 *
 * Requests: `setup` { url, texts }, `warm` { n }, `start` { n, hold } (resolves when every stream holds `hold`
 * deltas, with the heap then and before), `finish` (when all streams ended), `saturate` { n }.
 */
import { serveRequests } from './scaleIpc.js';
import { ClientSession, type StreamFn } from './scaleRun.js';
import { REQUEST, ourProvider, rawClient } from './sdk.js';
import { WIRE_PROVIDERS, type WireProvider } from './wireGen.js';

type Side = 'raw' | 'ours';

function streamFunction(side: Side, url: string, wires: readonly WireProvider[]): StreamFn {
  if (side === 'raw') {
    const clients = wires.map((p) => rawClient(p, url));
    return async (i, onHold, hold) => {
      const stream = await clients[i % clients.length]!.open();
      let text = '';
      let count = 0;
      await stream.consume((delta) => {
        text += delta;
        if (++count === hold) onHold();
      });
      return text;
    };
  }
  const providers = wires.map((p) => ourProvider(p, url));
  return (i, onHold, hold) =>
    new Promise<string>((resolve, reject) => {
      let text = '';
      let count = 0;
      let final = false;
      providers[i % providers.length]!.stream(REQUEST).subscribe({
        next: (c) => {
          if (c.content !== '') {
            text += c.content;
            if (++count === hold) onHold();
          }
          if (c.isFinal) final = true;
        },
        error: reject,
        complete: () => (final ? resolve(text) : reject(new Error('stream completed without a final chunk'))),
      });
    });
}

const side = process.argv[2] as Side;
let session: ClientSession | undefined;

serveRequests(async (message) => {
  switch (message['cmd']) {
    case 'setup':
    {
      const wires = (message['wires'] as WireProvider[] | undefined) ?? WIRE_PROVIDERS;
      session = new ClientSession(streamFunction(side, message['url'] as string, wires), message['texts'] as Record<WireProvider, string>, wires);
    }
      return {};
    case 'warm':
      return session!.warm(message['n'] as number);
    case 'start': {
      const held = await session!.start(message['n'] as number, message['hold'] as number, { gc: true });
      // Diagnosis only: a heap snapshot with every stream held (after the measurement).
      const dir = process.env['BENCH_SCALE_SNAPSHOT'];
      if (dir !== undefined) {
        const { writeHeapSnapshot } = await import('node:v8');
        const { mkdirSync } = await import('node:fs');
        mkdirSync(dir, { recursive: true });
        writeHeapSnapshot(`${dir}/${side}.heapsnapshot`);
      }
      return held;
    }
    case 'finish':
      return session!.finish();
    case 'saturate': {
      const dir = process.env['BENCH_SCALE_PROF'];
      if (dir === undefined) return session!.saturate(message['n'] as number);
      // Diagnosis only: a CPU profile of the saturation run alone.
      const { Session } = await import('node:inspector/promises');
      const { mkdirSync, writeFileSync } = await import('node:fs');
      const inspector = new Session();
      inspector.connect();
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.start');
      const result = await session!.saturate(message['n'] as number);
      const { profile } = await inspector.post('Profiler.stop');
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/${side}.cpuprofile`, JSON.stringify(profile));
      return result;
    }
    default:
      throw new Error(`scaleClient: unknown command ${String(message['cmd'])}`);
  }
});

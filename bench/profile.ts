/**
 * A workload to profile a missed target with V8's CPU profiler. Under tsx every frame of a .ts file reports
 * line 1, so compile first (tsc emits despite type errors elsewhere) and profile the plain JS:
 *
 *   npx tsc -p . --noEmit false --outDir /tmp/agrx-build --declaration false --sourceMap false
 *   ln -sfn "$PWD/node_modules" /tmp/agrx-build/node_modules && echo '{"type":"module"}' > /tmp/agrx-build/package.json
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof/chain /tmp/agrx-build/bench/profile.js chain        # full operator chain
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof/ollama /tmp/agrx-build/bench/profile.js e2e:ollama  # our provider
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof/raw /tmp/agrx-build/bench/profile.js raw:ollama     # the raw SDK
 *   node /tmp/agrx-build/bench/cpuprofileTop.js /tmp/prof/chain/*.cpuprofile 25                 # top self time
 *
 * `chain` runs 200,000 chunks through the full chain 40 times; `e2e:<provider>` / `raw:<provider>` stream
 * the 10,000-delta transcript through our provider / the raw SDK 60 times (whole body at once, as in section 3);
 * `short:<provider>` / `shortraw:<provider>` run 3,000 five-delta streams (the per-request cost).
 * Line numbers then refer to the compiled .js (tsc keeps most of the .ts layout; search the function name).
 */
import { from, lastValueFrom, reduce } from 'rxjs';
import type { StreamChunk } from '../src/chunk.js';
import { makeChunks, makeDeltas, textLength } from './common.js';
import { startLoopback } from './loopback.js';
import { fullChain } from './operators.js';
import { REQUEST, ourProvider, rawClient } from './sdk.js';
import { transcript, type WireProvider } from './wireGen.js';

const mode = process.argv[2] ?? 'chain';

if (mode === 'chain') {
  const deltas = makeDeltas(200_000);
  const chunks = makeChunks(deltas);
  const never = textLength(deltas) * 2 + 1;
  for (let i = 0; i < 40; i++) await lastValueFrom(from(chunks).pipe(fullChain(never)));
} else if (/^(e2e|raw|short|shortraw):/.test(mode)) {
  const [kind, name] = mode.split(':') as [string, WireProvider];
  const short = kind.startsWith('short');
  const streams = short ? 3_000 : 60;
  const server = await startLoopback();
  server.setMode(name, { transcript: transcript(name, makeDeltas(short ? 5 : 10_000)) });
  const fold = (text: string, c: StreamChunk): string => text + c.content;
  if (kind === 'e2e' || kind === 'short') {
    const provider = ourProvider(name, server.url);
    for (let i = 0; i < streams; i++) await lastValueFrom(provider.stream(REQUEST).pipe(reduce(fold, '')));
  } else {
    const client = rawClient(name, server.url);
    for (let i = 0; i < streams; i++) {
      let text = '';
      const stream = await client.open();
      await stream.consume((d) => (text += d));
    }
  }
  await server.close();
} else {
  throw new Error(`unknown mode ${mode}: chain | e2e:<provider> | raw:<provider> | short:<provider> | shortraw:<provider>`);
}

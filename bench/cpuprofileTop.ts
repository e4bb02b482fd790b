/**
 * Prints the frames with the most self time in a V8 .cpuprofile (from `node --cpu-prof`), with file:line,
 * and the share of total samples per project file (src/ vs node_modules/ vs node internals).
 *   npx tsx bench/cpuprofileTop.ts <file.cpuprofile> [count=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number };
  readonly hitCount?: number;
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

const file = process.argv[2];
if (file === undefined) throw new Error('usage: tsx bench/cpuprofileTop.ts <file.cpuprofile> [count]');
const count = Number(process.argv[3] ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
const hits = new Map<number, number>();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const total = profile.samples.length;

const frames = new Map<string, number>();
const files = new Map<string, number>();
for (const [id, n] of hits) {
  const f = byNode.get(id)!.callFrame;
  const where = f.url.replace(/^file:\/\//, '').replace(/^.*\/work\/main\//, '');
  const key = `${f.functionName || '(anonymous)'}  ${where || '(native)'}:${f.lineNumber + 1}`;
  frames.set(key, (frames.get(key) ?? 0) + n);
  const group = where === '' ? `(${f.functionName})` : where.startsWith('node_modules/') ? where.split('/').slice(0, where.startsWith('node_modules/@') ? 3 : 2).join('/') : where;
  files.set(group, (files.get(group) ?? 0) + n);
}
const pct = (n: number): string => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
console.log(`${total} samples\n\nself time by frame:`);
for (const [k, n] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, count)) console.log(`${pct(n)}  ${k}`);
console.log('\nself time by file / package:');
for (const [k, n] of [...files].sort((a, b) => b[1] - a[1]).slice(0, count)) console.log(`${pct(n)}  ${k}`);

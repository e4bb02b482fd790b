/**
 * The package as a user installs it. tsup builds it into a temp folder laid out as
 * `node_modules/agenticraft-rx` (its `dist/` and `package.json`) beside `rxjs`, `openai` and `typescript`,
 * but without `@anthropic-ai/sdk` and `ollama`: a user who installed one SDK. Then
 * - a strict consumer (skipLibCheck off) type-checks against it with NodeNext and with bundler resolution:
 *   an SDK type in the published .d.ts fails as TS2307 (cannot find module '@anthropic-ai/sdk' / 'ollama');
 * - the built ESM and CJS load in Node, and every exported class is named as it is exported (esbuild
 *   renames self-referencing classes to `_Name` unless `keepNames` is on).
 * The temp folder lives outside the repository, so module resolution cannot fall back to the repo's
 * node_modules, where every SDK is installed.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INSTALLED = ['rxjs', 'openai', 'typescript'] as const;
const NOT_INSTALLED = ['@anthropic-ai/sdk', 'ollama'] as const;
/** An import of an SDK (or a subpath) in a .d.ts: `from 'openai'`, `import("ollama")`, `/// <reference types="openai" />`. */
const SDK_IMPORT = /(?:from\s*|import\(\s*|require\(\s*|types=)["'](?:openai|@anthropic-ai\/sdk|ollama)(?:\/[^"']*)?["']/;

interface Run {
  readonly code: number;
  readonly output: string;
}

/** Runs a Node script and resolves with its exit code and output (never rejects on a non-zero exit). */
function runNode(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      if (code === -1) reject(error ?? new Error('no exit code'));
      else resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** Uses what the package exports, as a user with only `openai` installed would. */
const CONSUMER_ESM = `
import OpenAI from 'openai';
import { map, type Observable } from 'rxjs';
import {
  Agent,
  anthropic,
  collectResponse,
  isProviderError,
  ollama,
  openai,
  retryStream,
  scanResponse,
  timeoutStream,
  type OpenAIProviderOptions,
  type Provider,
  type StreamChunk,
  type StreamingResponse,
} from 'agenticraft-rx';
import { marbleProvider } from 'agenticraft-rx/testing';

// A real SDK client still fits the structural client type.
const options: OpenAIProviderOptions = { client: new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:8000/v1' }) };
const gpt: Provider = openai(options);
const chunks: Observable<StreamChunk> = gpt
  .stream({ messages: [{ role: 'user', content: 'Hi' }] })
  .pipe(timeoutStream({ first: 10_000, idle: 5_000 }), retryStream(2));
export const response: Observable<StreamingResponse> = chunks.pipe(collectResponse());

// The other providers' options type-check without their SDKs.
export const claude: Provider = anthropic({ apiKey: 'sk-ant-test', defaultMaxTokens: 1024 });
export const llama: Provider = ollama({ options: { num_ctx: 8192, stop: ['\\n\\n'] }, think: 'low' });
// @ts-expect-error an OpenAI client is no Anthropic client: the types are checked, not \`any\`
anthropic({ client: new OpenAI({ apiKey: 'sk-test' }) });
// @ts-expect-error num_ctx is a number
ollama({ options: { num_ctx: '8192' } });

const agent = new Agent({ name: 'a', provider: marbleProvider('-a|') });
export const texts: Observable<string> = agent.stream('hi').pipe(scanResponse(), map((r) => r.completeText));
export const answer: Promise<string> = agent.run('hi').then((r) => r.content);
export function statusOf(error: unknown): number | undefined {
  return isProviderError(error) ? error.status : undefined;
}
`;

/** The CommonJS side of the same package (`require` condition, `index.d.cts`). */
const CONSUMER_CJS = `
import { openai, ProviderError, type Provider } from 'agenticraft-rx';
import { marbleProvider } from 'agenticraft-rx/testing';
export const gpt: Provider = openai({ apiKey: 'sk-test' });
export const error: ProviderError = new ProviderError('x', { provider: 'openai' });
export const mock: Provider = marbleProvider('-a|');
`;

/** Prints, for each entry and format, every exported class as [export name, class name]. */
const CLASS_NAMES = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const isClass = (value) => typeof value === 'function' && /^class\\b/.test(Function.prototype.toString.call(value));
const classes = (module) => Object.entries(module).filter(([, value]) => isClass(value)).map(([name, value]) => [name, value.name]);
const result = {};
for (const entry of ['agenticraft-rx', 'agenticraft-rx/testing']) {
  result[entry + ' (esm)'] = classes(await import(entry));
  result[entry + ' (cjs)'] = classes(require(entry));
}
console.log(JSON.stringify(result));
`;

function tsconfig(moduleResolution: 'NodeNext' | 'bundler', files: readonly string[]): string {
  return JSON.stringify({
    compilerOptions: {
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      target: 'ES2022',
      module: moduleResolution === 'NodeNext' ? 'NodeNext' : 'ESNext',
      moduleResolution,
      // No @types are installed here; the default lib brings fetch and AbortSignal, as DOM or @types/node would.
      types: [],
    },
    files,
  });
}

let temp: string;
let consumer: string;
let dist: string;

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'agenticraft-rx-consumer-'));
  consumer = join(temp, 'consumer');
  const pkg = join(consumer, 'node_modules', 'agenticraft-rx');
  dist = join(pkg, 'dist');
  await mkdir(pkg, { recursive: true });

  // The real build (tsup.config.ts: both entries, both formats, .d.ts), into the temp folder: the repo's dist/ is left alone.
  const tsupPackage = JSON.parse(await readFile(join(ROOT, 'node_modules', 'tsup', 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const tsupBin = join(ROOT, 'node_modules', 'tsup', tsupPackage.bin['tsup'] ?? 'dist/cli-default.js');
  const build = await runNode([tsupBin, '--out-dir', dist, '--silent'], ROOT);
  if (build.code !== 0) throw new Error(`tsup failed (${build.code}):\n${build.output}`);
  await cp(join(ROOT, 'package.json'), join(pkg, 'package.json'));

  // What npm installs with the package: its own dependencies (scoped names need their scope folder).
  const own = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const name of [...INSTALLED, ...Object.keys(own.dependencies ?? {})]) {
    if (name.includes('/')) await mkdir(join(consumer, 'node_modules', name.split('/')[0]!), { recursive: true });
    await symlink(join(ROOT, 'node_modules', name), join(consumer, 'node_modules', name), 'dir');
  }
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await writeFile(join(consumer, 'esm.ts'), CONSUMER_ESM);
  await writeFile(join(consumer, 'cjs.cts'), CONSUMER_CJS);
  await writeFile(join(consumer, 'class-names.mjs'), CLASS_NAMES);
  await writeFile(join(consumer, 'tsconfig.nodenext.json'), tsconfig('NodeNext', ['esm.ts', 'cjs.cts']));
  await writeFile(join(consumer, 'tsconfig.bundler.json'), tsconfig('bundler', ['esm.ts']));
}, 120_000);

afterAll(async () => {
  if (temp !== undefined) await rm(temp, { recursive: true, force: true });
});

describe('the package as a user with only openai installed gets it', () => {
  it('has openai and lacks the other SDKs (else a leaked SDK type would resolve and pass)', () => {
    const from = join(consumer, 'esm.ts');
    const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
    const resolves = (name: string): boolean => ts.resolveModuleName(name, from, options, ts.sys).resolvedModule !== undefined;
    expect(INSTALLED.filter(resolves)).toEqual([...INSTALLED]);
    expect(NOT_INSTALLED.filter(resolves)).toEqual([]);
    expect(resolves('agenticraft-rx')).toBe(true);
  });

  it('publishes .d.ts files that import no SDK (also what a user of only Anthropic or only Ollama needs)', async () => {
    const declarations = (await readdir(dist, { recursive: true })).filter((file) => /\.d\.c?ts$/.test(file));
    expect(declarations).toEqual(expect.arrayContaining(['index.d.ts', 'index.d.cts', join('testing', 'index.d.ts'), join('testing', 'index.d.cts')]));
    const leaks: string[] = [];
    for (const file of declarations) {
      const lines = (await readFile(join(dist, file), 'utf8')).split('\n');
      for (const [index, line] of lines.entries()) if (SDK_IMPORT.test(line)) leaks.push(`${file}:${index + 1}: ${line.trim()}`);
    }
    expect(leaks).toEqual([]);
  });

  it.each(['nodenext', 'bundler'])('type-checks strictly, skipLibCheck off (moduleResolution %s)', async (mode) => {
    const tsc = join(consumer, 'node_modules', 'typescript', 'bin', 'tsc');
    const { code, output } = await runNode([tsc, '-p', `tsconfig.${mode}.json`, '--pretty', 'false'], consumer);
    expect(output).toBe('');
    expect(code).toBe(0);
  }, 120_000);

  it('names every exported class as it is exported, in the ESM and the CJS build', async () => {
    const { code, output } = await runNode(['class-names.mjs'], consumer);
    expect(code, output).toBe(0);
    const byEntry = JSON.parse(output) as Record<string, Array<[string, string]>>;
    const esm = byEntry['agenticraft-rx (esm)'] ?? [];
    // The classes the check is known to see, so it cannot pass on an empty list.
    expect(esm.map(([name]) => name)).toEqual(expect.arrayContaining(['ProviderError', 'StreamInterruptedError', 'StreamTimeoutError', 'StreamingResponse', 'Agent']));
    for (const [entry, classes] of Object.entries(byEntry)) {
      expect(classes.filter(([exported, name]) => exported !== name), entry).toEqual([]);
    }
    // The CJS build exports the same classes (in another order).
    const sorted = (classes: ReadonlyArray<[string, string]> = []): string[] => classes.map(([name]) => name).sort();
    expect(sorted(byEntry['agenticraft-rx (cjs)'])).toEqual(sorted(esm));
  }, 60_000);
});

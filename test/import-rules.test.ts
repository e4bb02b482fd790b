/**
 * The import rules (.dependency-cruiser.cjs, run by `npm run lint:imports` at the start of `npm test`) can fail.
 * Each case copies src/, the rules, the tsconfig and package.json into a temp dir, adds forbidden imports, cruises
 * the copy with the copied rules, and asserts that exactly the broken rules are named, each as an error (which
 * makes the script exit non-zero); the unmodified copy passes. The cases run in-process through dependency-cruiser's
 * API (a few hundred ms each); one case also runs the lint:imports script itself, as npm would, and checks its
 * exit code.
 */
import { spawn } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const TIMEOUT_MS = 20_000;

/** Files a case adds to the copy, or changes in it: a `prepend` line goes above the file's first line. */
interface Edits {
  prepend?: Record<string, string>;
  create?: Record<string, string>;
}

interface Expected {
  rule: string;
  from: string;
  /** The resolved target (for no-circular: the cycle's first hop); a package's file as `node_modules/<name>/…`. */
  to: string;
}

interface Lint {
  /** Errors found: the err reporters exit with this number, so non-zero fails `npm test`. */
  errors: number;
  violations: readonly IViolation[];
  /** Each violation with its rule's comment, as the err-long reporter shows them (for failure messages). */
  report: string;
  modulesCruised: number;
}

async function scripts(dir: string): Promise<Record<string, string>> {
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  return pkg.scripts ?? {};
}

/** A throwaway project in a temp dir: src/, the rules, the tsconfig, package.json, node_modules linked in. */
async function copyProject(edits: Edits): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'import-rules-'));
  await cp(join(root, 'src'), join(dir, 'src'), { recursive: true });
  for (const file of ['.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) {
    await copyFile(join(root, file), join(dir, file));
  }
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [file, line] of Object.entries(edits.prepend ?? {})) {
    const path = join(dir, file);
    const text = await readFile(path, 'utf8').catch(() => {
      throw new Error(`test/import-rules.test.ts edits ${file}, which src/ no longer has: point the case elsewhere`);
    });
    await writeFile(path, `${line}\n${text}`);
  }
  for (const [file, text] of Object.entries(edits.create ?? {})) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  return dir;
}

async function withCopy<T>(edits: Edits, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await copyProject(edits);
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * What `depcruise src --config .dependency-cruiser.cjs` finds with `dir` as the working directory: the copy's own
 * rules; baseDir and the tsconfig's path made absolute, as the CLI would find them there.
 */
async function lint(dir: string): Promise<Lint> {
  const options = await extractDepcruiseOptions(join(dir, '.dependency-cruiser.cjs'));
  const tsConfigFile = join(dir, 'tsconfig.json');
  const cruised = await cruise(
    ['src'],
    { ...options, baseDir: dir, tsConfig: { fileName: tsConfigFile }, outputType: 'json' },
    {},
    { tsConfig: extractTSConfig(tsConfigFile) },
  );
  const { summary } = JSON.parse(String(cruised.output)) as ICruiseResult;
  const comments = new Map((summary.ruleSetUsed?.forbidden ?? []).map((rule) => [rule.name, rule.comment]));
  const report = summary.violations
    .map(({ rule, from, to }) => {
      return `  ${rule.severity} ${rule.name}: ${from} → ${to}\n    ${comments.get(rule.name) ?? '(no comment)'}`;
    })
    .join('\n');
  return {
    errors: summary.error,
    violations: summary.violations,
    report: report === '' ? '(no violations)' : report,
    modulesCruised: summary.totalCruised,
  };
}

/** A reported violation in the shape of an Expected one; a cycle's `to` is its first hop. */
function reported({ rule, from, to, cycle }: IViolation): Expected {
  return { rule: rule.name, from, to: cycle?.[0]?.name ?? to };
}

/**
 * One line a violation, sorted. A file in a package is named by its package only (`node_modules/openai/…`): its
 * path depends on where the repository is checked out (node_modules is a link) and on the package's layout.
 */
const PACKAGE_FILE = /^.*?node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/;

function lines(violations: readonly Expected[]): string[] {
  return violations
    .map(({ rule, from, to }) => `${rule}: ${from} → ${to.replace(PACKAGE_FILE, 'node_modules/$1/…')}`)
    .sort();
}

/** Asserts the copy fails with exactly these violations, each an error (so lint:imports exits non-zero). */
function expectViolations(run: Lint, expected: readonly Expected[]): void {
  const context = `dependency-cruiser reported:\n${run.report}`;
  expect(lines(run.violations.map(reported)), context).toEqual(lines(expected));
  expect(run.errors, context).toBe(expected.length);
}

async function countTsFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).length;
}

/** Runs the copy's package.json lint:imports script in `dir` as `npm run` would: a shell, node_modules/.bin on PATH. */
async function runScript(dir: string): Promise<{ exitCode: number | null; output: string }> {
  const script = (await scripts(dir))['lint:imports'];
  if (script === undefined) throw new Error('package.json has no "lint:imports" script');
  const PATH = `${join(dir, 'node_modules', '.bin')}${delimiter}${process.env['PATH'] ?? ''}`;
  const child = spawn(script, { cwd: dir, env: { ...process.env, PATH, NO_COLOR: '1' }, shell: true });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS - 2_000);
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    // Node 20's styleText colours even when piped.
    return { exitCode, output: output.replace(/\x1b\[[0-9;]*m/g, '') };
  } finally {
    clearTimeout(killer);
  }
}

const OPERATOR_IMPORTS_PROVIDER: Edits = {
  prepend: { 'src/operators/timeoutStream.ts': "import { openai } from '../providers/openai.js';" },
};

describe('import rules (npm run lint:imports)', () => {
  it('npm test runs lint:imports first, with an err reporter', async () => {
    const { test, 'lint:imports': script } = await scripts(root);
    expect(script, 'package.json needs a "lint:imports" script').toMatch(
      /^depcruise src --config \.dependency-cruiser\.cjs --output-type err(-long)?$/,
    );
    expect(test, '"test" should start with `npm run lint:imports &&`').toMatch(/^npm run lint:imports && /);
  });

  it(
    'the unmodified copy passes, having cruised every module of src',
    async () => {
      const { run, files } = await withCopy({}, async (dir) => ({
        run: await lint(dir),
        files: await countTsFiles(join(dir, 'src')),
      }));
      const context = `dependency-cruiser reported:\n${run.report}`;
      expect(lines(run.violations.map(reported)), context).toEqual([]);
      expect(run.errors, context).toBe(0);
      const cruised = `cruised ${run.modulesCruised} modules; src/ has ${files} .ts files`;
      expect(run.modulesCruised, cruised).toBeGreaterThanOrEqual(files);
    },
    TIMEOUT_MS,
  );

  it(
    'fails when an operator imports a provider (operators-not-to-providers)',
    async () => {
      const run = await withCopy(OPERATOR_IMPORTS_PROVIDER, lint);
      expectViolations(run, [
        { rule: 'operators-not-to-providers', from: 'src/operators/timeoutStream.ts', to: 'src/providers/openai.ts' },
      ]);
      expect(run.report).toContain('operators work on any chunk stream: they know no provider');
    },
    TIMEOUT_MS,
  );

  it(
    'fails when a provider imports an operator, also for a type only (providers-not-to-operators)',
    async () => {
      const run = await withCopy(
        {
          prepend: {
            'src/providers/mock.ts': "import type { CollectResponseConfig } from '../operators/collectResponse.js';",
          },
          create: { 'src/providers/x.ts': "export { collectResponse } from '../operators/collectResponse.js';\n" },
        },
        lint,
      );
      expectViolations(run, [
        { rule: 'providers-not-to-operators', from: 'src/providers/mock.ts', to: 'src/operators/collectResponse.ts' },
        { rule: 'providers-not-to-operators', from: 'src/providers/x.ts', to: 'src/operators/collectResponse.ts' },
      ]);
      expect(run.report).toContain('providers need no operator');
    },
    TIMEOUT_MS,
  );

  it(
    'fails when interop imports the agent (interop-not-to-agent)',
    async () => {
      const run = await withCopy(
        { prepend: { 'src/interop/asyncIterable.ts': "import { ConversationHistory } from '../agent/history.js';" } },
        lint,
      );
      expectViolations(run, [
        { rule: 'interop-not-to-agent', from: 'src/interop/asyncIterable.ts', to: 'src/agent/history.ts' },
      ]);
      expect(run.report).toContain('interop knows no agent');
    },
    TIMEOUT_MS,
  );

  it(
    'fails on adapters, the barrel, cycles, rxjs/internal, tests, unresolvables, SDKs, modules outside the layers',
    async () => {
      const run = await withCopy(
        {
          prepend: {
            'src/operators/bufferChunks.ts': "import { map } from 'rxjs/internal/operators/map';",
            'src/agent/agent.ts': "import '../../test/helper.js';\nimport type OpenAI from 'openai';",
            'src/agent/toolLoop.ts': "import '../testing/index.js';",
            'src/tools/calculator.ts': "import './doesNotExist.js';",
            'src/tools/standardSchema.ts': "import './calculator.js';",
            'src/index.ts': "export { marbleProvider } from './testing/index.js';",
          },
          create: {
            'test/helper.ts': 'export const helper = 1;\n',
            'src/cli/probe.ts': "export * from '../testing/index.js';\n",
            'src/utils/probe.ts': "export { mergeObjects } from '../mergeObjects.js';\n",
            'src/workflow/probe.ts': "export * from '../utils/probe.js';\n",
          },
        },
        lint,
      );
      expectViolations(run, [
        { rule: 'no-rxjs-internal', from: 'src/operators/bufferChunks.ts', to: 'node_modules/rxjs/…' },
        { rule: 'no-tests-in-src', from: 'src/agent/agent.ts', to: 'test/helper.ts' },
        { rule: 'sdk-only-in-providers', from: 'src/agent/agent.ts', to: 'node_modules/openai/…' },
        { rule: 'agent-not-to-adapters', from: 'src/agent/toolLoop.ts', to: 'src/testing/index.ts' },
        { rule: 'not-to-unresolvable', from: 'src/tools/calculator.ts', to: './doesNotExist.js' },
        { rule: 'no-circular', from: 'src/tools/calculator.ts', to: 'src/tools/tool.ts' },
        { rule: 'barrel-not-to-adapters', from: 'src/index.ts', to: 'src/testing/index.ts' },
        { rule: 'adapters-not-to-other-adapters', from: 'src/cli/probe.ts', to: 'src/testing/index.ts' },
        { rule: 'module-outside-the-layers', from: 'src/utils/probe.ts', to: 'src/mergeObjects.ts' },
        { rule: 'to-module-outside-the-layers', from: 'src/workflow/probe.ts', to: 'src/utils/probe.ts' },
      ]);
    },
    TIMEOUT_MS,
  );

  it(
    'the lint:imports script itself exits non-zero naming the rule',
    async () => {
      const { exitCode, output } = await withCopy(OPERATOR_IMPORTS_PROVIDER, runScript);
      expect(output, 'lint:imports should name the rule, the importer and the import').toContain(
        'error operators-not-to-providers: src/operators/timeoutStream.ts → src/providers/openai.ts',
      );
      expect(exitCode, `lint:imports printed:\n${output}`).toBe(1);
    },
    TIMEOUT_MS,
  );
});

import { defineConfig, type Options } from 'tsup';

const library: Options = {
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts', 'angular/index': 'src/angular/index.ts' },
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
  sourcemap: true,
  // Not the CLI's folder: the CLI build below runs at the same time and writes there.
  clean: ['!cli/**'],
  splitting: true,
  treeshake: true,
  target: 'node20',
  // Bundling renames self-referencing classes (`class _ProviderError`); this keeps `ProviderError.name` the
  // export's name, at the cost of one `__name` call per function and class (~5% gzipped).
  keepNames: true,
  external: [/^rxjs/, 'openai', '@anthropic-ai/sdk', 'ollama', 'redis', '@angular/core', /^@angular\//],
};

// The `agenticraft-rx` bin: ESM only, with a shebang, and cac bundled in, so `npx agenticraft-rx` needs nothing
// the library does not; rxjs and the SDKs stay external (the user's one copy, loaded only when used).
const cli: Options = {
  // An entry name rather than an outDir of its own, so `tsup --out-dir <dir>` puts it in <dir>/cli too.
  entry: { 'cli/index': 'src/cli/index.ts' },
  format: ['esm'],
  banner: { js: '#!/usr/bin/env node' },
  sourcemap: true,
  clean: false,
  treeshake: true,
  target: 'node20',
  keepNames: true,
  noExternal: ['cac'],
  external: [/^rxjs/, 'openai', '@anthropic-ai/sdk', 'ollama', 'redis'],
};

export default defineConfig([library, cli]);

import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  target: 'node20',
  // Bundling renames self-referencing classes (`class _ProviderError`); this keeps `ProviderError.name` the
  // export's name, at the cost of one `__name` call per function and class (~5% gzipped).
  keepNames: true,
  external: [/^rxjs/, 'openai', '@anthropic-ai/sdk', 'ollama'],
});

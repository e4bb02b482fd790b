import { defineConfig } from 'vitest/config';

// `vitest run` runs the unit, marble, property, integration and example tests; `vitest run --mode bench`
// runs the benchmark smoke test on its own afterwards, so its CPU load never squeezes the timing-sensitive
// integration tests.
export default defineConfig(({ mode }) => ({
  test:
    mode === 'bench'
      ? { include: ['bench/smoke.test.ts'], testTimeout: 420_000 }
      : {
          include: ['test/**/*.test.ts', 'marbles/**/*.spec.ts'],
          testTimeout: 20_000,
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
        },
}));

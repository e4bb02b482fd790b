/** The soak in `npm test`: 1,000 mixed streams through the three SDKs; every one behaves, nothing is left behind. */
import { expect, it } from 'vitest';
import { KINDS, runSoak } from './soak/soak.js';

it('1,000 mixed streams: completed, unsubscribed, timed out, failed, retried, with tools — none wrong, nothing left open', async () => {
  const summary = await runSoak(1_000);
  for (const kind of KINDS) {
    expect(summary.outcomes[kind], kind).toEqual({ ok: expect.any(Number) as number, wrong: 0 });
    expect(summary.outcomes[kind].ok, kind).toBeGreaterThanOrEqual(166);
  }
  expect(summary.leftover).toEqual({});
  // Without --expose-gc the heap figure is noisy: a loose bound catches a leak of ~50 KB a stream.
  expect(summary.heapAfterMB - summary.heapBeforeMB).toBeLessThan(50);
}, 60_000);

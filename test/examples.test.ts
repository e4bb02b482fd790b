/** Smoke tests: every example runs against the embedded offline model, so none rots. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

async function example(file: string): Promise<string> {
  const env = { ...process.env, DEMO_OFFLINE: '1', DEMO_CHUNK_DELAY_MS: '1', OPENAI_API_KEY: '', NO_COLOR: '1' };
  const { stdout } = await run(tsx, [file], { cwd: root, env, timeout: 60_000 });
  return stdout;
}

describe('examples', () => {
  it('demo.ts streams, retries, interrupts, calls a tool and runs, offline', async () => {
    const out = await example('examples/demo.ts');
    expect(out).toContain('embedded offline model');
    expect(out).toContain('Once upon a time');
    expect(out).toMatch(/\[\d+ chunks in \d+ ms/);
    expect(out).toContain('3 requests (2 rate-limited, 1 answered)');
    expect(out).toContain('finish: interrupted; server saw 1 aborted request');
    expect(out).toContain('[calculator → 375]');
    expect(out).toContain('That comes to 375.');
    expect(out).toContain('[history: 6 messages]');
  });

  it("workflow-handlers.ts runs the guide's handler and tool-wrapper patterns, an LLM step, and a cancelled run", async () => {
    const out = await example('examples/workflow-handlers.ts');
    expect(out).toContain('Calculating {"expression":"15 * 2500 / 100"}...\nResult: 375\n');
    expect(out).toContain('successful: true; context.calc_result = 375');
    expect(out).toContain('results: {"boiling":212,"tip":375}; context.boiling_result = 212');
    expect(out).toContain('[never] skipped (condition)');
    expect(out).toMatch(/\[story\] done → "Once upon a time/);
    expect(out).toContain('successful: true; 3 results in');
    expect(out).toContain('cancelled after 3 chunks of the story; the server saw 1 aborted request');
  });

  it('operators.ts pipes a mockStream through every operator', async () => {
    const out = await example('examples/operators.ts');
    expect(out).toContain('collectResponse: 10 chunks, finish stop');
    expect(out).toContain('bufferChunks: ["Streams arrive chunk by chunk. ","Operators shape them."');
    expect(out).toContain('interruptAfter: "Streams arrive chunk by " (interrupted)');
    expect(out).toContain('timeoutStream: Stream timed out: no chunk for 20 ms (idle); partial "Streams "');
    expect(out).toContain('retryStream: 2 attempts, 69 chars, finish stop');
    expect(out).toContain('streamMetrics: 8 chunks, 69 chars');
    expect(out).toContain('scanResponse: last snapshot has 69 chars');
    expect(out).toMatch(/StreamingManager: stopped after "[^"]+" \(interrupted\); active now: 0/);
  });
});

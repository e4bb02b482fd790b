/** Smoke tests: every example runs against the embedded offline model, so none rots. */
import { spawn } from 'node:child_process';
import { lastValueFrom, take as takeValues, toArray as allValues } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fromServerSentEvents as readEvents, type StreamChunk as Chunk } from '../src/index.js';
import { example, root, tsx } from './helpers/examples.js';

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
    expect(out).toContain('That comes to 375.\n[tool calls: calculator({"expression":"15% of 2500"}); finish: stop; history: 8 messages]');
    expect(out).toContain('[calculate] Calculating 15 * 2500 / 100... Result: 375\n[summary] Once upon a time');
    expect(out).toContain('[successful: true; steps: calculate, summary; context.calc_result = 375]');
    expect(out).toMatch(/^provider +first chunk +total +chunks +tokens +tok\/s$/m);
    for (const name of ['openai', 'anthropic', 'ollama']) expect(out).toMatch(new RegExp(`^${name} +\\d+ ms +\\d+ ms +55 +72 +[\\d.]+$`, 'm'));
    expect(out).toContain('[same answer from all three: true]');
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

  it('recovery.ts survives a reset mid-answer (resume, restart) and falls back to a second server', async () => {
    const out = await example('examples/recovery.ts');
    expect(out).toContain('The quick brown fox jumps over the lazy dog.\n[2 attempts; the second request continued from "The quick brown fox "]');
    expect(out).toContain('[restarted] A complete answer.\n[collected: "A complete answer."]');
    expect(out).toContain('Answered by the backup. [requests: 1 to the one that was down, 1 to the backup]');
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

// ---- serving examples: start the server, stream, leave, resume, stop, 404 ----

async function serveExample(file: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const env = { ...process.env, PORT: '0', DEMO_CHUNK_DELAY_MS: '5', OPENAI_API_KEY: '', REDIS_URL: '' };
  const child = spawn(tsx, [file], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start:\n${output}`)), 30_000);
    const onData = (data: Buffer): void => {
      output += data.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}:\n${output}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

describe.each(['examples/serve-node-http.ts', 'examples/serve-hono.ts'])('%s', (file) => {
  it('streams a resumable answer: leave, resume with Last-Event-ID, stop, 404', async () => {
    const server = await serveExample(file);
    try {
      const post = { method: 'POST', body: JSON.stringify({ prompt: 'Tell me a story' }), headers: { 'content-type': 'application/json' } };
      const first = await lastValueFrom(readEvents(`${server.url}/chat/story`, post).pipe(takeValues(3), allValues()));
      expect(first).toHaveLength(3); // then the client left
      const rest = await lastValueFrom(readEvents(`${server.url}/chat/story`, { headers: { 'Last-Event-ID': '2' } }).pipe(allValues()));
      const text = [...first, ...rest].map((c: Chunk) => c.content).join('');
      expect(text).toMatch(/^Once upon a time.*The end\.$/s);
      expect(rest.at(-1)!.isFinal).toBe(true);

      const chunks: Chunk[] = [];
      const done = new Promise<void>((resolve, reject) =>
        readEvents(`${server.url}/chat/stopme`, post).subscribe({
          next: (c: Chunk) => {
            chunks.push(c);
            if (chunks.length === 2) void fetch(`${server.url}/chat/stopme/stop`, { method: 'POST' }).then((r) => r.json()).then((j) => expect(j).toEqual({ stopped: true }));
          },
          complete: resolve,
          error: reject,
        }),
      );
      await done;
      expect(chunks.at(-1)).toMatchObject({ isFinal: true, metadata: { finishReason: 'interrupted' } });

      const missing = await lastValueFrom(readEvents(`${server.url}/chat/nothing-here`)).catch((e: unknown) => e);
      expect(missing).toMatchObject({ code: 'http_error', status: 404 });
    } finally {
      await server.stop();
    }
  });

  it('structured-form.ts fills a form field by field, validates it, and grows a list row by row', async () => {
    const out = await example('examples/structured-form.ts');
    expect(out).toContain('  name       "Ada Lovelace"\n  email      "ada@example.com"\n  address    {"city":"London","country":"UK"}\n');
    expect(out).toContain('  newsletter true\n');
    expect(out).toMatch(/form complete after \d+ snapshots; valid: true/);
    expect(out).toMatch(/address kept its identity across [1-9]\d* later snapshots/);
    expect(out).toContain('rows as they closed: 0:mathematics, 1:engines, 2:poetry');
  });
});

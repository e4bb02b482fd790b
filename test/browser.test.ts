/**
 * fromServerSentEvents in a real browser: headless Chromium (the system's, driven by playwright-core) loads a
 * page from a loopback server whose endpoints stream an agent's answer (the offline model: a loopback server
 * speaking the OpenAI wire format, which counts requests and aborts); the page bundles the module (esbuild,
 * platform 'browser': a Node-only import would fail the build). Checked: the text arrives chunk by chunk; a dropped connection is re-opened with
 * Last-Event-ID and resumes without duplicates; the Stop button aborts the server's upstream; a reload joins
 * the running generation; closing the page aborts the upstream of a non-resumable endpoint.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, openai, pipeServerSentEvents, resumableStreams, toServerSentEvents, type StreamChunk } from '../src/index.js';
import { startOfflineServer, type OfflineServer } from '../examples/offline.js';
import { CHROMIUM, serviceAvailable } from './helpers/services.js';

/** Screenshots of the e2e run (git-ignored): what the page showed at the end of each case. */
const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

const available = serviceAvailable('chromium', CHROMIUM);
const PAGE = `<!doctype html><meta charset="utf-8"><title>chat</title>
<pre id="out"></pre><p id="status">streaming</p><button id="stop">Stop</button>
<script type="module">
  import { fromServerSentEvents } from '/lib.js';
  const params = new URLSearchParams(location.search);
  const id = params.get('id');
  const url = params.get('plain') ? '/plain' : '/chat/' + id;
  const out = document.getElementById('out');
  window.chunks = [];
  fromServerSentEvents(url, { method: 'POST', body: '{}', reconnect: { retries: 3, delay: 50 } }).subscribe({
    next: (c) => { window.chunks.push(c); if (c.metadata.reset) out.textContent = ''; out.textContent += c.content; },
    complete: () => (document.getElementById('status').textContent = 'done'),
    error: (e) => (document.getElementById('status').textContent = 'error: ' + e.name + ' ' + e.message),
  });
  document.getElementById('stop').onclick = () => fetch('/chat/' + id + '/stop', { method: 'POST' });
</script>`;

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!available)('fromServerSentEvents in headless Chromium', () => {
  let server: Server;
  let base: string;
  let context: BrowserContext;
  let userDataDir: string;
  const lastEventIds: (string | undefined)[] = [];
  const streams = resumableStreams();
  let offline: OfflineServer;
  let agent: Agent;
  let answer: string;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('../src/interop/fromServerSentEvents.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const lib = bundle.outputFiles[0]!.text;
    offline = await startOfflineServer({ chunkDelayMs: 15 });
    agent = new Agent({ provider: openai({ baseURL: offline.baseURL, apiKey: 'offline-test', model: 'offline-mini' }) });
    answer = (await agent.run('Tell me a story', { history: false })).content;
    server = createServer((req, res) => void handle(req, res));
    async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/' || path === '/index.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      if (path === '/lib.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(lib);
      if (path === '/plain') return void pipeServerSentEvents(toServerSentEvents(agent.stream('Tell me a story', { history: false })), res);
      const stop = /^\/chat\/([\w-]+)\/stop$/.exec(path);
      if (stop) return void res.writeHead(200).end(JSON.stringify({ stopped: await streams.stop(stop[1]!) }));
      const chat = /^\/chat\/([\w-]+)$/.exec(path);
      if (!chat) return void res.writeHead(404).end();
      const id = chat[1]!;
      const last = req.headers['last-event-id'] as string | undefined;
      lastEventIds.push(last);
      const body = last === undefined ? await streams.create(id, agent.stream('Tell me a story', { history: false })) : await streams.resume(id, last);
      if (id === 'drop' && last === undefined) {
        // The first connection drops after 5 events (a proxy cut it): the page must re-open and resume.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const reader = body.getReader();
        let events = 0;
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          res.write(r.value);
          events += new TextDecoder().decode(r.value).split('\n\n').length - 1;
          if (events >= 5) break;
        }
        await reader.cancel();
        // Let what was written reach the page before the cut (a reset can drop bytes still in flight).
        await new Promise((resolve) => setTimeout(resolve, 100));
        return void res.destroy();
      }
      await pipeServerSentEvents(body, res);
    }
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    userDataDir = mkdtempSync(join(tmpdir(), 'agenticraft-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM!,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 30_000);

  afterAll(async () => {
    await context?.close();
    await offline?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('the text arrives chunk by chunk; a dropped connection resumes with Last-Event-ID, no duplicates', async () => {
    const requests = offline.requestCount;
    const page = await context.newPage();
    await page.goto(`${base}/?id=drop`);
    await page.waitForFunction(() => (window as unknown as { chunks: unknown[] }).chunks.length >= 1);
    const early = await page.textContent('#out');
    expect(early!.length).toBeLessThan(answer.length); // arriving, not all at once
    await page.waitForSelector('#status:text("done")', { timeout: 10_000 });
    expect(answer).toMatch(/^Once upon a time.*The end\.$/s);
    expect(await page.textContent('#out')).toBe(answer);
    const chunks = await page.evaluate(() => (window as unknown as { chunks: StreamChunk[] }).chunks);
    expect(chunks.some((c) => c.metadata.reset === true)).toBe(false);
    expect(chunks.filter((c) => c.isFinal)).toHaveLength(1);
    const reopened = lastEventIds.filter((id) => id !== undefined);
    expect(reopened).toHaveLength(1); // re-opened once, after the last event the page had
    expect(Number(reopened[0])).toBeGreaterThanOrEqual(2);
    expect(offline.requestCount - requests).toBe(1); // one model request for the whole answer, reconnect included
    await page.screenshot({ path: join(SCREENSHOTS, 'resumed.png') });
    await page.close();
  });

  it("the page's Stop button aborts the server's upstream", async () => {
    const aborted = offline.abortedCount;
    const page = await context.newPage();
    await page.goto(`${base}/?id=long`);
    await page.waitForFunction(() => (window as unknown as { chunks: unknown[] }).chunks.length >= 3);
    await page.click('#stop');
    await page.waitForSelector('#status:text("done")', { timeout: 10_000 });
    await until(() => offline.abortedCount === aborted + 1);
    const chunks = await page.evaluate(() => (window as unknown as { chunks: StreamChunk[] }).chunks);
    expect(chunks.at(-1)).toMatchObject({ isFinal: true, metadata: { finishReason: 'interrupted' } });
    expect(chunks.map((c) => c.content).join('').length).toBeLessThan(answer.length);
    await page.screenshot({ path: join(SCREENSHOTS, 'stopped.png') });
    await page.close();
  });

  it('reloading the page mid-answer joins the same generation: the whole text, no second model request', async () => {
    const requests = offline.requestCount;
    const aborted = offline.abortedCount;
    const page = await context.newPage();
    await page.goto(`${base}/?id=reload`);
    await page.waitForFunction(() => (window as unknown as { chunks: unknown[] }).chunks.length >= 3);
    await page.reload();
    await page.waitForSelector('#status:text("done")', { timeout: 10_000 });
    expect(await page.textContent('#out')).toBe(answer);
    expect(offline.requestCount - requests).toBe(1);
    expect(offline.abortedCount).toBe(aborted); // leaving stopped nothing
    await page.screenshot({ path: join(SCREENSHOTS, 'reloaded.png') });
    await page.close();
  });

  it('closing the page aborts the upstream of a non-resumable endpoint', async () => {
    const aborted = offline.abortedCount;
    const page = await context.newPage();
    await page.goto(`${base}/?plain=1`);
    await page.waitForFunction(() => (window as unknown as { chunks: unknown[] }).chunks.length >= 2);
    expect(offline.abortedCount).toBe(aborted);
    await page.close();
    await until(() => offline.abortedCount === aborted + 1); // the model request was aborted at its socket
  });
});

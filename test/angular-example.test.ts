/**
 * examples/angular: the chat app built with Angular's own builder (`@angular/build:application`, through the
 * example's `ng build`), then served by its server (examples/angular/server.ts: the app and an SSE endpoint)
 * and loaded in Chromium: type a message, watch the reply stream into the page over `fromServerSentEvents`,
 * press Stop, see it stop with its partial text kept and the server see the request closed. Also: the published
 * `agenticraft-rx/angular` types compile for an Angular user on TypeScript 5.9 and 6.
 *
 * The example is its own package for its build tools only (Angular 21's compiler needs TypeScript < 6; the
 * repository is on 6): install them with `npm ci --prefix examples/angular`. Without them, or without a Chromium,
 * the tests are skipped and say so.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startChatServer } from '../examples/angular/server.js';

const run = promisify(execFile);
const example = fileURLToPath(new URL('../examples/angular/', import.meta.url));
const ng = join(example, 'node_modules/@angular/cli/bin/ng.js');
const hasBuilder = existsSync(ng) && existsSync(join(example, 'node_modules/@angular/build/package.json'));
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const root = fileURLToPath(new URL('..', import.meta.url));
const builtTypes = existsSync(join(root, 'dist/angular/index.d.ts'));

if (!hasBuilder) {
  console.warn('SKIPPED examples/angular build: its build tools are not installed (run `npm ci --prefix examples/angular`)');
}

if (!builtTypes) console.warn('SKIPPED the agenticraft-rx/angular consumer type-check: run `npm run build` first');

/** An Angular user's code against the published `agenticraft-rx/angular` types (dist/), strict, skipLibCheck off. */
const CONSUMER = `
import { Component, Injector, signal, type Resource } from '@angular/core';
import { map, type Observable } from 'rxjs';
import type { StreamChunk, StreamingResponse, Usage } from 'agenticraft-rx';
import { chatResource, completionResource, type ChatMessage, type ChatStatus, type CompletionResource } from 'agenticraft-rx/angular';

declare const chunks: (prompt: string) => Observable<StreamChunk>;
declare const injector: Injector;

const prompt = signal<string | undefined>(undefined);
const answer: CompletionResource = completionResource({ prompt, stream: chunks, injector });
const asResource: Resource<StreamingResponse | undefined> = answer;
const text: string = answer.text();
const usage: Usage | undefined = answer.usage();
const streaming: boolean = answer.isStreaming();
if (answer.hasValue()) {
  const value: StreamingResponse = answer.value();
  void value;
}
answer.stop();
const reloaded: boolean = answer.reload();

const chat = chatResource({ stream: (messages) => chunks(messages.map((m) => m.content).join('\\n')), policy: 'concat', injector });
const messages: readonly ChatMessage[] = chat.messages();
const status: ChatStatus = chat.status();
const sent: boolean = chat.send('hi');
chat.stop();
// @ts-expect-error: a policy that does not exist
chatResource({ stream: chunks as never, policy: 'merge', injector });
// @ts-expect-error: agent and stream together
completionResource({ prompt, stream: chunks, agent: { stream: chunks as never }, injector });

void [asResource, text, usage, streaming, reloaded, messages, status, sent, map, Component];
`;

describe.skipIf(!hasBuilder || !builtTypes)('the published agenticraft-rx/angular types', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agenticraft-angular-consumer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules/agenticraft-rx'), 'dir');
  for (const pkg of ['@angular', 'rxjs', 'tslib']) {
    if (existsSync(join(root, 'node_modules', pkg))) symlinkSync(join(root, 'node_modules', pkg), join(dir, 'node_modules', pkg), 'dir');
  }
  writeFileSync(join(dir, 'consumer.ts'), CONSUMER);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  const compilers = { 'TypeScript 5.9': join(example, 'node_modules/typescript/bin/tsc'), 'TypeScript 6': join(root, 'node_modules/typescript/bin/tsc') };

  // An Angular CLI project (TypeScript 5.9, bundler resolution) and a Node-style one on TypeScript 6; concurrently,
  // since each checks all of @angular/core's declarations too (skipLibCheck off)
  const cases = [
    ['TypeScript 5.9', 'bundler'],
    ['TypeScript 6', 'nodenext'],
  ] as const;
  for (const [name, resolution] of cases) {
    it.concurrent(`type-checks an Angular user's code with ${name} (moduleResolution ${resolution})`, { timeout: 60_000 }, async () => {
      const tsc = compilers[name];
      expect((await run(process.execPath, [tsc, '--version'])).stdout).toContain(name === 'TypeScript 5.9' ? 'Version 5.9' : 'Version 6');
      const config = `tsconfig.${resolution}.json`;
      const module = resolution === 'bundler' ? 'esnext' : 'nodenext';
      const compilerOptions = { noEmit: true, strict: true, skipLibCheck: false, target: 'es2022', lib: ['es2022', 'dom'], types: [], module, moduleResolution: resolution };
      writeFileSync(join(dir, config), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
      const result = await run(process.execPath, [tsc, '-p', config], { cwd: dir }).catch((error: { stdout?: string; stderr?: string }) => error);
      expect(`${result.stdout ?? ''}${result.stderr ?? ''}`.trim()).toBe('');
    });
  }
});

describe.skipIf(!hasBuilder)('examples/angular (Angular 21 application builder)', () => {
  const out = mkdtempSync(join(tmpdir(), 'agenticraft-angular-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let built = false;

  // started at once, so that it runs while the type-checks above run
  const building = run(process.execPath, [ng, 'build', '--output-path', out], {
    cwd: example,
    env: { ...process.env, NG_CLI_ANALYTICS: 'false', CI: '1' },
    timeout: 110_000,
  });
  building.catch(() => undefined);

  it('builds: zoneless, one small initial bundle', { timeout: 120_000 }, async () => {
    await building;
    const browser = join(out, 'browser');
    const files = readdirSync(browser);
    expect(files).toContain('index.html');
    const main = files.find((f) => /^main-.*\.js$/.test(f));
    expect(main).toBeDefined();
    const bundle = readFileSync(join(browser, main!), 'utf8');
    expect(bundle.length).toBeLessThan(300_000);
    // (booleans, so that a failure does not print the bundle)
    expect(bundle.includes('Zone.__symbol__'), 'zone.js is in the bundle').toBe(false);
    expect(bundle.includes('chatResource: give exactly one of agent or stream'), 'chatResource is not in the bundle').toBe(true);
    expect(bundle.includes('"app-root"'), 'the App component is not in the bundle').toBe(true);
    built = true;
  });

  it.skipIf(chromium === undefined)('streams a reply into the page and stops it in Chromium', { timeout: 60_000 }, async () => {
    expect(built).toBe(true);
    const server = await startChatServer({ root: join(out, 'browser'), chunkDelayMs: 30 });
    const { chromium: playwright } = await import('playwright-core');
    const browser = await playwright.launch({ executablePath: chromium!, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(server.url);
      await page.fill('input[name=prompt]', 'Hello Angular');
      await page.press('input[name=prompt]', 'Enter');
      const reply = page.locator('li.assistant').last();
      await page.waitForFunction(() => (document.querySelector('li.assistant')?.textContent ?? '').includes('You said'));
      const early = (await reply.textContent())!.length;
      await page.waitForFunction((n) => (document.querySelector('li.assistant')?.textContent ?? '').length > n + 8, early);
      expect(await page.locator('li.user').textContent()).toContain('Hello Angular');
      expect(await page.getByTestId('status').textContent()).toBe('streaming');

      await page.click('button.stop');
      await page.waitForFunction(() => document.querySelector('li.assistant')?.getAttribute('data-status') === 'interrupted');
      const stopped = await reply.textContent();
      await page.waitForTimeout(200);
      expect(await reply.textContent()).toBe(stopped); // nothing arrives after Stop
      expect(stopped).toContain('(stopped)');
      expect(await page.getByTestId('status').textContent()).toBe('resolved');
      // the browser aborted the fetch: the server saw the request closed and unsubscribed its model
      await vi.waitFor(() => expect(server.replies).toEqual(['closed']), { timeout: 2000, interval: 10 });
      await page.screenshot({ path: join(example, 'dist', 'chat-stopped.png') });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

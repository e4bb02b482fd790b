/*
 * fallbackProvider([primary, ...others]) and hedgedProvider([a, b, ...], { hedgeAfterMs })
 *
 * #region diagram: fallback/before-content
 * primary:   -#                       a retryable error (503) before content
 * secondary:  -a-b|                   started at once, with its own model
 * result:    --a-b(F|)                the secondary's chunks; F names it (metadata.provider)
 * #endregion
 *
 * #region diagram: fallback/hedged
 * hedgedProvider([a, b], { hedgeAfterMs: 3 })
 * a:         ------x|                 slow to start
 * b:            -p-q|                 started at 3 (no content yet); delivers first at 4
 * result:    ----p-q(F|)              b wins: a unsubscribed at 4, its request aborted
 * #endregion
 */
import { describe, expect, it } from 'vitest';
import { map, type Observable } from 'rxjs';
import { z } from 'zod';
import type { StreamChunk } from '../src/chunk.js';
import { Agent } from '../src/agent/agent.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { fallbackProvider, hedgedProvider } from '../src/providers/fallback.js';
import { defineTool } from '../src/tools/tool.js';
import { marbleProvider } from '../src/testing/index.js';
import { testScheduler } from './helpers.js';

const labels = (source: Observable<StreamChunk>): Observable<string> =>
  source.pipe(map((c) => (c.isFinal ? `F:${String(c.metadata.provider)}` : c.content)));
const unavailable = new ProviderError('503', { provider: 'primary', status: 503 });
const denied = new ProviderError('401', { provider: 'primary', status: 401 });
const request = { messages: [{ role: 'user' as const, content: 'hi' }], model: 'gpt-4o-mini' };

describe('fallbackProvider', () => {
  it('moves to the next provider on a retryable error before content; members use their own model', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const primary = marbleProvider('-#', {}, unavailable, { name: 'primary', model: 'p-model' });
      const secondary = marbleProvider('-a-b|', { a: 'Hel', b: 'lo' }, undefined, { name: 'secondary', model: 's-model' });
      const provider = fallbackProvider([primary, secondary]);
      expectObservable(labels(provider.stream(request))).toBe('--a-b(F|)', { a: 'Hel', b: 'lo', F: 'F:secondary' });
      expectSubscriptions(primary.subscriptions).toBe('^!');
      expectSubscriptions(secondary.subscriptions).toBe('-^---!');
      expect([provider.name, provider.model]).toEqual(['fallback', 'p-model']);
      expect(primary.requests[0]?.model).toBeUndefined(); // not 'gpt-4o-mini': each member uses its own
    });
  });

  it('passes a non-retryable error on, and any error after content (its class kept)', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const primary = marbleProvider('-#', {}, denied, { name: 'primary' });
      const secondary = marbleProvider('-a|', { a: 'x' }, undefined, { name: 'secondary' });
      expectObservable(labels(fallbackProvider([primary, secondary]).stream(request))).toBe('-#', undefined, denied);
      expectSubscriptions(secondary.subscriptions).toBe([]);
      const cut = marbleProvider('-a-#', { a: 'Hel' }, unavailable, { name: 'primary' });
      const spare = marbleProvider('-b|', { b: 'x' }, undefined, { name: 'spare' });
      expectObservable(labels(fallbackProvider([cut, spare]).stream(request))).toBe('-a-#', { a: 'Hel' }, unavailable);
      expectSubscriptions(spare.subscriptions).toBe([]);
    });
  });

  it('works as an Agent\'s provider, tools included', () => {
    testScheduler().run(({ expectObservable }) => {
      const echo = defineTool({ name: 'echo', description: 'd', parameters: z.object({}), execute: () => 'pong' });
      const primary = marbleProvider('#', {}, unavailable, { name: 'primary' });
      const secondary = marbleProvider(['-d|', '----a|'], { d: { metadata: { toolCallDelta: { index: 0, id: 'c1', name: 'echo', argumentsDelta: '{}' } } }, a: 'done' }, undefined, { name: 'secondary' });
      const fallback = fallbackProvider([primary, marbleProvider('#', {}, unavailable, { name: 'primary2' }), secondary]);
      const agent = new Agent({ provider: fallback, model: 'claude-x', tools: [echo] });
      const out = agent.stream('x').pipe(map((c) => (c.isFinal ? 'F' : c.metadata.toolResult ? 'R' : c.metadata.toolCallDelta ? 'd' : c.metadata.eventType === 'tool_calls' ? 'T' : c.content)));
      expectObservable(out).toBe('-d(TR)a(F|)', { d: 'd', T: 'T', R: 'R', a: 'done', F: 'F' });
    });
  });

  it('reports what every member supports', () => {
    const a = marbleProvider('|', {}, undefined, { name: 'a' });
    const info = fallbackProvider([a, marbleProvider('|')]).info();
    expect(info).toMatchObject({ provider: 'fallback', supportsStreaming: true, supportsTools: true });
    expect(info['members']).toHaveLength(2);
    expect(() => fallbackProvider([])).toThrow(/non-empty array of providers/);
    expect(() => fallbackProvider([{} as never])).toThrow(/providers\[0\] is not a Provider/);
  });
});

describe('hedgedProvider', () => {
  it('starts the next member when no content arrived after hedgeAfterMs; the first to deliver wins, the others are aborted at once', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const a = marbleProvider('------x|', { x: 'slow' }, undefined, { name: 'a' });
      const b = marbleProvider('-p-q|', { p: 'fa', q: 'st' }, undefined, { name: 'b' });
      expectObservable(labels(hedgedProvider([a, b], { hedgeAfterMs: 3 }).stream(request))).toBe('----p-q(F|)', { p: 'fa', q: 'st', F: 'F:b' });
      expectSubscriptions(a.subscriptions).toBe('^---!'); // unsubscribed the moment b's first chunk arrived
      expectSubscriptions(b.subscriptions).toBe('---^---!');
    });
  });

  it('hedges again, hedgeAfterMs after each start, until a member delivers: a third member can win', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const a = marbleProvider('--------x|', { x: 'slow' }, undefined, { name: 'a' });
      const b = marbleProvider('--------y|', { y: 'slow' }, undefined, { name: 'b' });
      const c = marbleProvider('-p|', { p: 'fast' }, undefined, { name: 'c' });
      expectObservable(labels(hedgedProvider([a, b, c], { hedgeAfterMs: 2 }).stream(request))).toBe('-----p(F|)', { p: 'fast', F: 'F:c' });
      expectSubscriptions(a.subscriptions).toBe('^----!');
      expectSubscriptions(b.subscriptions).toBe('--^--!');
      expectSubscriptions(c.subscriptions).toBe('----^-!');
    });
  });

  it('sends no second request when the first member is quick', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const a = marbleProvider('-x-y|', { x: 'qu', y: 'ick' }, undefined, { name: 'a' });
      const b = marbleProvider('-p|', { p: 'never' }, undefined, { name: 'b' });
      expectObservable(labels(hedgedProvider([a, b], { hedgeAfterMs: 3 }).stream(request))).toBe('-x-y(F|)', { x: 'qu', y: 'ick', F: 'F:a' });
      expectSubscriptions(b.subscriptions).toBe([]);
      expect(b.requests).toHaveLength(0);
    });
  });

  it('a member that fails before content lets the next start at once; all failing passes the last error on', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const a = marbleProvider('-#', {}, unavailable, { name: 'a' });
      const b = marbleProvider('-p|', { p: 'ok' }, undefined, { name: 'b' });
      expectObservable(labels(hedgedProvider([a, b], { hedgeAfterMs: 10 }).stream(request))).toBe('--p(F|)', { p: 'ok', F: 'F:b' });
      expectSubscriptions(b.subscriptions).toBe('-^-!');
      const c = marbleProvider('-#', {}, denied, { name: 'c' });
      const d = marbleProvider('--#', {}, unavailable, { name: 'd' });
      expectObservable(labels(hedgedProvider([c, d], { hedgeAfterMs: 10 }).stream(request))).toBe('---#', undefined, unavailable);
    });
  });

  it('checks its options at the call', () => {
    const a = marbleProvider('|');
    expect(() => hedgedProvider([a], { hedgeAfterMs: -1 })).toThrow(/hedgeAfterMs must be a positive number/);
    expect(() => hedgedProvider([a], {} as never)).toThrow(/hedgeAfterMs/);
  });
});

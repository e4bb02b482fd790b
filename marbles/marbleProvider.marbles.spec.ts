/**
 * marbleProvider(marbles, values, error?)
 *
 * #region diagram: marbleProvider/script
 * marbleProvider('--a--b--|', { a: 'Hel', b: 'lo' })
 * stream():      --a--b--(F|)         F = the final chunk, appended at '|': finishReason 'stop', or
 *                                     'tool_calls' with the toolCalls assembled from toolCallDelta values
 * subscriptions: ^-------!            one request, recorded in provider.requests
 * #endregion
 *
 * #region diagram: marbleProvider/scripts
 * marbleProvider(['-a|', '--b|'], { a: 'A', b: 'B' })
 * 1st request:   -a(F|)               the nth request plays the nth script
 * 2nd request:   --b(F|)
 * 3rd request:   #                    TypeError: only 2 script(s) were given
 * #endregion
 */
import { describe, expect, it } from 'vitest';
import { map, type Observable } from 'rxjs';
import { marbleProvider } from '../src/testing/index.js';
import type { StreamChunk } from '../src/chunk.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { testScheduler } from './helpers.js';

const ask = { messages: [{ role: 'user' as const, content: 'Hi' }] };

/** A compact view of a chunk: its text, or 'F:<finishReason>' for the final one. */
const view = (source: Observable<StreamChunk>): Observable<string> =>
  source.pipe(map((c) => (c.isFinal ? `F:${String(c.metadata.finishReason)}` : c.content)));

describe('marbleProvider', () => {
  it('plays the script in virtual time and appends the final chunk at |', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider('--a--b--|', { a: 'Hel', b: 'lo' });
      expectObservable(view(provider.stream(ask))).toBe('--a--b--(F|)', { a: 'Hel', b: 'lo', F: 'F:stop' });
      expectSubscriptions(provider.subscriptions).toBe('^-------!');
    });
  });

  it('is cold: each subscription is one request that plays the script from its beginning', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider('-a-|');
      expectObservable(view(provider.stream(ask))).toBe('       -a-(F|)', { a: 'a', F: 'F:stop' });
      expectObservable(view(provider.stream(ask)), '---^').toBe('----a-(F|)', { a: 'a', F: 'F:stop' });
      expectSubscriptions(provider.subscriptions).toBe(['^--!', '---^--!']);
    });
  });

  it('stamps chunks in virtual time with its name and the requested model', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider('-- 8ms a|', { a: 'x' }, undefined, { name: 'fake', model: 'fake-1' });
      const seen = provider.stream({ ...ask, model: 'other' }).pipe(map((c) => [c.timestamp, c.metadata.provider, c.metadata.model, c.isFinal]));
      expectObservable(seen).toBe('-- 8ms a(F|)', { a: [10, 'fake', 'other', false], F: [11, 'fake', 'other', true] });
      expectSubscriptions(provider.subscriptions).toBe('^-- 8ms !');
    });
  });

  it('errors with the given error at #', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider('-a-#', { a: 'x' }, new Error('boom'));
      expectObservable(view(provider.stream(ask))).toBe('-a-#', { a: 'x' }, new Error('boom'));
      expectSubscriptions(provider.subscriptions).toBe('^--!');
    });
  });

  it('errors with a retryable ProviderError by default', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider('--#');
      const expected = new ProviderError('marble: scripted error', { provider: 'marble', code: 'scripted_error' });
      expect(expected.retryable).toBe(true);
      expectObservable(view(provider.stream(ask))).toBe('--#', {}, expected);
      expectSubscriptions(provider.subscriptions).toBe('^-!');
    });
  });

  it('plays the nth script for the nth request, and errors when the scripts run out', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider(['-a|', '--b|'], { a: 'A', b: 'B' });
      expectObservable(view(provider.stream(ask))).toBe('-a(F|)', { a: 'A', F: 'F:stop' });
      expectObservable(view(provider.stream(ask))).toBe('--b(F|)', { b: 'B', F: 'F:stop' });
      expectObservable(view(provider.stream(ask))).toBe('#', {}, new TypeError('marbleProvider: request #3 arrived but only 2 script(s) were given'));
      expectSubscriptions(provider.subscriptions).toBe(['^-!', '^--!', '(^!)']);
    });
  });

  it('assembles tool calls from toolCallDelta values into the final chunk, like a real provider', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider('-a-b-c|', {
        a: { metadata: { toolCallDelta: { index: 0, id: 'call_1', name: 'calculator', argumentsDelta: '{"expr' } } },
        b: { metadata: { toolCallDelta: { index: 1, id: 'call_2', name: 'clock', argumentsDelta: '' } } },
        c: { metadata: { toolCallDelta: { index: 0, argumentsDelta: 'ession":"1+1"}' } } },
      });
      const seen = provider.stream(ask).pipe(map((c) => (c.isFinal ? [c.metadata.finishReason, c.metadata.toolCalls] : 'd')));
      expectObservable(seen).toBe('-a-b-c(F|)', {
        a: 'd',
        b: 'd',
        c: 'd',
        F: [
          'tool_calls',
          [
            { id: 'call_1', name: 'calculator', arguments: { expression: '1+1' } },
            { id: 'call_2', name: 'clock', arguments: {} },
          ],
        ],
      });
      expectSubscriptions(provider.subscriptions).toBe('^-----!');
    });
  });

  it('keeps malformed tool arguments as the raw string', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider('-a|', { a: { metadata: { toolCallDelta: { index: 0, id: 'c', name: 't', argumentsDelta: '{"x":' } } } });
      const seen = provider.stream(ask).pipe(map((c) => (c.isFinal ? c.metadata.toolCalls : 'd')));
      expectObservable(seen).toBe('-a(F|)', { a: 'd', F: [{ id: 'c', name: 't', arguments: '{"x":' }] });
      expectSubscriptions(provider.subscriptions).toBe('^-!');
    });
  });

  it('appends no second final when the script has its own final value', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const usage = { inputTokens: 3, outputTokens: 2, totalTokens: 5 };
      const provider = marbleProvider('-a-F|', { a: 'x', F: { isFinal: true, metadata: { finishReason: 'length', usage } } });
      const seen = provider.stream(ask).pipe(map((c) => (c.isFinal ? [c.metadata.finishReason, c.metadata.usage] : c.content)));
      expectObservable(seen).toBe('-a-F|', { a: 'x', F: ['length', usage] });
      expectSubscriptions(provider.subscriptions).toBe('^---!');
    });
  });

  it('unsubscribing aborts the request: nothing more is emitted', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider('-a-b-c-|');
      expectObservable(view(provider.stream(ask)), '^--!').toBe('-a-', { a: 'a' });
      expectSubscriptions(provider.subscriptions).toBe('^--!');
    });
  });

  it('records each request at subscription, none before', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      const provider = marbleProvider('-a|');
      const request = { messages: [{ role: 'user' as const, content: 'one' }], temperature: 0.2 };
      const stream = provider.stream(request);
      expect(provider.requests).toEqual([]);
      expectObservable(view(stream), '--^').toBe('---a(F|)', { a: 'a', F: 'F:stop' });
      flush();
      expect(provider.requests).toEqual([request]);
      expectSubscriptions(provider.subscriptions).toBe('--^-!');
    });
  });

  it('rejects bad scripts at creation', () => {
    expect(() => marbleProvider([])).toThrow(TypeError);
    expect(() => marbleProvider('-a-!')).toThrow(/'!' is not allowed/);
  });

  it('info() describes a streaming provider with tools', () => {
    expect(marbleProvider('|', {}, undefined, { model: 'm' }).info()).toMatchObject({
      provider: 'marble',
      model: 'm',
      supportsStreaming: true,
      supportsTools: true,
    });
  });
});

/** The README's marble example, run as written (imports mapped to the sources). */
import { it, expect } from 'vitest';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Agent, timeoutStream } from '../src/index.js';
import { marbleProvider } from '../src/testing/index.js';

it('times out a stalled model', () => {
  const provider = marbleProvider('-a 99ms b|', { a: 'Hello', b: ' world' });
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ expectObservable, expectSubscriptions }) => {
    const agent = new Agent({ name: 'T', provider });
    const text = agent.stream('Hi').pipe(timeoutStream({ idle: 50 }), map((c) => c.content));
    expectObservable(text).toBe('-a 49ms #', { a: 'Hello' }, expect.objectContaining({ phase: 'idle' }));
    expectSubscriptions(provider.subscriptions).toBe('^ 50ms !');
  });
  expect(provider.requests[0]?.messages).toEqual([{ role: 'user', content: 'Hi' }]);
});

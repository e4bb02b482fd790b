/**
 * Every time option is honoured for any finite value: a timer cannot hold more than 2^31 − 1 ms (Node fires it
 * after 1 ms instead), so longer waits are made of steps — in virtual time too — and `Infinity` means no limit.
 */
import { describe, expect, it } from 'vitest';
import { Observable, map, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { z } from 'zod';
import { chunk, type StreamChunk } from '../src/chunk.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { Agent } from '../src/agent/agent.js';
import { bufferChunks } from '../src/operators/bufferChunks.js';
import { interruptAfter } from '../src/operators/interruptAfter.js';
import { retryStream } from '../src/operators/retryStream.js';
import { defineTool } from '../src/tools/tool.js';
import { marbleProvider } from '../src/testing/index.js';
import { MAX_TIMER_MS, scheduleAfter } from '../src/longTimers.js';

const LONG = 2 ** 31 + 1000; // just past what one timer holds
const DAYS_30 = 30 * 24 * 3600 * 1000;
const scheduler = (): TestScheduler => new TestScheduler((a, b) => expect(a).toEqual(b));
const c = (text: string): StreamChunk => chunk(text, { timestamp: 0 });

/**
 * The TestScheduler with Node's limit made loud: virtual time would hold any delay, so a wait longer than
 * one timer can hold fails the test here instead of firing after 1 ms as it would on Node.
 */
function nodeLike(ts: TestScheduler): SchedulerLike {
  return {
    now: () => ts.now(),
    schedule: <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T) => {
      if (delay > MAX_TIMER_MS) throw new RangeError(`a timer of ${delay} ms: Node would fire it after 1 ms`);
      return ts.schedule(work, delay, state);
    },
  };
}

describe('waits longer than a timer holds', () => {
  it('scheduleAfter splits the wait into timer-sized steps and runs the work once, on time', () => {
    const ts = scheduler();
    const delays: number[] = [];
    const node = nodeLike(ts);
    const spy: SchedulerLike = {
      now: () => ts.now(),
      schedule: <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T) => {
        delays.push(delay);
        return node.schedule(work, delay, state);
      },
    };
    let ranAt: number | undefined;
    ts.run(() => {
      scheduleAfter(spy, LONG, () => (ranAt = ts.now()));
    });
    expect(ranAt).toBe(LONG);
    expect(delays[0]).toBe(MAX_TIMER_MS);
    expect(delays.every((d) => d <= MAX_TIMER_MS)).toBe(true);
  });

  it("retryStream waits out a 30-day Retry-After instead of retrying at once", () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const limited = new ProviderError('429', { provider: 'x', status: 429, retryAfterMs: DAYS_30 });
      const source = cold<StreamChunk>('#', undefined, limited);
      expectObservable(source.pipe(retryStream({ count: 1, scheduler: nodeLike(ts) }))).toBe(`${DAYS_30}ms #`, undefined, limited);
      expectSubscriptions(source.subscriptions).toBe(['(^!)', `${DAYS_30}ms (^!)`]);
    });
  });

  it('retryStream: maxDelay Infinity means no cap', () => {
    const ts = scheduler();
    ts.run(({ cold, expectSubscriptions }) => {
      const source = cold<StreamChunk>('#', undefined, new ProviderError('503', { provider: 'x', status: 503 }));
      source.pipe(retryStream({ count: 1, delay: LONG, maxDelay: Infinity, scheduler: nodeLike(ts) })).subscribe({ error: () => undefined });
      expectSubscriptions(source.subscriptions).toBe(['(^!)', `${LONG}ms (^!)`]);
    });
  });

  it('interruptAfter({ time }) beyond 2^31 ms stops the stream then, not after 1 ms', () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold(`-a ${LONG + 10}ms b|`, { a: c('a'), b: c('b') });
      const labels = source.pipe(interruptAfter({ time: LONG, scheduler: nodeLike(ts) }), map((x) => (x.isFinal ? String(x.metadata.interruptedBy) : x.content)));
      expectObservable(labels).toBe(`-a ${LONG - 2}ms (t|)`, { a: 'a', t: 'time' });
    });
  });

  it('interruptAfter({ time: Infinity, chars }) keeps only the other limits', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b|', { a: c('aa'), b: c('bb') });
      const labels = source.pipe(interruptAfter({ time: Infinity, chars: 3 }), map((x) => (x.isFinal ? String(x.metadata.interruptedBy) : x.content)));
      expectObservable(labels).toBe('-a-(bc|)', { a: 'aa', b: 'bb', c: 'chars' });
    });
  });

  it('bufferChunks({ time }) beyond 2^31 ms flushes then', () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold(`-a ${LONG + 10}ms |`, { a: c('a') });
      expectObservable(source.pipe(bufferChunks({ time: LONG, count: 100, scheduler: nodeLike(ts) }), map((x) => x.content))).toBe(`- ${LONG}ms a 10ms |`, { a: 'a' });
    });
  });

  it("the agent's toolTimeout beyond 2^31 ms times out only after the full wait, not after 1 ms", () => {
    const ts = scheduler();
    ts.run(({ expectObservable }) => {
      const slow = defineTool({
        name: 'slow',
        description: 'd',
        parameters: z.object({}),
        execute: () => new Observable<string>((s) => void s), // never answers
      });
      const provider = marbleProvider(['d|', '---a|'], { d: { metadata: { toolCallDelta: { index: 0, id: 'c1', name: 'slow', argumentsDelta: '{}' } } }, a: 'done' });
      const agent = new Agent({ provider, tools: [slow], toolTimeout: LONG, scheduler: nodeLike(ts) });
      const results = agent.stream('x').pipe(
        map((x) => {
          const r = x.metadata.toolResult;
          return r === undefined ? (x.isFinal ? 'F' : x.metadata.toolCallDelta ? 'd' : x.metadata.eventType === 'tool_calls' ? 'T' : x.content) : 'error' in r ? r.error : 'ok';
        }),
      );
      expectObservable(results).toBe(`d(T) ${LONG - 3}ms e--a(F|)`, { d: 'd', T: 'T', e: `Tool slow timed out after ${LONG} ms`, a: 'done', F: 'F' });
    });
  });
});

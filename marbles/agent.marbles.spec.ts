/**
 * agent.stream(prompt): one turn, ended by exactly one final chunk, committed to the history when it ends.
 *
 * #region diagram: agent/stream
 * provider:   --a--b--|             a = 'Hel', b = 'lo'
 * agent:      --a--b--(F|)          agent.stream('Hi'): the chunks, then F = the one final chunk
 * request:    ^-------!
 * #endregion
 *
 * #region diagram: agent/unsubscribe
 * provider:   -a-b-c-|
 * agent:      -a-                   unsubscribed (or `break` out of `for await`) at frame 3
 * request:    ^--!                  the request is aborted at '!'
 * #endregion
 *
 * #region diagram: agent/tools
 * provider:   -d|                   d = tool-call delta; '|' = provider final with toolCalls
 * tool:         r                   the call runs (here synchronously): r = its result
 * provider:     ----a|              second request: the result goes back, the answer streams on
 * agent:      -d(TR)a(F|)           T = 'tool_calls' chunk (not final), R = toolResult chunk, F = the one final
 * requests:   ^-!
 *             --^----!
 * #endregion
 *
 * #region diagram: agent/parallelTools
 * provider:   -(st)|                s, t = deltas of two tool calls; '|' = provider final with toolCalls
 * slow tool:       ----x|           both tools start when the round ends and run concurrently
 * fast tool:       -y|
 * provider:             -a|         second request, once every tool has answered
 * agent:      -(st)T-R--Sa(F|)      T = 'tool_calls' chunk; R, S = toolResult chunks as each tool completes;
 *                                   F = the one final chunk, usage summed over both requests
 * requests:   ^----!
 *             ----------^-!
 * #endregion
 */
import { describe, expect, it } from 'vitest';
import { map, take, timer, type Observable } from 'rxjs';
import { z } from 'zod';
import { Agent } from '../src/agent/agent.js';
import { calculator } from '../src/tools/calculator.js';
import type { ToolResult } from '../src/chunk.js';
import { defineTool } from '../src/tools/tool.js';
import { chunk, type StreamChunk } from '../src/chunk.js';
import { StreamingResponse } from '../src/response.js';
import { MaxToolRoundsError } from '../src/errors/MaxToolRoundsError.js';
import { StreamTimeoutError } from '../src/errors/StreamTimeoutError.js';
import { StreamInterruptedError } from '../src/errors/StreamInterruptedError.js';
import { retryStream } from '../src/operators/retryStream.js';
import { resumable } from '../src/continuation.js';
import { continueRequest } from '../src/providers/resume.js';
import type { Provider } from '../src/providers/provider.js';
import { marbleProvider, type MarbleChunk } from '../src/testing/index.js';
import { testScheduler } from './helpers.js';

/** A compact view of an agent chunk. */
function label(c: StreamChunk): string {
  if (c.isFinal) return 'F';
  const m = c.metadata;
  if (m.toolCallDelta) return 'd';
  if (m.eventType === 'tool_calls') return `T:${(m.toolCalls ?? []).map((t) => t.name).join(',')}`;
  const r = m['toolResult'] as ToolResult | undefined;
  if (r) return 'error' in r ? `E:${r.name}:${r.error}` : `R:${r.name}=${JSON.stringify(r.result)}`;
  return c.content;
}
const labels = (source: Observable<StreamChunk>): Observable<string> => source.pipe(map(label));
/** The partial response of a turn that delivered `n` chunks with the given text. */
const delivered = (n: number, text = ''): StreamingResponse => {
  const response = new StreamingResponse({ keepChunks: false });
  for (let i = 0; i < n; i++) response.addChunk(chunk(i === 0 ? text : '', { timestamp: 0 }));
  return response;
};

const call = (index: number, id: string, name: string, args: string): MarbleChunk => ({
  metadata: { toolCallDelta: { index, id, name, argumentsDelta: args } },
});
const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens, totalTokens: inputTokens + outputTokens });

describe('Agent.stream', () => {
  it('streams the provider chunks and ends with the final chunk (which reaches the caller)', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider('--a--b--|', { a: 'Hel', b: 'lo' });
      const agent = new Agent({ name: 'a', provider, instructions: 'Be brief.' });
      expectObservable(labels(agent.stream('Hi'))).toBe('--a--b--(F|)', { a: 'Hel', b: 'lo', F: 'F' });
      expectSubscriptions(provider.subscriptions).toBe('^-------!');
    });
  });

  it('is cold: no request before subscription, one per subscription', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      const provider = marbleProvider('-a|');
      const agent = new Agent({ provider });
      const stream = agent.stream('Hi');
      flush();
      expect(provider.requests).toHaveLength(0);
      expectObservable(labels(stream), '--^').toBe('---a(F|)', { a: 'a', F: 'F' });
      expectSubscriptions(provider.subscriptions).toBe('--^-!');
    });
  });

  it('sends the system prompt, the prompt and per-call params over the agent params', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      const provider = marbleProvider('-a|');
      const agent = new Agent({ provider, model: 'm1', instructions: 'Be brief.', temperature: 0.5, topP: 0.9, providerOptions: { a: 1 } });
      expectObservable(labels(agent.stream('Hi', { temperature: 0.9, maxTokens: 10, stop: ['\n'], providerOptions: { b: 2 } }))).toBe(
        '-a(F|)',
        { a: 'a', F: 'F' },
      );
      expectSubscriptions(provider.subscriptions).toBe('^-!');
      flush();
      expect(provider.requests[0]).toEqual({
        model: 'm1',
        temperature: 0.9,
        topP: 0.9,
        maxTokens: 10,
        stop: ['\n'],
        providerOptions: { a: 1, b: 2 },
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
      });
    });
  });

  it('errors pass through; unsubscribing aborts the request', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const failing = marbleProvider('-a-#', { a: 'x' }, new Error('boom'));
      expectObservable(labels(new Agent({ provider: failing }).stream('Hi'))).toBe('-a-#', { a: 'x' }, new Error('boom'));
      expectSubscriptions(failing.subscriptions).toBe('^--!');

      const slow = marbleProvider('-a-b-c-|');
      expectObservable(labels(new Agent({ provider: slow }).stream('Hi')), '^--!').toBe('-a-', { a: 'a' });
      expectSubscriptions(slow.subscriptions).toBe('^--!');
    });
  });
});

describe('Agent.stream with params.signal', () => {
  it('an abort errors the stream with StreamInterruptedError (reason signal) and unsubscribes the provider at once', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider('-a-b-c-|');
      const controller = new AbortController();
      cold('----x|').subscribe(() => controller.abort());
      const expected = new StreamInterruptedError("The agent's stream was aborted by its signal", { partialResponse: delivered(2, 'ab'), reason: 'signal' });
      expectObservable(labels(new Agent({ provider }).stream('Hi', { signal: controller.signal }))).toBe('-a-b#', { a: 'a', b: 'b' }, expected);
      expectSubscriptions(provider.subscriptions).toBe('^---!');
    });
  });
});

describe('Agent.stream with tools', () => {
  it('runs the tool, sends the result back in a second request and streams the answer on', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      const provider = marbleProvider(['-dU|', '-----aV|'], {
        d: call(0, 'call_1', 'calculator', '{"expression":"15% of 2500"}'),
        U: { isFinal: true, metadata: { usage: usage(10, 5) } },
        a: '375',
        V: { isFinal: true, metadata: { usage: usage(20, 3) } },
      });
      const agent = new Agent({ provider, tools: [calculator] });
      const chunks: StreamChunk[] = [];
      const stream = agent.stream('15% of 2500?').pipe(map((c) => (chunks.push(c), label(c))));
      expectObservable(stream).toBe('-d-(TR)-aF|', {
        d: 'd',
        T: 'T:calculator',
        R: 'R:calculator=375',
        a: '375',
        F: 'F',
      });
      expectSubscriptions(provider.subscriptions).toBe(['^--!', '---^------!']);
      flush();

      expect(provider.requests[1]!.messages).toEqual([
        { role: 'user', content: '15% of 2500?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'calculator', arguments: { expression: '15% of 2500' } }] },
        { role: 'tool', content: '375', toolCallId: 'call_1', name: 'calculator' },
      ]);
      expect(provider.requests[1]!.tools).toEqual([calculator]);
      // exactly one final chunk, carrying the usage of both rounds and the calls that ran
      expect(chunks.filter((c) => c.isFinal)).toHaveLength(1);
      const final = chunks.at(-1)!;
      expect(final.metadata).toMatchObject({
        usage: usage(30, 8),
        finishReason: 'stop',
        toolRounds: 1,
        toolCalls: [{ id: 'call_1', name: 'calculator' }],
        toolResults: [{ toolCallId: 'call_1', name: 'calculator', result: 375 }],
      });
      // the intermediate provider final became a non-final chunk that still says why the round ended
      expect(chunks[1]).toMatchObject({ isFinal: false, metadata: { eventType: 'tool_calls', finishReason: 'tool_calls' } });
    });
  });

  it('runs parallel calls concurrently and answers in call order', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const slowRun = cold('----x|', { x: 'slow done' });
      const fastRun = cold('-y|', { y: 'fast done' });
      const slow = defineTool({ name: 'slow', description: '', parameters: { type: 'object' }, execute: () => slowRun });
      const fast = defineTool({ name: 'fast', description: '', parameters: { type: 'object' }, execute: () => fastRun });
      const provider = marbleProvider(['-(st)|', '-a|'], { s: call(0, 'c1', 'slow', '{}'), t: call(1, 'c2', 'fast', '{}') });
      const agent = new Agent({ provider, tools: [slow, fast] });
      expectObservable(labels(agent.stream('go'))).toBe('-(st)T-R--Sa(F|)', {
        s: 'd',
        t: 'd',
        T: 'T:slow,fast',
        R: 'R:fast="fast done"',
        S: 'R:slow="slow done"',
        a: 'a',
        F: 'F',
      });
      // both tools start together when the first round ends
      expectSubscriptions(slowRun.subscriptions).toBe('-----^----!');
      expectSubscriptions(fastRun.subscriptions).toBe('-----^-!');
      expectSubscriptions(provider.subscriptions).toBe(['^----!', '----------^-!']);
      flush();
      expect(provider.requests[1]!.messages.slice(2)).toEqual([
        { role: 'tool', content: 'slow done', toolCallId: 'c1', name: 'slow' },
        { role: 'tool', content: 'fast done', toolCallId: 'c2', name: 'fast' },
      ]);
    });
  });

  it('unsubscribing mid-tool cancels the tool (its signal aborts) and sends no further request', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const work = cold('------x|');
      let signal: AbortSignal | undefined;
      const tool = defineTool({
        name: 'work',
        description: '',
        parameters: { type: 'object' },
        execute: (_args, context) => {
          signal = context.signal;
          return work;
        },
      });
      const provider = marbleProvider(['-d|', '-a|'], { d: call(0, 'c1', 'work', '{}') });
      const agent = new Agent({ provider, tools: [tool] });
      expectObservable(labels(agent.stream('go')), '^----!').toBe('-d(T)', { d: 'd', T: 'T:work' });
      expectSubscriptions(work.subscriptions).toBe('--^--!');
      expectSubscriptions(provider.subscriptions).toBe('^-!');
      flush();
      expect(signal?.aborted).toBe(true);
      expect(provider.requests).toHaveLength(1);
    });
  });

  it('a tool that finishes is not aborted afterwards', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      let signal: AbortSignal | undefined;
      const tool = defineTool({
        name: 'quick',
        description: '',
        parameters: { type: 'object' },
        execute: (_args, context) => {
          signal = context.signal;
          return 'ok';
        },
      });
      const provider = marbleProvider(['-d|', '----a|'], { d: call(0, 'c1', 'quick', '{}') });
      expectObservable(labels(new Agent({ provider, tools: [tool] }).stream('go'))).toBe('-d(TR)a(F|)', {
        d: 'd',
        T: 'T:quick',
        R: 'R:quick="ok"',
        a: 'a',
        F: 'F',
      });
      expectSubscriptions(provider.subscriptions).toBe(['^-!', '--^----!']);
      flush();
      expect(signal?.aborted).toBe(false);
    });
  });

  it('an unknown tool, invalid arguments, malformed JSON and a throwing tool become error results for the model', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      const typed = defineTool({
        name: 'typed',
        description: '',
        parameters: z.object({ n: z.number() }),
        execute: ({ n }) => n * 2,
      });
      const broken = defineTool({
        name: 'broken',
        description: '',
        parameters: { type: 'object' },
        execute: () => {
          throw new Error('kaput');
        },
      });
      const provider = marbleProvider(['-(uvwx)|', '-------a|'], {
        u: call(0, 'c1', 'nope', '{}'),
        v: call(1, 'c2', 'typed', '{"n":"x"}'),
        w: call(2, 'c3', 'typed', '{"n":'),
        x: call(3, 'c4', 'broken', '{}'),
      });
      const agent = new Agent({ provider, tools: [typed, broken] });
      expectObservable(labels(agent.stream('go'))).toBe('-(uvwx)(TABCD)a(F|)', {
        u: 'd',
        v: 'd',
        w: 'd',
        x: 'd',
        T: 'T:nope,typed,typed,broken',
        A: 'E:nope:Unknown tool "nope"; available tools: typed, broken',
        B: 'E:typed:Invalid arguments for tool typed: n: Invalid input: expected number, received string',
        C: 'E:typed:The arguments for tool typed are not valid JSON: {"n":',
        D: 'E:broken:kaput',
        a: 'a',
        F: 'F',
      });
      expectSubscriptions(provider.subscriptions).toBe(['^------!', '-------^-------!']);
      flush();
      const toolMessages = provider.requests[1]!.messages.filter((m) => m.role === 'tool');
      expect(toolMessages.map((m) => JSON.parse(m.content) as unknown)).toEqual([
        { error: 'Unknown tool "nope"; available tools: typed, broken' },
        { error: 'Invalid arguments for tool typed: n: Invalid input: expected number, received string' },
        { error: 'The arguments for tool typed are not valid JSON: {"n":' },
        { error: 'kaput' },
      ]);
    });
  });

  it('a tool slower than toolTimeout is cancelled and answered with a timeout error', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const work = cold('------x|');
      const tool = defineTool({ name: 'slow', description: '', parameters: { type: 'object' }, execute: () => work });
      const provider = marbleProvider(['-d|', '--a|'], { d: call(0, 'c1', 'slow', '{}') });
      const agent = new Agent({ provider, tools: [tool], toolTimeout: 3 });
      expectObservable(labels(agent.stream('go'))).toBe('-d(T)R-a(F|)', {
        d: 'd',
        T: 'T:slow',
        R: 'E:slow:Tool slow timed out after 3 ms',
        a: 'a',
        F: 'F',
      });
      expectSubscriptions(work.subscriptions).toBe('--^--!');
      expectSubscriptions(provider.subscriptions).toBe(['^-!', '-----^--!']);
    });
  });

  it('runs several rounds, and errors with MaxToolRoundsError when the model keeps calling tools', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const d = call(0, 'c', 'calculator', '{"expression":"1+1"}');
      const provider = marbleProvider(['-d|', '----d|', '----d|'], { d });
      const agent = new Agent({ provider, tools: [calculator], maxToolRounds: 2 });
      const values = { d: 'd', T: 'T:calculator', R: 'R:calculator=2' };
      expectObservable(labels(agent.stream('loop'))).toBe(
        '-d(TR)d(TR)d#',
        values,
        // The error carries the turn's text so far — every round's (here: 7 chunks, no text).
        new MaxToolRoundsError('The model asked for more tools (calculator) after 2 tool round(s); maxToolRounds is 2', {
          maxToolRounds: 2,
          toolCalls: [],
        }).withPartialResponse(delivered(7)),
      );
      expectSubscriptions(provider.subscriptions).toBe(['^-!', '--^----!', '-------^----!']);
    });
  });

  it('maxToolRounds: 0 never runs a tool', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider('-d|', { d: call(0, 'c', 'calculator', '{"expression":"1"}') });
      const agent = new Agent({ provider, tools: [calculator], maxToolRounds: 0 });
      expectObservable(labels(agent.stream('x'))).toBe(
        '-d#',
        { d: 'd' },
        new MaxToolRoundsError('The model asked for more tools (calculator) after 0 tool round(s); maxToolRounds is 0', {
          maxToolRounds: 0,
          toolCalls: [],
        }).withPartialResponse(delivered(1)),
      );
      expectSubscriptions(provider.subscriptions).toBe('^-!');
    });
  });
});

describe('Agent history', () => {
  it('commits a completed turn, before the final chunk reaches the subscriber, and sends it with the next turn', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      const provider = marbleProvider(['-a-b|', '-c|'], { a: 'Hel', b: 'lo', c: 'Fine' });
      const agent = new Agent({ provider, instructions: 'sys' });
      let seenAtFinal = -1;
      const first = agent.stream('Hi').pipe(map((c) => (c.isFinal && (seenAtFinal = agent.history.length), label(c))));
      expectObservable(first).toBe('-a-b(F|)', { a: 'Hel', b: 'lo', F: 'F' });
      expectObservable(labels(agent.stream('How are you?')), '------^').toBe('-------c(F|)', { c: 'Fine', F: 'F' });
      expectSubscriptions(provider.subscriptions).toBe(['^---!', '------^-!']);
      flush();
      expect(seenAtFinal).toBe(2);
      expect(provider.requests[1]!.messages).toEqual([
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'How are you?' },
      ]);
      expect(agent.history).toEqual([
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'How are you?' },
        { role: 'assistant', content: 'Fine' },
      ]);
    });
  });

  it('keeps the tool rounds of a turn in the history', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      const provider = marbleProvider(['-xd|', '----a|'], { x: 'Let me see. ', d: call(0, 'c1', 'calculator', '{"expression":"2*3"}'), a: '6' });
      const agent = new Agent({ provider, tools: [calculator] });
      expectObservable(labels(agent.stream('2*3?'))).toBe('-xd(TR)a(F|)', {
        x: 'Let me see. ',
        d: 'd',
        T: 'T:calculator',
        R: 'R:calculator=6',
        a: '6',
        F: 'F',
      });
      expectSubscriptions(provider.subscriptions).toBe(['^--!', '---^----!']);
      flush();
      expect(agent.history).toEqual([
        { role: 'user', content: '2*3?' },
        { role: 'assistant', content: 'Let me see. ', toolCalls: [{ id: 'c1', name: 'calculator', arguments: { expression: '2*3' } }] },
        { role: 'tool', content: '6', toolCallId: 'c1', name: 'calculator' },
        { role: 'assistant', content: '6' },
      ]);
    });
  });

  it('an interrupted turn is committed once with its partial text marked interrupted', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      const provider = marbleProvider('-a-b-c-|', { a: 'He', b: 'll', c: 'o' });
      const agent = new Agent({ provider });
      expectObservable(labels(agent.stream('Hi').pipe(take(2)))).toBe('-a-(b|)', { a: 'He', b: 'll' });
      expectSubscriptions(provider.subscriptions).toBe('^--!');
      flush();
      expect(agent.history).toEqual([
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hell', status: 'interrupted' },
      ]);
    });
  });

  it('a failed turn is marked error; one that failed before any text is not sent to the model again', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      const provider = marbleProvider(['-a#', '#', '-b|'], { a: 'partial' }, new Error('down'));
      const agent = new Agent({ provider });
      expectObservable(labels(agent.stream('one'))).toBe('-a#', { a: 'partial' }, new Error('down'));
      expectObservable(labels(agent.stream('two')), '---^').toBe('---#', {}, new Error('down'));
      expectObservable(labels(agent.stream('three')), '----^').toBe('-----b(F|)', { b: 'b', F: 'F' });
      expectSubscriptions(provider.subscriptions).toBe(['^-!', '---(^!)', '----^-!']);
      flush();
      expect(agent.history).toEqual([
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'partial', status: 'error' },
        { role: 'user', content: 'two' },
        { role: 'assistant', content: '', status: 'error' },
        { role: 'user', content: 'three' },
        { role: 'assistant', content: 'b' },
      ]);
      // no dangling user message: the turn that produced nothing is left out of the request
      expect(provider.requests[2]!.messages).toEqual([
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'partial' },
        { role: 'user', content: 'three' },
      ]);
    });
  });

  it('a retried stream (retryStream resubscribes) commits one turn, not two', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      const provider = marbleProvider(['-#', '-a|'], { a: 'ok' });
      const agent = new Agent({ provider });
      expectObservable(labels(agent.stream('Hi').pipe(retryStream({ count: 2, delay: 2, jitter: false })))).toBe('----a(F|)', { a: 'ok', F: 'F' });
      expectSubscriptions(provider.subscriptions).toBe(['^!', '---^-!']);
      flush();
      expect(provider.requests[1]!.messages).toEqual([{ role: 'user', content: 'Hi' }]);
      expect(agent.history).toEqual([
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'ok' },
      ]);
    });
  });

  it('one stream() subscribed twice commits at most one turn, and neither request sees the other', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      const provider = marbleProvider(['-a|', '-b|'], { a: 'A', b: 'B' });
      const agent = new Agent({ provider });
      const stream = agent.stream('Hi');
      expectObservable(labels(stream)).toBe('-a(F|)', { a: 'A', F: 'F' });
      expectObservable(labels(stream), '-----^').toBe('------b(F|)', { b: 'B', F: 'F' });
      expectSubscriptions(provider.subscriptions).toBe(['^-!', '-----^-!']);
      flush();
      expect(provider.requests[1]!.messages).toEqual([{ role: 'user', content: 'Hi' }]);
      expect(agent.history).toEqual([
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'B' },
      ]);
    });
  });

  it('clearHistory() forgets the conversation; a stream running meanwhile commits nothing', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const provider = marbleProvider(['-a|', '-b---|'], { a: 'A', b: 'B' });
      const agent = new Agent({ provider });
      expectObservable(labels(agent.stream('one'))).toBe('-a(F|)', { a: 'A', F: 'F' });
      expectObservable(labels(agent.stream('two')), '---^').toBe('----b---(F|)', { b: 'B', F: 'F' });
      const clear = cold('-----x|');
      clear.subscribe(() => agent.clearHistory());
      expectSubscriptions(provider.subscriptions).toBe(['^-!', '---^----!']);
      expectSubscriptions(clear.subscriptions).toBe('^-----!');
      flush();
      expect(agent.history).toEqual([]);
      expect(provider.requests[1]!.messages).toEqual([
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'A' },
        { role: 'user', content: 'two' },
      ]);
    });
  });
});

describe('Agent timeout { first, idle, total }', () => {
  // Round 1 calls a tool that runs 100 ms; round 2 answers.
  const slowTool = defineTool({
    name: 'slow',
    description: 'takes 100 ms',
    parameters: z.object({}),
    execute: () => timer(100).pipe(map(() => 'done')),
  });
  const values = { d: 'd', T: 'T:slow', R: 'R:slow="done"', a: 'a', b: 'b', F: 'F' };
  const slowCall = call(0, 'c1', 'slow', '{}');

  it('idle watches model output only: a 100 ms tool never trips a 20 ms idle deadline', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider(['-d|', '-a-b|'], { d: slowCall, a: 'a', b: 'b' });
      const agent = new Agent({ provider, tools: [slowTool], timeout: { idle: 20 } });
      expectObservable(labels(agent.stream('x'))).toBe('-d(T) 97ms Ra-b(F|)', values);
      expectSubscriptions(provider.subscriptions).toBe(['^-!', '102ms ^---!']);
    });
  });

  it('idle fires when the model stalls in a later round; the error carries every round\'s text', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider(['-x-d|', '-a 50ms b|'], { x: 'Let me check. ', d: slowCall, a: 'The answer', b: ' is 2.' });
      const agent = new Agent({ provider, tools: [slowTool], timeout: { idle: 20 } });
      const text = { ...values, x: 'Let me check. ', a: 'The answer' };
      const partial = new StreamingResponse({ keepChunks: false });
      for (const t of ['Let me check. ', '', '', '', 'The answer']) partial.addChunk(chunk(t, { timestamp: 0 }));
      expectObservable(labels(agent.stream('x'))).toBe(
        '-x-d(T) 97ms Ra 19ms #',
        text,
        new StreamTimeoutError('Stream timed out: no chunk for 20 ms (idle)', { partialResponse: partial, phase: 'idle', timeoutMs: 20 }),
      );
      expectSubscriptions(provider.subscriptions).toBe(['^---!', '104ms ^ 20ms !']);
    });
  });

  it('first applies to each round: a second request that is silent too long fails with phase first', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider(['-d|', '30ms a|'], { d: slowCall, a: 'a' });
      const agent = new Agent({ provider, tools: [slowTool], timeout: { first: 20 } });
      expectObservable(labels(agent.stream('x'))).toBe(
        '-d(T) 97ms R 19ms #',
        values,
        new StreamTimeoutError('Stream timed out: no first chunk within 20 ms (first)', { partialResponse: delivered(3), phase: 'first', timeoutMs: 20 }),
      );
      expectSubscriptions(provider.subscriptions).toBe(['^-!', '102ms ^ 19ms !']);
    });
  });

  it('total spans the whole turn, tool time included: the running tool and the turn stop at the deadline', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider(['-d|', '-a|'], { d: slowCall, a: 'a' });
      const agent = new Agent({ provider, tools: [slowTool], timeout: 50 });
      expectObservable(labels(agent.stream('x'))).toBe(
        '-d(T) 45ms #',
        values,
        new StreamTimeoutError('Stream timed out: not finished within 50 ms (total)', { partialResponse: delivered(2), phase: 'total', timeoutMs: 50 }),
      );
      expectSubscriptions(provider.subscriptions).toBe(['^-!']);
    });
  });

  it('a per-call timeout overrides the agent\'s field by field; Infinity lifts a deadline', () => {
    testScheduler().run(({ expectObservable }) => {
      const provider = marbleProvider('-a 50ms b|', { a: 'a', b: 'b' });
      const agent = new Agent({ provider, timeout: { idle: 20, total: 1000 } });
      expectObservable(labels(agent.stream('x', { timeout: { idle: Infinity } }))).toBe('-a 50ms b(F|)', values);
      expectObservable(labels(agent.stream('x', { timeout: { idle: 30 } }))).toBe(
        '-a 29ms #',
        values,
        new StreamTimeoutError('Stream timed out: no chunk for 30 ms (idle)', { partialResponse: delivered(1, 'a'), phase: 'idle', timeoutMs: 30 }),
      );
      expect(() => agent.stream('x', { timeout: { idle: -1 } })).toThrow(/agent\.stream: params\.timeout\.idle must be a positive number of ms/);
      expect(() => new Agent({ provider, timeout: Number.NaN })).toThrow(/Agent: timeout must be a positive number/);
    });
  });
});

describe("Agent streams resume (retryStream({ afterContent: 'resume' }))", () => {
  /** A marble provider whose streams continue by prefill, as Anthropic's and Ollama's do. */
  const resumableProvider = (inner: Provider): Provider => ({
    ...inner,
    stream: (request) => resumable(inner.stream(request), (delivered) => inner.stream(continueRequest(request, delivered.text, 'prefill'))),
  });

  it('a cut inside a tool call\'s arguments restarts that round: the call runs once, the answer goes on', () => {
    let runs = 0;
    const echo = defineTool({ name: 'echo', description: 'd', parameters: z.object({}), execute: () => (runs++, 'pong') });
    const inner = marbleProvider(['-d-#', '-e|', '----a|'], { d: call(0, 'c1', 'echo', '{'), e: call(0, 'c1', 'echo', '{}'), a: 'done' });
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const agent = new Agent({ provider: resumableProvider(inner), tools: [echo] });
      const out = agent.stream('x').pipe(retryStream({ afterContent: 'resume', delay: 1 }), map(label));
      expectObservable(out).toBe('-d-- -d(TR)a(F|)', { d: 'd', T: 'T:echo', R: 'R:echo="pong"', a: 'done', F: 'F' });
      expectSubscriptions(inner.subscriptions).toBe(['^--!', '----^-!', '------^----!']);
    });
    expect(runs).toBe(1);
    expect(inner.requests[1]?.messages).toEqual(inner.requests[0]?.messages); // restarted, not continued
  });

  it('a cut after text continues the round through the provider\'s continuation (prefill)', () => {
    const inner = marbleProvider(['-a-#', '-b|'], { a: 'Hello', b: ' world' });
    testScheduler().run(({ expectObservable }) => {
      const agent = new Agent({ provider: resumableProvider(inner) });
      expectObservable(agent.stream('x').pipe(retryStream({ afterContent: 'resume', delay: 1 }), map(label))).toBe('-a-- -b(F|)', { a: 'Hello', b: ' world', F: 'F' });
    });
    expect(inner.requests[1]?.messages.at(-1)).toEqual({ role: 'assistant', content: 'Hello' });
  });

  it('over a provider that cannot continue, a resume fails with a TypeError naming the fix (no second request)', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions }) => {
      const provider = marbleProvider(['-a-#'], { a: 'Hel' });
      const agent = new Agent({ provider });
      const error = new TypeError(
        "agent: the marble provider's streams cannot continue a cut answer, so this turn cannot resume; use retryStream({ afterContent: 'restart' })",
      );
      // The TypeError is not retried; it ends the stream with what was delivered (wrapped: it is not the library's own class).
      expectObservable(agent.stream('x').pipe(retryStream({ afterContent: 'resume', delay: 1 }), map(label))).toBe(
        '-a-- #',
        { a: 'Hel' },
        new StreamInterruptedError(`Stream failed after 1 chunk(s): ${error.message}`, { partialResponse: delivered(1, 'Hel'), reason: 'error' }),
      );
      expectSubscriptions(provider.subscriptions).toBe(['^--!']);
    });
  });
});

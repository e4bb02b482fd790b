/**
 * Workflows with real time and the real `openai` SDK against a loopback server: an LLM step's request
 * carries its dependencies' results and no history; unsubscribing a run closes the socket of the step in
 * flight; handlers returning promises, async generators and strings; the guide's calculator workflow.
 */
import { describe, expect, it } from 'vitest';
import { concat, defer, filter, lastValueFrom, throwError, toArray } from 'rxjs';
import { ProviderError } from '../src/errors/ProviderError.js';
import { retryStream } from '../src/operators/retryStream.js';
import { z } from 'zod';
import { mockStream } from '../src/providers/mock.js';
import { evaluateExpression } from '../src/tools/calculator.js';
import { defineTool } from '../src/tools/tool.js';
import { isToolError } from '../src/errors/ToolError.js';
import { isWorkflowError } from '../src/errors/WorkflowError.js';
import { WorkflowAgent } from '../src/workflow/workflowAgent.js';
import { toolHandler } from '../src/workflow/toolHandler.js';
import type { WorkflowEvent } from '../src/workflow/events.js';
import { marbleProvider } from '../src/testing/index.js';
import { hang, sse, useWireServer } from './helpers/wireServer.js';
import { abortedWithin, sleep } from './helpers/streams.js';

const server = useWireServer();

function agent(): WorkflowAgent {
  return new WorkflowAgent({ name: 'wf', model: 'gpt-4o-mini', apiKey: 'sk-test-key', baseURL: `${server.url}/v1`, instructions: 'Be brief.' });
}

describe('WorkflowAgent over the wire', () => {
  it("an LLM step's request carries its dependencies' results, and never the agent's history", async () => {
    server.enqueue(sse('openai-text.sse'), sse('openai-text.sse'));
    const a = agent();
    await a.run('Remember: the sky is green.');
    const wf = a
      .createWorkflow('report')
      .addStep({ name: 'numbers', handler: () => ({ revenue: 12, costs: 5 }) })
      .addStep({ name: 'summary', action: 'Summarise the numbers.', dependsOn: ['numbers'] });
    const result = await a.executeWorkflow(wf);

    expect(result.successful).toBe(true);
    expect(result.results).toEqual({ numbers: { revenue: 12, costs: 5 }, summary: 'Hello, world!' });
    const body = server.requests[1]!.body as { messages: unknown[] };
    expect(body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Summarise the numbers.\n\nResults of the steps this one depends on:\n\n## numbers\n{"revenue":12,"costs":5}' },
    ]);
    expect(a.history).toHaveLength(2); // the run() turn only
  });

  it('unsubscribing a run aborts the request of the step in flight at the socket', async () => {
    server.enqueue(hang);
    const a = agent();
    const wf = a.createWorkflow('slow').addStep({ name: 'answer', action: 'Take your time.' });
    const events: WorkflowEvent['type'][] = [];
    const subscription = a.streamWorkflow(wf).subscribe((e) => events.push(e.type));
    while (server.requests.length === 0) await sleep(5);
    subscription.unsubscribe();
    await expect(abortedWithin(server.requests[0]!.aborted, 1000)).resolves.toBeTypeOf('number');
    expect(events).toEqual(['workflow-start', 'step-start']);
  });
});

describe('WorkflowAgent handlers', () => {
  const offline = (): WorkflowAgent => new WorkflowAgent({ name: 'Calculator', provider: marbleProvider('|') });

  it("reproduces the guide's calculator workflow: status streamed, the handler's context write kept", async () => {
    const a = offline();
    a.registerHandler('calculate', (_agent, _step, context) =>
      concat(
        mockStream(`Calculating ${JSON.stringify(context['calc_params'])}...\n`, { chunkSize: 5 }),
        defer(() => {
          const { expression } = context['calc_params'] as { expression: string };
          context['calc_result'] = evaluateExpression(expression);
          return mockStream(`Result: ${String(context['calc_result'])}\n`, { chunkSize: 5 });
        }),
      ),
    );
    const wf = a.createWorkflow('math_workflow').addStep({ name: 'calculate', handler: 'calculate', action: 'Performing calculation...' });
    const context = { calc_params: { expression: '15 * 2500 / 100' } };
    const events = await lastValueFrom(a.streamWorkflow(wf, { context }).pipe(toArray()));
    const text = events.flatMap((e) => (e.type === 'chunk' ? [e.chunk.content] : [])).join('');
    expect(text).toBe('Calculating {"expression":"15 * 2500 / 100"}...\nResult: 375\n');
    const done = events.at(-1)!;
    expect(done.type).toBe('workflow-complete');
    if (done.type !== 'workflow-complete') return;
    expect(done.result.context).toBe(context);
    expect(context).toEqual({ calc_params: { expression: '15 * 2500 / 100' }, calc_result: 375 });
    expect(done.result.results['calculate']).toBe(text); // a streaming step's result: the text it streamed
    expect(new Set(events.map((e) => e.runId)).size).toBe(1);
  });

  it('a Promise is awaited, a string is a value (never iterated), an async generator streams', async () => {
    const a = offline();
    const wf = a
      .createWorkflow('kinds')
      .addStep({ name: 'promise', handler: async () => ({ ok: true }) })
      .addStep({ name: 'text', handler: () => 'a whole string' })
      .addStep({
        name: 'generator',
        handler: async function* () {
          yield 'one ';
          yield 'two';
        },
      });
    const events = await lastValueFrom(a.streamWorkflow(wf).pipe(toArray()));
    const chunksOf = (step: string): string[] => events.flatMap((e) => (e.type === 'chunk' && e.step === step ? [e.chunk.content] : []));
    expect(chunksOf('text')).toEqual([]);
    expect(chunksOf('generator')).toEqual(['one ', 'two']);
    const done = events.at(-1)!;
    if (done.type !== 'workflow-complete') throw new Error('no workflow-complete');
    expect(done.result.results).toEqual({ promise: { ok: true }, text: 'a whole string', generator: 'one two' });
  });

  it('a generator and an interop Observable stream; a Set and a Map are values', async () => {
    const a = offline();
    const interop = { [Symbol.observable ?? '@@observable']: () => mockStream('interop!', { chunkSize: 4 }) };
    const set = new Set(['x']);
    const map = new Map([['k', 1]]);
    const wf = a
      .createWorkflow('iterables')
      .addStep({
        name: 'generator',
        handler: function* () {
          yield 'g1 ';
          yield 'g2';
        },
      })
      .addStep({ name: 'interop', handler: () => interop })
      .addStep({ name: 'set', handler: () => set })
      .addStep({ name: 'map', handler: () => map });
    const events = await lastValueFrom(a.streamWorkflow(wf).pipe(toArray()));
    const chunksOf = (step: string): string[] => events.flatMap((e) => (e.type === 'chunk' && e.step === step ? [e.chunk.content] : []));
    expect(chunksOf('generator')).toEqual(['g1 ', 'g2']);
    expect(chunksOf('interop').join('')).toBe('interop!');
    const done = events.at(-1)!;
    if (done.type !== 'workflow-complete') throw new Error('no workflow-complete');
    expect(done.result.results).toMatchObject({ generator: 'g1 g2', interop: 'interop!' });
    expect(done.result.results['set']).toBe(set);
    expect(done.result.results['map']).toBe(map);
  });

  it("a step restarted by retryStream({ afterContent: 'restart' }) keeps only the new attempt's text, and so do its dependents' prompts", async () => {
    const a = offline();
    let attempts = 0;
    a.registerHandler(
      'flaky',
      () =>
        defer(() => {
          attempts++;
          return attempts === 1
            ? concat(mockStream('Hello wor', { chunkSize: 3 }).pipe(filter((c) => !c.isFinal)), throwError(() => new ProviderError('reset', { provider: 'p', status: 503 })))
            : mockStream('Hello world', { chunkSize: 3 });
        }).pipe(retryStream({ count: 2, delay: 0, afterContent: 'restart' })),
    );
    let seen: unknown;
    const wf = a
      .createWorkflow('restart')
      .addStep({ name: 'flaky', handler: 'flaky' })
      .addStep({ name: 'after', dependsOn: ['flaky'], handler: (_agent, _step, _context, { results }) => (seen = results['flaky']) });
    const result = await a.executeWorkflow(wf);
    expect(result.results['flaky']).toBe('Hello world');
    expect(seen).toBe('Hello world');
  });

  it('a handler that throws or rejects fails its step; executeWorkflow still resolves with successful: false', async () => {
    const a = offline();
    const wf = a
      .createWorkflow('broken')
      .addStep({ name: 'throws', handler: () => { throw new RangeError('bad input'); } })
      .addStep({ name: 'rejects', handler: () => Promise.reject(new Error('down')) })
      .addStep({ name: 'after', handler: () => 'never', dependsOn: ['throws'] });
    const result = await a.executeWorkflow(wf);
    expect(result.successful).toBe(false);
    expect(Object.keys(result.errors).sort()).toEqual(['rejects', 'throws']);
    expect(result.skipped).toEqual({ after: 'dependency-failed' });
  });

  it('refuses an unknown handler before anything runs: executeWorkflow rejects with a WorkflowError naming it', async () => {
    const a = offline();
    let ran = false;
    a.registerHandler('ok', () => (ran = true));
    const wf = a.createWorkflow('w').addStep({ name: 'first', handler: 'ok' }).addStep({ name: 'second', handler: 'missing' });
    const error: unknown = await a.executeWorkflow(wf).catch((e: unknown) => e);
    expect(isWorkflowError(error)).toBe(true);
    expect((error as Error).message).toMatch(/unknown handlers: second uses "missing"/);
    expect(ran).toBe(false);
  });

  it('toolHandler: the guide wrapper pattern — params from context, result in context and results, ToolError on failure', async () => {
    const a = offline();
    const convert = defineTool({
      name: 'convert',
      description: 'Celsius to Fahrenheit',
      parameters: z.object({ celsius: z.number() }),
      execute: async ({ celsius }, { signal }) => {
        signal.throwIfAborted();
        if (celsius < -273.15) throw new RangeError('below absolute zero');
        return celsius * 1.8 + 32;
      },
    });
    a.registerHandler('convert', toolHandler(convert));
    const wf = a.createWorkflow('temps').addStep({ name: 'temp', handler: 'convert' });
    const context: Record<string, unknown> = { temp_params: { celsius: 100 } };
    const ok = await a.executeWorkflow(wf, { context });
    expect(ok.results).toEqual({ temp: 212 });
    expect(context['temp_result']).toBe(212);

    const failed = await a.executeWorkflow(wf, { context: { temp_params: { celsius: -300 } } });
    expect(failed.successful).toBe(false);
    const error = failed.errors['temp'];
    expect(isToolError(error)).toBe(true);
    expect(error).toMatchObject({ tool: 'convert', message: 'Tool convert (step "temp"): below absolute zero' });
    expect((error as Error).cause).toBeInstanceOf(RangeError);
  });
});

describe('large workflows', () => {
  const chain = (a: WorkflowAgent, n: number, first: () => unknown) => {
    const wf = a.createWorkflow('chain').addStep({ name: 's0', handler: first });
    for (let i = 1; i < n; i++) wf.addStep({ name: `s${i}`, handler: () => i, dependsOn: [`s${i - 1}`] });
    return wf;
  };

  it('runs a 10,000-step chain of synchronous handlers to its end', async () => {
    const a = new WorkflowAgent({ provider: marbleProvider('|') });
    const result = await a.executeWorkflow(chain(a, 10_000, () => 0));
    expect(result.successful).toBe(true);
    expect(result.results['s9999']).toBe(9999);
  });

  it('skips the 9,999 dependents of a failed first step without overflowing the stack', async () => {
    const a = new WorkflowAgent({ provider: marbleProvider('|') });
    const result = await a.executeWorkflow(chain(a, 10_000, () => Promise.reject(new Error('no'))));
    expect(result.successful).toBe(false);
    expect(Object.keys(result.skipped)).toHaveLength(9_999);
    expect([result.skipped['s1'], result.skipped['s9999']]).toEqual(['dependency-failed', 'dependency-skipped']);
  });
});

describe('agent.stream(prompt, { history: false })', () => {
  it('sends no history and commits nothing', async () => {
    const provider = marbleProvider('a|', { a: 'ok' });
    const a = new WorkflowAgent({ provider });
    await a.run('first');
    await lastValueFrom(a.stream('one-off', { history: false }).pipe(toArray()));
    expect(provider.requests[1]!.messages).toEqual([{ role: 'user', content: 'one-off' }]);
    expect(a.history.map((m) => m.content)).toEqual(['first', 'ok']);
    expect(() => a.stream('x', { history: 'no' as unknown as boolean })).toThrow(/history must be a boolean/);
  });
});

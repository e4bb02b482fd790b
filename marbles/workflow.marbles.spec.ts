/**
 * agent.streamWorkflow(workflow): steps as handlers, each started as soon as its dependencies are done.
 *
 * #region diagram: workflow/diamond
 * workflow:  a ─┬─ b ─┐                    b and c depend on a, d on both
 *               └─ c ─┴─ d
 * a:         10ms x 9ms |
 * b:                    20ms ^ 20ms y 9ms |      (subscribed when a completes)
 * c:                    20ms ^ 10ms z 9ms |
 * d:                                     50ms ^ 10ms w 9ms |
 * events:    (WA) 6ms x 9ms (Bbc) 5ms z 9ms (yD) 6ms (Ed) 6ms w 9ms (VR|)
 *            W = workflow-start, A/b/c/d = step-start, x/y/z/w = chunk events, B/D/E/V = step-complete,
 *            R = workflow-complete
 * #endregion
 *
 * #region diagram: workflow/switch
 * input:     -p 9ms q 29ms |                    p, q = inputs; each run streams 10 ms after it starts, ends 10 ms later
 * runWorkflow(agent, workflow)                  policy 'switch' (the default)
 * result:    - (WA) 6ms (WA) 6ms y 9ms (DR) 6ms |    q's run starts at 11 and cancels p's (its step unsubscribed)
 * p's step:  - ^ 9ms !
 * q's step:  11ms ^ 19ms !
 * #endregion
 *
 * Events are shown by `label()`: 'W', 's:a' (step-start), 'a:x' (a chunk of a), 'C:a=<result>',
 * 'F:a:<error name>', 'S:a:<reason>', 'T:a#2' (a retry: the attempt about to start), 'R:<successful>'.
 */
import { describe, expect, it } from 'vitest';
import { filter, map, of, timer, type Observable } from 'rxjs';
import { z } from 'zod';
import { defineTool } from '../src/tools/tool.js';
import type { RunHelpers } from 'rxjs/testing';
import { chunk, type StreamChunk } from '../src/chunk.js';
import { StreamTimeoutError } from '../src/errors/StreamTimeoutError.js';
import { WorkflowError } from '../src/errors/WorkflowError.js';
import { calculator } from '../src/tools/calculator.js';
import { marbleProvider } from '../src/testing/index.js';
import { WorkflowAgent } from '../src/workflow/workflowAgent.js';
import { runWorkflow, type RunPolicy } from '../src/workflow/runWorkflow.js';
import { toolHandler } from '../src/workflow/toolHandler.js';
import type { WorkflowEvent } from '../src/workflow/events.js';
import type { StepControl, StepHandler } from '../src/workflow/workflow.js';
import { testScheduler } from './helpers.js';

function label(e: WorkflowEvent): string {
  switch (e.type) {
    case 'workflow-start':
      return 'W';
    case 'step-start':
      return `s:${e.step}`;
    case 'chunk':
      return `${e.step}:${e.chunk.isFinal ? 'F' : e.chunk.content}`;
    case 'step-retry':
      return `T:${e.step}#${e.attempt}`;
    case 'step-complete':
      return `C:${e.step}=${typeof e.result === 'string' ? e.result : JSON.stringify(e.result)}`;
    case 'step-failed':
      return `F:${e.step}:${e.error instanceof Error ? e.error.name : String(e.error)}`;
    case 'step-skipped':
      return `S:${e.step}:${e.reason}`;
    case 'workflow-complete':
      return `R:${e.result.successful}`;
  }
}
const labels = (events: Observable<WorkflowEvent>): Observable<string> => events.pipe(map(label));
const c = (text: string): StreamChunk => chunk(text, { timestamp: 0 });
const chunks = { x: c('x'), y: c('y'), z: c('z'), w: c('w') };
const returns =
  (source: unknown): StepHandler =>
  () =>
    source;

describe('WorkflowAgent.streamWorkflow', () => {
  it('runs steps in dependency order, side by side once their dependencies are done', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const agent = new WorkflowAgent({ provider: marbleProvider('|') });
      const a = cold('10ms x 9ms |', chunks);
      const b = cold('20ms y 9ms |', chunks);
      const cc = cold('10ms z 9ms |', chunks);
      const d = cold('10ms w 9ms |', chunks);
      const wf = agent
        .createWorkflow('diamond')
        .addStep({ name: 'a', handler: returns(a) })
        .addStep({ name: 'b', handler: returns(b), dependsOn: ['a'] })
        .addStep({ name: 'c', handler: returns(cc), dependsOn: ['a'] })
        .addStep({ name: 'd', handler: returns(d), dependsOn: ['b', 'c'] });
      expectObservable(labels(agent.streamWorkflow(wf))).toBe('(WA) 6ms x 9ms (Bbc) 5ms z 9ms (yD) 6ms (Ed) 6ms w 9ms (VR|)', {
        W: 'W', A: 's:a', x: 'a:x', B: 'C:a=x', b: 's:b', c: 's:c', z: 'c:z', y: 'b:y', D: 'C:c=z', E: 'C:b=y', d: 's:d', w: 'd:w', V: 'C:d=w', R: 'R:true',
      });
      expectSubscriptions(a.subscriptions).toBe('^ 19ms !');
      expectSubscriptions(b.subscriptions).toBe('20ms ^ 29ms !');
      expectSubscriptions(cc.subscriptions).toBe('20ms ^ 19ms !');
      expectSubscriptions(d.subscriptions).toBe('50ms ^ 19ms !');
    });
  });

  it('runs at most `concurrency` steps at a time, in the order they were added', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const agent = new WorkflowAgent({ provider: marbleProvider('|') });
      const a = cold('10ms x 9ms |', chunks);
      const b = cold('10ms y 9ms |', chunks);
      const wf = agent.createWorkflow('two').addStep({ name: 'a', handler: returns(a) }).addStep({ name: 'b', handler: returns(b) });
      expectObservable(labels(agent.streamWorkflow(wf, { concurrency: 1 }))).toBe('(WA) 6ms x 9ms (Bb) 6ms y 9ms (DR|)', {
        W: 'W', A: 's:a', x: 'a:x', B: 'C:a=x', b: 's:b', y: 'b:y', D: 'C:b=y', R: 'R:true',
      });
      expectSubscriptions(a.subscriptions).toBe('^ 19ms !');
      expectSubscriptions(b.subscriptions).toBe('20ms ^ 19ms !');
    });
  });

  it('skips a step whose condition is false, and the steps that depend on it; the run still succeeds', () => {
    testScheduler().run(({ expectObservable }) => {
      const agent = new WorkflowAgent({ provider: marbleProvider('|') });
      const wf = agent
        .createWorkflow('cond')
        .addStep({ name: 'a', handler: returns('A'), condition: (context) => context['go'] === true })
        .addStep({ name: 'b', handler: returns('B'), dependsOn: ['a'] })
        .addStep({ name: 'c', handler: returns('C') });
      expectObservable(labels(agent.streamWorkflow(wf, { context: { go: false } }))).toBe('(WabcdR|)', {
        W: 'W', a: 'S:a:condition', b: 'S:b:dependency-skipped', c: 's:c', d: 'C:c=C', R: 'R:true',
      });
    });
  });

  it('retries the whole step (announced by step-retry), after which its new chunks replace the old', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const agent = new WorkflowAgent({ provider: marbleProvider('|') });
      const attempts = [cold('10ms x 9ms #', chunks, new Error('flaky')), cold('10ms y 9ms |', chunks)];
      const handler: StepHandler = (_agent, _step, _context, control: StepControl) => attempts[control.attempt - 1];
      const wf = agent.createWorkflow('retry').addStep({ name: 'a', handler, retry: { count: 1, delay: 10 } });
      expectObservable(labels(agent.streamWorkflow(wf))).toBe('(WA) 6ms x 9ms T 9ms A 9ms y 9ms (CR|)', {
        W: 'W', A: 's:a', x: 'a:x', T: 'T:a#2', y: 'a:y', C: 'C:a=y', R: 'R:true',
      });
      expectSubscriptions(attempts[0]!.subscriptions).toBe('^ 19ms !');
      expectSubscriptions(attempts[1]!.subscriptions).toBe('30ms ^ 19ms !');
    });
  });

  it('fails a step that misses its deadline; its dependents are skipped, independent steps run on', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const agent = new WorkflowAgent({ provider: marbleProvider('|') });
      const a = cold('10ms x 99ms |', chunks);
      const wf = agent
        .createWorkflow('late')
        .addStep({ name: 'a', handler: returns(a), timeout: { idle: 30 } })
        .addStep({ name: 'b', handler: returns('B'), dependsOn: ['a'] })
        .addStep({ name: 'c', handler: returns('C') });
      expectObservable(labels(agent.streamWorkflow(wf))).toBe('(WAcD) 4ms x 29ms (FSR|)', {
        W: 'W', A: 's:a', c: 's:c', D: 'C:c=C', x: 'a:x', F: 'F:a:StreamTimeoutError', S: 'S:b:dependency-failed', R: 'R:false',
      });
      expectSubscriptions(a.subscriptions).toBe('^ 39ms !');
    });
  });

  it('reports the failed step in the result: its error and what it had streamed', () => {
    const scheduler = testScheduler();
    let result: WorkflowEvent | undefined;
    scheduler.run(({ cold, flush }) => {
      const agent = new WorkflowAgent({ provider: marbleProvider('|') });
      const wf = agent.createWorkflow('late').addStep({ name: 'a', handler: returns(cold('10ms x 99ms |', chunks)), timeout: { idle: 30 } });
      agent.streamWorkflow(wf, { runId: 'run-1' }).subscribe((e) => (result = e));
      flush();
    });
    expect(result?.type).toBe('workflow-complete');
    const { result: r, runId } = result as Extract<WorkflowEvent, { type: 'workflow-complete' }>;
    expect(runId).toBe('run-1');
    expect(r.successful).toBe(false);
    expect(r.errors['a']).toBeInstanceOf(StreamTimeoutError);
    expect(r.partialOutputs).toEqual({ a: 'x' });
    expect(r.results).toEqual({});
    expect(r.duration).toBe(40);
  });

  it('unsubscribing cancels every running step and aborts its signal', () => {
    const signals: AbortSignal[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const agent = new WorkflowAgent({ provider: marbleProvider('|') });
      const a = cold('50ms x|', chunks);
      const b = cold('50ms y|', chunks);
      const keep =
        (source: Observable<StreamChunk>): StepHandler =>
        (_agent, _step, _context, control) => {
          signals.push(control.signal);
          return source;
        };
      const wf = agent.createWorkflow('two').addStep({ name: 'a', handler: keep(a) }).addStep({ name: 'b', handler: keep(b) });
      expectObservable(labels(agent.streamWorkflow(wf)), '^ 19ms !').toBe('(WAB)', { W: 'W', A: 's:a', B: 's:b' });
      expectSubscriptions(a.subscriptions).toBe('^ 19ms !');
      expectSubscriptions(b.subscriptions).toBe('^ 19ms !');
      flush();
    });
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
  });

  it('an aborted signal cancels the run: running steps fail, pending ones are skipped, the run ends', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const agent = new WorkflowAgent({ provider: marbleProvider('|') });
      const a = cold('10ms x 99ms |', chunks);
      const controller = new AbortController();
      const wf = agent.createWorkflow('stop').addStep({ name: 'a', handler: returns(a) }).addStep({ name: 'b', handler: returns('B'), dependsOn: ['a'] });
      cold('15ms s').subscribe(() => controller.abort());
      expectObservable(labels(agent.streamWorkflow(wf, { signal: controller.signal }))).toBe('(WA) 6ms x 4ms (FSR|)', {
        W: 'W', A: 's:a', x: 'a:x', F: 'F:a:StreamInterruptedError', S: 'S:b:cancelled', R: 'R:false',
      });
      expectSubscriptions(a.subscriptions).toBe('^ 14ms !');
    });
  });

  it('refuses a cycle, unknown dependencies and handlers, and duplicate names at subscription, naming them', () => {
    testScheduler().run(({ expectObservable }) => {
      const agent = new WorkflowAgent({ provider: marbleProvider('|') });
      const cycle = agent
        .createWorkflow('loop')
        .addStep({ name: 'a', handler: returns(1), dependsOn: ['c'] })
        .addStep({ name: 'b', handler: returns(1), dependsOn: ['a'] })
        .addStep({ name: 'c', handler: returns(1), dependsOn: ['b'] });
      expectObservable(labels(agent.streamWorkflow(cycle))).toBe(
        '#',
        undefined,
        new WorkflowError('Workflow "loop": the steps depend on each other in a cycle: a → c → b → a', { code: 'cycle', workflow: 'loop', steps: [] }),
      );
      const unknown = agent.createWorkflow('w').addStep({ name: 'a', handler: 'nope' }).addStep({ name: 'b', action: 'x', dependsOn: ['z'] });
      expectObservable(labels(agent.streamWorkflow(unknown))).toBe(
        '#',
        undefined,
        new WorkflowError('Workflow "w": unknown dependencies: b → z', { code: 'unknown_dependency', workflow: 'w', steps: [] }),
      );
      const twice = agent.createWorkflow('w').addStep({ name: 'a', action: 'x' }).addStep({ name: 'a', action: 'y' });
      expectObservable(labels(agent.streamWorkflow(twice))).toBe(
        '#',
        undefined,
        new WorkflowError('Workflow "w": more than one step is named "a"', { code: 'duplicate_step', workflow: 'w', steps: [] }),
      );
    });
  });

  it('streams a step without a handler through the model, its dependencies\' results in the prompt, without the history', () => {
    testScheduler().run(({ expectObservable, expectSubscriptions, flush }) => {
      const provider = marbleProvider('10ms a-b|', { a: 'Hel', b: 'lo' });
      const agent = new WorkflowAgent({ provider, instructions: 'Be brief.' });
      const wf = agent
        .createWorkflow('llm')
        .addStep({ name: 'facts', handler: returns({ n: 1 }) })
        .addStep({ name: 'write', action: 'Write it up.', dependsOn: ['facts'] });
      expectObservable(labels(agent.streamWorkflow(wf))).toBe('(WaAb) 4ms x-y(FCR|)', {
        W: 'W', a: 's:facts', A: 'C:facts={"n":1}', b: 's:write', x: 'write:Hel', y: 'write:lo', F: 'write:F', C: 'C:write=Hello', R: 'R:true',
      });
      expectSubscriptions(provider.subscriptions).toBe('^ 12ms !');
      flush();
      expect(provider.requests.map((r) => r.messages)).toEqual([
        [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Write it up.\n\nResults of the steps this one depends on:\n\n## facts\n{"n":1}' },
        ],
      ]);
      expect(agent.history).toEqual([]);
    });
  });

  it("an LLM step's timeout follows the Agent's rules: a slow tool never trips idle, a stalled model does", () => {
    testScheduler().run(({ expectObservable }) => {
      const slow = defineTool({ name: 'slow', description: 'd', parameters: z.object({}), execute: () => timer(100).pipe(map(() => 'ok')) });
      const toolCall = { metadata: { toolCallDelta: { index: 0, id: 'c1', name: 'slow', argumentsDelta: '{}' } } };
      const provider = marbleProvider(['-d|', '-a|', '-d|', '-a 50ms b|'], { d: toolCall, a: 'A', b: 'B' });
      const agent = new WorkflowAgent({ provider, tools: [slow] });
      const wf = agent.createWorkflow('llm-timeout').addStep({ name: 'ask', action: 'Go.', timeout: { idle: 20 } });
      const outcome = (events: Observable<WorkflowEvent>): Observable<string> =>
        events.pipe(
          filter((e) => e.type === 'step-complete' || e.type === 'step-failed'),
          map(label),
        );
      // Run 1: a 100 ms tool between the rounds, then the answer — completes.
      expectObservable(outcome(agent.streamWorkflow(wf))).toBe('104ms (C|)', { C: 'C:ask=A' });
      // Run 2 (a second subscription, subscribed at 200): the model stalls 50 ms after its first word — idle fires.
      expectObservable(outcome(agent.streamWorkflow(wf)), '200ms ^').toBe('200ms 123ms (F|)', { F: 'F:ask:StreamTimeoutError' });
    });
  });

  it('toolHandler runs a defineTool tool as a streaming step: status, result in results and context', () => {
    testScheduler().run(({ expectObservable }) => {
      const agent = new WorkflowAgent({ provider: marbleProvider('|') });
      agent.registerHandler('calculate', toolHandler(calculator, { args: (context) => context['calc_params'] }));
      const wf = agent.createWorkflow('math').addStep({ name: 'calculate', handler: 'calculate', action: 'Performing calculation...' });
      const context: Record<string, unknown> = { calc_params: { expression: '15 * 2500 / 100' } };
      expectObservable(labels(agent.streamWorkflow(wf, { context }))).toBe('(WsabCR|)', {
        W: 'W', s: 's:calculate', a: 'calculate:Executing calculator...\n', b: 'calculate:Result: 375\n', C: 'C:calculate=375', R: 'R:true',
      });
      const bad = agent.createWorkflow('bad').addStep({ name: 'calculate', handler: 'calculate' });
      expectObservable(labels(agent.streamWorkflow(bad, { context: { calc_params: { expression: 42 } } }))).toBe('(WsaFR|)', {
        W: 'W', s: 's:calculate', a: 'calculate:Executing calculator...\n', F: 'F:calculate:ToolError', R: 'R:false',
      });
    });
  });
});

describe('runWorkflow(agent, workflow, { policy })', () => {
  // input p at 1, q at 11; each run streams its context's name 10 ms after it starts and ends 10 ms later.
  const setup = (policy: RunPolicy, cold: RunHelpers['cold']) => {
    const agent = new WorkflowAgent({ provider: marbleProvider('|') });
    const sources = { p: cold('10ms p 9ms |', { p: c('p') }), q: cold('10ms q 9ms |', { q: c('q') }) };
    const handler: StepHandler = (_agent, _step, context) => sources[context['name'] as 'p' | 'q'];
    const wf = agent.createWorkflow('per-input').addStep({ name: 'a', handler });
    return { agent, wf, sources, policy };
  };
  const values = { W: 'W', A: 's:a', x: 'a:p', y: 'a:q', C: 'C:a=p', D: 'C:a=q', R: 'R:true' };

  it("'switch' (the default) cancels the run in flight when a new input arrives", () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const { agent, wf, sources } = setup('switch', cold);
      const input = hot('-p 9ms q 29ms |', { p: { name: 'p' }, q: { name: 'q' } });
      expectObservable(labels(input.pipe(runWorkflow(agent, wf)))).toBe('- (WA) 6ms (WA) 6ms y 9ms (DR) 6ms |', values);
      expectSubscriptions(sources.p.subscriptions).toBe('- ^ 9ms !');
      expectSubscriptions(sources.q.subscriptions).toBe('11ms ^ 19ms !');
    });
  });

  it("'exhaust' ignores inputs while a run is in flight", () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const { agent, wf, sources } = setup('exhaust', cold);
      const input = hot('-p 9ms q 29ms |', { p: { name: 'p' }, q: { name: 'q' } });
      expectObservable(labels(input.pipe(runWorkflow(agent, wf, { policy: 'exhaust' })))).toBe('- (WA) 6ms x 9ms (CR) 16ms |', values);
      expectSubscriptions(sources.p.subscriptions).toBe('- ^ 19ms !');
      expectSubscriptions(sources.q.subscriptions).toBe([]);
    });
  });

  it("'concat' queues inputs and runs them one after another", () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const { agent, wf, sources } = setup('concat', cold);
      const input = hot('-p 9ms q 29ms |', { p: { name: 'p' }, q: { name: 'q' } });
      expectObservable(labels(input.pipe(runWorkflow(agent, wf, { policy: 'concat' })))).toBe('- (WA) 6ms x 9ms (CRWA) 4ms y 9ms (DR|)', values);
      expectSubscriptions(sources.p.subscriptions).toBe('- ^ 19ms !');
      expectSubscriptions(sources.q.subscriptions).toBe('21ms ^ 19ms !');
    });
  });

  it("'merge' runs them side by side, each with its own context", () => {
    testScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const { agent, wf, sources } = setup('merge', cold);
      const input = hot('-p 9ms q 29ms |', { p: { name: 'p' }, q: { name: 'q' } });
      expectObservable(labels(input.pipe(runWorkflow(agent, wf, { policy: 'merge' })))).toBe('- (WA) 6ms (WAx) 5ms (CRy) 5ms (DR) 6ms |', values);
      expectSubscriptions(sources.p.subscriptions).toBe('- ^ 19ms !');
      expectSubscriptions(sources.q.subscriptions).toBe('11ms ^ 19ms !');
    });
  });

  it('gives each run a new context: { ...context, ...input }, never the same object twice', () => {
    const contexts: Record<string, unknown>[] = [];
    testScheduler().run(({ cold, flush }) => {
      const agent = new WorkflowAgent({ provider: marbleProvider('|') });
      const wf = agent.createWorkflow('ctx').addStep({
        name: 'a',
        handler: (_agent, _step, context) => {
          contexts.push(context);
          context['seen'] = true;
          return 'ok';
        },
      });
      const base = { user: 'ada' };
      cold('-a-b|', { a: { n: 1 }, b: { n: 2 } }).pipe(runWorkflow(agent, wf, { context: base })).subscribe();
      of('text').pipe(runWorkflow(agent, wf, { context: base })).subscribe();
      flush();
      expect(base).toEqual({ user: 'ada' });
    });
    expect(contexts).toEqual([
      { user: 'ada', input: 'text', seen: true },
      { user: 'ada', n: 1, seen: true },
      { user: 'ada', n: 2, seen: true },
    ]);
    expect(new Set(contexts).size).toBe(3);
  });
});

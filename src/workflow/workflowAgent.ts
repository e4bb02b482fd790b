import { defer, filter, lastValueFrom, map, type Observable } from 'rxjs';
import { Agent, type AgentTimeout } from '../agent/agent.js';
import type { TimeoutStreamConfig } from '../operators/timeoutStream.js';
import { assertAbortSignal, assertFunction, assertObject, assertPositiveInteger } from '../optionChecks.js';
import { runSteps } from './runSteps.js';
import { Workflow, type StepHandler, type WorkflowContext } from './workflow.js';
import type { WorkflowEvent, WorkflowResult } from './events.js';

/** Options of one run. */
export interface WorkflowRunOptions {
  /**
   * The handlers' shared data. The object itself is passed to them (they write their outputs to it, the
   * guide's pattern) and returned as `result.context`; the engine never writes to it.
   * @default a new `{}` per run
   */
  readonly context?: WorkflowContext;
  /** How many steps may run at once. @default Infinity */
  readonly concurrency?: number;
  /** Aborting it cancels the run: running steps fail (reason 'signal'), pending ones are skipped. */
  readonly signal?: AbortSignal;
  /** The run's id on every event. @default a new random id per run */
  readonly runId?: string;
}

let runs = 0;

function newRunId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return crypto?.randomUUID?.() ?? `run-${Date.now().toString(36)}-${(++runs).toString(36)}`;
}

/**
 * An {@link Agent} that runs workflows: named steps whose handlers stream chunks, with dependencies, conditions,
 * retries and timeouts, as one Observable of events. The guide's `WorkflowAgent`.
 *
 * ```
 * <!-- diagram: workflow/diamond -->
 * workflow:  a ─┬─ b ─┐                    b and c depend on a, d on both
 *               └─ c ─┴─ d
 * a:         10ms x 9ms |
 * b:                    20ms ^ 20ms y 9ms |      (subscribed when a completes)
 * c:                    20ms ^ 10ms z 9ms |
 * d:                                     50ms ^ 10ms w 9ms |
 * events:    (WA) 6ms x 9ms (Bbc) 5ms z 9ms (yD) 6ms (Ed) 6ms w 9ms (VR|)
 *            W = workflow-start, A/b/c/d = step-start, x/y/z/w = chunk events, B/D/E/V = step-complete,
 *            R = workflow-complete
 * ```
 *
 * ## Examples
 *
 * ```ts
 * import { WorkflowAgent, evaluateExpression, mockStream } from 'agenticraft-rx';
 * import { concat, defer, of } from 'rxjs';
 *
 * const agent = new WorkflowAgent({ name: 'Calculator' });
 * agent.registerHandler('calculate', (agent, step, context) =>
 *   concat(
 *     mockStream(`Calculating ${JSON.stringify(context['calc_params'])}...\n`, { chunkSize: 5 }),
 *     defer(() => {
 *       const { expression } = context['calc_params'] as { expression: string };
 *       context['calc_result'] = evaluateExpression(expression);
 *       return mockStream(`Result: ${String(context['calc_result'])}\n`, { chunkSize: 5 });
 *     }),
 *   ),
 * );
 * const workflow = agent.createWorkflow('math_workflow').addStep({ name: 'calculate', handler: 'calculate', action: 'Performing calculation...' });
 * const result = await agent.executeWorkflow(workflow, { context: { calc_params: { expression: '15 * 2500 / 100' } } });
 * result.context['calc_result']; // 375
 * ```
 */
export class WorkflowAgent extends Agent {
  readonly #handlers = new Map<string, StepHandler<WorkflowAgent>>();

  /** The registered handlers' names. */
  get handlers(): readonly string[] {
    return [...this.#handlers.keys()];
  }

  /**
   * Registers a step handler under a name steps refer to (`addStep({ handler: 'calculate' })`). Registering a
   * name again replaces the handler for runs that start afterwards.
   */
  registerHandler(name: string, handler: StepHandler<WorkflowAgent>): this {
    if (typeof name !== 'string' || name === '') throw new TypeError(`WorkflowAgent(${this.name}): registerHandler needs a non-empty name`);
    assertFunction(`WorkflowAgent(${this.name}): registerHandler(${JSON.stringify(name)}): handler`, handler);
    this.#handlers.set(name, handler);
    return this;
  }

  /** A new, empty workflow to add steps to. */
  createWorkflow(name: string): Workflow<WorkflowAgent> {
    return new Workflow<WorkflowAgent>(name);
  }

  /**
   * Runs a workflow as a cold Observable of {@link WorkflowEvent}s: each subscription is one run. A refused
   * workflow (duplicate names, unknown dependencies or handlers, a cycle) errors at subscription with a
   * `WorkflowError`; any other run ends with `workflow-complete`, failed steps included. Unsubscribing cancels
   * every running step: HTTP requests and tools included.
   */
  streamWorkflow(workflow: Workflow<WorkflowAgent>, options: WorkflowRunOptions = {}): Observable<WorkflowEvent> {
    if (!(workflow instanceof Workflow)) throw new TypeError(`WorkflowAgent(${this.name}): streamWorkflow needs a workflow made with createWorkflow(name)`);
    const { context, concurrency = Infinity, signal, runId } = checkRunOptions(options);
    // Handlers are looked up when a run starts, so a handler registered after the call still counts.
    return defer(() =>
      runSteps({
        agent: this,
        workflow,
        handler: (name) => this.#handlers.get(name),
        context: context ?? {},
        concurrency,
        signal,
        runId: runId ?? newRunId(),
        scheduler: this.scheduler,
        llm: (prompt, timeout) => this.stream(prompt, { history: false, ...(timeout === undefined ? {} : { timeout: agentTimeout(timeout) }) }),
      }),
    );
  }

  /** Runs a workflow to its end: the `workflow-complete` event's result. Rejects only for a refused workflow. */
  executeWorkflow(workflow: Workflow<WorkflowAgent>, options: WorkflowRunOptions = {}): Promise<WorkflowResult> {
    return lastValueFrom(
      this.streamWorkflow(workflow, options).pipe(
        filter((event) => event.type === 'workflow-complete'),
        map((event) => event.result),
      ),
    );
  }
}

function checkRunOptions(options: WorkflowRunOptions): WorkflowRunOptions {
  assertObject('streamWorkflow(workflow, options)', options);
  const { context, concurrency, signal, runId } = options;
  if (context !== undefined) assertObject('streamWorkflow: context', context);
  if (concurrency !== undefined && concurrency !== Infinity) assertPositiveInteger('streamWorkflow: concurrency', concurrency);
  if (signal !== undefined) assertAbortSignal('streamWorkflow: signal', signal);
  if (runId !== undefined && (typeof runId !== 'string' || runId === '')) throw new TypeError('streamWorkflow: runId must be a non-empty string');
  return options;
}

/** A step's `timeout` as the agent's: a number is a total; a timeoutStream config without its scheduler (the agent's clock runs it). */
function agentTimeout(timeout: number | TimeoutStreamConfig): AgentTimeout {
  if (typeof timeout === 'number') return { total: timeout };
  const { first, idle, total } = timeout;
  return { ...(first === undefined ? {} : { first }), ...(idle === undefined ? {} : { idle }), ...(total === undefined ? {} : { total }) };
}

import type { ObservableInput } from 'rxjs';
import type { StreamChunk } from '../chunk.js';
import { WorkflowError } from '../errors/WorkflowError.js';
import type { TimeoutStreamConfig } from '../operators/timeoutStream.js';
import { assertFunction, assertNonNegativeInteger, assertNonNegativeNumber, assertObject, assertPositiveNumber } from '../optionChecks.js';
import type { Agent } from '../agent/agent.js';

/** The data a run's handlers share: they read their inputs from it and write their outputs to it (the guide's pattern). */
export type WorkflowContext = Record<string, unknown>;

/** What a handler gets besides the agent, its step and the context. */
export interface StepControl {
  /** Aborted when the run is cancelled (unsubscribed, its `signal` aborted), the step times out, or the attempt fails. */
  readonly signal: AbortSignal;
  /** The run's id, as on its events. */
  readonly runId: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /** The results of the steps finished so far, by step name (a live view: read it, don't write it). */
  readonly results: Readonly<Record<string, unknown>>;
  /**
   * Sets the step's result (`results[step.name]`). Without it a streaming handler's result is the text it
   * streamed; `toolHandler` sets the tool's result this way.
   */
  setResult(value: unknown): void;
}

/**
 * A step's work. Return an Observable (or an async iterable, such as an async generator) of chunks — or of
 * strings, each a content chunk — to stream; a Promise or any other value (a string too: it is never
 * iterated) is the step's result as it is. Throwing or erroring fails the attempt.
 */
export type StepHandler<TAgent extends Agent = Agent> = (
  agent: TAgent,
  step: StepInfo,
  context: WorkflowContext,
  control: StepControl,
) => ObservableInput<StreamChunk | string> | PromiseLike<unknown> | unknown;

/** How a failed step is retried: the whole step again, from its start. */
export interface StepRetryConfig {
  /** Attempts after the first. */
  readonly count: number;
  /**
   * ms before each retry, or `(error, retryCount) => ms`. A `ProviderError`'s `retryAfterMs` is waited at least.
   * @default 0
   */
  readonly delay?: number | ((error: unknown, retryCount: number) => number);
  /** Whether an error is worth another attempt. @default every error */
  readonly retryIf?: (error: unknown, retryCount: number) => boolean;
}

/** One step, as passed to `workflow.addStep`. */
export interface WorkflowStepConfig<TAgent extends Agent = Agent> {
  /** Unique in its workflow; its result is `results[name]`. */
  readonly name: string;
  /** A handler registered on the agent (by name), or the handler itself. Without one, `action` goes to the model. */
  readonly handler?: string | StepHandler<TAgent>;
  /** What the step does: the prompt of a step without a handler, a description for one with a handler. */
  readonly action?: string;
  /** Steps that must complete first; their results go into an LLM step's prompt. */
  readonly dependsOn?: readonly string[];
  /** Evaluated when the step's dependencies are done: `false` skips it (and the steps that depend on it). */
  readonly condition?: (context: WorkflowContext, results: Readonly<Record<string, unknown>>) => boolean;
  /** Restart the whole step on an error: a count, or a {@link StepRetryConfig}. @default no retry */
  readonly retry?: number | StepRetryConfig;
  /**
   * Deadlines for each attempt, as `timeoutStream` takes them (a number is a total). For an LLM step they are
   * the Agent's `timeout` for the call: `first` and `idle` watch model output and never tool time. A handler
   * that returns a Promise has no chunks: each deadline is measured to its settling.
   */
  readonly timeout?: number | TimeoutStreamConfig;
}

/** What a handler sees of its step: its name, action and options. */
export interface StepInfo {
  readonly name: string;
  readonly action?: string;
  readonly dependsOn: readonly string[];
  readonly handler?: string | ((...args: never[]) => unknown);
  readonly retry?: number | StepRetryConfig;
  readonly timeout?: number | TimeoutStreamConfig;
}

/** A step as the workflow holds it (frozen). */
export interface WorkflowStep<TAgent extends Agent = Agent> extends WorkflowStepConfig<TAgent> {
  readonly dependsOn: readonly string[];
}

/** A named list of steps, run by `WorkflowAgent.streamWorkflow`. Steps are checked for shape as they are added, as a whole when run. */
export class Workflow<TAgent extends Agent = Agent> {
  readonly name: string;
  readonly #steps: WorkflowStep<TAgent>[] = [];

  constructor(name: string) {
    if (typeof name !== 'string' || name.trim() === '') throw new TypeError('Workflow: name must be a non-empty string');
    this.name = name;
  }

  /** The steps in the order they were added. */
  get steps(): readonly WorkflowStep<TAgent>[] {
    return [...this.#steps];
  }

  /**
   * Adds a step. Its shape is checked here; names, dependencies and handlers are checked when the workflow
   * runs (a handler may be registered later).
   * @throws {TypeError | RangeError} for a step whose fields have the wrong types.
   */
  addStep(config: WorkflowStepConfig<TAgent>): this {
    assertObject('workflow.addStep(step)', config);
    const where = `workflow.addStep(${typeof config.name === 'string' ? JSON.stringify(config.name) : '?'})`;
    if (typeof config.name !== 'string' || config.name === '') throw new TypeError(`${where}: name must be a non-empty string`);
    if (config.handler !== undefined && typeof config.handler !== 'string' && typeof config.handler !== 'function') {
      throw new TypeError(`${where}: handler must be a registered handler's name or a function`);
    }
    if (config.action !== undefined && typeof config.action !== 'string') throw new TypeError(`${where}: action must be a string`);
    const dependsOn = config.dependsOn ?? [];
    if (!Array.isArray(dependsOn) || !dependsOn.every((d) => typeof d === 'string')) {
      throw new TypeError(`${where}: dependsOn must be an array of step names`);
    }
    if (config.condition !== undefined) assertFunction(`${where}: condition`, config.condition);
    if (config.retry !== undefined) checkRetry(where, config.retry);
    if (config.timeout !== undefined) {
      if (typeof config.timeout === 'number') assertPositiveNumber(`${where}: timeout`, config.timeout);
      else assertObject(`${where}: timeout`, config.timeout);
    }
    this.#steps.push(Object.freeze({ ...config, dependsOn: Object.freeze([...dependsOn]) }));
    return this;
  }
}

function checkRetry(where: string, retry: number | StepRetryConfig): void {
  if (typeof retry === 'number') {
    assertNonNegativeInteger(`${where}: retry`, retry);
    return;
  }
  assertObject(`${where}: retry`, retry);
  assertNonNegativeInteger(`${where}: retry.count`, retry.count);
  if (typeof retry.delay === 'function') assertFunction(`${where}: retry.delay`, retry.delay);
  else if (retry.delay !== undefined) assertNonNegativeNumber(`${where}: retry.delay`, retry.delay);
  if (retry.retryIf !== undefined) assertFunction(`${where}: retry.retryIf`, retry.retryIf);
}

/**
 * Checks a workflow as a whole before it runs: unique names, known dependencies and handlers, a handler or
 * an action on each step, no cycle. Throws a {@link WorkflowError} naming what is wrong.
 */
export function checkWorkflow<TAgent extends Agent>(workflow: Workflow<TAgent>, hasHandler: (name: string) => boolean): void {
  const steps = workflow.steps;
  const refuse = (code: WorkflowError['code'], names: readonly string[], message: string): never => {
    throw new WorkflowError(`Workflow "${workflow.name}": ${message}`, { code, workflow: workflow.name, steps: names });
  };
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const step of steps) (seen.has(step.name) ? duplicates : seen).add(step.name);
  if (duplicates.size > 0) refuse('duplicate_step', [...duplicates], `more than one step is named ${list(duplicates)}`);

  const unknownDeps = steps.flatMap((s) => s.dependsOn.filter((d) => !seen.has(d)).map((d) => `${s.name} → ${d}`));
  if (unknownDeps.length > 0) refuse('unknown_dependency', unknownDeps, `unknown dependencies: ${unknownDeps.join(', ')}`);

  const unknownHandlers = steps.filter((s) => typeof s.handler === 'string' && !hasHandler(s.handler));
  if (unknownHandlers.length > 0) {
    refuse(
      'unknown_handler',
      unknownHandlers.map((s) => s.name),
      `unknown handlers: ${unknownHandlers.map((s) => `${s.name} uses "${String(s.handler)}"`).join(', ')}; register them with agent.registerHandler(name, handler)`,
    );
  }
  const idle = steps.filter((s) => s.handler === undefined && (s.action === undefined || s.action.trim() === ''));
  if (idle.length > 0) refuse('no_action', idle.map((s) => s.name), `steps with neither a handler nor an action: ${list(idle.map((s) => s.name))}`);

  const cycle = findCycle(steps);
  if (cycle !== undefined) refuse('cycle', cycle, `the steps depend on each other in a cycle: ${cycle.join(' → ')}`);
}

/** A dependency cycle as its path (first step repeated at the end), or undefined. Iterative DFS: linear in steps + edges. */
function findCycle<TAgent extends Agent>(steps: readonly WorkflowStep<TAgent>[]): string[] | undefined {
  const deps = new Map(steps.map((s) => [s.name, s.dependsOn] as const));
  const state = new Map<string, 'visiting' | 'done'>();
  for (const root of steps) {
    if (state.has(root.name)) continue;
    const path: string[] = [];
    const stack: { name: string; next: number }[] = [{ name: root.name, next: 0 }];
    state.set(root.name, 'visiting');
    path.push(root.name);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const edges = deps.get(top.name) ?? [];
      if (top.next >= edges.length) {
        state.set(top.name, 'done');
        stack.pop();
        path.pop();
        continue;
      }
      const dep = edges[top.next++]!;
      const s = state.get(dep);
      if (s === 'visiting') return [...path.slice(path.indexOf(dep)), dep];
      if (s === undefined) {
        state.set(dep, 'visiting');
        stack.push({ name: dep, next: 0 });
        path.push(dep);
      }
    }
  }
  return undefined;
}

function list(names: Iterable<string>): string {
  return [...names].map((n) => `"${n}"`).join(', ');
}

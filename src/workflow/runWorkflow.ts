import { concatMap, exhaustMap, mergeMap, switchMap, type Observable, type OperatorFunction } from 'rxjs';
import { assertObject, assertOneOf, assertPositiveInteger } from '../optionChecks.js';
import type { WorkflowEvent } from './events.js';
import type { Workflow, WorkflowContext } from './workflow.js';
import type { WorkflowAgent } from './workflowAgent.js';

/** What happens to a run in flight when a new input arrives. */
export type RunPolicy = 'switch' | 'exhaust' | 'concat' | 'merge';

/** The {@link runWorkflow} configuration. */
export interface RunWorkflowConfig {
  /**
   * `'switch'` cancels the run in flight (HTTP requests and tools included) and starts the new one;
   * `'exhaust'` ignores inputs while a run is in flight; `'concat'` queues them; `'merge'` runs them side by side.
   * @default 'switch'
   */
  readonly policy?: RunPolicy;
  /** The base of each run's context: each run gets a new object `{ ...context, ...input }`. @default {} */
  readonly context?: WorkflowContext;
  /** Steps at once within one run. @default Infinity */
  readonly concurrency?: number;
}

/**
 * Runs a workflow for each input, as an operator: a workflow inside a pipeline
 * (`input$.pipe(runWorkflow(agent, workflow))`). An input that is an object is spread into the run's context;
 * any other input is put under `context.input`. Each run gets a new context, so concurrent runs never share one.
 *
 * ```
 * <!-- diagram: workflow/switch -->
 * input:     -p 9ms q 29ms |                    p, q = inputs; each run streams 10 ms after it starts, ends 10 ms later
 * runWorkflow(agent, workflow)                  policy 'switch' (the default)
 * result:    - (WA) 6ms (WA) 6ms y 9ms (DR) 6ms |    q's run starts at 11 and cancels p's (its step unsubscribed)
 * p's step:  - ^ 9ms !
 * q's step:  11ms ^ 19ms !
 * ```
 *
 * @param agent The agent whose handlers and model the steps use.
 * @param workflow The workflow to run per input.
 * @param config A {@link RunWorkflowConfig}.
 * @returns An operator from inputs to the runs' {@link WorkflowEvent}s.
 */
export function runWorkflow<TInput>(
  agent: WorkflowAgent,
  workflow: Workflow<WorkflowAgent>,
  config: RunWorkflowConfig = {},
): OperatorFunction<TInput, WorkflowEvent> {
  assertObject('runWorkflow: config', config);
  const { policy = 'switch', context = {}, concurrency } = config;
  assertOneOf('runWorkflow: policy', policy, ['switch', 'exhaust', 'concat', 'merge'] as const);
  assertObject('runWorkflow: context', context);
  if (concurrency !== undefined && concurrency !== Infinity) assertPositiveInteger('runWorkflow: concurrency', concurrency);

  const run = (input: TInput): Observable<WorkflowEvent> =>
    agent.streamWorkflow(workflow, {
      context: isPlainObject(input) ? { ...context, ...input } : { ...context, input },
      ...(concurrency === undefined ? {} : { concurrency }),
    });
  switch (policy) {
    case 'exhaust':
      return exhaustMap(run);
    case 'concat':
      return concatMap(run);
    case 'merge':
      return mergeMap(run);
    default:
      return switchMap(run);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

import { catchError, concat, defaultIfEmpty, defer, from, of, switchMap, takeLast, throwError, type Observable } from 'rxjs';
import { chunk, type StreamChunk } from '../chunk.js';
import { ToolError } from '../errors/ToolError.js';
import { isAgenticraftError } from '../errors/AgenticraftError.js';
import { resultOf, stringify, thrownText } from '../agent/runTool.js';
import type { Agent } from '../agent/agent.js';
import { assertFunction, assertObject } from '../optionChecks.js';
import { validateToolArguments, type Tool } from '../tools/tool.js';
import type { StepHandler, WorkflowContext } from './workflow.js';

/** The {@link toolHandler} configuration. */
export interface ToolHandlerConfig {
  /** The tool's arguments, read from the context. @default `context[`${step.name}_params`] ?? {}` (the guide's wrapper) */
  readonly args?: (context: WorkflowContext) => unknown;
  /** Stream `Executing <tool>...` before and `Result: <result>` after the call. @default true */
  readonly status?: boolean;
}

/**
 * A streaming step handler that runs a `defineTool` tool: the guide's `StreamingToolWrapper`. It streams its
 * status, validates the arguments against the tool's schema, runs the tool (its `signal` aborts with the
 * run), and stores the result both as the step's result and in `context[`${step.name}_result`]`. A failure
 * — arguments that do not fit, a tool that throws — fails the step with a {@link ToolError} naming the tool.
 *
 * ```ts
 * agent.registerHandler('calculate', toolHandler(calculator, { args: (context) => context['calc_params'] }));
 * ```
 */
export function toolHandler<TAgent extends Agent = Agent>(tool: Tool, config: ToolHandlerConfig = {}): StepHandler<TAgent> {
  if (typeof tool !== 'object' || tool === null || typeof tool.name !== 'string' || typeof tool.execute !== 'function') {
    throw new TypeError('toolHandler(tool): tool must be made with defineTool({ name, description, parameters, execute })');
  }
  assertObject('toolHandler: config', config);
  const { args: readArgs, status = true } = config;
  if (readArgs !== undefined) assertFunction('toolHandler: args', readArgs);

  return (agent, step, context, control): Observable<StreamChunk> => {
    const line = (text: string): Observable<StreamChunk> =>
      status ? of(chunk(text, { metadata: { eventType: 'tool_status', tool: tool.name }, scheduler: agent.scheduler })) : of();
    const fail = (message: string, cause?: unknown): ToolError =>
      new ToolError(`Tool ${tool.name} (step "${step.name}"): ${message}`, { tool: tool.name, ...(cause === undefined ? {} : { cause }) });

    const call$ = defer(() => {
      const args = readArgs === undefined ? (context[`${step.name}_params`] ?? {}) : readArgs(context);
      const validated = validateToolArguments(tool, args);
      // Synchronous schemas answer synchronously: the step stays in the scheduler's (virtual) time.
      return (validated instanceof Promise ? from(validated) : of(validated)).pipe(
        switchMap((checked) => {
          if (!checked.ok) return throwError(() => fail(checked.message));
          return from(resultOf(tool.execute(checked.value, { signal: control.signal, toolCallId: `${control.runId}:${step.name}` }))).pipe(
            takeLast(1),
            defaultIfEmpty(undefined),
          );
        }),
        catchError((error: unknown) => {
          if (isAgenticraftError(error) && error.name === 'ToolError') return throwError(() => error);
          return throwError(() => fail(thrownText(error), error));
        }),
      );
    });

    return concat(
      line(`Executing ${tool.name}...\n`),
      call$.pipe(
        switchMap((result) => {
          context[`${step.name}_result`] = result;
          control.setResult(result);
          return line(`Result: ${stringify(result)}\n`);
        }),
      ),
    );
  };
}

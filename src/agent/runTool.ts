import {
  Observable,
  catchError,
  defaultIfEmpty,
  defer,
  finalize,
  from,
  isObservable,
  map,
  of,
  race,
  switchMap,
  takeLast,
  tap,
  throwError,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';
import type { ToolCall, ToolResult } from '../chunk.js';
import type { Message } from '../providers/provider.js';
import { validateToolArguments, type Tool, type ToolContext, type ValidationResult } from '../tools/tool.js';
import { LazyAbort } from '../lazyAbort.js';
import { longTimer } from '../longTimers.js';

/** How the agent runs the tools a model calls. */
export interface ToolRunner {
  /** The tools by name. */
  readonly tools: ReadonlyMap<string, Tool>;
  /** ms a tool may run before its call is answered with a timeout error. */
  readonly toolTimeout?: number | undefined;
  readonly scheduler: SchedulerLike;
}

/**
 * Runs one tool call as a cold Observable of its one outcome: unknown tools, arguments that are not JSON or
 * do not fit the schema, a throwing or timed-out tool all become an error result for the model, never an
 * error of the stream. Unsubscribing aborts the `signal` the tool was given.
 */
export function runToolCall(runner: ToolRunner, call: ToolCall): Observable<ToolResult> {
  return defer(() => {
    const tool = runner.tools.get(call.name);
    if (tool === undefined) {
      const known = [...runner.tools.keys()];
      return of(failure(call, `Unknown tool "${call.name}"; available tools: ${known.length > 0 ? known.join(', ') : 'none'}`));
    }
    const args = call.arguments === '' || call.arguments === undefined || call.arguments === null ? {} : call.arguments;
    if (typeof args === 'string') {
      return of(failure(call, `The arguments for tool ${call.name} are not valid JSON: ${clip(args)}`));
    }
    return defer(() => fromMaybePromise(validateToolArguments(tool, args))).pipe(
      // A schema whose validate() throws is the tool's failure, reported to the model like any other.
      catchError((error: unknown): Observable<ValidationResult<unknown>> =>
        of({ ok: false, message: `Validating the arguments for tool ${call.name} failed: ${thrownText(error)}` }),
      ),
      switchMap((checked) => (checked.ok ? execute(runner, tool, checked.value, call) : of(failure(call, checked.message)))),
    );
  });
}

function execute(runner: ToolRunner, tool: Tool, args: unknown, call: ToolCall): Observable<ToolResult> {
  const { toolTimeout, scheduler } = runner;
  return defer(() => {
    // Made when the tool first reads its signal: most tools never do, and a controller costs microseconds a round.
    const controller = new LazyAbort();
    let settled = false;
    const context: ToolContext = {
      get signal() {
        return controller.signal;
      },
      toolCallId: call.id,
    };
    const result$ = defer(() => resultOf(tool.execute(args, context))).pipe(
      takeLast(1),
      defaultIfEmpty(undefined),
      tap({ next: () => (settled = true), error: () => (settled = true) }),
      // Unsubscribed (or timed out) before the tool finished: tell it to stop.
      finalize(() => {
        if (!settled) controller.abort(new DOMException(`Tool call ${call.id} was cancelled`, 'AbortError'));
      }),
    );
    // `race` rather than RxJS's `timeout`: a timer cannot hold more than 2^31 - 1 ms, longTimer can.
    const timed$ =
      toolTimeout === undefined || toolTimeout === Infinity
        ? result$
        : race(result$, longTimer(toolTimeout, scheduler).pipe(switchMap(() => throwError(() => new Error(`Tool ${call.name} timed out after ${toolTimeout} ms`)))));
    return timed$.pipe(
      map((result): ToolResult => ({ toolCallId: call.id, name: call.name, result })),
      catchError((error: unknown) => of(failure(call, thrownText(error)))),
    );
  });
}

/** The tool message answering a call, in the shape every provider maps to its native format. */
export function toolMessage(outcome: ToolResult): Message {
  const content = 'error' in outcome ? JSON.stringify({ error: outcome.error }) : stringify(outcome.result);
  return { role: 'tool', content, toolCallId: outcome.toolCallId, name: outcome.name };
}

/**
 * What a tool threw, as text for the model: an Error's message, a string, or the value as text. Anything at
 * all may be thrown — `null`, an object whose `toString` or `message` getter throws — and none of it may end
 * the turn: the model gets an error result and the answer goes on.
 */
export function thrownText(error: unknown): string {
  try {
    if (error instanceof Error) return typeof error.message === 'string' && error.message !== '' ? error.message : error.name;
    if (typeof error === 'string') return error;
    if (error === null || error === undefined) return `the tool threw ${String(error)}`;
    const text = String(error);
    return text === '[object Object]' ? `the tool threw ${safeJson(error)}` : text;
  } catch {
    return 'the tool threw a value that cannot be shown';
  }
}

function safeJson(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? 'a value' : json.length > 200 ? `${json.slice(0, 200)}…` : json;
  } catch {
    return 'an object';
  }
}

function failure(call: ToolCall, error: string): ToolResult {
  return { toolCallId: call.id, name: call.name, error };
}

/** A tool result as the text a model (or a status line) reads: a string as it is, anything else as JSON. */
export function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value ?? null) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * What a tool returned, as an Observable of its value: Observables and async iterables are followed
 * (their last value is the result), promises awaited; anything else (a string or an array too) is the value.
 */
export function resultOf(value: unknown): ObservableInput<unknown> {
  if (isObservable(value)) return value;
  if (typeof value === 'object' && value !== null) {
    if (typeof (value as PromiseLike<unknown>).then === 'function') return value as PromiseLike<unknown>;
    if (Symbol.asyncIterator in value) return value as AsyncIterable<unknown>;
  }
  return of(value);
}

function fromMaybePromise<T>(value: ValidationResult<T> | Promise<ValidationResult<T>>): Observable<ValidationResult<T>> {
  return value instanceof Promise ? from(value) : of(value);
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

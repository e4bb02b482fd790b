import {
  Observable,
  catchError,
  EMPTY,
  concat,
  defaultIfEmpty,
  defer,
  finalize,
  from,
  isObservable,
  map,
  merge,
  of,
  switchMap,
  takeLast,
  tap,
  throwError,
  timeout,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';
import { chunk, type StreamChunk, type ToolCall, type Usage } from '../chunk.js';
import { MaxToolRoundsError } from '../errors/MaxToolRoundsError.js';
import { ProviderError } from '../errors/ProviderError.js';
import type { ChatRequest, Message, Provider } from '../providers/provider.js';
import { checkToolArguments, type Tool, type ValidationResult } from '../tools/tool.js';
import { mergeObjects } from '../mergeObjects.js';

/** The outcome of one tool call, reported on a chunk as `metadata.toolResult` and sent back to the model. */
export type ToolResult =
  | { readonly toolCallId: string; readonly name: string; readonly result: unknown }
  | { readonly toolCallId: string; readonly name: string; readonly error: string };

/** What a turn has produced so far; the agent commits it to its history when the stream ends. */
export interface TurnProgress {
  /** Completed tool rounds: assistant message with `toolCalls`, then one tool message per call. */
  readonly toolRounds: Message[];
  /** The text of the current round so far. */
  text: string;
}

export interface ToolLoopConfig {
  readonly provider: Provider;
  /** Everything but the messages (model, sampling parameters, tools...). */
  readonly request: Omit<ChatRequest, 'messages'>;
  /** The messages before this turn's tool rounds: system prompt, history, the prompt. */
  readonly messages: readonly Message[];
  readonly tools: readonly Tool[];
  /** Tool rounds allowed before the model must answer. */
  readonly maxToolRounds: number;
  /** ms a tool may run before its call is answered with a timeout error. */
  readonly toolTimeout?: number;
  readonly scheduler: SchedulerLike;
  readonly progress: TurnProgress;
}

/**
 * One agent turn as a single chunk stream: request, stream, run the tools the model called, send their
 * results back, stream the next round, and so on.
 *
 * ```
 * round 1:   --a--d--(T|)              d = toolCallDelta, T = provider final with toolCalls
 * tools:            ---r|  ----s|      run concurrently, merged in completion order
 * round 2:                      --b--(F|)
 * result:    --a--d--t---r-s----b--(F|)  t = T as a non-final 'tool_calls' chunk, r/s = toolResult chunks,
 *                                      F = the one final chunk, usage summed over both rounds
 * ```
 *
 * Each round is `defer`red so it is built from the messages known when it starts; unsubscribing at any
 * point unsubscribes the provider stream (aborting its request) and every running tool (aborting the
 * `signal` in its `ToolContext`).
 */
export function toolLoop(config: ToolLoopConfig): Observable<StreamChunk> {
  const { provider, request, tools, maxToolRounds, toolTimeout, scheduler, progress } = config;
  const byName = new Map(tools.map((t) => [t.name, t] as const));
  const model = request.model ?? provider.model;
  const executedCalls: ToolCall[] = [];
  const results: ToolResult[] = [];

  const round = (roundsDone: number, usage: Usage | undefined): Observable<StreamChunk> =>
    defer(() => {
      let final: StreamChunk | undefined;
      const stream$ = new Observable<StreamChunk>((subscriber) =>
        provider.stream(mergeObjects(request, { messages: [...config.messages, ...progress.toolRounds] })).subscribe({
          next: (c) => {
            if (final !== undefined) return; // nothing counts after the final chunk
            // A final chunk may carry text too (e.g. after bufferChunks): it belongs to the answer.
            progress.text += c.content;
            if (!c.isFinal) {
              subscriber.next(c);
              return;
            }
            final = c;
            // An answer without tool calls ends the turn: it passes on at once, with the turn's totals.
            if ((c.metadata.toolCalls ?? []).length === 0) {
              subscriber.next(roundsDone === 0 ? c : turnFinal(c, addUsage(usage, c.metadata.usage), roundsDone));
            }
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        }),
      );
      return concat(stream$, defer(() => afterRound(roundsDone, usage, final)));
    });

  const afterRound = (roundsDone: number, usage: Usage | undefined, final: StreamChunk | undefined): Observable<StreamChunk> => {
    if (final === undefined) {
      return throwError(
        () =>
          new ProviderError(`${provider.name}: the stream ended without its final chunk`, {
            provider: provider.name,
            code: 'incomplete_stream',
            retryable: true,
          }),
      );
    }
    const calls = final.metadata.toolCalls ?? [];
    if (calls.length === 0) return EMPTY; // the final already went out
    const total = addUsage(usage, final.metadata.usage);
    if (roundsDone >= maxToolRounds) {
      return throwError(
        () =>
          new MaxToolRoundsError(
            `The model asked for more tools (${calls.map((c) => c.name).join(', ')}) after ${roundsDone} tool round(s); maxToolRounds is ${maxToolRounds}`,
            { maxToolRounds, toolCalls: calls.map(({ id, name }) => ({ id, name })) },
          ),
      );
    }
    // The provider's final becomes an ordinary chunk: it still tells which calls the model made and why.
    const announce = chunk(final.content, {
      metadata: mergeObjects(final.metadata, { eventType: 'tool_calls' }),
      timestamp: final.timestamp,
    });
    const outcomes: ToolResult[] = [];
    const run$ = merge(
      ...calls.map((call, i) =>
        runToolCall(call).pipe(
          tap((outcome) => (outcomes[i] = outcome)),
          map((outcome) =>
            chunk('', { metadata: { provider: provider.name, model, eventType: 'tool_result', toolResult: outcome }, scheduler }),
          ),
        ),
      ),
    );
    const next$ = defer(() => {
      progress.toolRounds.push({ role: 'assistant', content: progress.text, toolCalls: calls }, ...outcomes.map(toolMessage));
      progress.text = '';
      executedCalls.push(...calls);
      results.push(...outcomes);
      return round(roundsDone + 1, total);
    });
    return concat(of(announce), run$, next$);
  };

  const turnFinal = (final: StreamChunk, usage: Usage | undefined, roundsDone: number): StreamChunk =>
    mergeObjects(final, {
      metadata: mergeObjects(final.metadata, usage === undefined ? undefined : { usage }, {
        toolCalls: [...executedCalls],
        toolResults: [...results],
        toolRounds: roundsDone,
      }),
    });

  const runToolCall = (call: ToolCall): Observable<ToolResult> =>
    defer(() => {
      const tool = byName.get(call.name);
      if (tool === undefined) {
        const known = [...byName.keys()];
        return of(failure(call, `Unknown tool "${call.name}"; available tools: ${known.length > 0 ? known.join(', ') : 'none'}`));
      }
      const args = call.arguments === '' || call.arguments === undefined || call.arguments === null ? {} : call.arguments;
      if (typeof args === 'string') {
        return of(failure(call, `The arguments for tool ${call.name} are not valid JSON: ${clip(args)}`));
      }
      return defer(() => fromMaybePromise(checkToolArguments(tool, args))).pipe(
        // A schema whose validate() throws is the tool's failure, reported to the model like any other.
        catchError((error: unknown): Observable<ValidationResult<unknown>> =>
          of({ ok: false, message: `Validating the arguments for tool ${call.name} failed: ${error instanceof Error ? error.message : String(error)}` }),
        ),
        switchMap((checked) => (checked.ok ? execute(tool, checked.value, call) : of(failure(call, checked.message)))),
      );
    });

  const execute = (tool: Tool, args: unknown, call: ToolCall): Observable<ToolResult> =>
    defer(() => {
      const controller = new AbortController();
      let settled = false;
      const result$ = defer(() => resultOf(tool.execute(args, { signal: controller.signal, toolCallId: call.id }))).pipe(
        takeLast(1),
        defaultIfEmpty(undefined),
        tap({ next: () => (settled = true), error: () => (settled = true) }),
        // Unsubscribed (or timed out) before the tool finished: tell it to stop.
        finalize(() => {
          if (!settled) controller.abort(new DOMException(`Tool call ${call.id} was cancelled`, 'AbortError'));
        }),
      );
      const timed$ =
        toolTimeout === undefined
          ? result$
          : result$.pipe(
              timeout({
                first: toolTimeout,
                scheduler,
                with: () => throwError(() => new Error(`Tool ${call.name} timed out after ${toolTimeout} ms`)),
              }),
            );
      return timed$.pipe(
        map((result): ToolResult => ({ toolCallId: call.id, name: call.name, result })),
        catchError((error: unknown) => of(failure(call, error instanceof Error ? error.message : String(error)))),
      );
    });

  return round(0, undefined);
}

function failure(call: ToolCall, error: string): ToolResult {
  return { toolCallId: call.id, name: call.name, error };
}

/** The tool message answering a call, in the shape every provider maps to its native format. */
function toolMessage(outcome: ToolResult): Message {
  const content = 'error' in outcome ? JSON.stringify({ error: outcome.error }) : stringify(outcome.result);
  return { role: 'tool', content, toolCallId: outcome.toolCallId, name: outcome.name };
}

function stringify(value: unknown): string {
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
function resultOf(value: unknown): ObservableInput<unknown> {
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

function addUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

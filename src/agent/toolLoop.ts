import { Observable, EMPTY, concat, defer, map, merge, of, tap, throwError, type SchedulerLike } from 'rxjs';
import { chunk, isStreamChunk, notAChunk, type StreamChunk, type ToolCall, type ToolResult, type Usage } from '../chunk.js';
import { MaxToolRoundsError } from '../errors/MaxToolRoundsError.js';
import { ProviderError } from '../errors/ProviderError.js';
import type { ChatRequest, Message, Provider } from '../providers/provider.js';
import type { Tool } from '../tools/tool.js';
import { mergeObjects } from '../mergeObjects.js';
import { continuationOf } from '../continuation.js';
import { timeoutStream } from '../operators/timeoutStream.js';
import { runToolCall, toolMessage, type ToolRunner } from './runTool.js';

/** What a turn has produced so far; the agent commits it to its history when the stream ends, and resumes from it. */
export interface TurnProgress {
  /** Completed tool rounds: assistant message with `toolCalls`, then one tool message per call. */
  readonly toolRounds: readonly Message[];
  /** The text of the current round so far. */
  readonly text: string;
  /** Tool rounds completed (their calls ran). */
  readonly roundsDone: number;
  /** Usage of the completed rounds. */
  readonly usage: Usage | undefined;
  /** The calls that ran, and what they returned. */
  readonly toolCalls: readonly ToolCall[];
  readonly toolResults: readonly ToolResult[];
  /** Whether the current round had begun a tool call (a cut inside its arguments restarts the round). */
  readonly inToolCall: boolean;
}

/** One turn: its chunks (subscribe once), and what it has produced so far, read when it ends. */
export interface Turn {
  readonly chunks: Observable<StreamChunk>;
  progress(): TurnProgress;
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
  /** Deadlines for each round's model output (`timeoutStream`'s first and idle); tools run outside them. */
  readonly roundTimeout?: { readonly first?: number; readonly idle?: number } | undefined;
  readonly scheduler: SchedulerLike;
  /**
   * Resume a cut turn: its completed tool rounds are not run again; the cut round continues from its text
   * through the provider's own continuation (prefill or a continue instruction), or starts again when the cut
   * fell inside a tool call's arguments.
   */
  readonly resume?: TurnProgress | undefined;
}

/**
 * One agent turn as a single chunk stream: request, stream, run the tools the model called, send their
 * results back, stream the next round, and so on.
 *
 * ```
 * <!-- diagram: agent/parallelTools -->
 * provider:   -(st)|                s, t = deltas of two tool calls; '|' = provider final with toolCalls
 * slow tool:       ----x|           both tools start when the round ends and run concurrently
 * fast tool:       -y|
 * provider:             -a|         second request, once every tool has answered
 * agent:      -(st)T-R--Sa(F|)      T = 'tool_calls' chunk; R, S = toolResult chunks as each tool completes;
 *                                   F = the one final chunk, usage summed over both requests
 * requests:   ^----!
 *             ----------^-!
 * ```
 *
 * Each round is `defer`red so it is built from the messages known when it starts; unsubscribing at any
 * point unsubscribes the provider stream (aborting its request) and every running tool (aborting the
 * `signal` in its `ToolContext`).
 */
export function toolLoop(config: ToolLoopConfig): Turn {
  const { provider, request, tools, maxToolRounds, toolTimeout, roundTimeout, scheduler } = config;
  const send = (r: ChatRequest): Observable<StreamChunk> =>
    roundTimeout === undefined ? provider.stream(r) : provider.stream(r).pipe(timeoutStream({ ...roundTimeout, scheduler }));
  const runner: ToolRunner = { tools: new Map(tools.map((t) => [t.name, t] as const)), toolTimeout, scheduler };
  const model = request.model ?? provider.model;
  // The loop's own state: the caller reads it through progress(), never shares an object with it.
  const { resume } = config;
  const toolRounds: Message[] = [...(resume?.toolRounds ?? [])];
  const executedCalls: ToolCall[] = [...(resume?.toolCalls ?? [])];
  const results: ToolResult[] = [...(resume?.toolResults ?? [])];
  // The cut round goes on from its text, unless the cut fell inside a tool call: then it starts again.
  let continueFrom = resume !== undefined && !resume.inToolCall && resume.text !== '' ? resume.text : undefined;
  let text = continueFrom ?? '';
  let inToolCall = false;

  const open = (r: ChatRequest): Observable<StreamChunk> => {
    if (continueFrom === undefined) return send(r);
    const from = continueFrom;
    continueFrom = undefined;
    const continuation = continuationOf(provider.stream(r));
    if (continuation === undefined) {
      return throwError(
        () =>
          new TypeError(
            `agent: the ${provider.name} provider's streams cannot continue a cut answer, so this turn cannot resume; use retryStream({ afterContent: 'restart' })`,
          ),
      );
    }
    const continued = continuation({ text: from, chunks: 0 });
    return roundTimeout === undefined ? continued : continued.pipe(timeoutStream({ ...roundTimeout, scheduler }));
  };

  const round = (roundsDone: number, usage: Usage | undefined): Observable<StreamChunk> =>
    defer(() => {
      let final: StreamChunk | undefined;
      inToolCall = false;
      const stream$ = new Observable<StreamChunk>((subscriber) =>
        open(mergeObjects(request, { messages: [...config.messages, ...toolRounds] })).subscribe({
          next: (c) => {
            if (final !== undefined) return; // nothing counts after the final chunk
            if (!isStreamChunk(c)) {
              subscriber.error(notAChunk(`agent: ${provider.name}.stream()`, c));
              return;
            }
            // A final chunk may carry text too (e.g. after bufferChunks): it belongs to the answer.
            // A reset chunk (a provider that restarted its answer) supersedes the round's text so far.
            if (c.metadata.reset === true) text = '';
            text += c.content;
            if (c.metadata.toolCallDelta !== undefined) inToolCall = true;
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
        runToolCall(runner, call).pipe(
          tap((outcome) => (outcomes[i] = outcome)),
          map((outcome) =>
            chunk('', { metadata: { provider: provider.name, model, eventType: 'tool_result', toolResult: outcome, standalone: true }, scheduler }),
          ),
        ),
      ),
    );
    const next$ = defer(() => {
      toolRounds.push({ role: 'assistant', content: text, toolCalls: calls }, ...outcomes.map(toolMessage));
      text = '';
      executedCalls.push(...calls);
      results.push(...outcomes);
      completed = { roundsDone: roundsDone + 1, usage: total };
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

  let completed: { roundsDone: number; usage: Usage | undefined } = { roundsDone: resume?.roundsDone ?? 0, usage: resume?.usage };
  return {
    chunks: defer(() => round(completed.roundsDone, completed.usage)),
    progress: () => ({
      toolRounds: [...toolRounds],
      text,
      roundsDone: completed.roundsDone,
      usage: completed.usage,
      toolCalls: [...executedCalls],
      toolResults: [...results],
      inToolCall,
    }),
  };
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

import { Observable, asyncScheduler, catchError, defer, lastValueFrom, tap, finalize, throwError, type SchedulerLike, type Subscriber } from 'rxjs';
import { chunk, type ChunkMetadata, type FinishReason, type StreamChunk, type ToolCall, type ToolResult, type Usage } from '../chunk.js';
import { isAgenticraftError } from '../errors/AgenticraftError.js';
import { StreamInterruptedError, isStreamInterruptedError, withPartialResponse } from '../errors/StreamInterruptedError.js';
import { assertAbortSignal, assertLimit, assertNonNegativeInteger, assertNonNegativeNumber, assertObject, assertPositiveInteger } from '../optionChecks.js';
import { toAsyncIterable } from '../interop/asyncIterable.js';
import { collectResponse } from '../operators/collectResponse.js';
import { timeoutStream } from '../operators/timeoutStream.js';
import { StreamingResponse } from '../response.js';
import { createProvider, isProvider, providerForModel, type ProviderName, type ProviderSettings } from '../providers/byName.js';
import { assertMessages, type ChatRequest, type Message, type Provider, type ProviderInfo } from '../providers/provider.js';
import { ConversationHistory, restoreHistory, type HistoryMessage, type TurnStatus } from './history.js';
import { toolLoop, type Turn, type TurnProgress } from './toolLoop.js';
import { resumable } from '../continuation.js';
import type { Tool } from '../tools/tool.js';
import { mergeObjects } from '../mergeObjects.js';
import type { ObjectSchema, ObjectSnapshot } from '../operators/partialObject.js';
import type { StandardSchemaV1 } from '../tools/standardSchema.js';
import { assertStreamObjectOptions, streamStructured, type StreamObjectOptions } from './streamObject.js';

/**
 * Generation parameters: set on the agent, overridden per call (`providerOptions` are merged, per-call
 * ones over the agent's).
 */
export type GenerationParams = Pick<
  ChatRequest,
  'temperature' | 'maxTokens' | 'topP' | 'frequencyPenalty' | 'presencePenalty' | 'stop' | 'providerOptions'
>;

export interface AgentConfig extends GenerationParams {
  /** @default 'Agent' */
  readonly name?: string;
  /**
   * The model, also used to pick a provider when `provider` is not given: `gpt-*`, `chatgpt-*`, `o1`, `o3`...
   * → openai, `claude-*` → anthropic, anything else → ollama.
   * @default the provider's own default model ('gpt-4o-mini' when nothing picks a provider)
   */
  readonly model?: string;
  /** A provider name, or a ready `Provider` (e.g. `openai({ baseURL })`, `marbleProvider(...)`). @default picked from `model` */
  readonly provider?: ProviderName | Provider;
  /** The system prompt, sent first in every request. */
  readonly instructions?: string;
  /** Tools the model may call while streaming. */
  readonly tools?: readonly Tool[];
  /** For a provider created by name. @default the provider's environment variable */
  readonly apiKey?: string;
  /** For a provider created by name (Ollama's `host`). */
  readonly baseURL?: string;
  /**
   * Rounds of tool calls one `stream()` call may run; when the model asks for more, the stream errors with
   * `MaxToolRoundsError`.
   * @default 8
   */
  readonly maxToolRounds?: number;
  /** ms a tool may run; a call that takes longer is cancelled and answered with a timeout error. @default no limit */
  readonly toolTimeout?: number;
  /** Clock for chunk timestamps and tool timeouts (pass the TestScheduler's in tests). @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /**
   * Deadlines for each `stream()`/`run()`, as `timeoutStream` takes them (a number is a `total`). `first` and
   * `idle` watch the model's output in each round — text, thinking and tool-call deltas all count — and never
   * the time tools run (tools have `toolTimeout`); `total` spans the whole turn, tools included. Expiry errors
   * with a `StreamTimeoutError` carrying the turn's text so far. A per-call `timeout` overrides field by field
   * (`Infinity` lifts one).
   * @default no deadlines
   */
  readonly timeout?: number | AgentTimeout;
  /**
   * A conversation to continue: an earlier `agent.history` (plain JSON messages, e.g. from `JSON.parse`), so
   * a chat served by several instances goes on where another left it. Checked: a bad role or a content that
   * is not a string is a `TypeError` naming the message.
   * @default []
   */
  readonly history?: readonly HistoryMessage[];
}

/** An agent's deadlines, in ms: see {@link AgentConfig.timeout}. */
export interface AgentTimeout {
  /** The first output of each round (each request to the model). */
  readonly first?: number;
  /** Between two outputs of a round; the time tools run never counts. */
  readonly idle?: number;
  /** The whole turn, tool rounds included. */
  readonly total?: number;
}

/** Per-call parameters of `stream()` and `run()`: they override the agent's. */
export interface StreamParams extends GenerationParams {
  /** Overrides the agent's model for this call. */
  readonly model?: string;
  /** Overrides the agent's deadlines field by field (a number is a `total`). */
  readonly timeout?: number | AgentTimeout;
  /**
   * `false`: a one-off turn — sent without the conversation history and not committed to it (workflows'
   * LLM steps run this way, so concurrent steps and repeated runs never see each other's prompts).
   * @default true
   */
  readonly history?: boolean;
  /**
   * Aborting it stops the call: the request (and any tool running) is aborted, and the stream errors with a
   * `StreamInterruptedError` (reason 'signal', the signal's reason as `cause`) carrying the turn's text so far;
   * `run()` rejects with it. An already-aborted signal sends no request.
   */
  readonly signal?: AbortSignal;
}

/** The whole answer of `agent.run()`. */
export interface AgentResponse {
  /** Every round's text, joined. */
  readonly content: string;
  /** Summed over all rounds, when the provider reports it. */
  readonly usage?: Usage;
  /** The tool calls the model made (and the agent ran) in this turn. */
  readonly toolCalls: readonly ToolCall[];
  /** What each of those calls returned, in call order. */
  readonly toolResults: readonly ToolResult[];
  readonly finishReason: FinishReason;
  /** The final chunk's metadata (provider, model, rawFinishReason, ...). */
  readonly metadata: ChunkMetadata;
  /** Reasoning text, when the model streamed any. */
  readonly thinking: string;
  /** ms from subscribing to the final chunk. */
  readonly duration?: number;
}

/** What `agent.stream()` returns: an Observable to pipe, and an AsyncIterable for `for await`. */
export interface AgentStream extends Observable<StreamChunk>, AsyncIterable<StreamChunk> {}

class AgentStreamObservable extends Observable<StreamChunk> implements AgentStream {
  [Symbol.asyncIterator](): AsyncIterator<StreamChunk> {
    return toAsyncIterable<StreamChunk>(this);
  }
}

const DEFAULT_MODEL = 'gpt-4o-mini';
const NO_TOOL_RESULTS: readonly ToolResult[] = Object.freeze([]);

/**
 * An LLM with instructions, tools and conversation memory, whose answers stream as chunks.
 *
 * ```
 * <!-- diagram: agent/stream, agent/tools -->
 * provider:   --a--b--|             a = 'Hel', b = 'lo'
 * agent:      --a--b--(F|)          agent.stream('Hi'): the chunks, then F = the one final chunk
 * request:    ^-------!
 *
 * provider:   -d|                   d = tool-call delta; '|' = provider final with toolCalls
 * tool:         r                   the call runs (here synchronously): r = its result
 * provider:     ----a|              second request: the result goes back, the answer streams on
 * agent:      -d(TR)a(F|)           T = 'tool_calls' chunk (not final), R = toolResult chunk, F = the one final
 * requests:   ^-!
 *             --^----!
 * ```
 *
 * ## Examples
 *
 * ```ts
 * import { Agent, calculator } from 'agenticraft-rx';
 *
 * const agent = new Agent({ name: 'StreamingAgent', model: 'gpt-4o-mini', tools: [calculator] });
 * for await (const chunk of agent.stream('Tell me a story')) process.stdout.write(chunk.content);
 *
 * const { content, usage } = await agent.run("What's 15% of $2,500?");
 * ```
 */
export class Agent {
  readonly name: string;
  readonly model: string;
  readonly instructions?: string;
  readonly maxToolRounds: number;
  readonly toolTimeout?: number;
  /** The agent's deadlines (a number given as `timeout` is its `total`). */
  readonly timeout: AgentTimeout;

  readonly #provider: Provider;
  readonly #params: GenerationParams;
  readonly #tools = new Map<string, Tool>();
  readonly #history: ConversationHistory;
  readonly #scheduler: SchedulerLike;

  /**
   * @throws {TypeError} for an unknown provider name, a tool that is not a tool, or two tools with one name.
   * @throws {RangeError} for a negative `maxToolRounds` or a non-positive `toolTimeout`.
   */
  constructor(config: AgentConfig = {}) {
    assertObject('Agent(config)', config);
    const { provider, apiKey, baseURL, scheduler = asyncScheduler, maxToolRounds = 8, toolTimeout } = config;
    assertNonNegativeInteger('Agent: maxToolRounds', maxToolRounds);
    if (toolTimeout !== undefined) assertLimit('Agent: toolTimeout', toolTimeout);
    if (config.name !== undefined && typeof config.name !== 'string') throw new TypeError(`Agent: name must be a string`);
    if (config.model !== undefined && (typeof config.model !== 'string' || config.model === '')) {
      throw new TypeError(`Agent: model must be a non-empty string`);
    }
    if (config.instructions !== undefined && typeof config.instructions !== 'string') {
      throw new TypeError(`Agent: instructions must be a string`);
    }
    this.name = config.name ?? 'Agent';
    if (config.instructions !== undefined) this.instructions = config.instructions;
    this.maxToolRounds = maxToolRounds;
    if (toolTimeout !== undefined) this.toolTimeout = toolTimeout;
    this.timeout = resolveTimeout('Agent: timeout', config.timeout);
    this.#history = new ConversationHistory(config.history === undefined ? [] : restoreHistory(config.history));
    this.#scheduler = scheduler;
    this.#params = pickParams(config);
    // A provider named without a model uses that provider's default model.
    this.#provider = isProvider(provider)
      ? provider
      : agentProvider(provider ?? providerForModel(config.model ?? DEFAULT_MODEL), { model: config.model, apiKey, baseURL, scheduler });
    this.model = config.model ?? this.#provider.model;
    for (const tool of config.tools ?? []) this.addTool(tool);
  }

  /** The clock for chunk timestamps and tool timeouts (workflows run on it too). */
  get scheduler(): SchedulerLike {
    return this.#scheduler;
  }

  /** The provider requests go to. */
  get provider(): Provider {
    return this.#provider;
  }

  /** The tools the model may call. */
  get tools(): readonly Tool[] {
    return [...this.#tools.values()];
  }

  /**
   * The conversation so far, oldest first: each committed turn's prompt, tool rounds and answer. An answer
   * whose stream was unsubscribed early or failed is kept with `status: 'interrupted'` or `'error'`. Plain
   * JSON-serialisable messages: `new Agent({ history: JSON.parse(JSON.stringify(agent.history)) })` continues it.
   */
  get history(): readonly HistoryMessage[] {
    return this.#history.messages;
  }

  /** Forgets the conversation; streams still running commit nothing. */
  clearHistory(): void {
    this.#history.clear();
  }

  /**
   * Adds a tool the model may call from the next request on.
   * @throws {TypeError} when it is not a tool or another tool has its name.
   */
  addTool(tool: Tool): this {
    if (typeof tool !== 'object' || tool === null || typeof tool.name !== 'string' || typeof tool.execute !== 'function') {
      throw new TypeError(`Agent(${this.name}): addTool needs a tool made with defineTool({ name, description, parameters, execute })`);
    }
    if (this.#tools.has(tool.name)) throw new TypeError(`Agent(${this.name}): there is already a tool named "${tool.name}"`);
    this.#tools.set(tool.name, tool);
    return this;
  }

  /**
   * Loads the provider's SDK and builds its client ahead of the first prompt (`provider.preload()`), so the
   * first answer starts as fast as the next. Sends no request; resolves at once for a provider with nothing
   * to load; rejects with the provider's `ProviderError` (`code: 'sdk_not_installed'`) when its SDK is missing.
   */
  async preload(): Promise<void> {
    await this.#provider.preload?.();
  }

  /** What the provider supports, plus the agent's model, name and tool names. */
  getProviderInfo(): ProviderInfo {
    return { ...this.#provider.info(), model: this.model, agent: this.name, tools: [...this.#tools.keys()] };
  }

  /**
   * Streams the answer to `prompt` as chunks, running the tools the model calls in between: cold (each
   * subscription is one turn, starting with one request), ended by exactly one final chunk, committed to
   * the history when it ends.
   *
   * @param prompt The user's text, or messages to send as this turn's input (after the history).
   * @param params Per-call generation parameters, over the agent's.
   */
  stream(prompt: string | readonly Message[], params: StreamParams = {}): AgentStream {
    const input = toInput(prompt);
    assertObject('agent.stream: params', params);
    const request = this.#request(params);
    if (params.history !== undefined && typeof params.history !== 'boolean') {
      throw new TypeError(`agent.stream: params.history must be a boolean, got ${typeof params.history}`);
    }
    const signal = checkSignal('agent.stream: params.signal', params.signal);
    const slot = params.history === false ? undefined : this.#history.slot();
    const tools = this.tools;
    const { first, idle, total } = { ...this.timeout, ...resolveTimeout('agent.stream: params.timeout', params.timeout) };
    const limited = (ms: number | undefined): ms is number => ms !== undefined && ms !== Infinity;
    const roundTimeout = limited(first) || limited(idle) ? { ...(limited(first) ? { first } : {}), ...(limited(idle) ? { idle } : {}) } : undefined;

    /** The last subscription's turn: what a resume continues from. */
    let lastTurn: Turn | undefined;
    const turnFrom = (resume: TurnProgress | undefined): Observable<StreamChunk> => defer(() => {
      const commitTurn = slot === undefined ? undefined : slot.begin();
      const past = slot === undefined ? [] : this.#history.context(slot);
      const messages: Message[] = [...this.#system(), ...past, ...input];
      const turn = toolLoop({
        provider: this.#provider,
        request,
        messages,
        tools,
        maxToolRounds: this.maxToolRounds,
        toolTimeout: this.toolTimeout,
        roundTimeout,
        scheduler: this.#scheduler,
        resume,
      });
      lastTurn = turn;
      let committed = false;
      const commit = (status: TurnStatus): void => {
        if (committed || commitTurn === undefined) return;
        committed = true;
        const { toolRounds, text } = turn.progress();
        commitTurn({ input, toolRounds, text, status });
      };
      // What the turn delivered, every round: an error carries all of it, not only the last round's text.
      const delivered = new StreamingResponse({ keepChunks: false, scheduler: this.#scheduler });
      const chunks$ = limited(total) ? turn.chunks.pipe(timeoutStream({ total, scheduler: this.#scheduler })) : turn.chunks;
      const turn$ = chunks$.pipe(
        tap((c) => void delivered.addChunk(c)),
        // The library's errors carry the turn's text; a foreign error (a custom provider's) passes as it is.
        catchError((error: unknown) => throwError(() => (isAgenticraftError(error) ? withPartialResponse(error, delivered.end()) : error))),
        // Committed before the final chunk or the error reaches the subscriber, so code reacting to it sees the turn.
        tap({
          next: (c) => {
            if (c.isFinal) commit('complete');
          },
          error: () => commit('error'),
        }),
        finalize(() => commit('interrupted')),
      );
      // An aborted signal interrupts the turn (committed as such) before its error reaches the subscriber.
      return signal === undefined
        ? turn$
        : turn$.pipe(abortedBy(signal, "The agent's stream was aborted by its signal", () => delivered.end(), () => commit('interrupted')));
    });
    const agentStream = (resume: TurnProgress | undefined): AgentStream =>
      new AgentStreamObservable((subscriber: Subscriber<StreamChunk>) => turnFrom(resume).subscribe(subscriber));
    // Resumable (retryStream's afterContent: 'resume') when the provider's streams are: the turn goes on from
    // where it was cut — completed tool rounds are not run again, the cut round continues through the
    // provider's own continuation (or starts again when the cut fell inside a tool call's arguments).
    // A provider whose streams cannot continue makes the resume fail with a TypeError naming the fix.
    return resumable(agentStream(undefined), () => agentStream(lastTurn?.progress()));
  }

  /**
   * The whole answer at once: `stream()` collected into an {@link AgentResponse}.
   * @throws the stream's error (a `ProviderError`, a `MaxToolRoundsError`...), as the promise's rejection.
   */
  async run(prompt: string | readonly Message[], params: StreamParams = {}): Promise<AgentResponse> {
    const response = await lastValueFrom(
      this.stream(prompt, params).pipe(
        collectResponse({ keepChunks: false, scheduler: this.#scheduler }),
        // run() reports what failed, not that the collection was interrupted.
        catchError((error: unknown) => {
          throw isStreamInterruptedError(error) && error.reason === 'error' ? error.cause : error;
        }),
      ),
    );
    const metadata = response.metadata;
    const out: { -readonly [K in keyof AgentResponse]: AgentResponse[K] } = {
      content: response.completeText,
      toolCalls: response.toolCalls,
      toolResults: metadata.toolResults ?? NO_TOOL_RESULTS,
      finishReason: response.finishReason ?? 'stop',
      metadata,
      thinking: response.thinking,
    };
    if (response.usage !== undefined) out.usage = response.usage;
    if (response.duration !== undefined) out.duration = response.duration;
    return out;
  }

  /**
   * Streams a structured answer: snapshots of the object as the model writes it, the last one `done: true`
   * with the `object` validated by `schema` (see `partialObject`). One request, no tool loop (the agent's tools
   * are not sent); `'auto'` uses the provider's native structured mode, `'json'` asks for JSON in the
   * instructions. The conversation history is sent as context (unless `params.history` is `false`) and the
   * answer is not added to it. The agent's `timeout` and the per-call one apply as in `stream()`.
   *
   * ```ts
   * const Invoice = z.object({ customer: z.string(), lines: z.array(z.object({ item: z.string(), price: z.number() })) });
   * agent.streamObject('Extract the invoice: ...', { schema: Invoice, name: 'invoice' })
   *   .pipe(auditTime(16))
   *   .subscribe(({ partial, done, object }) => render(done ? object : partial));
   * ```
   *
   * @throws {TypeError} at the call for a bad prompt, schema or option; the stream errors with an
   *   `ObjectValidationError` when the answer is not valid JSON or fails the schema.
   */
  streamObject<S extends StandardSchemaV1>(
    prompt: string | readonly Message[],
    options: StreamObjectOptions<S>,
    params?: StreamParams,
  ): Observable<ObjectSnapshot<StandardSchemaV1.InferOutput<S>>>;
  streamObject<T = unknown>(prompt: string | readonly Message[], options: StreamObjectOptions<ObjectSchema<T>>, params?: StreamParams): Observable<ObjectSnapshot<T>>;
  streamObject<T>(prompt: string | readonly Message[], options: StreamObjectOptions<ObjectSchema<T>>, params: StreamParams = {}): Observable<ObjectSnapshot<T>> {
    const input = toInput(prompt);
    assertStreamObjectOptions('agent.streamObject', options);
    assertObject('agent.streamObject: params', params);
    if (params.history !== undefined && typeof params.history !== 'boolean') {
      throw new TypeError(`agent.streamObject: params.history must be a boolean, got ${typeof params.history}`);
    }
    // No tool loop: the agent's tools are not offered.
    const { tools: _tools, ...request } = this.#request(params);
    const timeout = { ...this.timeout, ...resolveTimeout('agent.streamObject: params.timeout', params.timeout) };
    const signal = checkSignal('agent.streamObject: params.signal', params.signal);
    const snapshots = defer(() =>
      streamStructured<T>({
        provider: this.#provider,
        request,
        system: this.#system(),
        messages: [...(params.history === false ? [] : this.#history.context()), ...input],
        options,
        timeout,
        scheduler: this.#scheduler,
      }),
    );
    if (signal === undefined) return snapshots;
    let text = '';
    const partial = (): StreamingResponse => new StreamingResponse({ keepChunks: false, scheduler: this.#scheduler }).addChunk(chunk(text, { scheduler: this.#scheduler }));
    return snapshots.pipe(
      tap((snapshot) => (text = snapshot.text)),
      abortedBy(signal, "The agent's object stream was aborted by its signal", partial),
    );
  }

  #system(): Message[] {
    return this.instructions === undefined || this.instructions === '' ? [] : [{ role: 'system', content: this.instructions }];
  }

  #request(params: StreamParams): Omit<ChatRequest, 'messages'> {
    const merged: { -readonly [K in keyof ChatRequest]?: ChatRequest[K] } = mergeObjects(this.#params, pickParams(params));
    if (params.model !== undefined && (typeof params.model !== 'string' || params.model === '')) {
      throw new TypeError('agent.stream: params.model must be a non-empty string');
    }
    merged.model = params.model ?? this.model;
    const providerOptions = mergeObjects(this.#params.providerOptions, params.providerOptions);
    if (Object.keys(providerOptions).length > 0) merged.providerOptions = providerOptions;
    else delete merged.providerOptions;
    if (this.#tools.size > 0) merged.tools = this.tools;
    return merged;
  }
}

function agentProvider(name: ProviderName, settings: ProviderSettings): Provider {
  try {
    return createProvider(name, settings);
  } catch (error) {
    if (error instanceof TypeError) throw new TypeError(`Agent: ${error.message}`);
    throw error;
  }
}

function checkSignal(where: string, signal: unknown): AbortSignal | undefined {
  if (signal !== undefined) assertAbortSignal(where, signal);
  return signal;
}

/**
 * Errors with a `StreamInterruptedError` (reason 'signal') when `signal` aborts, unsubscribing the source (which
 * aborts its request); an already-aborted signal never subscribes it.
 */
function abortedBy<T>(signal: AbortSignal, message: string, partial: () => StreamingResponse, before?: () => void): (source: Observable<T>) => Observable<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const abort = (): void => {
        before?.();
        subscriber.error(new StreamInterruptedError(message, { partialResponse: partial(), reason: 'signal', cause: signal.reason }));
      };
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      const subscription = source.subscribe(subscriber);
      return () => {
        signal.removeEventListener('abort', abort);
        subscription.unsubscribe();
      };
    });
}

/** A `timeout` option as an {@link AgentTimeout}: a number is a total; each field a positive number of ms or Infinity. */
function resolveTimeout(where: string, timeout: number | AgentTimeout | undefined): AgentTimeout {
  if (timeout === undefined) return {};
  if (typeof timeout === 'number') {
    assertLimit(where, timeout);
    return { total: timeout };
  }
  assertObject(where, timeout);
  const out: { -readonly [K in keyof AgentTimeout]?: number } = {};
  for (const key of ['first', 'idle', 'total'] as const) {
    const value = timeout[key];
    if (value === undefined) continue;
    assertLimit(`${where}.${key}`, value);
    out[key] = value;
  }
  return out;
}

const PARAM_KEYS = ['temperature', 'maxTokens', 'topP', 'frequencyPenalty', 'presencePenalty', 'stop', 'providerOptions'] as const;

function pickParams(source: GenerationParams): GenerationParams {
  const out: { -readonly [K in keyof GenerationParams]?: GenerationParams[K] } = {};
  for (const key of PARAM_KEYS) {
    const value = source[key];
    if (value === undefined) continue;
    if (key === 'stop') {
      if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) throw new TypeError('stop must be an array of strings');
    } else if (key === 'providerOptions') {
      assertObject('providerOptions', value);
    } else if (key === 'maxTokens') {
      assertPositiveInteger('maxTokens', value);
    } else if (key === 'topP') {
      assertNonNegativeNumber('topP', value);
      if (value > 1) throw new RangeError(`topP must be between 0 and 1, got ${value}`);
    } else if (key === 'temperature') {
      assertNonNegativeNumber('temperature', value);
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`${key} must be a finite number, got ${typeof value === 'number' ? value : typeof value}`);
    }
    (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

function toInput(prompt: string | readonly Message[]): readonly Message[] {
  if (typeof prompt === 'string') return [{ role: 'user', content: prompt }];
  if (!Array.isArray(prompt) || prompt.length === 0) {
    throw new TypeError('agent.stream(prompt): prompt must be a string or a non-empty array of messages');
  }
  assertMessages('agent.stream(prompt): messages', prompt);
  return Object.freeze([...prompt]);
}

/**
 * The Anthropic Messages API as a `Provider`, on the official `@anthropic-ai/sdk` (loaded on first subscribe).
 * This file is the only place that knows Anthropic's wire format: raw SSE events in, `StreamChunk`s out.
 */
import type { Observable, SchedulerLike } from 'rxjs';
import { finalChunk, type ChunkMetadata, type FinishReason, type StreamChunk, type Usage } from '../chunk.js';
import { ProviderError, isRetryableStatus } from '../errors/ProviderError.js';
import { toolJsonSchema } from '../tools/tool.js';
import { assertNonEmptyStrings, assertObject, assertPositiveInteger, assertPositiveNumber } from '../optionChecks.js';
import { resumableStreams } from './resume.js';
import { assertChatRequest, type ChatRequest, type Message, type PreloadableProvider, type ProviderInfo } from './provider.js';
import { buildRequestBody, networkError, redact, retryAfterMs, statusFromErrorBody } from './failures.js';
import { hasAsResponse, sseEvents, type ApiErrorConstructor, type SseEventMapper } from './sseBody.js';
import { clockOf, readEnv } from './defaults.js';
import { contentMetadata, isRecord, splitToolCalls, toolArgumentsObject } from './wire.js';
import { loadSdk, warmFetch } from './loadSdk.js';
import { sdkStream, type ChunkSink, type StreamDecoder } from './sdkStream.js';
import { mergeObjects } from '../mergeObjects.js';

const PROVIDER = 'anthropic';

/** The model used when neither the options nor the request name one. */
export const ANTHROPIC_DEFAULT_MODEL = 'claude-sonnet-4-6';

/** The `max_tokens` sent when the request has no `maxTokens` (the Messages API requires one). */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/**
 * The streaming Messages API body this provider sends: what a client's `messages.create` must accept. The
 * SDK's `MessageCreateParamsStreaming` fits it.
 */
export interface AnthropicMessageStreamBody {
  readonly model: string;
  readonly max_tokens: number;
  readonly messages: readonly object[];
  readonly stream: true;
}

/** The per-request options this provider passes: the subscription's signal, and no SDK retries (`retryStream`'s job). */
export interface AnthropicRequestOptions {
  readonly signal: AbortSignal;
  readonly maxRetries: number;
}

/**
 * What this provider uses of an Anthropic SDK client: `new Anthropic(...)` of `@anthropic-ai/sdk` 1.x fits it.
 * Declared here, not imported, so the published types do not need the SDK installed by a user of another provider.
 */
export interface AnthropicClientLike {
  /** `info().baseURL`. */
  readonly baseURL?: string;
  /** The client's credentials: kept out of every error this provider raises. */
  readonly apiKey?: string | null | ((...args: never[]) => unknown);
  readonly authToken?: string | null;
  readonly messages: {
    /** Resolves to the SDK's `Stream` of raw message stream events. */
    create(body: AnthropicMessageStreamBody, options: AnthropicRequestOptions): Promise<AsyncIterable<unknown>>;
  };
}

export interface AnthropicProviderOptions {
  /** @default process.env.ANTHROPIC_API_KEY */
  readonly apiKey?: string;
  /**
   * The API origin, without `/v1` (the SDK appends `/v1/messages`).
   * @default process.env.ANTHROPIC_BASE_URL, else 'https://api.anthropic.com'
   */
  readonly baseURL?: string;
  /** @default ANTHROPIC_DEFAULT_MODEL ('claude-sonnet-4-6') */
  readonly model?: string;
  /** `max_tokens` for requests without `maxTokens`. @default 4096 */
  readonly defaultMaxTokens?: number;
  /** Headers sent with every request, e.g. `{ 'anthropic-beta': '...' }`. */
  readonly defaultHeaders?: Readonly<Record<string, string>>;
  /** Per-request timeout of the SDK, in ms. @default the SDK's (10 minutes) */
  readonly timeout?: number;
  /**
   * A ready SDK client (`new Anthropic({...})`); `apiKey`, `baseURL`, `defaultHeaders` and `timeout` are then ignored.
   * Requests still go out with `maxRetries: 0`: retrying is `retryStream`'s job.
   */
  readonly client?: AnthropicClientLike;
  /** Clock for chunk timestamps. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/**
 * An Anthropic (Claude) provider: `stream(request)` is cold, each subscription sends one
 * `POST /v1/messages` with `stream: true`, unsubscribing aborts it.
 *
 * ```
 * stream(request)  --a--b--c--(F|)    a,b,c = text deltas (eventType 'content_block_delta')
 *                                     F = final chunk (eventType 'message_stop', finishReason, usage, toolCalls)
 * ```
 *
 * ```ts
 * const claude = anthropic({ model: 'claude-sonnet-4-6' });
 * claude.stream({ messages: [{ role: 'user', content: 'Hello' }] })
 *   .pipe(collectResponse())
 *   .subscribe((r) => console.log(r.completeText, r.usage));
 * ```
 *
 * System messages become the top-level `system` prompt, tool results become `tool_result` blocks,
 * `frequencyPenalty`/`presencePenalty` are dropped (the Messages API has no such parameters), and
 * `providerOptions` (e.g. `{ thinking: { type: 'enabled', budget_tokens: 2048 } }`) are merged into the body last.
 */
export function anthropic(options: AnthropicProviderOptions = {}): PreloadableProvider {
  assertObject('anthropic(options)', options);
  assertNonEmptyStrings('anthropic(options)', options, ['apiKey', 'baseURL', 'model']);
  const defaultMaxTokens = options.defaultMaxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS;
  assertPositiveInteger('anthropic: defaultMaxTokens', defaultMaxTokens);
  if (options.timeout !== undefined) assertPositiveNumber('anthropic: timeout', options.timeout);
  // With a caller's client, its own credentials are what errors must never show.
  const clientKey = options.client === undefined ? undefined : credential(options.client.apiKey) ?? credential(options.client.authToken);
  const apiKey = clientKey ?? options.apiKey ?? readEnv('ANTHROPIC_API_KEY');
  const baseURL = options.baseURL ?? readEnv('ANTHROPIC_BASE_URL');
  const model = options.model ?? ANTHROPIC_DEFAULT_MODEL;
  const clock = clockOf(options.scheduler);
  let client: Promise<AnthropicClientLike> | undefined;
  /** The SDK's error class, set only when this provider builds its own client (never with a caller's): then sseEvents reads the body. */
  let ownApiError: ApiErrorConstructor | undefined;

  const getClient = (): Promise<AnthropicClientLike> => {
    if (options.client) return Promise.resolve(options.client);
    if (!apiKey) {
      return Promise.reject(
        new ProviderError('anthropic: no API key: pass anthropic({ apiKey }) or set ANTHROPIC_API_KEY', {
          provider: PROVIDER,
          code: 'missing_api_key',
          retryable: false,
        }),
      );
    }
    client ??= loadSdk('@anthropic-ai/sdk', PROVIDER, () => import('@anthropic-ai/sdk')).then((sdk) => {
      ownApiError = sdk.APIError as unknown as ApiErrorConstructor;
      return new sdk.default({
          apiKey,
          maxRetries: 0,
          // The SDK's own console output (warnings, "Could not parse message into JSON" with the raw data)
          // never reaches the user's console: what it would say is in the error this provider raises.
          logLevel: 'off',
          ...(baseURL ? { baseURL } : {}),
          ...(options.defaultHeaders ? { defaultHeaders: { ...options.defaultHeaders } } : {}),
          ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
        });
    });
    client.catch(() => (client = undefined));
    return client;
  };

  return {
    name: PROVIDER,
    model,
    // Without a key there is no client to build (each stream fails with 'missing_api_key'): the module still loads.
    preload: async () => {
      if (options.client) return;
      if (apiKey) await getClient();
      else await loadSdk('@anthropic-ai/sdk', PROVIDER, () => import('@anthropic-ai/sdk'));
      await warmFetch();
    },
    info: (): ProviderInfo => ({
      provider: PROVIDER,
      model,
      supportsStreaming: true,
      supportsTools: true,
      supportsThinking: true,
      baseURL: options.client?.baseURL ?? baseURL ?? 'https://api.anthropic.com',
    }),
    // Resumable: retryStream({ afterContent: 'resume' }) continues a cut answer (see resume.ts).
    stream: resumableStreams(
      (request: ChatRequest): Observable<StreamChunk> => {
      assertChatRequest(PROVIDER, request);
      const requestedModel = request.model ?? model;
      return sdkStream<AnthropicEvent>({
        provider: PROVIDER,
        clock,
        releaseCompleted: true,
        open: async (signal) => {
          const body = buildRequestBody(PROVIDER, apiKey, () => toAnthropicBody(request, requestedModel, defaultMaxTokens));
          const sdk = await getClient();
          const call = sdk.messages.create(body, { signal, maxRetries: 0 });
          if (ownApiError !== undefined && hasAsResponse(call)) {
            // Our own client: the SDK sends the request and maps HTTP errors; the body is parsed once, here.
            const response = await call.asResponse();
            // message_stop is the last event: the stream ends there, also when a server keeps the response open.
            return sseEvents(PROVIDER, response, anthropicEvents(response.headers, ownApiError), { apiKey, isLast: (e) => e.type === 'message_stop' });
          }
          // A caller's client: the SDK's own stream of events (the client type is structural).
          return (await call) as AsyncIterable<AnthropicEvent>;
        },
        decoder: (sink) => anthropicDecoder(sink, requestedModel, clock),
        toError: (error) => toProviderError(error, apiKey),
        secret: apiKey,
      });
      },
      (request) => (request.providerOptions?.['thinking'] === undefined ? 'prefill' : 'instruction'), true,
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Request mapping

type ContentBlockParam =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: unknown }
  | { readonly type: 'tool_result'; readonly tool_use_id: string; readonly content: string };

interface MessageParam {
  readonly role: 'user' | 'assistant';
  content: string | ContentBlockParam[];
}

/** The native request body (a subset of `MessageCreateParamsStreaming` plus whatever `providerOptions` add). */
export interface AnthropicRequestBody {
  readonly model: string;
  readonly max_tokens: number;
  readonly messages: readonly MessageParam[];
  readonly stream: true;
  readonly system?: string;
  readonly temperature?: number;
  readonly top_p?: number;
  readonly stop_sequences?: readonly string[];
  readonly tools?: ReadonlyArray<{ readonly name: string; readonly description: string; readonly input_schema: unknown }>;
  readonly [key: string]: unknown;
}

/**
 * Maps a `ChatRequest` to the Messages API body. System messages are joined (blank line between) into `system`;
 * tool messages become `tool_result` blocks, consecutive ones (and a user message right after them) merged
 * into one user turn; `frequencyPenalty`/`presencePenalty` are dropped; `providerOptions` go in last,
 * except `stream`, which stays `true`.
 */
export function toAnthropicBody(request: ChatRequest, model: string, defaultMaxTokens: number): AnthropicRequestBody {
  const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
  const body: Record<string, unknown> = {
    model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    messages: toAnthropicMessages(request.messages),
  };
  if (system.length > 0) body['system'] = system.join('\n\n');
  if (request.temperature !== undefined) body['temperature'] = request.temperature;
  // Current Claude models reject temperature and top_p together: temperature wins, top_p is dropped.
  else if (request.topP !== undefined) body['top_p'] = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body['stop_sequences'] = [...request.stop];
  if (request.tools !== undefined && request.tools.length > 0) {
    body['tools'] = request.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: toolJsonSchema(tool),
    }));
  }
  // No JSON mode: structured output is a forced tool whose input is the answer (its input_json_deltas are the JSON).
  const format = request.responseFormat;
  if (format !== undefined) {
    const tool = { name: format.name, description: format.description ?? 'Answer with the requested object.', input_schema: format.schema };
    body['tools'] = [...((body['tools'] as unknown[] | undefined) ?? []), tool];
    body['tool_choice'] = { type: 'tool', name: format.name };
  }
  return mergeObjects(body, request.providerOptions, { stream: true }) as AnthropicRequestBody;
}

function toAnthropicMessages(messages: readonly Message[]): MessageParam[] {
  const out: MessageParam[] = [];
  // The user turn that holds tool results, so that more results (and the user's next words) join it.
  let toolTurn: (MessageParam & { content: ContentBlockParam[] }) | undefined;
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        break;
      case 'tool': {
        const block: ContentBlockParam = { type: 'tool_result', tool_use_id: message.toolCallId ?? '', content: message.content };
        if (toolTurn) toolTurn.content.push(block);
        else out.push((toolTurn = { role: 'user', content: [block] }));
        break;
      }
      case 'user':
        if (toolTurn) {
          if (message.content !== '') toolTurn.content.push({ type: 'text', text: message.content });
          toolTurn = undefined;
        } else if (message.content !== '') {
          // The API rejects empty text; consecutive turns of one role are fine (it joins them).
          out.push({ role: 'user', content: message.content });
        }
        break;
      case 'assistant': {
        toolTurn = undefined;
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) {
          if (message.content !== '') out.push({ role: 'assistant', content: message.content });
          break;
        }
        const blocks: ContentBlockParam[] = message.content === '' ? [] : [{ type: 'text', text: message.content }];
        for (const call of calls) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: toolArgumentsObject(call.arguments) });
        out.push({ role: 'assistant', content: blocks });
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Stream decoding

interface AnthropicUsage {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
}

/** The raw stream events, as loosely as the decoder reads them (unknown event and block types are ignored). */
interface AnthropicEvent {
  readonly type: string;
  readonly index?: number;
  readonly message?: { readonly model?: string; readonly usage?: AnthropicUsage };
  readonly content_block?: { readonly type: string; readonly id?: string; readonly name?: string; readonly text?: string; readonly thinking?: string; readonly input?: unknown };
  readonly delta?: {
    readonly type?: string;
    readonly text?: string;
    readonly thinking?: string;
    readonly partial_json?: string;
    readonly stop_reason?: string | null;
  };
  readonly usage?: AnthropicUsage;
}

interface ToolBlock {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly input: unknown;
  json: string;
}

const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // The server paused a long server-tool turn; the answer so far is complete, the caller may continue it.
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Anthropic stop reasons to the normalised finish reasons; unknown ones pass through unchanged. */
export function anthropicFinishReason(stopReason: string | null | undefined): FinishReason {
  if (stopReason == null) return 'stop';
  return FINISH_REASONS[stopReason] ?? stopReason;
}

/**
 * Messages API events from SSE messages, as the SDK's `Stream` reads them: `ping` and unnamed events are
 * skipped, an `error` event throws the SDK's `APIError` with no status (its body parsed when it is JSON), and
 * every other named event with data is parsed (malformed JSON throws a `SyntaxError`).
 */
function anthropicEvents(headers: Headers, APIError: ApiErrorConstructor): SseEventMapper<AnthropicEvent> {
  return (event, data) => {
    if (event === null || event === 'ping') return undefined;
    if (event === 'error') {
      let body: unknown = data;
      try {
        body = (JSON.parse(data) as unknown) ?? data;
      } catch {
        // Not JSON: the text itself is the error's body.
      }
      const type = (body as { error?: { type?: unknown } } | null)?.error?.type;
      throw new APIError(undefined, body, undefined, headers, type);
    }
    if (data === '') return undefined;
    return JSON.parse(data) as AnthropicEvent;
  };
}

function anthropicDecoder(sink: ChunkSink, requestedModel: string, clock: SchedulerLike): StreamDecoder<AnthropicEvent> {
  let model = requestedModel;
  let usage: AnthropicUsage | undefined;
  let stopReason: string | null | undefined;
  let stopped = false;
  const toolBlocks = new Map<number, ToolBlock>();
  const toolCalls: ToolBlock[] = [];

  const metadataFor = contentMetadata(PROVIDER);
  const meta = (eventType: string, extra?: ChunkMetadata): ChunkMetadata => metadataFor(model, eventType, extra);
  const emit = (content: string, eventType: string, extra?: ChunkMetadata): void =>
    sink.content(content, meta(eventType, extra));

  return {
    event(event) {
      if (stopped) return;
      switch (event.type) {
        // The per-token event first: each case that does not match is a string comparison.
        case 'content_block_delta': {
          const delta = event.delta;
          // The literal, not `event.type` (a new string per event): the metadata cache then compares pointers.
          if (delta?.type === 'text_delta' && delta.text) emit(delta.text, 'content_block_delta');
          else if (delta?.type === 'thinking_delta' && delta.thinking) emit('', event.type, { thinking: delta.thinking });
          else if (delta?.type === 'input_json_delta' && delta.partial_json) {
            const tool = toolBlocks.get(event.index ?? -1);
            if (!tool) break;
            tool.json += delta.partial_json;
            emit('', event.type, { toolCallDelta: { index: tool.index, argumentsDelta: delta.partial_json } });
          }
          // signature_delta and citations_delta carry nothing a chunk has a field for.
          break;
        }
        case 'message_start':
          if (event.message?.model) model = event.message.model;
          usage = event.message?.usage;
          break;
        case 'content_block_start': {
          const block = event.content_block;
          if (!block) break;
          if (block.type === 'text' && block.text) emit(block.text, event.type);
          else if (block.type === 'thinking' && block.thinking) emit('', event.type, { thinking: block.thinking });
          else if (block.type === 'tool_use') {
            const tool: ToolBlock = { index: toolCalls.length, id: block.id ?? '', name: block.name ?? '', input: block.input ?? {}, json: '' };
            toolBlocks.set(event.index ?? -1, tool);
            toolCalls.push(tool);
            emit('', event.type, { toolCallDelta: { index: tool.index, id: tool.id, name: tool.name, argumentsDelta: '' } });
          }
          break;
        }
        case 'message_delta':
          if (event.delta?.stop_reason !== undefined) stopReason = event.delta.stop_reason;
          if (event.usage) usage = mergeUsage(usage, event.usage);
          break;
        case 'message_stop': {
          stopped = true;
          const { calls, incomplete } = splitToolCalls(
            toolCalls.map((tool) => ({ id: tool.id, name: tool.name, argumentsText: tool.json, ...(tool.json === '' && isRecord(tool.input) && Object.keys(tool.input).length > 0 && { arguments: tool.input }) })),
            stopReason === 'max_tokens' || stopReason === 'model_context_window_exceeded',
          );
          const normalised = toUsage(usage);
          const cache = cacheUsage(usage);
          sink.next(
            finalChunk(
              meta(event.type, {
                finishReason: anthropicFinishReason(stopReason),
                ...(stopReason != null ? { rawFinishReason: stopReason } : {}),
                ...(normalised ? { usage: normalised } : {}),
                ...(cache ? { cacheUsage: cache } : {}),
                ...(calls.length > 0 ? { toolCalls: calls } : {}),
                ...(incomplete.length > 0 ? { incompleteToolCalls: incomplete } : {}),
              }),
              { scheduler: clock },
            ),
          );
          break;
        }
      }
    },
    end() {
      if (!stopped) {
        throw new ProviderError('anthropic: the stream ended before message_stop', {
          provider: PROVIDER,
          code: 'incomplete_stream',
          retryable: true,
        });
      }
    },
  };
}

/** message_delta's counts are cumulative: they replace message_start's where given. */
function mergeUsage(start: AnthropicUsage | undefined, delta: AnthropicUsage): AnthropicUsage {
  const merged: { -readonly [K in keyof AnthropicUsage]: AnthropicUsage[K] } = { ...start };
  for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
    const value = delta[key];
    if (typeof value === 'number') merged[key] = value;
  }
  return merged;
}

/** Input tokens = uncached + cache writes + cache reads: everything the prompt cost. */
function toUsage(usage: AnthropicUsage | undefined): Usage | undefined {
  if (!usage) return undefined;
  const inputTokens = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
  const outputTokens = usage.output_tokens ?? 0;
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

function cacheUsage(usage: AnthropicUsage | undefined): { readonly cacheCreationInputTokens: number; readonly cacheReadInputTokens: number } | undefined {
  const creation = usage?.cache_creation_input_tokens ?? 0;
  const read = usage?.cache_read_input_tokens ?? 0;
  return creation > 0 || read > 0 ? { cacheCreationInputTokens: creation, cacheReadInputTokens: read } : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

interface SdkApiError {
  readonly message: string;
  readonly status?: number;
  readonly headers?: { get(name: string): string | null };
  readonly type?: string | null;
  readonly apiMessage?: string | null;
  readonly requestID?: string | null;
  readonly error?: { readonly error?: { readonly type?: string; readonly message?: string } } | null;
}

function credential(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function toProviderError(error: unknown, apiKey: string | undefined): ProviderError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'APIConnectionTimeoutError') {
    return new ProviderError('anthropic: the request timed out (the SDK `timeout` option)', {
      provider: PROVIDER,
      code: 'timeout',
      retryable: true,
      cause: error,
    });
  }
  // The SDK wraps fetch's TypeError, whose own cause holds the socket error code (ECONNREFUSED, ...).
  if (name === 'APIConnectionError') return networkError(PROVIDER, (error as Error).cause ?? error, apiKey);
  if (name === 'SyntaxError') {
    return new ProviderError(redact(`anthropic: malformed event in the stream: ${(error as Error).message}`, apiKey), {
      provider: PROVIDER,
      code: 'malformed_response',
      retryable: false,
      cause: error,
    });
  }
  if (error instanceof Error && 'status' in error && 'headers' in error) {
    const api = error as Error & SdkApiError;
    const type = api.type ?? api.error?.error?.type ?? undefined;
    const detail = api.apiMessage ?? api.error?.error?.message ?? api.message;
    const status = typeof api.status === 'number' ? api.status : undefined;
    // An `event: error` arrives in a 200 stream without a status: its type says whether to retry.
    const effectiveStatus = status ?? statusFromErrorBody(api.error, type);
    const where = status !== undefined ? `HTTP ${status}${type ? ` ${type}` : ''}` : `${type ?? 'error'} event in the stream`;
    const requestId = api.requestID ? ` (request-id ${api.requestID})` : '';
    const after = retryAfterMs(api.headers);
    return new ProviderError(redact(`anthropic: ${where}: ${detail}${requestId}`, apiKey), {
      provider: PROVIDER,
      // In a 200 stream, the status the error type stands for (overloaded_error → 529): retryable as that status.
      ...(effectiveStatus !== undefined ? { status: effectiveStatus } : {}),
      ...(type ? { code: type } : {}),
      retryable: effectiveStatus !== undefined && isRetryableStatus(effectiveStatus),
      ...(after !== undefined ? { retryAfterMs: after } : {}),
      cause: error,
    });
  }
  // undici's "terminated" (connection reset mid-stream) and other network-level failures.
  if (error instanceof TypeError) return networkError(PROVIDER, error, apiKey);
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(redact(`anthropic: ${message}`, apiKey), { provider: PROVIDER, retryable: false, cause: error });
}

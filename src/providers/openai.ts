/**
 * The OpenAI Chat Completions provider, on the official `openai` SDK. The only file that knows the
 * `chat.completion.chunk` wire format; works with any OpenAI-compatible server (vLLM, LM Studio, Groq,
 * OpenRouter, DeepSeek, Ollama's /v1) through `baseURL`.
 */
import type { SchedulerLike } from 'rxjs';
import type { ClientOptions } from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { finalChunk, type ChunkMetadata, type Usage } from '../chunk.js';
import { ProviderError } from '../errors/ProviderError.js';
import { toolJsonSchema } from '../tools/tool.js';
import { assertNonEmptyStrings, assertObject, assertOneOf, assertPositiveNumber } from '../optionChecks.js';
import { resumableStreams } from './resume.js';
import { assertChatRequest, type ChatRequest, type Message, type PreloadableProvider, type ProviderInfo } from './provider.js';
import { buildRequestBody, networkError, redact, retryAfterMs, statusFromErrorBody } from './failures.js';
import { END_OF_STREAM, hasAsResponse, sseEvents, type ApiErrorConstructor, type SseEventMapper } from './sseBody.js';
import { clockOf, readEnv } from './defaults.js';
import { contentMetadata, splitToolCalls } from './wire.js';
import { loadSdk, warmFetch } from './loadSdk.js';
import { sdkStream, type ChunkSink, type StreamDecoder } from './sdkStream.js';
import { mergeObjects } from '../mergeObjects.js';


/** Where `maxTokens` goes in the request body. */
export type OpenAIMaxTokensParam = 'max_completion_tokens' | 'max_tokens';

/**
 * The streaming Chat Completions body this provider sends: what a client's `create` must accept. The SDK's
 * `ChatCompletionCreateParamsStreaming` fits it.
 */
export interface OpenAIChatStreamBody {
  readonly model: string;
  readonly messages: readonly object[];
  readonly stream: true;
}

/** The per-request options this provider passes: the subscription's signal, and no SDK retries (`retryStream`'s job). */
export interface OpenAIRequestOptions {
  readonly signal: AbortSignal;
  readonly maxRetries: number;
}

/**
 * What this provider uses of an OpenAI SDK client: `new OpenAI(...)` and `new AzureOpenAI(...)` of
 * `openai` 6 or 7 fit it. Declared here, not imported, so the published types do not need `openai`
 * installed by a user of another provider.
 */
export interface OpenAIClientLike {
  /** Tells OpenAI's own API from compatible servers; `info().baseURL`. */
  readonly baseURL?: string;
  /** Read only to redact it from error messages. */
  readonly apiKey?: string | null;
  readonly chat: {
    readonly completions: {
      /** Resolves to the SDK's `Stream` of `chat.completion.chunk` events. */
      create(body: OpenAIChatStreamBody, options: OpenAIRequestOptions): Promise<AsyncIterable<unknown>>;
    };
  };
}

export interface OpenAIProviderOptions {
  /**
   * Sent as `Authorization: Bearer <apiKey>`. Servers without authentication still need a value
   * (any string, e.g. `'none'`).
   * @default process.env.OPENAI_API_KEY
   */
  readonly apiKey?: string;
  /**
   * The API root, including `/v1`: `'http://localhost:8000/v1'` (vLLM), `'http://localhost:1234/v1'`
   * (LM Studio), `'https://api.groq.com/openai/v1'` (Groq).
   * @default process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1'
   */
  readonly baseURL?: string;
  /** @default 'gpt-4o-mini' */
  readonly model?: string;
  /** `OpenAI-Organization` header. @default process.env.OPENAI_ORG_ID (read by the SDK) */
  readonly organization?: string;
  /** `OpenAI-Project` header. @default process.env.OPENAI_PROJECT_ID (read by the SDK) */
  readonly project?: string;
  /** Headers sent with every request, e.g. `{ 'HTTP-Referer': 'https://my.app' }` for OpenRouter. */
  readonly defaultHeaders?: Readonly<Record<string, string>>;
  /** The SDK's per-request timeout in ms (whole request, stream included). @default 600_000 (the SDK's) */
  readonly timeout?: number;
  /**
   * The body field `maxTokens` is sent as. OpenAI's own API wants `max_completion_tokens` (o-series
   * models reject `max_tokens`); most compatible servers only know `max_tokens`.
   * @default 'max_completion_tokens' when the base URL is api.openai.com, else 'max_tokens'
   */
  readonly maxTokensParam?: OpenAIMaxTokensParam;
  /**
   * A ready SDK client (`new OpenAI({...})`, `AzureOpenAI`, a client with a custom `fetch`...). When
   * given, `apiKey`, `baseURL`, `organization`, `project`, `defaultHeaders` and `timeout` are ignored;
   * requests still go out with `maxRetries: 0`.
   */
  readonly client?: OpenAIClientLike;
  /** The clock for chunk timestamps. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

const PROVIDER = 'openai';
const DEFAULT_MODEL = 'gpt-4o-mini';
const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
const EVENT_TYPE = 'chat.completion.chunk';

/**
 * An OpenAI (or OpenAI-compatible) chat model as a cold Observable source: each subscription to
 * `stream(request)` sends one streaming Chat Completions request, unsubscribing aborts it.
 *
 * ```ts
 * const gpt = openai({ model: 'gpt-4o-mini' });            // OPENAI_API_KEY from the environment
 * gpt.stream({ messages: [{ role: 'user', content: 'Hi' }] })
 *   .pipe(timeoutStream({ first: 10_000 }), retryStream(3))
 *   .subscribe((c) => process.stdout.write(c.content));
 *
 * const local = openai({ baseURL: 'http://localhost:8000/v1', apiKey: 'none', model: 'Qwen/Qwen3-8B' });
 * ```
 *
 * @param options Credentials, endpoint, default model; see {@link OpenAIProviderOptions}.
 * @returns A `Provider` named `'openai'`.
 */
export function openai(options: OpenAIProviderOptions = {}): PreloadableProvider {
  assertObject('openai(options)', options);
  validateOptions(options);

  const model = options.model ?? DEFAULT_MODEL;
  const baseURL = options.client?.baseURL ?? options.baseURL ?? readEnv('OPENAI_BASE_URL') ?? DEFAULT_BASE_URL;
  const apiKey = options.client ? options.client.apiKey ?? undefined : options.apiKey ?? readEnv('OPENAI_API_KEY');
  const official = isOpenAIBaseURL(baseURL);
  const maxTokensParam: OpenAIMaxTokensParam = options.maxTokensParam ?? (official ? 'max_completion_tokens' : 'max_tokens');
  const clock = clockOf(options.scheduler);

  let client: Promise<OpenAIClientLike> | undefined;
  /** The SDK's error class, set only when this provider builds its own client (never with a caller's): then sseEvents reads the body. */
  let ownApiError: ApiErrorConstructor | undefined;
  const getClient = (): Promise<OpenAIClientLike> => {
    if (options.client) return Promise.resolve(options.client);
    client ??= loadSdk('openai', PROVIDER, () => import('openai')).then((sdk) => {
      const clientOptions: ClientOptions = {
        apiKey: apiKey ?? null,
        baseURL,
        maxRetries: 0,
        // The SDK's own console output ("Could not parse message into JSON" with the raw data) never reaches
        // the user's console: what it would say is in the error this provider raises.
        logLevel: 'off',
        ...(options.organization !== undefined && { organization: options.organization }),
        ...(options.project !== undefined && { project: options.project }),
        ...(options.defaultHeaders !== undefined && { defaultHeaders: { ...options.defaultHeaders } }),
        ...(options.timeout !== undefined && { timeout: options.timeout }),
      };
      ownApiError = sdk.APIError as unknown as ApiErrorConstructor;
      return new sdk.OpenAI(clientOptions);
    });
    // A failed load (package missing) is retried on the next subscription.
    client.catch(() => (client = undefined));
    return client;
  };

  const info = (): ProviderInfo => ({
    provider: PROVIDER,
    model,
    supportsStreaming: true,
    supportsTools: true,
    // OpenAI's own Chat Completions API never streams reasoning; compatible servers may (reasoning_content / reasoning).
    supportsThinking: !official,
    baseURL,
  });

  return {
    name: PROVIDER,
    model,
    info,
    preload: async () => {
      await getClient();
      if (options.client === undefined) await warmFetch();
    },
    // Resumable: retryStream({ afterContent: 'resume' }) continues a cut answer (see resume.ts).
    stream: resumableStreams(
      (request: ChatRequest) => {
      assertChatRequest(PROVIDER, request);
      return sdkStream<ChatCompletionChunk>({
        provider: PROVIDER,
        clock,
        releaseCompleted: true,
        open: async (signal) => {
          if (!options.client && !apiKey) {
            throw new ProviderError(
              'openai: no API key. Pass openai({ apiKey }) or set OPENAI_API_KEY (servers without authentication accept any value, e.g. "none").',
              { provider: PROVIDER, code: 'missing_api_key', retryable: false },
            );
          }
          const body = buildRequestBody(PROVIDER, apiKey, () => toRequestBody(request, model, maxTokensParam));
          const sdk = await getClient();
          const call = sdk.chat.completions.create(body, { signal, maxRetries: 0 });
          if (ownApiError !== undefined && hasAsResponse(call)) {
            // Our own client: the SDK sends the request and maps HTTP errors; the body is parsed once, here.
            const response = await call.asResponse();
            return sseEvents(PROVIDER, response, openAIEvents(response.headers, ownApiError), { apiKey: apiKey ?? undefined });
          }
          // A caller's client: the SDK's `Stream<ChatCompletionChunk>` (the client type is structural); the decoder checks each event.
          return call as Promise<AsyncIterable<ChatCompletionChunk>>;
        },
        decoder: (sink) => openAIDecoder(sink, request.model ?? model, clock, apiKey),
        toError: (error) => toProviderError(error, apiKey),
        secret: apiKey,
      });
      },
      () => 'instruction',
    ),
  };
}

/**
 * Chat Completions events from SSE messages, as the SDK's `Stream` reads them: `[DONE]` ends the stream (at
 * once, also when the server keeps the response open after it), Assistants' `thread.*` events are not chat
 * chunks, malformed JSON throws a `SyntaxError`, and an `error` object (or an `event: error`) throws the SDK's
 * `APIError` with no status.
 */
function openAIEvents(headers: Headers, APIError: ApiErrorConstructor): SseEventMapper<ChatCompletionChunk> {
  return (event, data) => {
    if (data.startsWith('[DONE]')) return END_OF_STREAM;
    if (event !== null && event.startsWith('thread.')) return undefined;
    const value: unknown = JSON.parse(data);
    if (typeof value === 'object' && value !== null) {
      const error = (value as { error?: unknown }).error;
      if (error) throw new APIError(undefined, error, undefined, headers);
    }
    if (event === 'error') throw new APIError(undefined, value, undefined, headers);
    return value as ChatCompletionChunk;
  };
}

function validateOptions(options: OpenAIProviderOptions): void {
  assertNonEmptyStrings('openai(options)', options, ['apiKey', 'baseURL', 'model', 'organization', 'project']);
  if (options.baseURL !== undefined && !URL.canParse(options.baseURL)) {
    throw new TypeError(`openai(options): baseURL must be an absolute URL, got ${JSON.stringify(options.baseURL)}`);
  }
  if (options.defaultHeaders !== undefined) assertObject('openai(options): defaultHeaders', options.defaultHeaders);
  if (options.timeout !== undefined) assertPositiveNumber('openai(options): timeout', options.timeout);
  if (options.maxTokensParam !== undefined) {
    assertOneOf('openai(options): maxTokensParam', options.maxTokensParam, ['max_completion_tokens', 'max_tokens'] as const);
  }
  if (options.client !== undefined) assertObject('openai(options): client', options.client);
}

/** OpenAI's own API (api.openai.com and its regional hosts such as eu.api.openai.com). */
function isOpenAIBaseURL(baseURL: string): boolean {
  try {
    const host = new URL(baseURL).hostname;
    return host === 'api.openai.com' || host.endsWith('.api.openai.com');
  } catch {
    return false;
  }
}

/**
 * Maps a `ChatRequest` to the streaming Chat Completions body; `providerOptions` go last, `stream` stays on.
 * `responseFormat` becomes `response_format: { type: 'json_schema', ... }`, or with `mode: 'tool'` a function
 * tool forced by `tool_choice`.
 */
function toRequestBody(request: ChatRequest, model: string, maxTokensParam: OpenAIMaxTokensParam): ChatCompletionCreateParamsStreaming {
  const body: Record<string, unknown> = {
    model: request.model ?? model,
    messages: request.messages.map(toMessageParam),
    stream_options: { include_usage: true },
  };
  if (request.temperature !== undefined) body['temperature'] = request.temperature;
  if (request.maxTokens !== undefined) body[maxTokensParam] = request.maxTokens;
  if (request.topP !== undefined) body['top_p'] = request.topP;
  if (request.frequencyPenalty !== undefined) body['frequency_penalty'] = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body['presence_penalty'] = request.presencePenalty;
  if (request.stop !== undefined && request.stop.length > 0) body['stop'] = [...request.stop];
  if (request.tools !== undefined && request.tools.length > 0) {
    body['tools'] = request.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: toolJsonSchema(tool) },
    }));
  }
  const format = request.responseFormat;
  if (format !== undefined && format.mode === 'tool') {
    const tool = { type: 'function', function: { name: format.name, ...(format.description !== undefined && { description: format.description }), parameters: format.schema, ...(format.strict !== undefined && { strict: format.strict }) } };
    body['tools'] = [...((body['tools'] as unknown[] | undefined) ?? []), tool];
    body['tool_choice'] = { type: 'function', function: { name: format.name } };
  } else if (format !== undefined) {
    body['response_format'] = {
      type: 'json_schema',
      json_schema: { name: format.name, ...(format.description !== undefined && { description: format.description }), schema: format.schema, strict: format.strict ?? false },
    };
  }
  return mergeObjects(body, request.providerOptions, { stream: true as const }) as unknown as ChatCompletionCreateParamsStreaming;
}

function toMessageParam(message: Message): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return { role: 'user', content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: message.content };
    case 'assistant': {
      const calls = message.toolCalls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        // OpenAI wants null, not '', beside tool calls.
        content: message.content === '' ? null : message.content,
        tool_calls: calls.map((call) => ({
          id: call.id,
          type: 'function',
          function: {
            name: call.name,
            // Malformed arguments were kept as the raw string: send them back as the model wrote them.
            arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}),
          },
        })),
      };
    }
  }
}

/** What OpenAI-compatible servers add to a delta: DeepSeek/vLLM `reasoning_content`, OpenRouter/Groq/vLLM `reasoning`. */
interface CompatibleDelta extends ChatCompletionChunk.Choice.Delta {
  readonly reasoning_content?: string | null;
  readonly reasoning?: string | null;
}

interface PendingToolCall {
  id?: string;
  name?: string;
  arguments: string;
}

function openAIDecoder(sink: ChunkSink, requestedModel: string, clock: SchedulerLike, apiKey: string | undefined): StreamDecoder<ChatCompletionChunk> {
  let model = requestedModel;
  let eventType = EVENT_TYPE;
  let responseId: string | undefined;
  let rawFinishReason: string | undefined;
  let usage: Usage | undefined;
  let refusal = '';
  const toolCalls = new Map<number, PendingToolCall>();
  let lastToolIndex = -1;

  const metadataFor = contentMetadata(PROVIDER);
  const emit = (content: string, extra?: ChunkMetadata): void => sink.content(content, metadataFor(model, eventType, extra));

  return {
    event(event) {
      if (typeof event !== 'object' || event === null) {
        throw malformed(`openai: unexpected stream event ${JSON.stringify(event)}`, apiKey);
      }
      // Kept as the same string while unchanged, so the metadata cache compares pointers, not characters.
      if (event.model !== model && typeof event.model === 'string' && event.model !== '') model = event.model;
      // Compatible servers do not always send `object`.
      const object: unknown = event.object;
      if (object !== eventType && typeof object === 'string' && object !== '') eventType = object;
      if (typeof event.id === 'string' && event.id !== '') responseId = event.id;
      if (event.usage) usage = toUsage(event.usage);

      // n > 1 is not supported: only the first choice is streamed.
      const choices = Array.isArray(event.choices) ? event.choices : [];
      const choice = choices.find((c) => c.index === 0) ?? choices[0];
      if (!choice) return;
      const delta = (choice.delta ?? {}) as CompatibleDelta;

      const thinking = delta.reasoning_content || delta.reasoning;
      if (typeof thinking === 'string' && thinking !== '') emit('', { thinking });
      if (typeof delta.content === 'string' && delta.content !== '') emit(delta.content);
      // A refusal is the model's answer: its text streams as content (a consumer reading only content sees
      // it), each delta marked `refusal`; the final chunk says 'content_filter' and carries the whole text.
      if (typeof delta.refusal === 'string' && delta.refusal !== '') {
        refusal += delta.refusal;
        emit(delta.refusal, { refusal: delta.refusal });
      }

      for (const call of delta.tool_calls ?? []) {
        const index = toolIndex(call, toolCalls, lastToolIndex);
        lastToolIndex = index;
        const pending = toolCalls.get(index) ?? { arguments: '' };
        toolCalls.set(index, pending);
        const id = call.id ?? undefined;
        const name = call.function?.name ?? undefined;
        const argumentsDelta = call.function?.arguments ?? '';
        if (id) pending.id = id;
        if (name) pending.name = name;
        pending.arguments += argumentsDelta;
        if (!id && !name && argumentsDelta === '') continue;
        emit('', { toolCallDelta: { index, ...(id && { id }), ...(name && { name }), argumentsDelta } });
      }

      if (choice.finish_reason) rawFinishReason = choice.finish_reason;
    },
    end() {
      if (rawFinishReason === undefined) {
        throw new ProviderError('openai: the stream ended before a finish_reason (incomplete response)', {
          provider: PROVIDER,
          code: 'incomplete_stream',
          retryable: true,
        });
      }
      const { calls, incomplete } = splitToolCalls(
        [...toolCalls.entries()]
          .sort(([a], [b]) => a - b)
          .map(([index, call]) => ({ id: call.id ?? `call_${index}`, name: call.name ?? '', argumentsText: call.arguments })),
        rawFinishReason === 'length',
      );
      sink.next(
        finalChunk(
          {
            provider: PROVIDER,
            model,
            eventType,
            finishReason: refusal !== '' ? 'content_filter' : normalizeFinishReason(rawFinishReason, calls.length > 0),
            rawFinishReason,
            ...(usage && { usage }),
            ...(calls.length > 0 && { toolCalls: calls }),
            ...(incomplete.length > 0 && { incompleteToolCalls: incomplete }),
            ...(refusal !== '' && { refusal }),
            ...(responseId && { responseId }),
          },
          { scheduler: clock },
        ),
      );
    },
  };
}

/**
 * OpenAI always sends `index`; some compatible servers omit it. Then a new `id` starts the next call
 * and a fragment without one continues the last.
 */
function toolIndex(call: ChatCompletionChunk.Choice.Delta.ToolCall, calls: ReadonlyMap<number, PendingToolCall>, last: number): number {
  if (typeof call.index === 'number') return call.index;
  if (call.id && ![...calls.values()].some((c) => c.id === call.id)) return calls.size;
  return Math.max(last, 0);
}

function toUsage(usage: NonNullable<ChatCompletionChunk['usage']>): Usage {
  const inputTokens = usage.prompt_tokens ?? 0;
  const outputTokens = usage.completion_tokens ?? 0;
  return { inputTokens, outputTokens, totalTokens: usage.total_tokens ?? inputTokens + outputTokens };
}

/**
 * stop/length/content_filter pass through; tool_calls and the legacy function_call become 'tool_calls'.
 * Compatible servers that answer tool calls with 'stop' (or an unknown word) get 'tool_calls' too, so an
 * agent loop keeps going; `rawFinishReason` keeps the server's word.
 */
/** OpenAI's words, normalised; a response with tool calls is 'tool_calls' whatever the server said; other words pass through. */
function normalizeFinishReason(raw: string, hasToolCalls: boolean): string {
  // Cut off by the token limit: 'length' even beside complete calls (those still run; the cut one never does).
  if (raw === 'length') return 'length';
  if (raw === 'tool_calls' || raw === 'function_call' || hasToolCalls) return 'tool_calls';
  return raw;
}

function malformed(message: string, apiKey: string | undefined, cause?: unknown): ProviderError {
  return new ProviderError(redact(message, apiKey), { provider: PROVIDER, code: 'malformed_response', retryable: false, cause });
}

/** The fields of the SDK's `APIError` we read (duck-typed: a caller's `client` may come from another copy of the SDK). */
interface ApiErrorLike extends Error {
  readonly status?: number;
  readonly headers?: { get(name: string): string | null };
  readonly error?: unknown;
  readonly code?: unknown;
  readonly type?: unknown;
}

const RETRYABLE_STREAM_ERROR = /server_error|rate_limit|overload|unavailable|timeout|internal/i;

function toProviderError(error: unknown, apiKey: string | undefined): ProviderError {
  if (error instanceof SyntaxError) {
    return malformed(`openai: malformed JSON in the stream: ${error.message}`, apiKey, error);
  }
  if (!(error instanceof Error) || !('status' in error)) return networkError(PROVIDER, error, apiKey);
  const apiError = error as ApiErrorLike;
  const stringCode = typeof apiError.code === 'string' ? apiError.code : typeof apiError.type === 'string' ? apiError.type : undefined;

  if (typeof apiError.status === 'number') {
    return new ProviderError(redact(`openai: ${apiError.message}`, apiKey), {
      provider: PROVIDER,
      status: apiError.status,
      ...(stringCode !== undefined && { code: stringCode }),
      ...withRetryAfter(retryAfterMs(apiError.headers)),
      cause: error,
    });
  }
  // An `{"error": ...}` line inside a 200 stream: the SDK throws APIError with no status. vLLM puts the
  // HTTP status in a numeric `code`.
  if (apiError.error !== undefined) {
    const status = statusFromErrorBody(apiError.error, stringCode);
    return new ProviderError(redact(`openai: error in stream: ${apiError.message}`, apiKey), {
      provider: PROVIDER,
      ...(status !== undefined && { status }),
      ...(stringCode !== undefined && { code: stringCode }),
      retryable: status !== undefined ? undefined : stringCode !== undefined && RETRYABLE_STREAM_ERROR.test(stringCode),
      ...withRetryAfter(retryAfterMs(apiError.headers)),
      cause: error,
    });
  }
  // APIConnectionError / APIConnectionTimeoutError: no response at all.
  const cause = (error as { cause?: unknown }).cause;
  if (error.constructor.name === 'APIConnectionTimeoutError' || /timed out/i.test(error.message)) {
    return new ProviderError(redact(`openai: ${error.message}`, apiKey), { provider: PROVIDER, code: 'timeout', retryable: true, cause: error });
  }
  // The SDK's 'Connection error.' hides the system error (ECONNREFUSED...) in its cause.
  return networkError(PROVIDER, cause instanceof Error ? cause : error, apiKey);
}

function withRetryAfter(ms: number | undefined): { retryAfterMs?: number } {
  return ms === undefined ? {} : { retryAfterMs: ms };
}

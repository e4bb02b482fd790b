/**
 * The Ollama provider, on the official `ollama` SDK (`/api/chat`, newline-delimited JSON). The only file
 * that knows Ollama's wire format.
 *
 * The SDK has no per-request `AbortSignal`, and leaving its iterator does not close the socket. So the
 * provider's one client has a `fetch` of ours that carries each request's signal (that also aborts a request
 * still waiting for headers): `chat()` reaches `fetch` synchronously (test/ollama-shared-client.test.ts pins
 * it), so the subscription hands its signal over in a variable set just before the call. Where the SDK would
 * not (a message with `images`, or another SDK version), that request gets a client of its own instead: no
 * request ever goes out without its signal. With a caller's `client`, teardown calls the iterator's `abort()`.
 */
import { defer, type SchedulerLike } from 'rxjs';
import type { ChatRequest as OllamaChatRequest, ChatResponse, Message as OllamaMessage, Tool as OllamaTool } from 'ollama';
import { finalChunk, type ChunkMetadata, type Usage } from '../chunk.js';
import { ProviderError, isProviderError } from '../errors/ProviderError.js';
import { toolJsonSchema } from '../tools/tool.js';
import { assertFunction, assertNonEmptyStrings, assertObject, assertOneOf } from '../optionChecks.js';
import { resumableStreams } from './resume.js';
import { assertChatRequest, type ChatRequest, type Message, type PreloadableProvider, type ProviderInfo } from './provider.js';
import { bearerToken, buildRequestBody, clip, networkError, notAStreamError, redact, retryAfterMs, statusFromErrorBody } from './failures.js';
import { isRecord, contentMetadata, splitToolCalls, toolArgumentsObject } from './wire.js';
import { clockOf, readEnv } from './defaults.js';
import { loadSdk, warmFetch } from './loadSdk.js';
import { NdjsonParser } from './ndjson.js';
import { sdkStream, type ChunkSink, type EventPump, type StreamDecoder } from './sdkStream.js';
import { mergeObjects } from '../mergeObjects.js';

/** Ollama's `think` levels: `true`/`false`, or an effort for models that take one (gpt-oss). */
export type OllamaThink = boolean | 'high' | 'medium' | 'low';

/**
 * Ollama's model options (`num_ctx`, `seed`, `top_k`...), as the SDK's `Partial<Options>` lists them.
 * Copied, not imported, so the published types do not need `ollama` installed by a user of another provider.
 */
export interface OllamaModelOptions {
  readonly numa?: boolean;
  readonly num_ctx?: number;
  readonly num_batch?: number;
  readonly num_gpu?: number;
  readonly main_gpu?: number;
  readonly low_vram?: boolean;
  readonly f16_kv?: boolean;
  readonly logits_all?: boolean;
  readonly vocab_only?: boolean;
  readonly use_mmap?: boolean;
  readonly use_mlock?: boolean;
  readonly embedding_only?: boolean;
  readonly num_thread?: number;
  readonly num_keep?: number;
  readonly seed?: number;
  readonly num_predict?: number;
  readonly top_k?: number;
  readonly top_p?: number;
  readonly min_p?: number;
  readonly tfs_z?: number;
  readonly typical_p?: number;
  readonly repeat_last_n?: number;
  readonly temperature?: number;
  readonly repeat_penalty?: number;
  readonly presence_penalty?: number;
  readonly frequency_penalty?: number;
  readonly mirostat?: number;
  readonly mirostat_tau?: number;
  readonly mirostat_eta?: number;
  readonly penalize_newline?: boolean;
  readonly stop?: readonly string[];
}

/** The streaming `/api/chat` body this provider sends: what a client's `chat` must accept. The SDK's `ChatRequest & { stream: true }` fits it. */
export interface OllamaChatStreamBody {
  readonly model: string;
  readonly messages?: readonly object[];
  readonly stream: true;
}

/**
 * What this provider uses of an Ollama SDK client: `new Ollama(...)` of `ollama` 0.6 fits it. Declared here,
 * not imported, so the published types do not need `ollama` installed by a user of another provider.
 */
export interface OllamaClientLike {
  /** Resolves to the SDK's `AbortableAsyncIterator` of chat responses: `abort()` ends the request. */
  chat(request: OllamaChatStreamBody): Promise<AsyncIterable<unknown> & { abort(): void }>;
}

export interface OllamaProviderOptions {
  /**
   * The Ollama server: `'http://gpu-box:11434'`, `'gpu-box'` (port 11434 implied), `':11500'` (localhost).
   * @default process.env.OLLAMA_HOST ?? 'http://127.0.0.1:11434'
   */
  readonly host?: string;
  /** @default 'llama3.2' */
  readonly model?: string;
  /**
   * Sent as `Authorization: Bearer <apiKey>`: for ollama.com or an authenticating proxy. A local server
   * needs none. Never appears in error messages.
   */
  readonly apiKey?: string;
  /** Headers sent with every request, e.g. a reverse proxy's auth header. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The `fetch` the SDK uses (wrapped so that unsubscribing aborts it). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * A ready SDK client (`new Ollama({...})`). `host`, `headers`, `fetch` and `apiKey` (except for
   * redaction) are then ignored, and cancellation relies on the SDK iterator's `abort()`: unsubscribing
   * before the response headers arrive aborts the request only once they do, and an HTTP error's
   * `retry-after` cannot be read. Prefer the options above.
   */
  readonly client?: OllamaClientLike;
  /** `think` for every request (thinking models stream `metadata.thinking`); `providerOptions.think` overrides it. */
  readonly think?: OllamaThink;
  /** How long the model stays loaded after a request (`keep_alive`): `'10m'`, `3600` (s), `-1` (forever). */
  readonly keepAlive?: string | number;
  /**
   * Model options for every request (`num_ctx`, `seed`, `top_k`, `repeat_penalty`...). The request's own
   * `temperature`, `topP`, `maxTokens`... win over them.
   */
  readonly options?: OllamaModelOptions;
  /** The clock for chunk timestamps. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

const PROVIDER = 'ollama';
/** The reason a completed stream's body is cancelled with, made once: without one, fetch builds a DOMException (and its stack) per request. */
const RELEASED = Object.freeze(new Error('ollama: the stream completed'));
const DEFAULT_MODEL = 'llama3.2';
const DEFAULT_HOST = 'http://127.0.0.1:11434';
const DEFAULT_PORT = '11434';
const EVENT_TYPE = 'message';
const DONE_EVENT_TYPE = 'done';

/**
 * A model served by Ollama as a cold Observable source: each subscription to `stream(request)` sends one
 * streaming `/api/chat` request, unsubscribing aborts it (also before the response headers arrive).
 *
 * ```ts
 * const llama = ollama({ model: 'llama3.2' });                    // OLLAMA_HOST or http://127.0.0.1:11434
 * llama.stream({ messages: [{ role: 'user', content: 'Hi' }] })
 *   .pipe(timeoutStream({ first: 30_000, idle: 10_000 }))
 *   .subscribe((c) => process.stdout.write(c.content));
 *
 * const qwen = ollama({ host: 'http://gpu-box:11434', model: 'qwen3', think: true });  // metadata.thinking deltas
 * ```
 *
 * @param options Host, default model, headers; see {@link OllamaProviderOptions}.
 * @returns A `Provider` named `'ollama'`.
 */
export function ollama(options: OllamaProviderOptions = {}): PreloadableProvider {
  assertObject('ollama(options)', options);
  validateOptions(options);

  const model = options.model ?? DEFAULT_MODEL;
  const configuredHost = options.host ?? readEnv('OLLAMA_HOST');
  const host = formatHost(configuredHost ?? DEFAULT_HOST);
  const { apiKey } = options;
  // The SDK itself sends OLLAMA_API_KEY to https://ollama.com: it is kept out of errors too.
  // A key given as an Authorization header (ours, or a caller's client's) is kept out of errors the same way.
  const clientHeaders = options.client === undefined ? undefined : (options.client as { readonly config?: { readonly headers?: unknown } }).config?.headers;
  const secret = apiKey ?? bearerToken(options.headers) ?? bearerToken(clientHeaders) ?? readEnv('OLLAMA_API_KEY');
  const headers: Record<string, string> = {
    ...options.headers,
    ...(apiKey !== undefined && { Authorization: `Bearer ${apiKey}` }),
  };
  const clock = clockOf(options.scheduler);

  const info = (): ProviderInfo => ({
    provider: PROVIDER,
    model,
    supportsStreaming: true,
    supportsTools: true,
    supportsThinking: true,
    // A caller's client keeps its host to itself.
    ...((!options.client || options.host !== undefined) && { baseURL: host }),
  });

  const baseFetch = options.fetch ?? fetch;
  /** The request whose `chat()` call is under way: {@link sharedFetch} takes it synchronously. */
  let pending: RequestContext | undefined;
  /** Whether the SDK's `chat()` reached `fetch` synchronously so far; once it did not, every request gets its own client. */
  let handsOver = true;
  const sharedFetch: typeof fetch = (input, init) => {
    const context = pending;
    pending = undefined;
    // No context: a call that did not reach fetch in time (see open). It is refused, never sent unguarded.
    if (context === undefined) return Promise.reject(new Error('ollama: a request without its subscription was refused'));
    return guardedFetch(baseFetch, input, init, context.signal, context.seen);
  };
  let client: Promise<OllamaClientLike> | undefined;
  let ready: OllamaClientLike | undefined;
  const getClient = (): Promise<OllamaClientLike> => {
    client ??= loadOllama().then((sdk) => (ready = new sdk.Ollama({ host, headers, fetch: sharedFetch })));
    // A failed load (package missing) is retried on the next subscription or preload.
    client.catch(() => (client = undefined));
    return client;
  };

  /** Opens the request on the shared client, or returns undefined when the SDK did not take the signal. */
  const openShared = async (body: OllamaChatStreamBody, signal: AbortSignal, seen: ResponseInfo): Promise<SdkChatStream | undefined> => {
    const shared = ready ?? (await getClient());
    const context: RequestContext = { signal, seen };
    pending = context;
    let call: Promise<SdkChatStream>;
    let handedOver: boolean;
    try {
      call = shared.chat(body);
    } finally {
      // sharedFetch clears `pending` as it takes the context.
      handedOver = pending !== context;
      pending = undefined;
    }
    if (!handedOver) {
      handsOver = false;
      call.catch(() => undefined); // refused by sharedFetch: nothing was sent
      return undefined;
    }
    const stream = await call.catch((error: unknown) => {
      throw toProviderError(error, secret, seen.retryAfterMs);
    });
    // The SDK's iterator is never read (see chatResponses): teardown drops it from the client's list.
    if (signal.aborted) release(shared, stream);
    return stream;
  };

  return {
    name: PROVIDER,
    model,
    info,
    preload: async () => {
      if (options.client) return;
      await getClient();
      if (options.fetch === undefined) await warmFetch();
    },
    // Resumable: retryStream({ afterContent: 'resume' }) continues a cut answer (see resume.ts).
    stream: resumableStreams(
      (request: ChatRequest) => {
      assertChatRequest(PROVIDER, request);
      // Per subscription: what our fetch saw of the response, shared with the decoder.
      return defer(() => {
        const response: ResponseInfo = {};
        /** The SDK's iterator on the shared client, which teardown drops from the client's list. */
        let sdkIterator: SdkChatStream | undefined;
        const makeBody = (): OllamaChatStreamBody => buildRequestBody(PROVIDER, apiKey, () => toRequestBody(request, model, options));
        return sdkStream<ChatResponse>({
          provider: PROVIDER,
          clock,
          // A completed stream stopped at its done line, maybe before the body's end: cancelling the body
          // releases the request as an abort would (the socket closes if the server was still sending), without
          // the abort's event dispatch through fetch (a cost a short request notices).
          releaseCompleted: () => {
            if (response.reader === undefined) return false;
            response.reader.cancel(RELEASED).catch(() => undefined);
            return true;
          },
          open: async (signal) => {
            const body = makeBody();
            if (options.client) {
              const stream = await options.client.chat(body).catch((error: unknown) => {
                throw toProviderError(error, secret, response.retryAfterMs);
              });
              // A caller's client could not see our signal: the request went on until its headers arrived.
              if (signal.aborted) stream.abort();
              return stream as AsyncIterable<ChatResponse>;
            }
            if (handsOver && !hasImages(body)) {
              sdkIterator = await openShared(body, signal, response);
              if (sdkIterator !== undefined) return chatResponses(response, secret);
            }
            // A client of this request's own, whose fetch carries the signal (a fresh body: the SDK edits the one it is given).
            const own = await newClient(host, headers, (input, init) => guardedFetch(baseFetch, input, init, signal, response));
            await own.chat(makeBody()).catch((error: unknown) => {
              throw toProviderError(error, secret, response.retryAfterMs);
            });
            return chatResponses(response, secret);
          },
          decoder: (sink) => ollamaDecoder(sink, request.model ?? model, clock, response, secret),
          toError: (error) => toProviderError(error, secret, undefined, response.errorLine),
          secret,
          // With our fetch the SDK's own signal reaches no request (guardedFetch replaces it): aborting the
          // subscription's signal is enough, and the iterator's abort() would only build another AbortError.
          // The shared client lists every stream in flight and drops one only as its iterator reads the `done`
          // line, which this provider never reads (see chatResponses): teardown drops it.
          teardown: options.client !== undefined
            ? (stream: AsyncIterable<ChatResponse> | EventPump<ChatResponse> | undefined) => {
                if (isAbortable(stream)) stream.abort();
              }
            : () => {
                if (ready !== undefined && sdkIterator !== undefined) release(ready, sdkIterator);
              },
        });
      });
      },
      () => 'prefill',
    ),
  };
}

/** What one request hands the shared client's fetch. */
interface RequestContext {
  readonly signal: AbortSignal;
  readonly seen: ResponseInfo;
}

/** The SDK's `AbortableAsyncIterator`, as this provider reads it. */
type SdkChatStream = AsyncIterable<unknown> & { abort(): void };

/**
 * Drops a stream from the shared client's list of streams in flight: the SDK removes one only when its
 * iterator reads the `done` line, so every stream would otherwise stay there for the client's life.
 */
function release(client: OllamaClientLike, stream: unknown): void {
  // The SDK's own (protected) field, read structurally: test/ollama-shared-client.test.ts pins its name.
  const list = (client as { readonly ongoingStreamedRequests?: unknown }).ongoingStreamedRequests;
  if (!Array.isArray(list)) return;
  const i = list.lastIndexOf(stream);
  if (i !== -1) list.splice(i, 1);
}

/** Whether a message has `images` (from `providerOptions.messages`): the SDK then awaits their encoding before it fetches. */
function hasImages(body: OllamaChatStreamBody): boolean {
  const { messages } = body;
  if (!Array.isArray(messages)) return false;
  for (const message of messages as readonly unknown[]) if (isRecord(message) && message['images'] !== undefined) return true;
  return false;
}

function validateOptions(options: OllamaProviderOptions): void {
  assertNonEmptyStrings('ollama(options)', options, ['host', 'model', 'apiKey']);
  if (options.host !== undefined) formatHost(options.host);
  if (options.headers !== undefined) assertObject('ollama(options): headers', options.headers);
  if (options.options !== undefined) assertObject('ollama(options): options', options.options);
  if (options.fetch !== undefined) assertFunction('ollama(options): fetch', options.fetch);
  if (options.client !== undefined) {
    assertObject('ollama(options): client', options.client);
    assertFunction('ollama(options): client.chat', options.client.chat);
  }
  if (options.think !== undefined && typeof options.think !== 'boolean') {
    assertOneOf('ollama(options): think', options.think, ['high', 'medium', 'low'] as const);
  }
  if (options.keepAlive !== undefined && typeof options.keepAlive !== 'string' && typeof options.keepAlive !== 'number') {
    throw new TypeError(`ollama(options): keepAlive must be a string ('10m') or a number of seconds, got ${typeof options.keepAlive}`);
  }
}

/**
 * The host the way the SDK reads it: no scheme means http and port 11434, `':11500'` means localhost.
 * Throws a TypeError naming the option for something that is no URL.
 */
function formatHost(host: string): string {
  let value = host.trim();
  let explicitScheme = value.includes('://');
  if (value.startsWith(':')) {
    value = `http://127.0.0.1${value}`;
    explicitScheme = true;
  }
  if (!explicitScheme) value = `http://${value}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new TypeError(`ollama(options): host must be a URL or host[:port], got ${JSON.stringify(host)}`, { cause: error });
  }
  if (!explicitScheme && url.port === '') url.port = DEFAULT_PORT;
  return url.href.replace(/\/+$/, '');
}

/** The SDK module, loaded once: a dynamic `import()` per request costs a loader round trip (tsx, bundlers). */
let sdkModule: Promise<typeof import('ollama')> | undefined;

function loadOllama(): Promise<typeof import('ollama')> {
  sdkModule ??= loadSdk('ollama', PROVIDER, () => import('ollama')).catch((error: unknown) => {
    sdkModule = undefined; // installed later: the next request loads it
    throw error;
  });
  return sdkModule;
}

/** A client for one request, whose fetch carries its signal: where the shared client cannot take it (see open). */
async function newClient(host: string, headers: Record<string, string>, fetchFn: typeof fetch): Promise<OllamaClientLike> {
  const sdk = await loadOllama();
  return new sdk.Ollama({ host, headers, fetch: fetchFn });
}

/** What the subscription's fetch saw of the response, for the error the SDK throws without it. */
interface ResponseInfo {
  /** The last `{"error": …}` line, parsed: the SDK keeps only its message, this keeps a status it may carry. */
  errorLine?: Record<string, unknown>;
  /** A 200's body, kept by our fetch for {@link chatResponses}. */
  body?: ReadableStream<Uint8Array>;
  /** The body's reader, once chatResponses reads it: a completed stream's request is released through it. */
  reader?: ReadableStreamDefaultReader<Uint8Array>;
  retryAfterMs?: number;
  /** A 200's status and content type, for a body that turns out not to be a chat stream. */
  status?: number;
  contentType?: string | null;
}

/**
 * The SDK's fetch for one request: it is aborted by `signal` (in place of the SDK's own signal, which only its
 * iterator's `abort()` fires), an error response's `retry-after` is kept (the SDK's `ResponseError` drops the
 * headers), and a 200's body is kept for {@link chatResponses} (the SDK would skip malformed lines silently).
 */
async function guardedFetch(
  base: typeof fetch,
  input: Parameters<typeof fetch>[0],
  init: RequestInit | undefined,
  signal: AbortSignal,
  seen: ResponseInfo,
): Promise<Response> {
  // The subscription's signal replaces the SDK's, which only its iterator's abort() would fire: teardown
  // aborts this one instead, with no AbortSignal.any per request (a cost a fast stream notices).
  const response = await base(input, mergeObjects(init, { signal }));
  if (!response.ok) {
    const ms = retryAfterMs(response.headers);
    if (ms !== undefined) seen.retryAfterMs = ms;
    return jsonErrorResponse(response);
  }
  if (!response.body) return response;
  seen.status = response.status;
  seen.contentType = response.headers.get('content-type');
  // Read by chatResponses, not by the SDK (whose parser only starts when its iterator is read): no second parse.
  seen.body = response.body;
  return response;
}

/**
 * The chat responses of the body our fetch kept, each line parsed once by {@link NdjsonParser} (which fails at
 * a malformed line, where the SDK would skip it), with the SDK iterator's own rules: an `{"error": …}` line
 * throws its message, the `done` line ends the stream, a body without one is incomplete. The SDK still sends
 * the request and reads an HTTP error; only its NDJSON parsing is replaced, which parsed every line a second
 * time. One `await` per read, each response handed over synchronously (the SDK's parser and iterator are two
 * generators, a promise and a microtask a line each).
 */
function chatResponses(seen: ResponseInfo, apiKey: string | undefined): EventPump<ChatResponse> {
  return {
    async pump(onEvent) {
      const { body } = seen;
      // The SDK throws for a response without a body before it returns a stream: not reached.
      if (body === undefined) throw new Error('Missing body');
      const notAStream = (head: string): ProviderError => notAStreamError(PROVIDER, 'a JSON-lines stream', seen.status, seen.contentType, head, apiKey);
      const reader = body.getReader();
      seen.reader = reader;
      const parser = new NdjsonParser(PROVIDER, notAStream);
      const values: unknown[] = [];
      for (;;) {
        const { done, value: bytes } = await reader.read();
        const failure = done ? parser.end(values) : parser.push(bytes, values);
        for (let i = 0; i < values.length; i++) {
          const value = values[i];
          // As the SDK's AbortableAsyncIterator does (a line that is no object throws a TypeError here, as there).
          if ('error' in (value as object)) {
            const line = value as Record<string, unknown>;
            seen.errorLine = line;
            throw new Error(line['error'] as string);
          }
          const response = value as ChatResponse & { status?: unknown };
          // Stopped (the subscriber has gone): its teardown releases the request.
          if (!onEvent(response)) return;
          if (response.done || response.status === 'success') return;
        }
        values.length = 0;
        if (failure !== undefined) throw failure;
        if (done) break;
      }
      throw new Error('Did not receive done or success response in stream.');
    },
  };
}

/**
 * An error response whose body the SDK can read without a word to the console: it `console.log`s when an
 * error body is not JSON (a proxy's HTML page, plain text). Such a body becomes `{"error": "<its text>"}`
 * (clipped); a JSON body passes as it is.
 */
async function jsonErrorResponse(response: Response): Promise<Response> {
  const text = await response.text().catch(() => '');
  let json = false;
  try {
    json = isRecord(JSON.parse(text));
  } catch {
    // not JSON
  }
  const headers = new Headers(response.headers);
  headers.set('content-type', 'application/json');
  headers.delete('content-length');
  headers.delete('content-encoding');
  const body = json ? text : JSON.stringify({ error: text.trim() === '' ? `${response.status} ${response.statusText}`.trim() : clip(text.trim(), 500) });
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Maps a `ChatRequest` to the `/api/chat` body. Sampling parameters go into `options`; `providerOptions`
 * are merged last, their `options` into ours (so `{ options: { num_ctx: 8192 } }` keeps the temperature),
 * and `stream` stays on.
 */
function toRequestBody(request: ChatRequest, model: string, defaults: OllamaProviderOptions): OllamaChatRequest & { stream: true } {
  const modelOptions: Record<string, unknown> = { ...defaults.options };
  if (request.temperature !== undefined) modelOptions['temperature'] = request.temperature;
  if (request.topP !== undefined) modelOptions['top_p'] = request.topP;
  if (request.maxTokens !== undefined) modelOptions['num_predict'] = request.maxTokens;
  if (request.stop !== undefined && request.stop.length > 0) modelOptions['stop'] = [...request.stop];
  if (request.frequencyPenalty !== undefined) modelOptions['frequency_penalty'] = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) modelOptions['presence_penalty'] = request.presencePenalty;

  const body: Record<string, unknown> = {
    model: request.model ?? model,
    messages: toOllamaMessages(request.messages),
  };
  if (request.tools !== undefined && request.tools.length > 0) {
    body['tools'] = request.tools.map(
      (tool): OllamaTool => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: toolJsonSchema(tool) as OllamaTool['function']['parameters'] },
      }),
    );
  }
  // Structured output: `format` takes the JSON Schema (Ollama cannot force a tool, so `mode: 'tool'` maps here too).
  if (request.responseFormat !== undefined) body['format'] = request.responseFormat.schema;
  if (defaults.think !== undefined) body['think'] = defaults.think;
  if (defaults.keepAlive !== undefined) body['keep_alive'] = defaults.keepAlive;

  const extra = request.providerOptions ?? {};
  const extraOptions = extra['options'] ?? {};
  const merged: Record<string, unknown> = mergeObjects(body, extra, { stream: true });
  if (isRecord(extraOptions)) {
    const options = mergeObjects(modelOptions, extraOptions);
    if (Object.keys(options).length > 0) merged['options'] = options;
  }
  return merged as unknown as OllamaChatRequest & { stream: true };
}

/**
 * Ollama messages: assistant tool calls carry no id and their arguments as an object; a tool result
 * names its tool (`tool_name`), taken from `message.name` or else from the call it answers.
 */
function toOllamaMessages(messages: readonly Message[]): OllamaMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((message): OllamaMessage => {
    switch (message.role) {
      case 'assistant': {
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) return { role: 'assistant', content: message.content };
        for (const call of calls) toolNames.set(call.id, call.name);
        return {
          role: 'assistant',
          content: message.content,
          tool_calls: calls.map((call) => ({ function: { name: call.name, arguments: toolArgumentsObject(call.arguments) } })),
        };
      }
      case 'tool': {
        const name = message.name ?? (message.toolCallId !== undefined ? toolNames.get(message.toolCallId) : undefined);
        return { role: 'tool', content: message.content, ...(name !== undefined && { tool_name: name }) };
      }
      default:
        return { role: message.role, content: message.content };
    }
  });
}

/** A streamed tool call as this decoder reads it: newer servers may add an `id`, arguments may be a string. */
interface WireToolCall {
  readonly id?: unknown;
  readonly function?: { readonly name?: unknown; readonly arguments?: unknown };
}

function ollamaDecoder(
  sink: ChunkSink,
  requestedModel: string,
  clock: SchedulerLike,
  seen: ResponseInfo,
  apiKey: string | undefined,
): StreamDecoder<ChatResponse> {
  let model = requestedModel;
  let events = 0;
  let done: ChatResponse | undefined;
  const toolCalls: Array<{ id: string; name: string; argumentsText: string; arguments?: unknown }> = [];

  const metadataFor = contentMetadata(PROVIDER);
  const emit = (content: string, extra?: ChunkMetadata): void => sink.content(content, metadataFor(model, EVENT_TYPE, extra));
  const toolCall = (call: WireToolCall): void => {
    const index = toolCalls.length;
    const id = typeof call.id === 'string' && call.id !== '' ? call.id : newToolCallId();
    const name = typeof call.function?.name === 'string' ? call.function.name : '';
    const raw = call.function?.arguments ?? {};
    const argumentsDelta = typeof raw === 'string' ? raw : JSON.stringify(raw);
    toolCalls.push(typeof raw === 'string' ? { id, name, argumentsText: raw } : { id, name, argumentsText: '', arguments: raw });
    emit('', { toolCallDelta: { index, id, name, argumentsDelta } });
  };

  return {
    event(response) {
      // JSON, but not a chat stream: another API's answer (an OpenAI-style completion at the wrong base URL).
      if (events === 0 && !isChatResponse(response)) {
        throw notAStreamError(PROVIDER, 'an /api/chat stream', seen.status, seen.contentType, JSON.stringify(response) ?? String(response), apiKey);
      }
      events++;
      const wireModel = response.model;
      if (wireModel !== model && typeof wireModel === 'string' && wireModel !== '') model = wireModel;
      const message = response.message as OllamaMessage | undefined | null;
      if (message) {
        const { thinking, content } = message;
        if (typeof thinking === 'string' && thinking !== '') emit('', { thinking });
        if (typeof content === 'string' && content !== '') emit(content);
        const calls = message.tool_calls as readonly WireToolCall[] | undefined | null;
        if (calls !== undefined && calls !== null) {
          // Thrown here, the stream fails as malformed_response (see sdkStream).
          if (!Array.isArray(calls)) throw new TypeError(`message.tool_calls must be an array, got ${typeof calls}`);
          for (const call of calls) toolCall(call);
        }
      }
      if (response.done) done = response;
    },
    end() {
      if (!done) throw incompleteStream();
      const rawFinishReason = typeof done.done_reason === 'string' && done.done_reason !== '' ? done.done_reason : undefined;
      const usage = toUsage(done);
      const durations = toDurations(done);
      const { calls, incomplete } = splitToolCalls(toolCalls, rawFinishReason === 'length');
      sink.next(
        finalChunk(
          {
            provider: PROVIDER,
            model,
            eventType: DONE_EVENT_TYPE,
            finishReason: normalizeFinishReason(rawFinishReason, calls.length > 0),
            ...(rawFinishReason !== undefined && { rawFinishReason }),
            ...(usage && { usage }),
            ...(calls.length > 0 && { toolCalls: calls }),
            ...(incomplete.length > 0 && { incompleteToolCalls: incomplete }),
            ...(durations && { durations }),
          },
          { scheduler: clock },
        ),
      );
    },
  };
}

/** A line of an /api/chat stream: an object with at least one of the fields every such line has. */
function isChatResponse(value: unknown): boolean {
  return isRecord(value) && ('message' in value || 'done' in value || 'model' in value || 'created_at' in value);
}

/** Ollama sends no call ids; the agent needs one to pair a result with its call. */
function newToolCallId(): string {
  const random = globalThis.crypto?.randomUUID?.().replace(/-/g, '') ?? `${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  return `call_${random.slice(0, 24)}`;
}

/**
 * Ollama says 'stop' also when the model called tools; that becomes 'tool_calls' so an agent loop goes
 * on. 'length' passes through; other words ('load', 'unload') pass through as they are.
 */
function normalizeFinishReason(raw: string | undefined, hasToolCalls: boolean): string {
  // Cut off by the token limit: 'length' even beside complete calls (those still run; a cut one never does).
  if (raw === 'length') return 'length';
  if (hasToolCalls) return 'tool_calls';
  if (raw === undefined || raw === 'stop') return 'stop';
  return raw;
}

function toUsage(done: ChatResponse): Usage | undefined {
  const input: unknown = done.prompt_eval_count;
  const output: unknown = done.eval_count;
  if (typeof input !== 'number' && typeof output !== 'number') return undefined;
  const inputTokens = typeof input === 'number' ? input : 0;
  const outputTokens = typeof output === 'number' ? output : 0;
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

/** Ollama's timings, converted from ns to ms: where the time went (model load vs prompt vs generation). */
export interface OllamaDurations {
  readonly totalMs?: number;
  readonly loadMs?: number;
  readonly promptEvalMs?: number;
  readonly evalMs?: number;
}

const DURATION_FIELDS = [
  ['totalMs', 'total_duration'],
  ['loadMs', 'load_duration'],
  ['promptEvalMs', 'prompt_eval_duration'],
  ['evalMs', 'eval_duration'],
] as const satisfies ReadonlyArray<readonly [keyof OllamaDurations, keyof ChatResponse]>;

function toDurations(done: ChatResponse): OllamaDurations | undefined {
  const durations: { -readonly [K in keyof OllamaDurations]: number } = {};
  let any = false;
  for (const [key, field] of DURATION_FIELDS) {
    const ns: unknown = done[field];
    if (typeof ns === 'number') {
      durations[key] = ns / 1e6;
      any = true;
    }
  }
  return any ? durations : undefined;
}

function incompleteStream(cause?: unknown): ProviderError {
  return new ProviderError('ollama: the stream ended before its final `done` line (incomplete response)', {
    provider: PROVIDER,
    code: 'incomplete_stream',
    retryable: true,
    cause,
  });
}

function isAbortable(stream: unknown): stream is { abort(): void } {
  return typeof stream === 'object' && stream !== null && typeof (stream as { abort?: unknown }).abort === 'function';
}

/** The SDK's `ResponseError` (duck-typed: a caller's `client` may come from another copy of the SDK). */
interface ResponseErrorLike extends Error {
  readonly error: string;
  readonly status_code: number;
}

function isResponseError(error: unknown): error is ResponseErrorLike {
  return error instanceof Error && typeof (error as { status_code?: unknown }).status_code === 'number';
}

/** The SDK's own words when the body ended without a `done` line. */
const INCOMPLETE = /did not receive done/i;

/**
 * HTTP errors (`ResponseError`: status, no headers: `retry-after` comes from our fetch), network failures
 * (TypeError 'fetch failed' / 'terminated'), the SDK's incomplete-stream error, and `{"error": "..."}`
 * lines inside a 200 stream (a plain Error: the model runner failed mid-answer, so retryable).
 */
function toProviderError(error: unknown, apiKey: string | undefined, retryAfter?: number, errorLine?: Record<string, unknown>): ProviderError {
  if (isProviderError(error)) return error;
  if (isResponseError(error)) {
    return new ProviderError(redact(`ollama: HTTP ${error.status_code}: ${error.message}`, apiKey), {
      provider: PROVIDER,
      status: error.status_code,
      ...(retryAfter !== undefined && { retryAfterMs: retryAfter }),
      cause: error,
    });
  }
  if (!(error instanceof Error) || error instanceof TypeError || error.name === 'AbortError' || 'code' in error) {
    return networkError(PROVIDER, error, apiKey);
  }
  if (INCOMPLETE.test(error.message)) return incompleteStream(error);
  // The `{"error": …}` line the SDK threw for, when it carries a status (a proxy's, ollama.com's): the
  // status is set and retryability follows it; without one the model runner failed mid-answer: retryable.
  const status = errorLine !== undefined && errorLine['error'] === error.message ? statusFromErrorBody(errorLine) : undefined;
  return new ProviderError(redact(`ollama: error in stream: ${error.message}`, apiKey), {
    provider: PROVIDER,
    code: 'stream_error',
    ...(status !== undefined ? { status } : { retryable: true }),
    cause: error,
  });
}

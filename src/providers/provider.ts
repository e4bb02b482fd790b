import type { Observable } from 'rxjs';
import type { StreamChunk, ToolCall } from '../chunk.js';
import type { JsonSchema, Tool } from '../tools/tool.js';

export interface Message {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  readonly content: string;
  /** On assistant messages: the calls the model made. */
  readonly toolCalls?: readonly ToolCall[];
  /** On tool messages: the call this result answers. */
  readonly toolCallId?: string;
  /** On tool messages: the tool's name (Ollama sends it as `tool_name`). */
  readonly name?: string;
}

export interface ChatRequest {
  readonly messages: readonly Message[];
  /** Overrides the provider's model for this request. */
  readonly model?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly topP?: number;
  readonly frequencyPenalty?: number;
  readonly presencePenalty?: number;
  readonly stop?: readonly string[];
  readonly tools?: readonly Tool[];
  /**
   * Structured output: the answer is one JSON value matching `schema`, asked for in the provider's native
   * mode (see {@link ResponseFormat}). `agent.streamObject` sets it; `partialObject` parses the answer.
   */
  readonly responseFormat?: ResponseFormat;
  /** Provider-specific request fields, merged into the native request body last (e.g. `{ think: true }` for Ollama). */
  readonly providerOptions?: Readonly<Record<string, unknown>>;
}

/**
 * How a provider is asked for JSON matching a schema, in its own words:
 *
 * | provider  | `mode: 'native'` (the default)                                        | `mode: 'tool'`                                            |
 * | --------- | --------------------------------------------------------------------- | --------------------------------------------------------- |
 * | openai    | `response_format: { type: 'json_schema', json_schema: { name, schema, strict } }`: the JSON is the content | a function tool `name` forced by `tool_choice`: the JSON is its argument deltas |
 * | anthropic | no JSON mode: a tool `name` forced by `tool_choice: { type: 'tool', name }`; its `input_json_delta`s are the JSON (`toolCallDelta.argumentsDelta`) | the same |
 * | ollama    | `format: <schema>`: the JSON is the content                           | Ollama cannot force a tool: `format` too                  |
 *
 * Where the JSON arrives as a tool call, the chunks carry it in `metadata.toolCallDelta.argumentsDelta`
 * (never as `content`: a tool call is not text) and the final chunk has the call in `toolCalls`.
 */
export interface ResponseFormat {
  /** Names the answer: OpenAI's `json_schema.name`, the forced tool's name. Letters, digits, '_' and '-', at most 64. */
  readonly name: string;
  /** The JSON Schema of the answer (as `toolJsonSchema` makes it: draft-07, no `$schema`). */
  readonly schema: JsonSchema;
  /** What the answer is, for the model (the forced tool's description, OpenAI's `json_schema.description`). */
  readonly description?: string;
  /**
   * OpenAI's strict mode: the server guarantees the schema, which must then follow OpenAI's strict subset (every
   * property required, `additionalProperties: false`). Other providers ignore it.
   * @default false
   */
  readonly strict?: boolean;
  /** `'native'`: the provider's JSON mode; `'tool'`: a forced tool call (see the table). @default 'native' */
  readonly mode?: 'native' | 'tool';
}

export interface ProviderInfo {
  readonly provider: string;
  readonly model: string;
  readonly supportsStreaming: boolean;
  readonly supportsTools: boolean;
  readonly supportsThinking?: boolean;
  readonly baseURL?: string;
  readonly [key: string]: unknown;
}

/** An LLM behind a cold Observable: subscribe = one request, unsubscribe = abort it. */
export interface Provider {
  readonly name: string;
  readonly model: string;
  info(): ProviderInfo;
  stream(request: ChatRequest): Observable<StreamChunk>;
  /**
   * Loads what the first request would otherwise load (the SDK module) and builds what every request reuses
   * (the client), so the first request is as fast as the next. Sends no request; concurrent calls share one
   * load; calling it again is free. Rejects with the `ProviderError` the first stream would fail with when the
   * SDK is not installed (`code: 'sdk_not_installed'`); a later call tries again. Optional: a hand-written
   * provider may have nothing to load.
   */
  preload?(): Promise<void>;
}

/** A provider that always has {@link Provider.preload}: what `openai()`, `anthropic()`, `ollama()` and the combinators return. */
export interface PreloadableProvider extends Provider {
  preload(): Promise<void>;
}

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);

/**
 * Checks that each message has a known role and a string content; `where` names the call for the error
 * (`'openai: stream(request): messages'`, `'agent.stream(prompt)'`). One check for the agent and the providers.
 */
export function assertMessages(where: string, messages: readonly Message[]): void {
  messages.forEach((message: Message, i) => {
    if (typeof message !== 'object' || message === null || !ROLES.has(message.role) || typeof message.content !== 'string') {
      throw new TypeError(`${where}[${i}] needs a role (system, user, assistant or tool) and a string content`);
    }
  });
}

/** The numeric request fields and the range each must be in: a bad value fails at the call, it is never sent. */
const NUMBER_FIELDS: ReadonlyArray<readonly [keyof ChatRequest & string, number, number]> = [
  ['temperature', 0, Infinity],
  ['topP', 0, 1],
  ['frequencyPenalty', -Infinity, Infinity],
  ['presencePenalty', -Infinity, Infinity],
];

/**
 * Checks a request's shape at `provider.stream(request)`: a bad request fails at the call, before anything is
 * sent, with a TypeError (wrong type) or a RangeError (out of range) naming the field. Nothing is normalised
 * silently: `stop: 'END'` is a TypeError, not `["E","N","D"]`. The same rules as `new Agent()`'s parameters.
 */
export function assertChatRequest(provider: string, request: ChatRequest): void {
  const where = `${provider}: stream(request)`;
  if (typeof request !== 'object' || request === null) throw new TypeError(`${where}: request must be an object`);
  if (!Array.isArray(request.messages)) throw new TypeError(`${where}: request.messages must be an array`);
  assertMessages(`${where}: messages`, request.messages);
  request.messages.forEach((message, i) => assertMessageExtras(`${where}: messages[${i}]`, message));
  if (request.model !== undefined && (typeof request.model !== 'string' || request.model.trim() === '')) {
    throw new TypeError(`${where}: request.model must be a non-empty string, got ${describe(request.model)}`);
  }
  for (const [field, min, max] of NUMBER_FIELDS) {
    const value: unknown = request[field];
    if (value === undefined) continue;
    if (typeof value !== 'number') throw new TypeError(`${where}: request.${field} must be a number, got ${describe(value)}`);
    if (!Number.isFinite(value) || value < min || value > max) {
      const range = max === Infinity ? (min === -Infinity ? 'a finite number' : `a finite number >= ${min}`) : `between ${min} and ${max}`;
      throw new RangeError(`${where}: request.${field} must be ${range}, got ${value}`);
    }
  }
  if (request.maxTokens !== undefined) {
    const value: unknown = request.maxTokens;
    if (typeof value !== 'number') throw new TypeError(`${where}: request.maxTokens must be a positive integer, got ${describe(value)}`);
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${where}: request.maxTokens must be a positive integer, got ${value}`);
  }
  if (request.stop !== undefined) {
    const stop: unknown = request.stop;
    if (!Array.isArray(stop)) throw new TypeError(`${where}: request.stop must be an array of strings (stop: ['END']), got ${describe(stop)}`);
    stop.forEach((s: unknown, i) => {
      if (typeof s !== 'string' || s === '') throw new TypeError(`${where}: request.stop[${i}] must be a non-empty string, got ${describe(s)}`);
    });
  }
  if (request.tools !== undefined) {
    const tools: unknown = request.tools;
    if (!Array.isArray(tools)) throw new TypeError(`${where}: request.tools must be an array of tools (defineTool), got ${describe(tools)}`);
    tools.forEach((tool: unknown, i) => {
      const t = tool as Partial<Tool> | null;
      if (typeof t !== 'object' || t === null || typeof t.name !== 'string' || t.name === '' || typeof t.parameters !== 'object' || t.parameters === null) {
        throw new TypeError(`${where}: request.tools[${i}] must be a tool (defineTool({ name, description, parameters, execute })), got ${describe(tool)}`);
      }
    });
  }
  if (request.responseFormat !== undefined) assertResponseFormat(`${where}: request.responseFormat`, request.responseFormat);
  if (request.providerOptions !== undefined && (typeof request.providerOptions !== 'object' || request.providerOptions === null || Array.isArray(request.providerOptions))) {
    throw new TypeError(`${where}: request.providerOptions must be an object, got ${describe(request.providerOptions)}`);
  }
}

const FORMAT_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function assertResponseFormat(where: string, format: ResponseFormat): void {
  if (typeof format !== 'object' || format === null) throw new TypeError(`${where} must be an object ({ name, schema }), got ${describe(format)}`);
  if (typeof format.name !== 'string' || !FORMAT_NAME.test(format.name)) {
    throw new TypeError(`${where}.name must match ${FORMAT_NAME} (letters, digits, '_' or '-'), got ${describe(format.name)}`);
  }
  if (typeof format.schema !== 'object' || format.schema === null || Array.isArray(format.schema)) {
    throw new TypeError(`${where}.schema must be a JSON Schema object, got ${describe(format.schema)}`);
  }
  if (format.description !== undefined && typeof format.description !== 'string') {
    throw new TypeError(`${where}.description must be a string, got ${describe(format.description)}`);
  }
  if (format.strict !== undefined && typeof format.strict !== 'boolean') throw new TypeError(`${where}.strict must be a boolean, got ${describe(format.strict)}`);
  if (format.mode !== undefined && format.mode !== 'native' && format.mode !== 'tool') {
    throw new RangeError(`${where}.mode must be 'native' or 'tool', got ${describe(format.mode)}`);
  }
}

/** Tool-call fields on messages: what the providers read from them. */
function assertMessageExtras(where: string, message: Message): void {
  if (message.toolCalls !== undefined) {
    if (!Array.isArray(message.toolCalls)) throw new TypeError(`${where}.toolCalls must be an array, got ${describe(message.toolCalls)}`);
    message.toolCalls.forEach((call: unknown, j) => {
      const c = call as Partial<ToolCall> | null;
      if (typeof c !== 'object' || c === null || typeof c.id !== 'string' || typeof c.name !== 'string') {
        throw new TypeError(`${where}.toolCalls[${j}] needs a string id and name, got ${describe(call)}`);
      }
    });
  }
  for (const field of ['toolCallId', 'name'] as const) {
    if (message[field] !== undefined && typeof message[field] !== 'string') {
      throw new TypeError(`${where}.${field} must be a string, got ${describe(message[field])}`);
    }
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * Structured output for the agent: one request whose answer is a JSON value, streamed as `partialObject`
 * snapshots. The schema goes to the model through the same conversion tools use (`toolJsonSchema`), in the
 * provider's native mode where it has one (`ChatRequest.responseFormat`), or as instructions ('json').
 * No tool loop: a forced tool's argument deltas are the JSON text.
 */
import { map, type Observable, type SchedulerLike } from 'rxjs';
import type { StreamChunk } from '../chunk.js';
import { assertOneOf } from '../optionChecks.js';
import { partialObject, type ObjectSchema, type ObjectSnapshot } from '../operators/partialObject.js';
import { timeoutStream } from '../operators/timeoutStream.js';
import type { ChatRequest, Message, Provider, ResponseFormat } from '../providers/provider.js';
import { isStandardSchema } from '../tools/schemaValidation.js';
import { toolJsonSchema, type JsonSchema } from '../tools/tool.js';

/**
 * How `streamObject` asks for JSON:
 * - `'auto'`: the provider's native mode where this library knows one (openai, anthropic, ollama), else `'json'`;
 * - `'native'`: `responseFormat` (OpenAI `response_format` json_schema, Ollama `format`, Anthropic a forced tool);
 * - `'tool'`: a forced tool call whose arguments are the object (OpenAI and Anthropic `tool_choice`);
 * - `'json'`: the schema in a system message, for servers with no structured mode; the answer is not
 *   constrained, only validated.
 */
export type StreamObjectMode = 'auto' | 'native' | 'tool' | 'json';

export interface StreamObjectOptions<S extends ObjectSchema = ObjectSchema> {
  /** A Standard Schema (zod 4 ...) with JSON Schema output, or a JSON Schema object: sent to the model, and the answer must pass it. */
  readonly schema: S;
  /** Names the answer for the model (OpenAI's `json_schema.name`, the forced tool's name). @default 'response' */
  readonly name?: string;
  /** What the answer is, for the model. */
  readonly description?: string;
  /** @default 'auto' */
  readonly mode?: StreamObjectMode;
  /** OpenAI strict mode (see `ResponseFormat.strict`). @default false */
  readonly strict?: boolean;
}

/** Providers whose `responseFormat` mapping this library has. */
const NATIVE_PROVIDERS: ReadonlySet<string> = new Set(['openai', 'anthropic', 'ollama']);
const MODES = ['auto', 'native', 'tool', 'json'] as const;

export interface StructuredRequest<S extends ObjectSchema> {
  readonly provider: Provider;
  /** The request without messages and without tools (no tool loop runs). */
  readonly request: Omit<ChatRequest, 'messages' | 'tools'>;
  /** The agent's system messages first, then history and the prompt. */
  readonly system: readonly Message[];
  readonly messages: readonly Message[];
  readonly options: StreamObjectOptions<S>;
  readonly timeout: { readonly first?: number; readonly idle?: number; readonly total?: number };
  readonly scheduler: SchedulerLike;
}

/** Checks `options` at the call: a TypeError or RangeError naming the option. */
export function assertStreamObjectOptions(where: string, options: StreamObjectOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object ({ schema }), got ${options === null ? 'null' : typeof options}`);
  const { schema, name, description, mode, strict } = options;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new TypeError(`${where}: options.schema must be a Standard Schema (e.g. a zod schema) or a JSON Schema object`);
  }
  if (name !== undefined && (typeof name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(name))) {
    throw new TypeError(`${where}: options.name must be letters, digits, '_' or '-' (at most 64), got ${JSON.stringify(name)}`);
  }
  if (description !== undefined && typeof description !== 'string') throw new TypeError(`${where}: options.description must be a string`);
  if (mode !== undefined) assertOneOf(`${where}: options.mode`, mode, MODES);
  if (strict !== undefined && typeof strict !== 'boolean') throw new TypeError(`${where}: options.strict must be a boolean`);
  // Fails at the call, not at the first request, when the schema cannot be described to a model.
  answerSchema(options);
}

/** Streams the structured answer: cold, one request per subscription, unsubscribe aborts it. */
export function streamStructured<T>(structured: StructuredRequest<ObjectSchema<T>>): Observable<ObjectSnapshot<T>> {
  const { provider, options, timeout, scheduler } = structured;
  const name = options.name ?? 'response';
  const schema = answerSchema(options);
  const requested = options.mode ?? 'auto';
  const mode = requested === 'auto' ? (NATIVE_PROVIDERS.has(provider.info().provider) ? 'native' : 'json') : requested;

  const responseFormat: ResponseFormat | undefined =
    mode === 'json'
      ? undefined
      : {
          name,
          schema,
          ...(options.description !== undefined && { description: options.description }),
          ...(options.strict !== undefined && { strict: options.strict }),
          mode,
        };
  const instructions: Message[] = mode === 'json' ? [{ role: 'system', content: jsonInstructions(schema, options.description) }] : [];
  const request: ChatRequest = {
    ...structured.request,
    messages: [...structured.system, ...instructions, ...structured.messages],
    ...(responseFormat !== undefined && { responseFormat }),
  };

  const limits = Object.fromEntries(Object.entries(timeout).filter(([, ms]) => ms !== undefined && ms !== Infinity));
  const chunks = provider.stream(request);
  const timed = Object.keys(limits).length > 0 ? chunks.pipe(timeoutStream({ ...limits, scheduler })) : chunks;
  return timed.pipe(jsonText(name), partialObject<T>(options.schema));
}

/**
 * The JSON text of each chunk: its content, plus the argument deltas of the tool named `name` (a forced tool
 * carries the object there). Chunks without such deltas pass as they are.
 */
function jsonText(name: string): (source: Observable<StreamChunk>) => Observable<StreamChunk> {
  return (source) => {
    let index: number | undefined;
    return source.pipe(
      map((c) => {
        if (c.metadata.reset === true) index = undefined;
        const delta = c.metadata.toolCallDelta;
        if (delta === undefined) return c;
        if (delta.name === name) index = delta.index;
        if (delta.index !== index || delta.argumentsDelta === '') return c;
        return { ...c, content: c.content + delta.argumentsDelta };
      }),
    );
  };
}

/** The answer's JSON Schema, by the path tools use. */
function answerSchema(options: StreamObjectOptions): JsonSchema {
  const parameters = options.schema;
  return toolJsonSchema({ name: options.name ?? 'response', parameters: isStandardSchema(parameters) ? parameters : (parameters as JsonSchema) });
}

function jsonInstructions(schema: JsonSchema, description: string | undefined): string {
  return [
    description === undefined ? '' : `${description}\n`,
    'Answer with one JSON value and nothing else: no prose before or after it, no Markdown code fence.',
    'The value must match this JSON Schema:',
    JSON.stringify(schema),
  ].join('\n').trim();
}

import type { ObservableInput } from 'rxjs';
import { assertFunction } from '../optionChecks.js';
import { formatIssues, isStandardSchema, validateWithSchema, type SchemaCheck, type StandardSchemaV1 } from './schemaValidation.js';

/** A JSON Schema object describing a tool's arguments. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** What a tool's `execute` gets besides its arguments. */
export interface ToolContext {
  /** Aborted when the stream that ran the tool is unsubscribed (or the tool times out). */
  readonly signal: AbortSignal;
  /** The id of the call being answered. */
  readonly toolCallId: string;
}

export interface Tool<TArgs = unknown, TResult = unknown> {
  readonly name: string;
  readonly description: string;
  /** A Standard Schema (zod 4, valibot, arktype...) with JSON Schema output, or a plain JSON Schema object. */
  readonly parameters: StandardSchemaV1<unknown, TArgs> | JsonSchema;
  execute(args: TArgs, context: ToolContext): TResult | PromiseLike<TResult> | ObservableInput<TResult>;
}

export interface ToolConfig<S extends StandardSchemaV1 | JsonSchema, TResult> {
  /** What the model calls it: letters, digits, '_' and '-', at most 64 characters. */
  readonly name: string;
  readonly description: string;
  readonly parameters: S;
  readonly execute: (
    args: S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : Record<string, unknown>,
    context: ToolContext,
  ) => TResult | PromiseLike<TResult> | ObservableInput<TResult>;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Defines a tool the model may call while streaming.
 *
 * ```ts
 * const weather = defineTool({
 *   name: 'get_weather',
 *   description: 'Current weather for a city',
 *   parameters: z.object({ city: z.string() }),
 *   execute: async ({ city }, { signal }) => (await fetch(`https://wttr.in/${city}?format=3`, { signal })).text(),
 * });
 * ```
 */
export function defineTool<S extends StandardSchemaV1 | JsonSchema, TResult>(
  config: ToolConfig<S, TResult>,
): Tool<S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : Record<string, unknown>, TResult> {
  if (typeof config.name !== 'string' || !TOOL_NAME.test(config.name)) {
    throw new TypeError(`defineTool: name must match ${TOOL_NAME} (letters, digits, '_' or '-'), got ${JSON.stringify(config.name)}`);
  }
  if (typeof config.description !== 'string') throw new TypeError(`defineTool(${config.name}): description must be a string`);
  if (typeof config.parameters !== 'object' || config.parameters === null) {
    throw new TypeError(`defineTool(${config.name}): parameters must be a Standard Schema (e.g. a zod object) or a JSON Schema object`);
  }
  assertFunction(`defineTool(${config.name}): execute`, config.execute);
  // Fail at definition, not at the first request, when the schema cannot be described to a model.
  toolJsonSchema(config as unknown as Tool);
  return {
    name: config.name,
    description: config.description,
    parameters: config.parameters,
    execute: config.execute,
  } as Tool<S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : Record<string, unknown>, TResult>;
}

const schemaCache = new WeakMap<object, JsonSchema>();

/** The JSON Schema of a tool's parameters, as providers send it (draft-07, no `$schema` key). */
export function toolJsonSchema(tool: Pick<Tool, 'name' | 'parameters'>): JsonSchema {
  const params = tool.parameters;
  const cached = schemaCache.get(params);
  if (cached) return cached;
  let schema: Record<string, unknown>;
  if (isStandardSchema(params)) {
    const converter = params['~standard'].jsonSchema;
    if (!converter) {
      throw new TypeError(
        `Tool ${tool.name}: its ${params['~standard'].vendor} schema cannot produce JSON Schema (Standard JSON Schema); use zod >= 4.2 or pass a JSON Schema object`,
      );
    }
    schema = { ...converter.input({ target: 'draft-07' }) };
  } else {
    schema = { ...params };
  }
  delete schema['$schema'];
  if (schema['type'] === undefined) schema['type'] = 'object';
  if (schema['type'] === 'object' && schema['properties'] === undefined) schema['properties'] = {};
  schemaCache.set(params, schema);
  return schema;
}

export type ValidationResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * Validates model-supplied arguments against the tool's schema: a Standard Schema validates itself, a plain
 * JSON Schema is checked (as providers send it, see {@link toolJsonSchema}) by `@cfworker/json-schema`, which
 * generates no code. The answer is synchronous when the schema validates synchronously (zod without async
 * refinements, plain JSON Schemas) — so the agent's tool loop stays in the scheduler's (virtual) time — and a
 * Promise when it does not; `await` works on both.
 */
export function validateToolArguments<T>(tool: Tool<T>, args: unknown): ValidationResult<T> | Promise<ValidationResult<T>> {
  const params = tool.parameters;
  const schema = isStandardSchema(params) ? (params as StandardSchemaV1<unknown, T>) : toolJsonSchema(tool);
  const result = validateWithSchema<T>(schema, args);
  return result instanceof Promise ? result.then((r) => toValidationResult(tool, r)) : toValidationResult(tool, result);
}

function toValidationResult<T>(tool: Pick<Tool, 'name'>, result: SchemaCheck<T>): ValidationResult<T> {
  if (!result.ok) return { ok: false, message: `Invalid arguments for tool ${tool.name}: ${formatIssues(result.issues)}` };
  return { ok: true, value: result.value };
}

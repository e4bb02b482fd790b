/**
 * One validator for every schema the library takes — tool parameters and structured output alike: a
 * Standard Schema (zod 4, valibot, arktype...) validates itself; a plain JSON Schema object is checked by
 * `@cfworker/json-schema`, which interprets the schema and generates no code (no `new Function`, so it runs
 * under a strict Content-Security-Policy and in workers). Synchronous whenever the schema is.
 */
import { Validator, type Schema as CfworkerSchema, type SchemaDraft } from '@cfworker/json-schema';
import type { ObjectValidationIssue } from '../errors/ObjectValidationError.js';
import type { StandardSchemaV1 } from './standardSchema.js';

// The schema types come from here for the rest of tools/ (one path from tool.ts to the Standard Schema types).
export type { StandardSchemaV1 };

/** A Standard Schema, or a plain JSON Schema object. */
export type ValueSchema<T = unknown> = StandardSchemaV1<unknown, T> | Readonly<Record<string, unknown>>;

/** The value the schema produced (a Standard Schema may transform it), or why it refused. */
export type SchemaCheck<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ObjectValidationIssue[] };

/** A Standard Schema: an object with a `~standard` property. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  return typeof value === 'object' && value !== null && '~standard' in value;
}

const validators = new WeakMap<object, Validator>();

/**
 * Validates `value` against `schema`. A Promise only when a Standard Schema validates asynchronously
 * (e.g. zod with async refinements); `await` works on both.
 */
export function validateWithSchema<T>(schema: ValueSchema<T>, value: unknown): SchemaCheck<T> | Promise<SchemaCheck<T>> {
  if (isStandardSchema(schema)) {
    const result = schema['~standard'].validate(value);
    return result instanceof Promise ? result.then((r) => fromStandardResult<T>(r)) : fromStandardResult<T>(result);
  }
  const result = jsonSchemaValidator(schema).validate(value);
  if (result.valid) return { ok: true, value: value as T };
  // The validator reports each failing keyword and every applicator (`properties`, `items`, `allOf`...) that
  // failed because of it: keep the keywords that failed themselves.
  const leaves = result.errors.filter(
    (error) => !result.errors.some((other) => other !== error && other.keywordLocation.startsWith(`${error.keywordLocation}/`)),
  );
  return { ok: false, issues: leaves.map((error) => ({ message: error.error, path: pointerPath(error.instanceLocation) })) };
}

/** Issues as one line: `items.2.price: Expected number; name: Required`. */
export function formatIssues(issues: readonly ObjectValidationIssue[]): string {
  return issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

function fromStandardResult<T>(result: StandardSchemaV1.Result<unknown>): SchemaCheck<T> {
  if (!result.issues) return { ok: true, value: result.value as T };
  return {
    ok: false,
    issues: result.issues.map((issue) => ({
      message: issue.message,
      path: (issue.path ?? []).map((p) => {
        const key = typeof p === 'object' ? p.key : p;
        return typeof key === 'number' ? key : String(key);
      }),
    })),
  };
}

function jsonSchemaValidator(schema: Readonly<Record<string, unknown>>): Validator {
  let validator = validators.get(schema);
  if (validator === undefined) {
    // The validator annotates the schema it is given while dereferencing: give it a copy, never the caller's object.
    validator = new Validator(structuredClone(schema) as CfworkerSchema, draftOf(schema), false);
    validators.set(schema, validator);
  }
  return validator;
}

/** The draft named by `$schema`; 2020-12 when it names none. */
function draftOf(schema: Readonly<Record<string, unknown>>): SchemaDraft {
  const uri = typeof schema['$schema'] === 'string' ? schema['$schema'] : '';
  if (uri.includes('draft-04')) return '4';
  if (uri.includes('draft-07') || uri.includes('draft-06')) return '7';
  if (uri.includes('2019-09')) return '2019-09';
  return '2020-12';
}

/** `#/items/2/price` → `['items', 2, 'price']`. */
function pointerPath(location: string): (string | number)[] {
  const pointer = location.startsWith('#') ? location.slice(1) : location;
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => {
      const key = decodePointerSegment(segment);
      return /^(0|[1-9]\d*)$/.test(key) ? Number(key) : key;
    });
}

function decodePointerSegment(segment: string): string {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // Not URI-encoded: the segment as it is.
  }
  return decoded.replace(/~1/g, '/').replace(/~0/g, '~');
}

import { Observable, type OperatorFunction, type Subscriber } from 'rxjs';
import { assertStreamChunk, type StreamChunk } from '../chunk.js';
import { ObjectValidationError, type ObjectValidationIssue } from '../errors/ObjectValidationError.js';
import { StreamingResponse } from '../response.js';
import type { StandardSchemaV1 } from '../tools/standardSchema.js';
import { formatIssues, isStandardSchema, validateWithSchema, type SchemaCheck, type ValueSchema } from '../tools/schemaValidation.js';
import type { JsonSchema } from '../tools/tool.js';
import { IncrementalJsonParser } from './incrementalJsonParser.js';

/** `T` with every property optional, all the way down: what a value looks like while it streams. */
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly DeepPartial<U>[]
  : T extends object
    ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** One state of a structured answer as it streams: emitted by {@link partialObject} and `agent.streamObject`. */
export interface ObjectSnapshot<T> {
  /**
   * The value parsed so far. Strings grow as they stream; numbers, booleans and `null` appear once complete;
   * a key appears once its value begins. Subtrees that did not change are the same objects (`===`) as in the
   * previous snapshot, so memoised views (`computed`, `OnPush`, `React.memo`) skip them. Read-only: later
   * snapshots share its unchanged parts.
   */
  readonly partial: DeepPartial<T>;
  /** True on the last snapshot only: the text ended and the value passed the schema. */
  readonly done: boolean;
  /** On the last snapshot: the value as the schema returned it (a Standard Schema may transform it). */
  readonly object?: T;
  /** The JSON text so far (of the current attempt, after a reset). */
  readonly text: string;
}

/** The schemas structured output takes: a Standard Schema (zod 4, valibot...) or a JSON Schema object. */
export type ObjectSchema<T = unknown> = StandardSchemaV1<unknown, T> | JsonSchema;

/**
 * Parses a stream of JSON text into snapshots of the value so far, then validates the whole value.
 *
 * ```
 * <!-- diagram: partialObject/snapshots -->
 * source:   --a--b--c--F--|      a = '{"name":"Al', b = 'ice","tags":["x"', c = ']}', F = final
 * partialObject(schema)
 * result:   --x--y-----d--|      x = { name: 'Al' }, y = { name: 'Alice', tags: ['x'] } (c changes nothing),
 *                                d = done: true, object = the validated value
 * upstream: ^-------------!
 * ```
 *
 * Parsing is incremental: each chunk costs time in its own length, not in the text so far, and a snapshot
 * costs one shallow copy of each container on the path that changed (subtrees that did not change keep their
 * identity). A snapshot is emitted only when the value changed. The value ends at the final chunk (or at
 * completion): it must be complete JSON and pass `schema`, else the stream errors with an
 * `ObjectValidationError` carrying `issues`, the `text` and the `partialResponse`. A reset chunk
 * (`metadata.reset: true`, `retryStream({ afterContent: 'restart' })`) starts over: the next snapshot is the
 * new attempt's, nothing of the old one is kept. Errors from upstream pass on unchanged.
 *
 * The text is the chunks' `content`: a provider's native JSON mode (OpenAI `response_format`, Ollama `format`)
 * or a model told to answer in JSON. `agent.streamObject` also reads a forced tool's argument deltas.
 *
 * ## Examples
 *
 * ```ts
 * import { auditTime } from 'rxjs';
 * import { z } from 'zod';
 * import { mockStream, partialObject } from 'agenticraft-rx';
 *
 * const Profile = z.object({ name: z.string(), tags: z.array(z.string()) });
 * mockStream('{"name":"Alice","tags":["admin","ops"]}', { chunkSize: 6 })
 *   .pipe(partialObject(Profile), auditTime(16)) // at most one UI update a frame
 *   .subscribe(({ partial, done, object }) => console.log(done ? object : partial));
 * ```
 *
 * @see {@link arrayElements} for each element of a streamed array as it completes
 *
 * @param schema A Standard Schema (zod) or a JSON Schema object; without one, any JSON value is accepted.
 * @returns A function that returns an Observable of {@link ObjectSnapshot}s, the last with `done: true`.
 * @throws {TypeError} at call time when `schema` is neither.
 */
export function partialObject<S extends StandardSchemaV1>(schema: S): OperatorFunction<StreamChunk, ObjectSnapshot<StandardSchemaV1.InferOutput<S>>>;
export function partialObject<T = unknown>(schema?: ObjectSchema<T>): OperatorFunction<StreamChunk, ObjectSnapshot<T>>;
export function partialObject<T>(schema?: ObjectSchema<T>): OperatorFunction<StreamChunk, ObjectSnapshot<T>> {
  assertObjectSchema('partialObject', schema);
  return (source) =>
    new Observable<ObjectSnapshot<T>>((subscriber) => {
      const reader = new JsonTextReader('partialObject', subscriber);
      let emitted = -1;
      let pending: Promise<void> | undefined;
      let sourceDone = false;

      const finish = (): void => {
        const value = reader.end();
        if (value === NOT_JSON) return;
        const text = reader.text;
        const response = reader.response;
        const generation = reader.generation;
        const deliver = (check: SchemaCheck<T>): void => {
          if (generation !== reader.generation) return; // a reset began another attempt meanwhile
          if (!check.ok) subscriber.error(schemaError('partialObject', check.issues, text, response));
          else subscriber.next({ partial: value as DeepPartial<T>, done: true, object: check.value, text });
        };
        const check: SchemaCheck<T> | Promise<SchemaCheck<T>> = schema === undefined ? { ok: true, value: value as T } : validateWithSchema<T>(schema, value);
        if (!(check instanceof Promise)) return deliver(check);
        // An asynchronous schema (async refinements): the last snapshot follows its answer.
        const current: Promise<void> = check.then(deliver, (error: unknown) => subscriber.error(error)).then(() => {
          if (pending !== current) return; // a later attempt's validation is the one to wait for
          pending = undefined;
          if (sourceDone) subscriber.complete();
        });
        pending = current;
      };

      const subscription = source.subscribe({
        next: (value) => {
          const step = reader.read(value);
          if (step === RESET) emitted = -1;
          else if (step === WROTE && reader.parser.started && reader.parser.version !== emitted) {
            emitted = reader.parser.version;
            subscriber.next({ partial: reader.parser.snapshot() as DeepPartial<T>, done: false, text: reader.text });
          }
          if (reader.ended && !reader.finished) {
            reader.finished = true;
            finish();
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          if (!reader.finished) {
            reader.finished = true;
            finish();
          }
          if (pending === undefined) subscriber.complete();
        },
      });
      return () => subscription.unsubscribe();
    });
}

/** The {@link arrayElements} configuration. */
export interface ArrayElementsConfig<T = unknown> {
  /** Each element must pass it (a Standard Schema or a JSON Schema object); the stream errors at the first that does not. */
  readonly schema?: ObjectSchema<T>;
  /**
   * The array is the root object's property `key` (`{ "items": [...] }`: native structured modes need an
   * object at the root) instead of the root value itself.
   * @default undefined (the root value is the array)
   */
  readonly key?: string;
}

/** One completed element of a streamed array, as {@link arrayElements} emits it. */
export interface ArrayElement<T> {
  /** 0, 1, 2 ... in the array; after a reset chunk the new attempt's elements start again at 0. */
  readonly index: number;
  /** The element, validated (as the schema returned it). */
  readonly element: T;
}

/**
 * Emits each element of a streamed JSON array as soon as it closes, validated: a list UI appends rows while
 * the model is still writing the next one.
 *
 * ```
 * <!-- diagram: partialObject/elements -->
 * source:   --a--b--c--F--|      a = '[{"n":1},{"n"', b = ':2}', c = ',{"n":3}]', F = final
 * arrayElements({ schema })
 * result:   --x--y--z-----|      x = { index: 0, element: { n: 1 } }, y = 1: { n: 2 }, z = 2: { n: 3 }
 * upstream: ^-------------!
 * ```
 *
 * It parses the text incrementally as {@link partialObject} does, and the whole text must still be valid
 * JSON: invalid JSON, an element that fails `schema`, or a text that ends early errors with an
 * `ObjectValidationError`. After a reset chunk the elements start again at `index: 0` (replace the list then).
 *
 * ## Examples
 *
 * ```ts
 * import { z } from 'zod';
 * import { arrayElements, mockStream } from 'agenticraft-rx';
 *
 * const rows: { title: string }[] = [];
 * mockStream('{"items":[{"title":"a"},{"title":"b"}]}', { chunkSize: 5 })
 *   .pipe(arrayElements({ key: 'items', schema: z.object({ title: z.string() }) }))
 *   .subscribe(({ index, element }) => (rows.length = index, rows.push(element)));
 * ```
 *
 * @param config An {@link ArrayElementsConfig}.
 * @returns A function that returns an Observable of {@link ArrayElement}s.
 * @throws {TypeError} at call time when an option has the wrong type.
 */
export function arrayElements<S extends StandardSchemaV1>(config: ArrayElementsConfig & { readonly schema: S }): OperatorFunction<StreamChunk, ArrayElement<StandardSchemaV1.InferOutput<S>>>;
export function arrayElements<T = unknown>(config?: ArrayElementsConfig<T>): OperatorFunction<StreamChunk, ArrayElement<T>>;
export function arrayElements<T>(config: ArrayElementsConfig<T> = {}): OperatorFunction<StreamChunk, ArrayElement<T>> {
  if (typeof config !== 'object' || config === null) throw new TypeError(`arrayElements: config must be an object, got ${config === null ? 'null' : typeof config}`);
  const { schema, key } = config;
  assertObjectSchema('arrayElements', schema);
  if (key !== undefined && (typeof key !== 'string' || key === '')) throw new TypeError(`arrayElements: key must be a non-empty string, got ${typeof key}`);
  return (source) =>
    new Observable<ArrayElement<T>>((subscriber) => {
      const reader = new JsonTextReader('arrayElements', subscriber, key ?? null);
      let index = 0;
      // Elements validated asynchronously are delivered in order, one after another.
      let queue: Promise<void> | undefined;
      let sourceDone = false;

      const deliver = (check: SchemaCheck<T>, generation: number): void => {
        if (generation !== reader.generation) return; // a reset began another attempt meanwhile
        if (!check.ok) {
          const issues = check.issues.map((issue) => ({ message: issue.message, path: [...(key === undefined ? [] : [key]), index, ...issue.path] }));
          subscriber.error(schemaError('arrayElements', issues, reader.text, reader.response));
          return;
        }
        subscriber.next({ index: index++, element: check.value });
      };
      const emit = (element: unknown): void => {
        const check: SchemaCheck<T> | Promise<SchemaCheck<T>> = schema === undefined ? { ok: true, value: element as T } : validateWithSchema<T>(schema, element);
        const generation = reader.generation;
        if (queue === undefined && !(check instanceof Promise)) return deliver(check, generation);
        queue = (queue ?? Promise.resolve())
          .then(() => check)
          .then((c) => deliver(c, generation), (error: unknown) => subscriber.error(error));
        const current = queue;
        void current.then(() => {
          if (queue !== current) return;
          queue = undefined;
          if (sourceDone) subscriber.complete();
        });
      };

      /** Ends the text: the last elements, or an error when there was no array where one was expected. */
      const finish = (): void => {
        reader.finished = true;
        const value = reader.end();
        if (value === NOT_JSON) return;
        const array = key === undefined ? value : typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
        if (!Array.isArray(array)) {
          const issues = [{ message: key === undefined ? 'Expected an array' : `Expected an object with an array in "${key}"`, path: [] }];
          subscriber.error(schemaError('arrayElements', issues, reader.text, reader.response));
          return;
        }
        for (const element of reader.parser.takeElements()) emit(element);
      };

      const subscription = source.subscribe({
        next: (value) => {
          const step = reader.read(value);
          if (step === RESET) {
            index = 0;
            queue = undefined;
          } else if (step === WROTE) {
            for (const element of reader.parser.takeElements()) emit(element);
          }
          if (reader.ended && !reader.finished) finish();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          if (!reader.finished) finish();
          if (queue === undefined) subscriber.complete();
        },
      });
      return () => subscription.unsubscribe();
    });
}

const WROTE = 1;
const RESET = 2;
const SKIPPED = 3;
const NOT_JSON: unique symbol = Symbol('not JSON');

/**
 * What both operators do with chunks: the text, the partial response and the parser of the current attempt
 * (a reset chunk starts new ones), and errors for values that are not chunks or text that is not JSON.
 */
class JsonTextReader {
  parser: IncrementalJsonParser;
  response = new StreamingResponse({ keepChunks: false });
  text = '';
  /** Counts resets: work begun for an earlier attempt checks it before delivering. */
  generation = 0;
  /** A final chunk arrived. */
  ended = false;
  /** The value was ended (validated or failed). */
  finished = false;
  #cutOff = false;

  constructor(
    readonly where: string,
    readonly subscriber: Pick<Subscriber<unknown>, 'error'>,
    readonly elementsAt?: string | null,
  ) {
    this.parser = new IncrementalJsonParser({ elementsAt });
  }

  /** Takes one chunk; after an error it was reported to the subscriber and SKIPPED is returned. */
  read(value: unknown): typeof WROTE | typeof RESET | typeof SKIPPED {
    try {
      assertStreamChunk(this.where, value);
    } catch (error) {
      this.subscriber.error(error);
      return SKIPPED;
    }
    if (value.metadata.reset === true) {
      this.parser = new IncrementalJsonParser({ elementsAt: this.elementsAt });
      this.response = new StreamingResponse({ keepChunks: false });
      this.text = '';
      this.generation++;
      this.ended = false;
      this.finished = false;
      this.#cutOff = false;
      return RESET;
    }
    if (this.finished) return SKIPPED; // after the value ended, only a reset begins another
    this.response.addChunk(value);
    if (value.isFinal) {
      this.ended = true;
      this.#cutOff = value.metadata.finishReason === 'length';
    }
    if (value.content === '') return value.isFinal ? WROTE : SKIPPED;
    this.text += value.content;
    try {
      this.parser.write(value.content);
    } catch (error) {
      this.finished = true;
      this.#syntaxError(error);
      return SKIPPED;
    }
    return WROTE;
  }

  /** Ends the text: the complete value, or NOT_JSON after reporting why it is not. */
  end(): unknown {
    try {
      this.parser.end();
    } catch (error) {
      this.#syntaxError(error);
      return NOT_JSON;
    }
    return this.parser.snapshot();
  }

  #syntaxError(error: unknown): void {
    const base = error instanceof Error ? error.message : String(error);
    const message = this.#cutOff ? `${base} (the model stopped at its token limit: finishReason 'length')` : base;
    const issues: ObjectValidationIssue[] = [{ message, path: [] }];
    this.subscriber.error(
      new ObjectValidationError(`${this.where}: the text is not valid JSON: ${message}`, {
        issues,
        text: this.text,
        partialResponse: this.response,
        cause: error,
      }),
    );
  }
}

function schemaError(where: string, issues: readonly ObjectValidationIssue[], text: string, partialResponse: StreamingResponse): ObjectValidationError {
  return new ObjectValidationError(`${where}: the value does not match the schema: ${formatIssues(issues)}`, { issues, text, partialResponse });
}

function assertObjectSchema(where: string, schema: unknown): asserts schema is ValueSchema | undefined {
  if (schema === undefined || isStandardSchema(schema)) return;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new TypeError(`${where}: schema must be a Standard Schema (e.g. a zod schema) or a JSON Schema object, got ${schema === null ? 'null' : Array.isArray(schema) ? 'an array' : typeof schema}`);
  }
}

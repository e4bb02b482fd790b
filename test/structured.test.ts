/**
 * Structured output: the incremental parser against JSON.parse for any value and any chunking (fast-check),
 * partial values that are always consistent with the final one, identity kept for completed subtrees, the
 * operator over mockStream, schemas (zod and plain JSON Schema), ObjectValidationError, and streamObject's
 * 'auto' fallback for providers without a native mode.
 */
import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent } from '../src/agent/agent.js';
import { chunk, finalChunk } from '../src/chunk.js';
import { isAgenticraftError } from '../src/errors/AgenticraftError.js';
import { ObjectValidationError, isObjectValidationError } from '../src/errors/ObjectValidationError.js';
import { IncrementalJsonParser } from '../src/operators/incrementalJsonParser.js';
import { arrayElements, partialObject } from '../src/operators/partialObject.js';
import { mockStream } from '../src/providers/mock.js';
import type { ChatRequest, Provider } from '../src/providers/provider.js';
import { validateWithSchema } from '../src/tools/schemaValidation.js';
import { openai } from '../src/providers/openai.js';
import { ollama } from '../src/providers/ollama.js';
import { of } from 'rxjs';

/** Splits `text` at the given cut points (any numbers: taken modulo the length, sorted). */
function split(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => (text.length === 0 ? 0 : c % (text.length + 1))))].sort((a, b) => a - b);
  const out: string[] = [];
  let last = 0;
  for (const p of points) {
    out.push(text.slice(last, p));
    last = p;
  }
  out.push(text.slice(last));
  return out;
}

/** Whether `partial` is a state the streaming of `final` can pass through. */
function consistent(partial: unknown, final: unknown): boolean {
  if (typeof partial === 'string') return typeof final === 'string' && final.startsWith(partial);
  if (Array.isArray(partial)) {
    if (!Array.isArray(final) || partial.length > final.length) return false;
    return partial.every((v, i) => (i < partial.length - 1 ? JSON.stringify(v) === JSON.stringify(final[i]) : consistent(v, final[i])));
  }
  if (typeof partial === 'object' && partial !== null) {
    if (typeof final !== 'object' || final === null || Array.isArray(final)) return false;
    const keys = Object.keys(partial);
    const f = final as Record<string, unknown>;
    const p = partial as Record<string, unknown>;
    return keys.every((k, i) => Object.hasOwn(f, k) && (i < keys.length - 1 ? JSON.stringify(p[k]) === JSON.stringify(f[k]) : consistent(p[k], f[k])));
  }
  return JSON.stringify(partial) === JSON.stringify(final);
}

/** Completed containers of `previous` (all but the last child, recursively the last one) are the same objects in `next`. */
function keepsIdentity(previous: unknown, next: unknown): boolean {
  if (typeof previous !== 'object' || previous === null || typeof next !== 'object' || next === null) return true;
  const p = previous as Record<string, unknown>;
  const n = next as Record<string, unknown>;
  const keys = Object.keys(p);
  return keys.every((k, i) => {
    if (i < keys.length - 1) return typeof p[k] !== 'object' || p[k] === null || p[k] === n[k];
    return keepsIdentity(p[k], n[k]);
  });
}

const jsonText = fc
  .tuple(fc.jsonValue(), fc.constantFrom(undefined, 0, 1, 2, '\t'))
  .map(([value, indent]) => JSON.stringify(value, null, indent));

describe('IncrementalJsonParser (properties)', () => {
  it('any chunking of any JSON value gives the value JSON.parse gives', () => {
    fc.assert(
      fc.property(jsonText, fc.array(fc.nat(), { maxLength: 12 }), (text, cuts) => {
        const parser = new IncrementalJsonParser();
        for (const piece of split(text, cuts)) parser.write(piece);
        parser.end();
        expect(JSON.stringify(parser.snapshot())).toBe(JSON.stringify(JSON.parse(text)));
        expect(parser.snapshot()).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('every partial value is consistent with the final one, and completed subtrees keep their identity', () => {
    fc.assert(
      fc.property(jsonText, fc.array(fc.nat(), { maxLength: 20 }), (text, cuts) => {
        const final: unknown = JSON.parse(text);
        const parser = new IncrementalJsonParser();
        let previous: unknown;
        let version = -1;
        for (const piece of split(text, cuts)) {
          parser.write(piece);
          if (!parser.started) continue;
          const snapshot = parser.snapshot();
          expect(consistent(snapshot, final)).toBe(true);
          expect(keepsIdentity(previous, snapshot)).toBe(true);
          // No change, no new object.
          if (parser.version === version) expect(snapshot).toBe(previous);
          version = parser.version;
          previous = snapshot;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses exactly the texts JSON.parse refuses, whatever the chunking', () => {
    const nearlyJson = fc.oneof(
      fc.string(),
      jsonText.chain((t) => fc.tuple(fc.nat(t.length), fc.string({ maxLength: 2 })).map(([at, s]) => t.slice(0, at) + s + t.slice(at + 1))),
    );
    fc.assert(
      fc.property(nearlyJson, fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
        let expected: unknown;
        let valid = true;
        try {
          expected = JSON.parse(text);
        } catch {
          valid = false;
        }
        const parse = (): unknown => {
          const parser = new IncrementalJsonParser();
          for (const piece of split(text, cuts)) parser.write(piece);
          parser.end();
          return parser.snapshot();
        };
        if (valid) expect(JSON.stringify(parse())).toBe(JSON.stringify(expected));
        else expect(parse).toThrow(SyntaxError);
      }),
      { numRuns: 1000 },
    );
  });

  it('partialObject over mockStream ends with the object JSON.parse gives, for any chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(jsonText, fc.integer({ min: 1, max: 40 }), async (text, chunkSize) => {
        const snapshots = await lastValueFrom(mockStream(text, { chunkSize }).pipe(partialObject(), toArray()));
        const last = snapshots[snapshots.length - 1]!;
        expect(last.done).toBe(true);
        expect(last.object).toEqual(JSON.parse(text));
        expect(last.text).toBe(text);
        expect(snapshots.filter((s) => s.done)).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });
});

describe('IncrementalJsonParser', () => {
  it('keeps a parsed "__proto__" key as an own key, as JSON.parse does', () => {
    const parser = new IncrementalJsonParser();
    parser.write('{"__proto__":{"polluted":true}}');
    parser.end();
    const value = parser.snapshot() as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('takes the last of repeated keys, in the first one’s place', () => {
    const parser = new IncrementalJsonParser();
    parser.write('{"a":1,"b":2,"a":3}');
    parser.end();
    expect(JSON.stringify(parser.snapshot())).toBe(JSON.stringify(JSON.parse('{"a":1,"b":2,"a":3}')));
  });

  it('decodes escapes split across chunks, surrogate pairs included', () => {
    const text = JSON.stringify({ s: 'é "q" \\ \n 😀 \u0001' });
    const parser = new IncrementalJsonParser();
    for (const c of text) parser.write(c);
    parser.end();
    expect(parser.snapshot()).toEqual(JSON.parse(text));
  });

  it('shows a string growing, and a number only once it is complete', () => {
    const parser = new IncrementalJsonParser();
    parser.write('{"n":12');
    expect(parser.snapshot()).toEqual({});
    parser.write('3,"s":"ab');
    expect(parser.snapshot()).toEqual({ n: 123, s: 'ab' });
    parser.write('c"}');
    expect(parser.snapshot()).toEqual({ n: 123, s: 'abc' });
  });

  it('costs each chunk in its own length: the same work per chunk at the start and the end of a long text', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item ${i}` }));
    const text = JSON.stringify({ items });
    const parser = new IncrementalJsonParser();
    // Without snapshots: the work is the text's, once.
    const pieces = split(text, Array.from({ length: 2_000 }, (_, i) => Math.floor((i * text.length) / 2_000)));
    for (const piece of pieces) parser.write(piece);
    parser.end();
    expect((parser.snapshot() as { items: unknown[] }).items).toHaveLength(20_000);
  });
});

describe('partialObject', () => {
  it('validates with a plain JSON Schema (no code generated) and with zod, returning what zod returns', async () => {
    const json = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } as const;
    const ok = await lastValueFrom(mockStream('{"n":2}').pipe(partialObject(json)));
    expect(ok).toMatchObject({ done: true, object: { n: 2 } });
    const zod = z.object({ n: z.number().transform((n) => n * 10) });
    const transformed = await lastValueFrom(mockStream('{"n":2}').pipe(partialObject(zod)));
    expect(transformed.object).toEqual({ n: 20 });
    expect(transformed.partial).toEqual({ n: 2 });
  });

  it('waits for an asynchronous schema before the last snapshot', async () => {
    const schema = z.object({ id: z.string() }).refine(async (v) => v.id !== 'bad', 'id must not be bad');
    const good = await lastValueFrom(mockStream('{"id":"ok"}').pipe(partialObject(schema)));
    expect(good).toMatchObject({ done: true, object: { id: 'ok' } });
    const error: unknown = await lastValueFrom(mockStream('{"id":"bad"}').pipe(partialObject(schema))).catch((e: unknown) => e);
    expect(isObjectValidationError(error)).toBe(true);
  });

  it('errors with an ObjectValidationError (an AgenticraftError) carrying issues, text and the partial response', async () => {
    const error: unknown = await lastValueFrom(mockStream('{"a":[1,2', { chunkSize: 3 }).pipe(partialObject())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectValidationError);
    expect(isAgenticraftError(error)).toBe(true);
    const e = error as ObjectValidationError;
    expect(e.name).toBe('ObjectValidationError');
    expect(e.text).toBe('{"a":[1,2');
    expect(e.issues).toEqual([{ message: expect.stringContaining('Unexpected end of JSON input'), path: [] }]);
    expect(e.partialResponse?.completeText).toBe('{"a":[1,2');
    expect(e.toJSON()).toMatchObject({ name: 'ObjectValidationError', textLength: 9, issues: e.issues });
  });

  it('refuses a schema that is not one at the call', () => {
    expect(() => partialObject('x' as never)).toThrow(TypeError);
    expect(() => partialObject(null as never)).toThrow(/partialObject: schema/);
    expect(() => arrayElements({ key: '' })).toThrow(/arrayElements: key/);
  });

  it('arrayElements: errors when there is no array where one was expected', async () => {
    const notArray: unknown = await lastValueFrom(mockStream('{"a":1}').pipe(arrayElements())).catch((e: unknown) => e);
    expect(notArray).toMatchObject({ name: 'ObjectValidationError', message: 'arrayElements: the value does not match the schema: Expected an array' });
    const noKey: unknown = await lastValueFrom(mockStream('{"a":[1]}').pipe(arrayElements({ key: 'items' }))).catch((e: unknown) => e);
    expect(isObjectValidationError(noKey)).toBe(true);
  });

  it('arrayElements: emits elements before the array is complete', async () => {
    const seen: string[] = [];
    const text = '[{"t":"a"},{"t":"b"},{"t":"c"}]';
    await lastValueFrom(
      mockStream(text, { chunkSize: 4 }).pipe(arrayElements({ schema: z.object({ t: z.string() }) }), toArray()),
    ).then((all) => all.forEach((e) => seen.push(`${e.index}:${e.element.t}`)));
    expect(seen).toEqual(['0:a', '1:b', '2:c']);
  });
});

describe('validateWithSchema', () => {
  it('reports JSON Schema issues with their paths, and never changes the caller’s schema', () => {
    const schema = Object.freeze({
      type: 'object',
      properties: Object.freeze({ items: Object.freeze({ type: 'array', items: Object.freeze({ type: 'number' }) }) }),
    });
    expect(validateWithSchema(schema, { items: [1, 'x'] })).toEqual({
      ok: false,
      issues: [{ message: 'Instance type "string" is invalid. Expected "number".', path: ['items', 1] }],
    });
    expect(validateWithSchema(schema, { items: [1] })).toEqual({ ok: true, value: { items: [1] } });
  });
});

describe("agent.streamObject 'auto' without a native mode", () => {
  it('asks for JSON in the instructions (mode json) and parses the content', async () => {
    const requests: ChatRequest[] = [];
    const provider: Provider = {
      name: 'custom',
      model: 'm',
      info: () => ({ provider: 'custom', model: 'm', supportsStreaming: true, supportsTools: false }),
      stream: (request) => {
        requests.push(request);
        return of(chunk('{"ok":'), chunk('true}'), finalChunk({ finishReason: 'stop' }));
      },
    };
    const agent = new Agent({ provider });
    const last = await lastValueFrom(agent.streamObject('x', { schema: z.object({ ok: z.boolean() }) }));
    expect(last).toMatchObject({ done: true, object: { ok: true } });
    expect(requests[0]!.responseFormat).toBeUndefined();
    expect(requests[0]!.messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('JSON Schema') });
  });
});

describe('ChatRequest.responseFormat', () => {
  it('is checked at provider.stream(request), naming the field', () => {
    const messages = [{ role: 'user' as const, content: 'x' }];
    const gpt = openai({ apiKey: 'sk-test' });
    expect(() => gpt.stream({ messages, responseFormat: { name: 'has space', schema: {} } })).toThrow(/request\.responseFormat\.name/);
    expect(() => gpt.stream({ messages, responseFormat: { name: 'ok', schema: [] as never } })).toThrow(/request\.responseFormat\.schema/);
    expect(() => ollama().stream({ messages, responseFormat: { name: 'ok', schema: {}, mode: 'xml' as 'tool' } })).toThrow(RangeError);
    expect(() => gpt.stream({ messages, responseFormat: { name: 'ok', schema: {}, strict: 'yes' as never } })).toThrow(/strict must be a boolean/);
  });
});

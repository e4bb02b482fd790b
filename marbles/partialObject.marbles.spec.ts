/*
 * partialObject(schema?) and arrayElements({ schema?, key? })
 *
 * #region diagram: partialObject/snapshots
 * source:   --a--b--c--F--|      a = '{"name":"Al', b = 'ice","tags":["x"', c = ']}', F = final
 * partialObject(schema)
 * result:   --x--y-----d--|      x = { name: 'Al' }, y = { name: 'Alice', tags: ['x'] } (c changes nothing),
 *                                d = done: true, object = the validated value
 * upstream: ^-------------!
 * #endregion
 *
 * #region diagram: partialObject/identity
 * source:   --a--b--c--F--|      a = '{"user":{"id":1},"bio":"He', b = 'llo', c = '","n":2}'
 * partialObject()
 * result:   --x--y--z--d--|      x.partial.user === y.partial.user === z.partial.user === d.partial.user
 * upstream: ^-------------!
 * #endregion
 *
 * #region diagram: partialObject/invalid
 * source:   --a--b--F--|         a = '{"n":', b = '1x}'
 * partialObject()
 * result:   --x--#               x = {}, # = ObjectValidationError (Unexpected "x" at position 6)
 * upstream: ^----!
 * #endregion
 *
 * #region diagram: partialObject/schema
 * source:   --a--F--|            a = '{"age":"old"}'
 * partialObject(z.object({ age: z.number() }))
 * result:   --x--#               x = { age: 'old' }, # = ObjectValidationError (issue at ['age'])
 * upstream: ^----!
 * #endregion
 *
 * #region diagram: partialObject/reset
 * source:   --a--R--b--F--|      a = '{"n":"x', R = reset, b = '{"n":"yz"}'
 * partialObject()
 * result:   --x-----y--d--|      x = { n: 'x' }, y = { n: 'yz' } (the new attempt only), d = done
 * upstream: ^-------------!
 * #endregion
 *
 * #region diagram: partialObject/elements
 * source:   --a--b--c--F--|      a = '[{"n":1},{"n"', b = ':2}', c = ',{"n":3}]', F = final
 * arrayElements({ schema })
 * result:   --x--y--z-----|      x = { index: 0, element: { n: 1 } }, y = 1: { n: 2 }, z = 2: { n: 3 }
 * upstream: ^-------------!
 * #endregion
 */
import { map, pairwise } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chunk, type StreamChunk } from '../src/chunk.js';
import { ObjectValidationError } from '../src/errors/ObjectValidationError.js';
import { arrayElements, partialObject, type ObjectSnapshot } from '../src/operators/partialObject.js';
import { partialOf, testScheduler } from './helpers.js';

const text = (content: string): StreamChunk => chunk(content, { timestamp: 0 });
const F = chunk('', { isFinal: true, metadata: { finishReason: 'stop' }, timestamp: 0 });
const R = chunk('', { metadata: { reset: true }, timestamp: 0 });

const snapshot = (partial: unknown, t: string): ObjectSnapshot<unknown> => ({ partial, done: false, text: t });
const done = (value: unknown, t: string): ObjectSnapshot<unknown> => ({ partial: value, done: true, object: value, text: t });

describe('partialObject', () => {
  it('emits a snapshot when the value changed, then the validated object', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = { a: text('{"name":"Al'), b: text('ice","tags":["x"'), c: text(']}'), F };
      const source = cold('--a--b--c--F--|', values);
      const Profile = z.object({ name: z.string(), tags: z.array(z.string()) });
      const all = '{"name":"Alice","tags":["x"]}';
      expectObservable(source.pipe(partialObject(Profile))).toBe('--x--y-----d--|', {
        x: snapshot({ name: 'Al' }, '{"name":"Al'),
        y: snapshot({ name: 'Alice', tags: ['x'] }, '{"name":"Alice","tags":["x"'),
        d: done({ name: 'Alice', tags: ['x'] }, all),
      });
      expectSubscriptions(source.subscriptions).toBe('^-------------!');
    });
  });

  it('keeps the identity of subtrees a chunk did not touch', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = { a: text('{"user":{"id":1},"bio":"He'), b: text('llo'), c: text('","n":2}'), F };
      const source = cold('--a--b--c--F--|', values);
      type Doc = { user: { id: number }; bio: string; n?: number };
      const result = source.pipe(
        partialObject<Doc>(),
        pairwise(),
        map(([previous, next]) => ({
          sameUser: previous.partial.user === next.partial.user,
          newRoot: previous.partial !== next.partial,
          bio: next.partial.bio,
        })),
      );
      expectObservable(result).toBe('-----y--z--d--|', {
        y: { sameUser: true, newRoot: true, bio: 'Hello' },
        z: { sameUser: true, newRoot: true, bio: 'Hello' },
        d: { sameUser: true, newRoot: false, bio: 'Hello' },
      });
      expectSubscriptions(source.subscriptions).toBe('^-------------!');
    });
  });

  it('errors with ObjectValidationError at the first character that is not JSON', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = { a: text('{"n":'), b: text('1x}'), F };
      const source = cold('--a--b--F--|', values);
      const message = `partialObject: the text is not valid JSON: Unexpected "x" in JSON at position 6: expected ',' or '}'`;
      const error = new ObjectValidationError(message, { issues: [], text: '{"n":1x}', partialResponse: partialOf(values, 'a', 'b') });
      expectObservable(source.pipe(partialObject())).toBe('--x--#', { x: snapshot({}, '{"n":') }, error);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('errors with the schema issues when the complete value fails the schema', () => {
    const issues: unknown[] = [];
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = { a: text('{"age":"old"}'), F };
      const source = cold('--a--F--|', values);
      const schema = z.object({ age: z.number() });
      const expected = schema.safeParse({ age: 'old' }).error!.issues[0]!.message;
      const error = new ObjectValidationError(`partialObject: the value does not match the schema: age: ${expected}`, {
        issues: [],
        text: '{"age":"old"}',
        partialResponse: partialOf(values, 'a', 'F'),
      });
      const result = source.pipe(partialObject(schema));
      result.subscribe({ error: (e: ObjectValidationError) => issues.push(...e.issues) });
      expectObservable(result).toBe('--x--#', { x: snapshot({ age: 'old' }, '{"age":"old"}') }, error);
      expectSubscriptions(source.subscriptions).toBe(['^----!', '^----!']);
    });
    expect(issues).toEqual([{ message: expect.any(String), path: ['age'] }]);
  });

  it('starts over at a reset chunk: nothing of the earlier attempt is kept', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = { a: text('{"n":"x'), R, b: text('{"n":"yz"}'), F };
      const source = cold('--a--R--b--F--|', values);
      expectObservable(source.pipe(partialObject())).toBe('--x-----y--d--|', {
        x: snapshot({ n: 'x' }, '{"n":"x'),
        y: snapshot({ n: 'yz' }, '{"n":"yz"}'),
        d: done({ n: 'yz' }, '{"n":"yz"}'),
      });
      expectSubscriptions(source.subscriptions).toBe('^-------------!');
    });
  });

  it('ends the value at completion when no final chunk came', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('--a--b|', { a: text('[1,'), b: text('2]') });
      expectObservable(source.pipe(partialObject())).toBe('--x--y(d|)', {
        x: snapshot([1], '[1,'),
        y: snapshot([1, 2], '[1,2]'),
        d: done([1, 2], '[1,2]'),
      });
    });
  });

  it('errors when the text ends before the value, naming a token limit', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const L = chunk('', { isFinal: true, metadata: { finishReason: 'length' }, timestamp: 0 });
      const values = { a: text('{"n":[1'), L };
      const source = cold('--a--L--|', values);
      const message =
        "partialObject: the text is not valid JSON: Unexpected end of JSON input at position 7: the JSON value is incomplete (the model stopped at its token limit: finishReason 'length')";
      const error = new ObjectValidationError(message, { issues: [], text: '{"n":[1', partialResponse: partialOf(values, 'a', 'L') });
      expectObservable(source.pipe(partialObject())).toBe('--x--#', { x: snapshot({ n: [] }, '{"n":[1') }, error);
    });
  });

  it('unsubscribes upstream when unsubscribed mid-value', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--F--|', { a: text('{"n":"x'), b: text('y"}'), F });
      expectObservable(source.pipe(partialObject()), '^---!').toBe('--x-', { x: snapshot({ n: 'x' }, '{"n":"x') });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('passes upstream errors on unchanged', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const failure = new Error('socket closed');
      const source = cold('--a--#', { a: text('{"n":1') }, failure);
      expectObservable(source.pipe(partialObject())).toBe('--x--#', { x: snapshot({}, '{"n":1') }, failure);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('errors with a TypeError naming partialObject for a value that is not a chunk', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('--a--|', { a: 'not a chunk' as unknown as StreamChunk });
      const error = new TypeError(
        'partialObject: expected a StreamChunk ({ content: string, metadata: object, isFinal: boolean }), got a string of 11 characters',
      );
      expectObservable(source.pipe(partialObject())).toBe('--#', undefined, error);
    });
  });
});

describe('arrayElements', () => {
  it('emits each element of the array as it closes, validated', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = { a: text('[{"n":1},{"n"'), b: text(':2}'), c: text(',{"n":3}]'), F };
      const source = cold('--a--b--c--F--|', values);
      expectObservable(source.pipe(arrayElements({ schema: z.object({ n: z.number() }) }))).toBe('--x--y--z-----|', {
        x: { index: 0, element: { n: 1 } },
        y: { index: 1, element: { n: 2 } },
        z: { index: 2, element: { n: 3 } },
      });
      expectSubscriptions(source.subscriptions).toBe('^-------------!');
    });
  });

  it('reads the array in a property of the root object, and starts again at index 0 after a reset', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { a: text('{"title":"t","items":["p",'), R, b: text('{"items":["q","r"]}'), F };
      const source = cold('--a--R--b--F--|', values);
      expectObservable(source.pipe(arrayElements({ key: 'items' }))).toBe('--x-----(yz)--|', {
        x: { index: 0, element: 'p' },
        y: { index: 0, element: 'q' },
        z: { index: 1, element: 'r' },
      });
    });
  });

  it('errors at the first element that fails the schema, its index in the path', () => {
    const paths: unknown[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { a: text('[1,"two",3]'), F };
      const source = cold('--a--F--|', values);
      const schema = { type: 'number' } as const;
      const result = source.pipe(arrayElements({ schema }));
      result.subscribe({ error: (e: ObjectValidationError) => paths.push(...e.issues.map((i) => i.path)) });
      const error = new ObjectValidationError('arrayElements: the value does not match the schema: 1: Instance type "string" is invalid. Expected "number".', {
        issues: [],
        text: '[1,"two",3]',
        partialResponse: partialOf(values, 'a'),
      });
      expectObservable(result).toBe('--(x#)', { x: { index: 0, element: 1 } }, error);
    });
    expect(paths).toEqual([[1]]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeObjects } from '../src/mergeObjects.js';

describe('mergeObjects (the spread, fast on Node 20)', () => {
  it('is { ...a, ...b, ...c }: own keys, later sources win, undefined skipped, inputs untouched', () => {
    const a = Object.freeze({ x: 1, y: 2 });
    const b = { y: 3, z: [4] };
    const merged = mergeObjects(a, b, { w: 5 });
    expect(merged).toStrictEqual({ x: 1, y: 3, z: [4], w: 5 });
    expect(Object.keys(merged)).toEqual(['x', 'y', 'z', 'w']);
    expect(merged.z).toBe(b.z);
    expect(b).toStrictEqual({ y: 3, z: [4] });
    expect(mergeObjects(undefined, { k: 1 })).toStrictEqual({ k: 1 });
    expect(mergeObjects({ k: 1 }, undefined)).toStrictEqual({ k: 1 });
    expect(Object.isFrozen(mergeObjects(a, undefined))).toBe(false);
  });

  it('copies a parsed "__proto__" key as a plain key and keeps Object.prototype (Object.assign would not)', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const merged = mergeObjects(parsed, { b: 2 });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect((merged as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.stringify(merged)).toBe('{"__proto__":{"polluted":true},"a":1,"b":2}');
    const assigned = Object.assign({}, parsed, { b: 2 }) as Record<string, unknown>;
    expect(assigned['polluted']).toBe(true); // what the spread → Object.assign rewrite would have done
  });

  it('equals the spread for any plain objects', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), (a, b) => {
        const merged = mergeObjects(a, b);
        expect(merged).toStrictEqual({ ...a, ...b });
        expect(Object.keys(merged)).toEqual(Object.keys({ ...a, ...b }));
      }),
    );
  });
});

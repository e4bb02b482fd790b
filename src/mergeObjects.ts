/**
 * `{ ...a, ...b, ...c }` with the same meaning — own enumerable keys, later sources win, `null`/`undefined`
 * sources skipped, an own `"__proto__"` key (from `JSON.parse`) copied as a plain key — but always built
 * on the engine's fast path.
 *
 * A literal that starts with a spread of an object that is not frozen and then adds keys is built on a slow
 * path. A literal that starts with a plain property is not, and `__proto__: Object.prototype` is such a
 * property that adds no key (it sets the prototype every object literal has anyway). `Object.assign` would
 * be as fast but not the same: it sets through the `__proto__` setter, so a parsed `"__proto__"` key would
 * replace the result's prototype. The measurements are in docs/bench.md ("Why the hot paths look the way they do").
 */
export function mergeObjects<A extends object, B extends object>(a: A | undefined, b: B | undefined): A & B;
export function mergeObjects<A extends object, B extends object, C extends object>(a: A | undefined, b: B | undefined, c: C | undefined): A & B & C;
export function mergeObjects(a: object | undefined, b: object | undefined, c?: object): object {
  return { __proto__: Object.prototype, ...a, ...b, ...c };
}

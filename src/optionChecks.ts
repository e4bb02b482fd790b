/** Option checks: each throws at the call that passed the bad value, naming the option. */

export function assertPositiveInteger(option: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${option} must be a positive integer, got ${describe(value)}`);
  }
  if (value <= 0) throw new RangeError(`${option} must be a positive integer, got ${value}`);
}

export function assertNonNegativeInteger(option: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${option} must be a non-negative integer, got ${describe(value)}`);
  }
  if (value < 0) throw new RangeError(`${option} must be a non-negative integer, got ${value}`);
}

/** A duration in ms: finite and > 0. */
export function assertPositiveNumber(option: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${option} must be a positive number, got ${describe(value)}`);
  }
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${option} must be a positive finite number, got ${value}`);
}

/**
 * An optional limit in ms: > 0, any finite value or `Infinity` ("no limit"). Waits longer than a timer can
 * hold are split into steps (see longTimers.ts), so every finite value is honoured.
 */
export function assertLimit(option: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${option} must be a positive number of ms (or Infinity for no limit), got ${describe(value)}`);
  }
  if (!(value > 0)) throw new RangeError(`${option} must be a positive number of ms (or Infinity for no limit), got ${value}`);
}

/** A duration in ms: finite and >= 0. */
export function assertNonNegativeNumber(option: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${option} must be a non-negative number, got ${describe(value)}`);
  }
  if (value < 0 || !Number.isFinite(value)) throw new RangeError(`${option} must be a non-negative finite number, got ${value}`);
}

export function assertOneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new RangeError(`${option} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
}

export function assertFunction(option: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(`${option} must be a function, got ${describe(value)}`);
}

export function assertObject(option: string, value: unknown): asserts value is object {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${option} must be an object, got ${describe(value)}`);
}

/** An `AbortSignal` (or any object with its `aborted` flag and `addEventListener`), else a TypeError naming `option`. */
export function assertAbortSignal(option: string, value: unknown): asserts value is AbortSignal {
  if (typeof value !== 'object' || value === null || typeof (value as AbortSignal).aborted !== 'boolean' || typeof (value as AbortSignal).addEventListener !== 'function') {
    throw new TypeError(`${option} must be an AbortSignal`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
  return typeof value;
}

/** A `SchedulerLike`: an object with `now()` and `schedule()`. */
export function assertScheduler(option: string, value: unknown): asserts value is import('rxjs').SchedulerLike {
  const s = value as { now?: unknown; schedule?: unknown } | null;
  if (typeof s !== 'object' || s === null || typeof s.now !== 'function' || typeof s.schedule !== 'function') {
    throw new TypeError(`${option} must be an RxJS scheduler (with now() and schedule()), got ${describe(value)}`);
  }
}

/** Each option in `keys`, when given, is a string with more than whitespace in it. */
export function assertNonEmptyStrings<T extends object>(prefix: string, options: T, keys: readonly (keyof T & string)[]): void {
  for (const key of keys) {
    const value: unknown = options[key];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      throw new TypeError(`${prefix}: ${key} must be a non-empty string, got ${typeof value === 'string' ? '""' : describe(value)}`);
    }
  }
}

import { UsageError } from './usageError.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?$/i;

/**
 * Parses a duration flag's value into ms: `500ms`, `30s`, `1.5s`, `2m`, `1h`; a bare number is ms.
 * The result is a positive whole number of ms.
 *
 * ```ts
 * parseDuration('--timeout', '30s'); // 30000
 * parseDuration('--idle-timeout', '750'); // 750
 * parseDuration('--timeout', 'soon'); // throws UsageError: --timeout: "soon" is not a duration (use 500ms, 30s, 2m, or ms)
 * ```
 *
 * @param flag The flag the value belongs to, named in the error.
 * @param value The text after the flag (a number when the argument parser already read it as one).
 * @throws {UsageError} for anything that is not a positive duration.
 */
export function parseDuration(flag: string, value: string | number): number {
  const text = String(value).trim();
  const match = DURATION.exec(text);
  if (match === null) {
    throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a duration (use 500ms, 30s, 2m, or a number of ms)`);
  }
  const ms = Math.round(Number(match[1]) * UNIT_MS[(match[2] ?? 'ms').toLowerCase()]!);
  if (!(ms > 0) || !Number.isSafeInteger(ms)) {
    throw new UsageError(`${flag}: ${JSON.stringify(text)} must be a positive duration of at least 1ms`);
  }
  return ms;
}

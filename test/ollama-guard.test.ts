/**
 * The Ollama NDJSON guard (the SDK skips malformed lines silently; the guard fails the stream at the first
 * one) for any body and any way the network splits it: lines spanning reads, reads without a newline,
 * multi-byte characters cut in half, blank lines, a trailing fragment.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isProviderError } from '../src/errors/ProviderError.js';
import { ndjsonGuard } from '../src/providers/ndjsonGuard.js';

type Line = { readonly kind: 'json'; readonly text: string } | { readonly kind: 'blank'; readonly text: string } | { readonly kind: 'bad'; readonly text: string };

const word = fc.string({ unit: fc.constantFrom('a', 'z', ' ', 'é', '😀', '\\n', '"'), maxLength: 6 });
const line: fc.Arbitrary<Line> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(word, fc.constantFrom('', ' ', '\r', ' \t')).map(([w, pad]) => ({ kind: 'json' as const, text: `${pad}${JSON.stringify({ w })}${pad}` })) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\r', '\t ').map((text) => ({ kind: 'blank' as const, text })) },
  { weight: 1, arbitrary: fc.constantFrom('oops', '{"w":1', '[1,2', 'é') .map((text) => ({ kind: 'bad' as const, text })) },
);

const body = fc.record({
  lines: fc.array(line, { maxLength: 12 }),
  /** An unterminated last line: JSON (kept), or a cut-off fragment (dropped). */
  trailing: fc.option(fc.constantFrom('{"w":"end"}', '{"w":"cut', 'x'), { nil: undefined }),
  cuts: fc.array(fc.nat(), { maxLength: 8 }),
});

function readable(pieces: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < pieces.length) controller.enqueue(pieces[i++]!);
      else controller.close();
    },
  });
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; error?: unknown }> {
  const out: number[] = [];
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: Uint8Array.from(out) };
      out.push(...value);
    }
  } catch (error) {
    return { bytes: Uint8Array.from(out), error };
  }
}

describe('ndjsonGuard', () => {
  it('passes every line before the first malformed one byte for byte, then fails; otherwise passes the body', async () => {
    await fc.assert(
      fc.asyncProperty(body, async ({ lines, trailing, cuts }) => {
        const text = lines.map((l) => `${l.text}\n`).join('') + (trailing ?? '');
        const encoded = new TextEncoder().encode(text);
        const points = [...new Set(cuts.map((c) => c % (encoded.length + 1)))].sort((a, b) => a - b);
        const pieces: Uint8Array[] = [];
        let at = 0;
        for (const p of [...points, encoded.length]) {
          if (p > at) pieces.push(encoded.slice(at, p));
          at = p;
        }

        const seen: { lines?: number } = {};
        const { bytes, error } = await drain(ndjsonGuard(readable(pieces), seen, 'ollama'));

        const bad = lines.findIndex((l) => l.kind === 'bad');
        const before = bad === -1 ? lines : lines.slice(0, bad);
        let expected = before.map((l) => `${l.text}\n`).join('');
        if (bad === -1 && trailing === '{"w":"end"}') expected += trailing;
        expect(new TextDecoder().decode(bytes)).toBe(expected);
        const jsonLines = before.filter((l) => l.kind === 'json').length + (bad === -1 && trailing === '{"w":"end"}' ? 1 : 0);
        expect(seen.lines ?? 0).toBe(jsonLines);
        if (bad === -1) {
          expect(error).toBeUndefined();
        } else {
          expect(isProviderError(error) && error.code === 'malformed_response').toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('keeps a line longer than several reads whole', async () => {
    const long = JSON.stringify({ w: 'x'.repeat(50) });
    const encoded = new TextEncoder().encode(`${long}\n{"w":1}\n`);
    const pieces = [encoded.slice(0, 10), encoded.slice(10, 20), encoded.slice(20, 30), encoded.slice(30)];
    const seen: { lines?: number } = {};
    const { bytes, error } = await drain(ndjsonGuard(readable(pieces), seen, 'ollama'));
    expect(error).toBeUndefined();
    expect(new TextDecoder().decode(bytes)).toBe(`${long}\n{"w":1}\n`);
    expect(seen.lines).toBe(2);
  });
});

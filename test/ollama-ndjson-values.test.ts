/**
 * The Ollama provider's NDJSON parser (`NdjsonParser`: one parse per line, in place of the guard in front of
 * the SDK's own parser) for any body and any way the network splits it: the same values the SDK would yield
 * behind the guard, the same failure at the first malformed line, a cut-off trailing fragment dropped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProviderError, isProviderError } from '../src/errors/ProviderError.js';
import { NdjsonParser } from '../src/providers/ndjson.js';

type Line = { readonly kind: 'json' | 'blank' | 'bad'; readonly text: string };

const word = fc.string({ unit: fc.constantFrom('a', 'z', ' ', 'é', '😀', '\\n', '"'), maxLength: 6 });
const line: fc.Arbitrary<Line> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(word, fc.constantFrom('', ' ', '\r', ' \t')).map(([w, pad]) => ({ kind: 'json' as const, text: `${pad}${JSON.stringify({ w })}${pad}` })) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\r', '\t ').map((text) => ({ kind: 'blank' as const, text })) },
  { weight: 1, arbitrary: fc.constantFrom('oops', '{"w":1', '[1,2', 'é', '{"w":1}x').map((text) => ({ kind: 'bad' as const, text })) },
);
const body = fc.record({
  lines: fc.array(line, { maxLength: 12 }),
  trailing: fc.option(fc.constantFrom('{"w":"end"}', '{"w":"cut', 'x', ' '), { nil: undefined }),
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

function split(text: string, cuts: readonly number[]): Uint8Array[] {
  const encoded = new TextEncoder().encode(text);
  const points = [...new Set(cuts.map((c) => c % (encoded.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, encoded.length]) {
    if (p > at) pieces.push(encoded.slice(at, p));
    at = p;
  }
  return pieces;
}

async function read(stream: ReadableStream<Uint8Array>, notAStream?: (head: string) => ProviderError): Promise<{ values: unknown[]; error?: unknown }> {
  // Driven as the provider's reader drives it: each read pushed, then the end; the values before a failure kept.
  const parser = new NdjsonParser('ollama', notAStream);
  const values: unknown[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    const error = done ? parser.end(values) : parser.push(value, values);
    if (error !== undefined) return { values, error };
    if (done) return { values };
  }
}

describe('NdjsonParser', () => {
  it('yields each line before the first malformed one, parsed, then fails; a cut-off trailing fragment is dropped', async () => {
    await fc.assert(
      fc.asyncProperty(body, async ({ lines, trailing, cuts }) => {
        const text = lines.map((l) => `${l.text}\n`).join('') + (trailing ?? '');
        const { values, error } = await read(readable(split(text, cuts)));
        const bad = lines.findIndex((l) => l.kind === 'bad');
        const before = bad === -1 ? lines : lines.slice(0, bad);
        const expected: unknown[] = before.filter((l) => l.kind === 'json').map((l) => JSON.parse(l.text));
        if (bad === -1 && trailing === '{"w":"end"}') expected.push({ w: 'end' });
        expect(values).toEqual(expected);
        if (bad === -1) expect(error).toBeUndefined();
        else expect(isProviderError(error) && error.code === 'malformed_response').toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('a body whose first line is not JSON is no stream at all: notAStream names what arrived, also for an unterminated one', async () => {
    const notAStream = (head: string): ProviderError => new ProviderError(`not a stream: ${head}`, { provider: 'ollama', code: 'not_a_stream', retryable: false });
    for (const text of ['<html>\n<body>oops</body>\n', '<html><body>oops</body>', ' \n\r\nplain text\n{"w":1}\n']) {
      const { values, error } = await read(readable(split(text, [3, 9])), notAStream);
      expect(values).toEqual([]);
      expect(error).toMatchObject({ code: 'not_a_stream' });
      expect((error as Error).message).toContain(text.trim().slice(0, 6));
    }
    // After a JSON line, a bad line is malformed, not "no stream".
    const after = await read(readable(split('{"w":1}\n<html>\n', [])), notAStream);
    expect(after.values).toEqual([{ w: 1 }]);
    expect(after.error).toMatchObject({ code: 'malformed_response' });
  });

  it('keeps a line longer than many reads whole, and multi-byte characters cut between reads', async () => {
    const long = JSON.stringify({ w: 'é😀'.repeat(200) });
    const text = `${long}\n{"w":1}\n`;
    const cuts = Array.from({ length: 40 }, (_, i) => i * 17 + 1);
    const { values, error } = await read(readable(split(text, cuts)));
    expect(error).toBeUndefined();
    expect(values).toEqual([JSON.parse(long), { w: 1 }]);
  });
});

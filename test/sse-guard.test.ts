/**
 * sseGuard (src/providers/streamGuard.ts), the check an SSE provider's 200 body goes through before its SDK
 * reads it: an event stream passes byte for byte however it is split, anything else fails with its first
 * bytes quoted, and only the first bytes are ever decoded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sseGuard } from '../src/providers/streamGuard.js';

const encoder = new TextEncoder();

/** `bytes` as a body delivered in reads cut at `cuts` (sorted offsets). */
function body(bytes: Uint8Array, cuts: readonly number[]): ReadableStream<Uint8Array> {
  const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) pieces.push(bytes.slice(from, p));
    from = Math.max(from, p);
  }
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = pieces.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; error?: Error }> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
    }
  } catch (error) {
    return { bytes: Buffer.concat(parts), error: error as Error };
  }
  return { bytes: Buffer.concat(parts) };
}

const notAStream = (head: string): Error => new Error(`not a stream: ${head}`);

describe('sseGuard', () => {
  it('passes an event stream through byte for byte, split at any bytes', async () => {
    const prefix = fc.constantFrom('', '\uFEFF', '\n', '  \r\n', ': keep-alive\n\n');
    const field = fc.constantFrom('data: {"a":"é✓"}\n\n', 'event: ping\ndata: {}\n\n', 'id: 7\n', 'retry: 10\n', 'data\n\n');
    await fc.assert(
      fc.asyncProperty(prefix, fc.array(field, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(2_000), { maxLength: 12 }), async (p, fields, cuts) => {
        const bytes = encoder.encode(p + fields.join(''));
        const out = await readAll(sseGuard(body(bytes, cuts), notAStream));
        expect(out.error).toBeUndefined();
        expect(Buffer.from(out.bytes).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('fails a body that is no event stream, quoting its first bytes, however it is split', async () => {
    const page = fc.constantFrom('<!doctype html><html><body>Sign in</body></html>', '{"error":{"message":"wrong endpoint"}}', 'Service Unavailable');
    await fc.assert(
      fc.asyncProperty(page, fc.array(fc.nat(60), { maxLength: 6 }), async (text, cuts) => {
        const out = await readAll(sseGuard(body(encoder.encode(text), cuts), notAStream));
        expect(out.error?.message).toBe(`not a stream: ${text}`);
        expect(out.bytes.length).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('a large first read passes whole; a large page is quoted by its first 256 bytes only', async () => {
    const events = 'data: {"delta":"word"}\n\n'.repeat(5_000);
    const passed = await readAll(sseGuard(body(encoder.encode(events), []), notAStream));
    expect(Buffer.from(passed.bytes).toString()).toBe(events);

    const html = `<html>${'x'.repeat(100_000)}</html>`;
    const failed = await readAll(sseGuard(body(encoder.encode(html), []), notAStream));
    expect(failed.error?.message).toBe(`not a stream: ${html.slice(0, 256)}`);
  });

  it('a field name cut at the 256th byte after blanks still decides (no waiting for the end)', async () => {
    const text = `${' '.repeat(252)}data: {"x":1}\n\n`;
    const out = await readAll(sseGuard(body(encoder.encode(text), [256]), notAStream));
    expect(out.error).toBeUndefined();
    expect(Buffer.from(out.bytes).toString()).toBe(text);
  });

  it('an empty body passes (the SDK reports it as incomplete)', async () => {
    const out = await readAll(sseGuard(body(new Uint8Array(0), []), notAStream));
    expect(out.error).toBeUndefined();
    expect(out.bytes.length).toBe(0);
  });
});

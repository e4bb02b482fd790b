/**
 * The SSE body reader our OpenAI and Anthropic providers use in place of their SDKs' `Stream`
 * (src/providers/sseBody.ts). Its events must be the SDK's, for any body split at any byte: checked against
 * the SDK's own SSE decoder (`_iterSSEMessages`, exported from `openai/streaming`) and against the spec
 * parser of the serving layer (`interop/sseParser.ts`, which also knows lone CRs and the BOM). The providers
 * over it are checked end to end by the provider tests (recorded transcripts); here are the event mappings
 * the transcripts do not reach.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { _iterSSEMessages } from 'openai/streaming';
import { SseEventParser, sseEvents } from '../src/providers/sseBody.js';
import { SseParser } from '../src/interop/sseParser.js';
import { ProviderError } from '../src/errors/ProviderError.js';
import { ANTHROPIC_START, OPENAI_DONE, anthropicEvent, anthropicStop, openaiEvent, providerFor, type ProviderName } from './helpers/providerWire.js';
import { readWire, sse, useWireServer, type Reply } from './helpers/wireServer.js';
import { sleep } from './helpers/streams.js';
import { collect, failure } from './helpers/streams.js';

const encoder = new TextEncoder();

interface EventSpec {
  readonly event?: string;
  readonly data: readonly string[];
  /** Lines before the data: comments, `id:`, `retry:`, unknown fields. */
  readonly noise: readonly string[];
  /** "data:x" rather than "data: x". */
  readonly tight: boolean;
}

const text = fc.array(fc.constantFrom('a', 'b', ' ', ':', '{', '"', 'é', '日', '😀', '[DONE]', 'data: '), { maxLength: 6 }).map((cs) => cs.join(''));
const eventSpec: fc.Arbitrary<EventSpec> = fc.record({
  event: fc.option(fc.constantFrom('message_start', 'content_block_delta', 'error', 'ping', 'x y'), { nil: undefined }),
  data: fc.array(text, { minLength: 1, maxLength: 3 }),
  noise: fc.array(fc.constantFrom(': keep-alive', 'id: 7', 'retry: 100', 'unknown: field', 'event', ':'), { maxLength: 2 }),
  tight: fc.boolean(),
});

function serialize(events: readonly EventSpec[], endings: readonly string[]): string {
  let out = '';
  let i = 0;
  const line = (l: string): void => {
    out += l + endings[i++ % endings.length]!;
  };
  for (const e of events) {
    for (const n of e.noise) line(n);
    if (e.event !== undefined) line(`event: ${e.event}`);
    for (const d of e.data) line(e.tight ? `data:${d}` : `data: ${d}`);
    line('');
  }
  return out;
}

/** `bytes` cut at the given offsets (sorted, deduplicated, inside the array). */
function pieces(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    if (c > from) out.push(bytes.subarray(from, c));
    from = Math.max(from, c);
  }
  return out;
}

function ours(parts: readonly Uint8Array[]): [string | null, string][] {
  const seen: [string | null, string][] = [];
  const parser = new SseEventParser((event, data) => {
    seen.push([event, data]);
    return true;
  });
  for (const p of parts) parser.push(p);
  parser.end();
  return seen;
}

async function sdks(parts: readonly Uint8Array[]): Promise<[string | null, string][]> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of parts) controller.enqueue(p);
      controller.close();
    },
  });
  const seen: [string | null, string][] = [];
  for await (const message of _iterSSEMessages(new Response(body), new AbortController())) seen.push([message.event, message.data]);
  return seen;
}

function spec(parts: readonly Uint8Array[]): [string | null, string][] {
  const seen: [string | null, string][] = [];
  const parser = new SseParser((e) => seen.push([e.type === 'message' ? null : e.type, e.data]));
  for (const p of parts) parser.push(p);
  parser.end();
  return seen;
}

describe('SseEventParser', () => {
  it("yields the SDK's own events for any stream split at any byte (LF and CRLF lines)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventSpec, { maxLength: 6 }),
        fc.array(fc.constantFrom('\n', '\r\n'), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (events, endings, cuts) => {
          const parts = pieces(encoder.encode(serialize(events, endings)), cuts);
          expect(ours(parts)).toEqual(await sdks(parts));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('yields what the spec parser dispatches, lone CRs and a leading BOM included', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(eventSpec, { maxLength: 6 }),
        fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (bom, events, endings, cuts) => {
          const parts = pieces(encoder.encode((bom ? '\uFEFF' : '') + serialize(events, endings)), cuts);
          // The spec's type for an empty `event` field is 'message', as for none; the SDKs keep ''.
          expect(ours(parts).map(([event, data]) => [event === '' ? null : event, data])).toEqual(spec(parts));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a CR at the end of one read and its LF at the start of the next end one line', () => {
    expect(ours([encoder.encode('data: a\r'), encoder.encode('\ndata: b\r'), encoder.encode('\n\r\n')])).toEqual([[null, 'a\nb']]);
  });

  it('discards an event the body leaves unterminated', () => {
    expect(ours([encoder.encode('data: 1\n\ndata: 2\n')])).toEqual([[null, '1']]);
  });

  it('stops at the event its consumer refuses: nothing after it is parsed', () => {
    const seen: string[] = [];
    const parser = new SseEventParser((_, data) => {
      seen.push(data);
      return data !== 'stop';
    });
    expect(parser.push(encoder.encode('data: a\n\ndata: stop\n\ndata: never\n\n'))).toBe(false);
    expect(seen).toEqual(['a', 'stop']);
  });

  it('a line longer than many reads is searched only where it grew', () => {
    const long = 'x'.repeat(200_000);
    const bytes = encoder.encode(`data: ${long}\n\n`);
    expect(ours(pieces(bytes, Array.from({ length: 400 }, (_, i) => i * 512)))).toEqual([[null, long]]);
  });
});

describe('sseEvents', () => {
  const pumped = async (response: Response): Promise<unknown[]> => {
    const seen: unknown[] = [];
    await sseEvents('openai', response, (event, data) => (event === 'skip' ? undefined : data)).pump((e) => (seen.push(e), true));
    return seen;
  };

  it('a 200 without a body reads as an empty stream', async () => {
    expect(await pumped(new Response(null, { status: 200 }))).toEqual([]);
  });

  it('skips what the mapper returns undefined for', async () => {
    const body = 'event: skip\ndata: 1\n\ndata: 2\n\n';
    expect(await pumped(new Response(body, { headers: { 'content-type': 'text/event-stream' } }))).toEqual(['2']);
  });

  it('a body that is not labelled an event stream is sniffed: an HTML page is not_a_stream', async () => {
    const error = await pumped(new Response('<html>login</html>', { headers: { 'content-type': 'text/html' } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'not_a_stream', retryable: false });
  });

  it('an unlabelled body that begins an event stream is read', async () => {
    expect(await pumped(new Response('data: 1\n\n'))).toEqual(['1']);
  });
});

describe('the OpenAI event mapping (what the SDK Stream did, kept)', () => {
  const server = useWireServer();
  const gpt = () => providerFor('openai', server, 'sse-body-key');
  const request = { messages: [{ role: 'user' as const, content: 'Hi' }] };

  it('ignores anything after [DONE]', async () => {
    server.enqueue(sse([openaiEvent({ content: 'Hi' }, 'stop'), OPENAI_DONE, 'data: not json\n\n']));
    const { chunks, error } = await collect(gpt().stream(request));
    expect(error).toBeUndefined();
    expect(chunks.map((c) => c.content).join('')).toBe('Hi');
  });

  it('ends at [DONE] even when the server keeps the response open after it', async () => {
    const events = [openaiEvent({ content: 'Hi' }), openaiEvent({}, 'stop'), OPENAI_DONE];
    server.enqueue(sse(events, { stallAfter: events.length }));
    const { chunks, error, completed } = await collect(gpt().stream(request));
    expect(error).toBeUndefined();
    expect(completed).toBe(true);
    expect(chunks.map((c) => c.content).join('')).toBe('Hi');
    expect(chunks.at(-1)?.metadata.finishReason).toBe('stop');
  });

  it('anthropic: ends at message_stop even when the server keeps the response open after it', async () => {
    const events = [
      ANTHROPIC_START,
      anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } }),
      ...anthropicStop('end_turn'),
    ];
    server.enqueue(sse(events, { stallAfter: events.length }));
    const { chunks, error, completed } = await collect(providerFor('anthropic', server, 'sse-body-key').stream(request));
    expect(error).toBeUndefined();
    expect(completed).toBe(true);
    expect(chunks.map((c) => c.content).join('')).toBe('Hi');
    expect(chunks.at(-1)?.isFinal).toBe(true);
  });

  it('skips Assistants thread.* events', async () => {
    server.enqueue(sse(['event: thread.run.created\ndata: {"id":"run_1"}\n\n', openaiEvent({ content: 'Hi' }, 'stop'), OPENAI_DONE]));
    const { chunks, error } = await collect(gpt().stream(request));
    expect(error).toBeUndefined();
    expect(chunks.at(-1)?.metadata.finishReason).toBe('stop');
  });

  it('an `event: error` without an error field fails the stream with its body, keeping what came before', async () => {
    server.enqueue(sse([openaiEvent({ content: 'Part' }), 'event: error\ndata: {"message":"upstream overloaded","code":"server_error"}\n\n']));
    const { chunks, error } = await failure(gpt().stream(request));
    expect(chunks.map((c) => c.content).join('')).toBe('Part');
    expect(error.message).toContain('upstream overloaded');
    expect(error).toMatchObject({ code: 'server_error', retryable: true });
    expect(error.partialResponse?.completeText).toBe('Part');
  });

  it('malformed JSON in an event is a malformed_response, not retryable', async () => {
    server.enqueue(sse([openaiEvent({ content: 'Part' }), 'data: {"choices": [\n\n']));
    const { error } = await failure(gpt().stream(request));
    expect(error).toMatchObject({ code: 'malformed_response', retryable: false });
  });
});

describe('the recorded transcripts, cut at any byte on the wire', () => {
  const server = useWireServer();
  const request = { messages: [{ role: 'user' as const, content: 'Hi' }] };
  /** The transcript's bytes written in pieces cut at `cuts` (inside UTF-8 characters too), 1 ms apart. */
  const cutReply = (bytes: Uint8Array, cuts: readonly number[]): Reply => async (_req, res, recorded) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    for (const piece of pieces(bytes, cuts)) {
      await sleep(1);
      res.write(piece);
    }
    res.end();
    recorded.finished = true;
  };
  const view = (chunks: readonly { content: string; isFinal: boolean; metadata: object }[]) => chunks.map((c) => ({ content: c.content, isFinal: c.isFinal, metadata: c.metadata }));

  const cases: [ProviderName, string][] = [
    ['openai', 'openai-text.sse'],
    ['openai', 'openai-tools.sse'],
    ['anthropic', 'anthropic-text.sse'],
    ['anthropic', 'anthropic-tools.sse'],
  ];
  it.each(cases)('%s %s: the same chunks as the body written whole', async (name, file) => {
    const bytes = encoder.encode(readWire(file));
    server.enqueue(sse(file));
    const whole = await collect(providerFor(name, server, 'cut-key').stream(request));
    expect(whole.error).toBeUndefined();
    expect(whole.chunks.length).toBeGreaterThan(2);
    expect(whole.chunks.at(-1)?.isFinal).toBe(true);
    // Three fixed sets of cuts: every 7th byte, every 13th shifted, and a cut on every byte of the first 64.
    const cutSets = [
      Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => i * 7),
      Array.from({ length: Math.ceil(bytes.length / 13) }, (_, i) => i * 13 + 5),
      Array.from({ length: 64 }, (_, i) => i + 1),
    ];
    for (const cuts of cutSets) {
      server.enqueue(cutReply(bytes, cuts));
      const cut = await collect(providerFor(name, server, 'cut-key').stream(request));
      expect(cut.error).toBeUndefined();
      expect(view(cut.chunks)).toEqual(view(whole.chunks));
    }
  });
});

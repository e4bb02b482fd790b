import { ProviderError } from '../errors/ProviderError.js';

/** What the guard tells its caller: how many non-blank NDJSON lines it passed on. */
export interface NdjsonLines {
  lines?: number;
  /** The last `{"error": …}` line passed on, parsed: the SDK keeps only its message, this keeps a status it may carry. */
  errorLine?: Record<string, unknown>;
}

/**
 * Passes a newline-delimited JSON body through and fails it with a 'malformed_response' `ProviderError` at
 * the first line that is not JSON; the lines before it are delivered first (the error is raised on the next
 * read). Bytes pass through untouched: a line that starts with '{' and ends with '}' is taken as JSON without
 * parsing (the SDK parses it next; `seen.lines` counts them so the decoder can tell when the SDK skipped
 * one), anything else is decoded and parsed. An unterminated trailing fragment that is not JSON (the
 * connection ended mid-line) is dropped, so the SDK reports the stream as incomplete.
 */
export function ndjsonGuard(
  body: ReadableStream<Uint8Array>,
  seen: NdjsonLines,
  provider: string,
  notAStream?: (firstBytes: string) => ProviderError,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let tail: Uint8Array = EMPTY_BYTES; // the current line's bytes not yet passed on
  let failure: ProviderError | undefined;

  let lines = 0;
  /** Whether `failure` says the body is no stream at all (reported even for an unterminated fragment). */
  let notStream = false;
  /** Checks bytes[start, end): one line without its newline. */
  const check = (bytes: Uint8Array, start: number, end: number): boolean => {
    const kind = lineKind(bytes, start, end);
    if (kind === 'blank') return true;
    // Every line is parsed here, '{…}'-shaped ones too: one that is not JSON after all must never reach the
    // SDK, which would print it (raw data, possibly an echoed key) with console.warn and skip it.
    const text = LINE_DECODER.decode(bytes.subarray(start, end));
    let parsed: unknown;
    let json = true;
    try {
      parsed = JSON.parse(text);
    } catch {
      json = false;
    }
    if (json) {
      seen.lines = ++lines;
      if (kind === 'object' && startsWithErrorKey(bytes, start, end)) seen.errorLine = parsed as Record<string, unknown>;
      return true;
    }
    // The body does not begin with a JSON line: not a stream at all (an HTML page, plain text).
    if (lines === 0 && notAStream !== undefined) {
      // Quoted from the whole read, not only its first line: an HTML page's first line says little.
      failure = notAStream(new TextDecoder().decode(bytes.subarray(start, Math.min(bytes.length, start + 256))));
      notStream = true;
      return false;
    }
    failure = new ProviderError(`${provider}: malformed JSON line in the stream: ${truncate(new TextDecoder().decode(bytes.subarray(start, end)))}`, {
      provider,
      code: 'malformed_response',
      retryable: false,
    });
    return false;
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (failure) {
            controller.error(failure);
            void reader.cancel(failure).catch(() => undefined);
            return;
          }
          const { done, value } = await reader.read();
          if (done) {
            if (tail.length > 0 && lineKind(tail, 0, tail.length) !== 'blank' && check(tail, 0, tail.length)) controller.enqueue(tail);
            if (failure && notStream) {
              controller.error(failure);
              return;
            }
            failure = undefined; // a fragment that is not JSON is dropped, not an error
            controller.close();
            return;
          }
          const bytes = searchable(value);
          let start = 0;
          let enqueued = false;
          if (tail.length > 0) {
            // Only the line begun in an earlier read is copied, with its rest from this read.
            const nl = bytes.indexOf(NEWLINE);
            if (nl === -1) {
              tail = concatBytes(tail, bytes);
              continue;
            }
            const line = concatBytes(tail, bytes.subarray(0, nl + 1));
            tail = EMPTY_BYTES;
            if (!check(line, 0, line.length - 1)) continue;
            controller.enqueue(line);
            enqueued = true;
            start = nl + 1;
          }
          const from = start;
          for (let nl = bytes.indexOf(NEWLINE, start); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
            if (!check(bytes, start, nl)) break;
            start = nl + 1;
          }
          if (!failure && start < bytes.length) tail = new Uint8Array(bytes.subarray(start));
          if (start > from) {
            controller.enqueue(bytes.subarray(from, start));
            enqueued = true;
          }
          if (enqueued) return;
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

const NEWLINE = 0x0a;
const LINE_DECODER = new TextDecoder();
const EMPTY_BYTES = new Uint8Array(0);

/** Of bytes[start, end): 'object' when the first and last non-blank bytes are '{' and '}', 'blank' for whitespace only. */
function lineKind(bytes: Uint8Array, start: number, end: number): 'blank' | 'object' | 'other' {
  let first = start;
  let last = end - 1;
  while (first <= last && isBlankByte(bytes[first]!)) first++;
  if (first > last) return 'blank';
  while (isBlankByte(bytes[last]!)) last--;
  return bytes[first] === 0x7b && bytes[last] === 0x7d ? 'object' : 'other';
}

const ERROR_KEY = new TextEncoder().encode('{"error"');

/** Whether the line begins `{"error"` (how Ollama writes an error line): a few byte compares, no decoding. */
function startsWithErrorKey(bytes: Uint8Array, start: number, end: number): boolean {
  let first = start;
  while (first < end && isBlankByte(bytes[first]!)) first++;
  if (end - first < ERROR_KEY.length) return false;
  for (let i = 0; i < ERROR_KEY.length; i++) if (bytes[first + i] !== ERROR_KEY[i]) return false;
  return true;
}

function isBlankByte(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}

/**
 * The bytes as a Node `Buffer` view when there is one (no copy): its `indexOf` finds a newline at a fraction
 * of the cost of `Uint8Array`'s, and that search is the guard's whole per-line cost.
 */
function searchable(bytes: Uint8Array): Uint8Array {
  const NodeBuffer = (globalThis as { Buffer?: { from(buffer: ArrayBufferLike, byteOffset: number, length: number): Uint8Array } }).Buffer;
  return NodeBuffer ? NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}


function truncate(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * Reads a newline-delimited JSON body as parsed values, one per non-blank line, by the same rules as
 * {@link ndjsonGuard}: the values before the first line that is not JSON are delivered, then it fails with a
 * 'malformed_response' `ProviderError` (or `notAStream`'s error when the very first line is not JSON); an
 * unterminated trailing fragment that is not JSON (the connection ended mid-line) is dropped. Each line is
 * decoded and parsed once, where the guard in front of an SDK's own parser costs two of each. Stops reading
 * when the consumer stops (`return()`), leaving the body (and its reader, the caller's) to the caller.
 */
export async function* ndjsonValues(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  provider: string,
  notAStream?: (firstBytes: string) => ProviderError,
): AsyncGenerator<unknown, void, undefined> {
  const decoder = new TextDecoder();
  let buffer = '';
  let lines = 0;
  const fail = (text: string, read: string): ProviderError =>
    // Quoted from the whole read, not only its first line: an HTML page's first line says little.
    lines === 0 && notAStream !== undefined
      ? notAStream(read.slice(0, 256))
      : new ProviderError(`${provider}: malformed JSON line in the stream: ${truncate(text)}`, { provider, code: 'malformed_response', retryable: false });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // The text before this read holds no newline: only the new text is searched (a long line costs its length once).
    const searchFrom = buffer.length;
    buffer = searchFrom === 0 ? decoder.decode(value, { stream: true }) : buffer + decoder.decode(value, { stream: true });
    let start = 0;
    for (let nl = buffer.indexOf('\n', searchFrom); nl !== -1; nl = buffer.indexOf('\n', start)) {
      const text = buffer.slice(start, nl);
      const from = start;
      start = nl + 1;
      if (isBlankText(text)) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw fail(text, buffer.slice(from));
      }
      lines++;
      yield parsed;
    }
    buffer = start === buffer.length ? '' : buffer.slice(start);
  }
  buffer += decoder.decode();
  if (isBlankText(buffer)) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(buffer);
  } catch {
    // A cut-off fragment is dropped (the stream then ends incomplete); a body that is no stream at all is reported.
    if (lines === 0 && notAStream !== undefined) throw notAStream(buffer.slice(0, 256));
    return;
  }
  yield parsed;
}

/** Whether a line holds only the blanks {@link lineKind} skips (space, tab, CR). */
function isBlankText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}


/**
 * Reads an SSE provider's response body in place of its SDK's `Stream`: the SDK still sends the request and
 * maps HTTP errors (`.asResponse()`), and the body is parsed here, once. Per network read there is one
 * UTF-8 decode and one `await`; each event goes to the provider synchronously. (The SDKs' `Stream` copies
 * its whole pending buffer at every event and awaits through three async generators per event.)
 *
 * The event-stream rules are the WHATWG ones the SDKs follow: lines end with CRLF, LF or CR (split anywhere,
 * also between CR and LF and inside a UTF-8 character); `:` lines are comments; `field: value` loses one
 * space after the colon; `data` lines join with '\n'; a blank line dispatches an event that has data; an event
 * left unterminated at the end of the body is discarded; one leading BOM is dropped.
 */
import type { EventPump } from './sdkStream.js';
import { notAStreamError } from './failures.js';
import { isEventStream, sseGuard } from './streamGuard.js';

/** What a mapper returns for the event that ends the stream's content (OpenAI's `[DONE]`). */
export const END_OF_STREAM: unique symbol = Symbol('agenticraft-rx.sse-end');

/**
 * Turns one dispatched event (`event` is null when it had no `event:` field) into the provider's event,
 * `undefined` to skip it, or {@link END_OF_STREAM}. May throw: a `SyntaxError` for malformed JSON, the SDK's
 * `APIError` for an error event, as the SDK's own `Stream` would.
 */
export type SseEventMapper<TEvent> = (event: string | null, data: string) => TEvent | undefined | typeof END_OF_STREAM;

/**
 * An SDK's `APIError` constructor, as its `Stream` calls it for an error inside a 200 stream (Anthropic's
 * also takes the error's type).
 */
export type ApiErrorConstructor = new (status: undefined, error: unknown, message: undefined, headers: Headers, type?: unknown) => Error;

/** An SDK `APIPromise`: `asResponse()` resolves to the raw `Response` once headers arrive, without reading the body. */
export function hasAsResponse(call: Promise<unknown>): call is Promise<unknown> & { asResponse(): Promise<Response> } {
  return typeof (call as { asResponse?: unknown }).asResponse === 'function';
}

const LF = 10;

/** An incremental event-stream parser over decoded text (CR and LF never occur inside a UTF-8 sequence). */
export class SseEventParser {
  // Strips one leading BOM; invalid bytes become U+FFFD, as the SDKs' decoders make them.
  readonly #decoder = new TextDecoder();
  /** The start of a line not ended yet (a rope while it grows: only new text is searched). */
  #pending = '';
  /** The last text ended in a CR: a LF at the start of the next is its CRLF's second half. */
  #afterCR = false;
  #event: string | null = null;
  #data: string | undefined;
  readonly #onEvent: (event: string | null, data: string) => boolean;

  /** `onEvent` returns false to stop: the rest of the text given is not parsed. */
  constructor(onEvent: (event: string | null, data: string) => boolean) {
    this.#onEvent = onEvent;
  }

  /** Feeds bytes; dispatches each event they complete. False once `onEvent` asked to stop. */
  push(bytes: Uint8Array): boolean {
    return this.#text(this.#decoder.decode(bytes, { stream: true }));
  }

  /** The body ended: the decoder's last bytes are parsed and an unterminated event is discarded. */
  end(): void {
    const tail = this.#decoder.decode();
    if (tail !== '') this.#text(tail);
    this.#pending = '';
    this.#event = null;
    this.#data = undefined;
  }

  #text(text: string): boolean {
    const n = text.length;
    let from = 0;
    if (this.#afterCR) {
      this.#afterCR = false;
      if (n > 0 && text.charCodeAt(0) === LF) from = 1;
    }
    let lf = text.indexOf('\n', from);
    let cr = text.indexOf('\r', from);
    while (from < n) {
      if (lf !== -1 && lf < from) lf = text.indexOf('\n', from);
      if (cr !== -1 && cr < from) cr = text.indexOf('\r', from);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 < n) next = text.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
        else {
          next = n;
          this.#afterCR = true;
        }
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else break;
      const piece = text.slice(from, end);
      let line = piece;
      if (this.#pending !== '') {
        line = this.#pending + piece;
        this.#pending = '';
      }
      from = next;
      if (!this.#line(line)) return false;
    }
    if (from < n) this.#pending += from === 0 ? text : text.slice(from);
    return true;
  }

  #line(line: string): boolean {
    if (line.length === 0) {
      const data = this.#data;
      const event = this.#event;
      this.#data = undefined;
      this.#event = null;
      return data === undefined || this.#onEvent(event, data);
    }
    // The hot line: "data: ..." (no search for the colon).
    if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
      return true;
    }
    if (line.charCodeAt(0) === 58) return true; // ':' a comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
    // id, retry and unknown fields mean nothing to a provider's stream.
    return true;
  }
}

export interface SseEventsOptions<TEvent> {
  /** The API key, kept out of a `not_a_stream` error's quote. */
  readonly apiKey?: string | undefined;
  /** Whether an event is the last of the stream's content (Anthropic's `message_stop`). */
  readonly isLast?: (event: TEvent) => boolean;
}

/**
 * The events of an SSE response body, for `sdkStream`. A body whose content type is not `text/event-stream`
 * is sniffed first ({@link sseGuard}): a JSON answer or an HTML page is a `not_a_stream` error, not an empty
 * stream. A 200 without a body reads as an empty one (the decoder reports it incomplete).
 *
 * The stream ends at the body's end, or at its last event (`END_OF_STREAM` from the mapper, or `isLast`): then
 * it ends at once, even when a server keeps the response open after it. The rest of the body is read to its
 * end in the background and dropped: the cheapest release of a response that has arrived whole (its
 * connection goes back to the pool), measured against cancelling it (~7 % of a short request) and against a
 * timer that would cancel a body still open (~6 %). A server that keeps the response open after the last event
 * keeps its socket until it ends it, as with the SDKs' own streams.
 */
export function sseEvents<TEvent>(provider: string, response: Response, map: SseEventMapper<TEvent>, options: SseEventsOptions<TEvent> = {}): EventPump<TEvent> {
  const { apiKey, isLast } = options;
  return {
    async pump(onEvent) {
      if (response.body === null) return;
      const contentType = response.headers.get('content-type');
      const body = isEventStream(contentType)
        ? response.body
        : sseGuard(response.body, (head) => notAStreamError(provider, 'an event stream', response.status, contentType, head, apiKey));
      const reader = body.getReader();
      let ended = false;
      const parser = new SseEventParser((event, data) => {
        const value = map(event, data);
        if (value === undefined) return true;
        if (value === END_OF_STREAM) {
          ended = true;
          return false;
        }
        // False: the subscriber has gone.
        if (!onEvent(value)) return false;
        if (isLast !== undefined && isLast(value)) {
          ended = true;
          return false;
        }
        return true;
      });
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return parser.end();
        if (!parser.push(value)) {
          if (ended) void drain(reader);
          // Otherwise stopped: the subscriber has gone, and its teardown aborts the request.
          return;
        }
      }
    },
  };
}

/** Reads a body to its end and drops what it holds (a failure, such as the request being aborted, ends it). */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    while (!(await reader.read()).done);
  } catch {
    // Aborted or reset: nothing was left to deliver.
  }
}

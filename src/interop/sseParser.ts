/** One dispatched server-sent event, as the WHATWG event-stream interpretation defines it. */
export interface ServerSentEvent {
  /** The `event:` field, 'message' when there was none. */
  readonly type: string;
  /** The `data:` lines joined with '\n'. */
  readonly data: string;
  /** The `id:` field of this event, when it had one. */
  readonly id?: string;
  /** The last event id seen so far on this stream (ids carry over to events without one). */
  readonly lastEventId: string;
}

export interface SseParserOptions {
  /** Largest event, in bytes of its lines; a larger one throws `onTooLarge`'s error. @default no limit */
  readonly maxEventBytes?: number;
  /** The error to throw when an event exceeds `maxEventBytes`. */
  readonly onTooLarge?: (bytes: number) => Error;
  /** A `retry:` field (the reconnection delay the server asks for, in ms). */
  readonly onRetry?: (ms: number) => void;
}

const LF = 10;
const CR = 13;
const BOM = [0xef, 0xbb, 0xbf];

/**
 * A spec-correct, incremental event-stream parser over bytes (the WHATWG HTML "event stream interpretation"):
 * lines end with CRLF, LF or CR; `:` lines are comments; `field: value` with one optional space after the
 * colon; `data` lines join with '\n'; a blank line dispatches; an event with no data is not dispatched; one
 * leading BOM is dropped; an event left unterminated at the end is discarded. Bytes may be split anywhere —
 * inside a line, between CR and LF, inside a UTF-8 character: lines are cut at bytes (CR and LF never occur
 * inside a multi-byte character) and decoded whole.
 */
export class SseParser {
  readonly #onEvent: (event: ServerSentEvent) => void;
  readonly #maxEventBytes: number;
  readonly #onTooLarge: ((bytes: number) => Error) | undefined;
  readonly #onRetry: ((ms: number) => void) | undefined;
  // ignoreBOM: each line is decoded on its own, and only the stream's first BOM is dropped (in push).
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  #line: Uint8Array[] = [];
  #lineBytes = 0;
  #eventBytes = 0;
  #afterCR = false;
  #bomChecked = 0; // bytes of the BOM matched so far; 3 or -1 once decided
  #data: string[] = [];
  #type = '';
  #id: string | undefined;
  #lastEventId = '';

  constructor(onEvent: (event: ServerSentEvent) => void, options: SseParserOptions = {}) {
    this.#onEvent = onEvent;
    this.#maxEventBytes = options.maxEventBytes ?? Infinity;
    this.#onTooLarge = options.onTooLarge;
    this.#onRetry = options.onRetry;
  }

  /** Feeds bytes; dispatches each event they complete. */
  push(bytes: Uint8Array): void {
    let start = 0;
    if (this.#bomChecked >= 0 && this.#bomChecked < 3) {
      while (start < bytes.length && this.#bomChecked < 3 && bytes[start] === BOM[this.#bomChecked]) {
        start++;
        this.#bomChecked++;
      }
      if (this.#bomChecked < 3 && start < bytes.length) {
        // Not a BOM after all: the bytes matched so far are text.
        if (this.#bomChecked > 0) this.#append(Uint8Array.from(BOM.slice(0, this.#bomChecked)));
        this.#bomChecked = -1;
      } else if (this.#bomChecked < 3) return;
    }
    let from = start;
    for (let i = start; i < bytes.length; i++) {
      const b = bytes[i];
      if (b !== LF && b !== CR) continue;
      if (b === LF && this.#afterCR && i === from && this.#lineBytes === 0) {
        // The LF of a CRLF whose CR ended the previous line.
        this.#afterCR = false;
        from = i + 1;
        continue;
      }
      if (i > from) this.#append(bytes.subarray(from, i));
      this.#endLine();
      this.#afterCR = b === CR;
      from = i + 1;
    }
    if (from < bytes.length) {
      this.#afterCR = false;
      this.#append(bytes.subarray(from));
    }
  }

  /** The stream ended: an unterminated event is discarded (as the spec says). */
  end(): void {
    this.#line = [];
    this.#lineBytes = 0;
    this.#data = [];
    this.#type = '';
    this.#id = undefined;
    this.#eventBytes = 0;
  }

  #append(bytes: Uint8Array): void {
    this.#line.push(bytes.slice());
    this.#lineBytes += bytes.length;
    this.#eventBytes += bytes.length;
    if (this.#eventBytes > this.#maxEventBytes) {
      const size = this.#eventBytes;
      this.end();
      throw this.#onTooLarge?.(size) ?? new RangeError(`event of ${size} bytes is over maxEventBytes (${this.#maxEventBytes})`);
    }
  }

  #endLine(): void {
    let bytes: Uint8Array;
    if (this.#line.length === 1) bytes = this.#line[0]!;
    else {
      bytes = new Uint8Array(this.#lineBytes);
      let at = 0;
      for (const part of this.#line) {
        bytes.set(part, at);
        at += part.length;
      }
    }
    this.#line = [];
    this.#lineBytes = 0;
    if (bytes.length === 0) return this.#dispatch();
    const line = this.#decoder.decode(bytes);
    if (line.charCodeAt(0) === 0x3a) return; // ':' a comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#type = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.#id = value;
          this.#lastEventId = value;
        }
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.#onRetry?.(Number(value));
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  #dispatch(): void {
    const data = this.#data;
    const type = this.#type;
    const id = this.#id;
    this.#data = [];
    this.#type = '';
    this.#id = undefined;
    this.#eventBytes = 0;
    if (data.length === 0) return;
    const event: { -readonly [K in keyof ServerSentEvent]: ServerSentEvent[K] } = {
      type: type === '' ? 'message' : type,
      data: data.join('\n'),
      lastEventId: this.#lastEventId,
    };
    if (id !== undefined) event.id = id;
    this.#onEvent(event);
  }
}

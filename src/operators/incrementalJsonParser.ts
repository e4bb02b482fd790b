/**
 * The incremental JSON parser behind `partialObject`: a state machine fed text piece by piece, so each piece
 * costs time in its own length (never the text so far), with snapshots of the value parsed so far that keep
 * the identity of every subtree that did not change since the previous snapshot.
 *
 * Why not a library: the contract needs snapshots whose unchanged subtrees stay the same objects, strings
 * that grow inside them, and a snapshot cost bounded by the containers on the path that changed. Streaming
 * JSON tokenizers (`@streamparser/json` and the like) emit values as they complete, not an identity-keeping
 * tree, so the tree-building half — most of this file — would be needed on top of one anyway.
 *
 * How: the open containers form a stack of frames (`values`, `keys`, the `slot` being written). Completed
 * values are final and never copied again. A snapshot rebuilds only the frames that changed since the last
 * one — always a path from the root to the deepest open container — one shallow copy each; every other
 * subtree is the object the previous snapshot already held. A partial value is always consistent with the
 * final one: strings show the characters so far, numbers and `true`/`false`/`null` appear only once complete,
 * and an object key appears only once its value begins.
 */

const VALUE = 0; // a value is expected (start, after ':', after ',' in an array)
const VALUE_OR_CLOSE_ARRAY = 1; // after '['
const KEY_OR_CLOSE_OBJECT = 2; // after '{'
const KEY = 3; // after ',' in an object
const COLON = 4;
const AFTER_VALUE = 5; // ',' or the end of the open container
const STRING = 6;
const NUMBER = 7;
const LITERAL = 8;
const END = 9; // the root value is complete: only whitespace may follow

type State = typeof VALUE | typeof VALUE_OR_CLOSE_ARRAY | typeof KEY_OR_CLOSE_OBJECT | typeof KEY | typeof COLON
  | typeof AFTER_VALUE | typeof STRING | typeof NUMBER | typeof LITERAL | typeof END;

const NUMBER_SYNTAX = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const LITERALS = ['true', 'false', 'null'] as const;
const LITERAL_VALUES: readonly unknown[] = [true, false, null];

/**
 * An open container. `value` is written in place until a snapshot hands it out; after that (`shared`) the next
 * write copies it first (copy-on-write), so a handed-out container never changes and one that no snapshot saw
 * is never copied at all.
 */
interface Frame {
  readonly isArray: boolean;
  value: unknown[] | Record<string, unknown>;
  /** Where the value being parsed goes: an index or a key. */
  slot: number | string;
  /** `value` was handed out by a snapshot: copy before writing. */
  shared: boolean;
  /** What the last snapshot handed out (to tell whether this container changed since). */
  handedOut: unknown;
  /** Report each completed element (see `IncrementalJsonParserOptions.elementsAt`). */
  readonly elements: boolean;
}

export interface IncrementalJsonParserOptions {
  /**
   * Collect each completed element of one array for {@link IncrementalJsonParser.takeElements}: `null` for the
   * root array, a key for the array in that property of the root object (`{ "items": [...] }`, the shape the
   * native structured modes need, whose root must be an object).
   * @default undefined (no elements are collected)
   */
  readonly elementsAt?: string | null;
}

/** JSON text in, piece by piece; the value so far out, with unchanged subtrees kept. */
export class IncrementalJsonParser {
  #state: State = VALUE;
  readonly #stack: Frame[] = [];
  #root: unknown = undefined;
  #started = false;
  #version = 0;
  #offset = 0;
  #pendingKey = '';
  // String state.
  #string = '';
  #isKey = false;
  #shownLength = -1;
  #escape = 0; // 0: none, 1: after '\', 2..5: that many hex digits of \uXXXX read + 2
  #unicode = 0;
  // Number and literal state.
  #number = '';
  #literal = 0;
  #literalIndex = 0;
  readonly #elementsAt: string | null | undefined;
  #elements: unknown[] = [];

  constructor(options: IncrementalJsonParserOptions = {}) {
    this.#elementsAt = options.elementsAt;
  }

  /** Whether the value has begun (a snapshot has something to show). */
  get started(): boolean {
    return this.#started;
  }

  /** Whether the root value is complete. */
  get complete(): boolean {
    return this.#state === END;
  }

  /** Grows each time the value visibly changes: compare two readings to know whether a new snapshot differs. */
  get version(): number {
    return this.#version;
  }

  /** Characters consumed so far. */
  get position(): number {
    return this.#offset;
  }

  /**
   * Parses the next piece of text.
   * @throws {SyntaxError} at the first character that cannot continue valid JSON, naming its position.
   */
  write(text: string): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      const state = this.#state;
      if (state === STRING) {
        i = this.#readString(text, i);
        continue;
      }
      if (state === NUMBER) {
        let j = i;
        while (j < n && isNumberChar(text.charCodeAt(j))) j++;
        if (j > i) this.#number += text.slice(i, j);
        if (j < n) this.#endNumber(j);
        i = j;
        continue;
      }
      if (state === LITERAL) {
        const word = LITERALS[this.#literal]!;
        if (text.charCodeAt(i) !== word.charCodeAt(this.#literalIndex)) throw this.#unexpected(text, i, `'${word}'`);
        i++;
        if (++this.#literalIndex === word.length) {
          this.#beginValue(LITERAL_VALUES[this.#literal]);
          this.#completeValue();
        }
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) {
        i++;
        continue;
      }
      switch (state) {
        case VALUE:
        case VALUE_OR_CLOSE_ARRAY:
          if (c === 93 /* ] */ && state === VALUE_OR_CLOSE_ARRAY) this.#close(text, i, true);
          else if (c === 34 /* " */) {
            // Fast path: a string that ends in this chunk, without escapes, is one value at once.
            const end = plainStringEnd(text, i + 1);
            if (end >= 0) {
              this.#beginValue(text.slice(i + 1, end));
              this.#completeValue();
              i = end + 1;
              continue;
            }
            this.#beginValue('');
            this.#startString(false);
          } else this.#startValue(text, i, c);
          break;
        case KEY_OR_CLOSE_OBJECT:
        case KEY:
          if (c === 34 /* " */) {
            const end = plainStringEnd(text, i + 1);
            if (end >= 0) {
              this.#pendingKey = text.slice(i + 1, end);
              this.#state = COLON;
              i = end + 1;
              continue;
            }
            this.#startString(true);
          } else if (c === 125 /* } */ && state === KEY_OR_CLOSE_OBJECT) this.#close(text, i, false);
          else throw this.#unexpected(text, i, state === KEY ? 'a key' : "a key or '}'");
          break;
        case COLON:
          if (c !== 58 /* : */) throw this.#unexpected(text, i, "':'");
          this.#state = VALUE;
          break;
        case AFTER_VALUE: {
          const top = this.#stack[this.#stack.length - 1]!;
          if (c === 44 /* , */) this.#state = top.isArray ? VALUE : KEY;
          else if (c === (top.isArray ? 93 : 125)) this.#close(text, i, top.isArray);
          else throw this.#unexpected(text, i, top.isArray ? "',' or ']'" : "',' or '}'");
          break;
        }
        default:
          throw this.#unexpected(text, i, 'the end (the JSON value is complete)');
      }
      // Number starts are not consumed here: the NUMBER state reads them.
      if (this.#state !== NUMBER) i++;
    }
    this.#offset += n;
  }

  /**
   * The text has ended: completes a root number (`42` has no delimiter).
   * @throws {SyntaxError} when the value is incomplete.
   */
  end(): void {
    if (this.#state === NUMBER) this.#endNumber(0);
    if (this.#state !== END) {
      const what = this.#started || this.#state !== VALUE ? 'the JSON value is incomplete' : 'there is no JSON value';
      throw new SyntaxError(`Unexpected end of JSON input at position ${this.#offset}: ${what}`);
    }
  }

  /**
   * The value parsed so far (`undefined` before it begins). Subtrees unchanged since the previous snapshot are
   * the same objects; the cost is one shallow copy of each container that changed (a path from the root).
   * Treat the result as read-only: later snapshots share its unchanged parts.
   */
  snapshot(): unknown {
    const stack = this.#stack;
    if (stack.length === 0) {
      if (this.#state === STRING) this.#root = this.#string;
      return this.#root;
    }
    let child: unknown;
    let childChanged = false;
    for (let i = stack.length - 1; i >= 0; i--) {
      const frame = stack[i]!;
      if (i === stack.length - 1) {
        if (this.#state === STRING && !this.#isKey && this.#shownLength !== this.#string.length) {
          write(frame, this.#string);
          this.#shownLength = this.#string.length;
        }
      } else if (childChanged) {
        write(frame, child);
      }
      childChanged = frame.value !== frame.handedOut;
      frame.handedOut = frame.value;
      frame.shared = true;
      child = frame.value;
    }
    return child;
  }

  /** The elements completed since the last call (see `elementsAt`), in order. */
  takeElements(): unknown[] {
    const out = this.#elements;
    if (out.length > 0) this.#elements = [];
    return out;
  }

  #startValue(text: string, i: number, c: number): void {
    if (c === 123 /* { */ || c === 91 /* [ */) {
      const isArray = c === 91;
      const depth = this.#stack.length;
      const elements =
        isArray &&
        this.#elementsAt !== undefined &&
        (this.#elementsAt === null ? depth === 0 : depth === 1 && !this.#stack[0]!.isArray && this.#pendingKey === this.#elementsAt);
      this.#beginValue(undefined);
      this.#stack.push({ isArray, value: isArray ? [] : {}, slot: -1, shared: false, handedOut: undefined, elements });
      this.#state = isArray ? VALUE_OR_CLOSE_ARRAY : KEY_OR_CLOSE_OBJECT;
    } else if (c === 34 /* " */) {
      this.#beginValue('');
      this.#startString(false);
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      this.#number = '';
      this.#state = NUMBER;
    } else if (c === 116 /* t */ || c === 102 /* f */ || c === 110 /* n */) {
      this.#literal = c === 116 ? 0 : c === 102 ? 1 : 2;
      this.#literalIndex = 1;
      this.#state = LITERAL;
    } else {
      throw this.#unexpected(text, i, 'a value');
    }
  }

  /** Puts a value that has begun into the open container's next slot (or the root). */
  #beginValue(value: unknown): void {
    this.#started = true;
    this.#version++;
    const top = this.#stack[this.#stack.length - 1];
    if (top === undefined) {
      this.#root = value;
      return;
    }
    if (top.shared) unshare(top);
    if (top.isArray) {
      const array = top.value as unknown[];
      top.slot = array.push(value) - 1;
      return;
    }
    // A repeated key keeps its place and takes the new value, as JSON.parse does.
    top.slot = this.#pendingKey;
    write(top, value);
  }

  #completeValue(): void {
    const top = this.#stack[this.#stack.length - 1];
    if (top === undefined) {
      this.#state = END;
      return;
    }
    if (top.elements) this.#elements.push((top.value as unknown[])[top.slot as number]);
    top.slot = -1;
    this.#state = AFTER_VALUE;
  }

  #close(text: string, i: number, isArray: boolean): void {
    const frame = this.#stack.pop();
    if (frame === undefined || frame.isArray !== isArray) throw this.#unexpected(text, i, 'a value');
    const value = frame.value;
    const parent = this.#stack[this.#stack.length - 1];
    if (parent === undefined) {
      this.#root = value;
      if (value !== frame.handedOut) this.#version++;
    } else if (read(parent) !== value) {
      write(parent, value);
      this.#version++;
    }
    this.#completeValue();
  }

  #startString(isKey: boolean): void {
    this.#string = '';
    this.#isKey = isKey;
    this.#shownLength = isKey ? -1 : 0;
    this.#escape = 0;
    this.#state = STRING;
  }

  /** Reads string characters from `i`; returns where it stopped. */
  #readString(text: string, i: number): number {
    const n = text.length;
    if (this.#escape !== 0) return this.#readEscape(text, i);
    let j = i;
    let c = 0;
    while (j < n) {
      c = text.charCodeAt(j);
      if (c === 34 || c === 92 || c < 32) break;
      j++;
    }
    if (j > i) this.#append(text.slice(i, j));
    if (j === n) return n;
    if (c === 92) {
      this.#escape = 1;
      return j + 1;
    }
    if (c !== 34) throw this.#unexpected(text, j, 'a string character (control characters must be escaped)');
    this.#endString();
    return j + 1;
  }

  #readEscape(text: string, i: number): number {
    const c = text.charCodeAt(i);
    if (this.#escape === 1) {
      const simple = simpleEscape(c);
      if (simple !== undefined) {
        this.#escape = 0;
        this.#append(simple);
      } else if (c === 117 /* u */) {
        this.#escape = 2;
        this.#unicode = 0;
      } else {
        throw this.#unexpected(text, i, 'an escape (one of "\\/bfnrtu)');
      }
      return i + 1;
    }
    const digit = hexValue(c);
    if (digit < 0) throw this.#unexpected(text, i, 'a hex digit');
    this.#unicode = this.#unicode * 16 + digit;
    if (++this.#escape === 6) {
      this.#escape = 0;
      this.#append(String.fromCharCode(this.#unicode));
    }
    return i + 1;
  }

  #append(piece: string): void {
    this.#string += piece;
    if (!this.#isKey) this.#version++;
  }

  #endString(): void {
    if (this.#isKey) {
      this.#pendingKey = this.#string;
      this.#state = COLON;
      return;
    }
    if (this.#shownLength !== this.#string.length) {
      const top = this.#stack[this.#stack.length - 1];
      if (top === undefined) this.#root = this.#string;
      else write(top, this.#string);
      this.#version++;
    }
    this.#completeValue();
  }

  #endNumber(at: number): void {
    const literal = this.#number;
    let value = plainInteger(literal);
    if (value < 0) {
      if (!NUMBER_SYNTAX.test(literal)) {
        throw new SyntaxError(`Invalid number ${JSON.stringify(literal.slice(0, 40))} in JSON before position ${this.#offset + at}`);
      }
      value = Number(literal);
    }
    this.#beginValue(value);
    this.#completeValue();
  }

  #unexpected(text: string, i: number, expected: string): SyntaxError {
    const c = text[i] ?? '';
    return new SyntaxError(`Unexpected ${JSON.stringify(c)} in JSON at position ${this.#offset + i}: expected ${expected}`);
  }
}

/** The copy a shared container is written to: a shallow copy (the spread defines "__proto__" as an own key). */
function unshare(frame: Frame): void {
  frame.value = frame.isArray ? (frame.value as unknown[]).slice() : { ...frame.value };
  frame.shared = false;
}

/** The value in the frame's open slot. */
function read(frame: Frame): unknown {
  return frame.isArray ? (frame.value as unknown[])[frame.slot as number] : (frame.value as Record<string, unknown>)[frame.slot];
}

/** Writes the frame's open slot, copying the container first if a snapshot handed it out. */
function write(frame: Frame, value: unknown): void {
  if (frame.shared) unshare(frame);
  if (frame.isArray) {
    (frame.value as unknown[])[frame.slot as number] = value;
    return;
  }
  const key = frame.slot as string;
  // A parsed "__proto__" is an own key, as JSON.parse makes it: never the prototype.
  if (key === '__proto__') Object.defineProperty(frame.value, key, { value, writable: true, enumerable: true, configurable: true });
  else (frame.value as Record<string, unknown>)[key] = value;
}

/** Where the string starting at `from` ends (its closing quote) when it has no escape and ends in `text`; else -1. */
function plainStringEnd(text: string, from: number): number {
  const n = text.length;
  for (let j = from; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === 34) return j;
    if (c === 92 || c < 32) return -1;
  }
  return -1;
}

/** The value of `0` or of digits without a leading zero (most numbers), read without parsing; -1 for anything else. */
function plainInteger(literal: string): number {
  const n = literal.length;
  if (n === 0 || n > 15 || (literal.charCodeAt(0) === 48 && n > 1)) return -1;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = literal.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;
}

function simpleEscape(c: number): string | undefined {
  switch (c) {
    case 34: return '"';
    case 92: return '\\';
    case 47: return '/';
    case 98: return '\b';
    case 102: return '\f';
    case 110: return '\n';
    case 114: return '\r';
    case 116: return '\t';
    default: return undefined;
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

import { ProviderError } from '../errors/ProviderError.js';

/**
 * Newline-delimited JSON, parsed as it arrives: {@link NdjsonParser.push} takes each read of the body and
 * appends the values of its complete lines. The rules (those the Ollama provider's tests and recorded
 * transcripts check): one value per non-blank line, the values before the first line that is not JSON are
 * delivered, then a 'malformed_response' `ProviderError` (or `notAStream`'s error when the very first line is
 * not JSON: the body is no stream at all); an unterminated trailing fragment that is not JSON (the connection
 * ended mid-line) is dropped. Each line is decoded and parsed once, and synchronously: the reader that drives
 * it is the only async step per read (a generator per line costs a promise and a microtask each). The Ollama
 * provider's `chatResponses` is that reader.
 */
export class NdjsonParser {
  readonly #provider: string;
  readonly #notAStream: ((firstBytes: string) => ProviderError) | undefined;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  #lines = 0;

  constructor(provider: string, notAStream?: (firstBytes: string) => ProviderError) {
    this.#provider = provider;
    this.#notAStream = notAStream;
  }

  /**
   * Parses the complete lines `bytes` ends (with what earlier reads left) onto `out`. Returns the error of a
   * malformed line, after the values before it; nothing after it is parsed.
   */
  push(bytes: Uint8Array, out: unknown[]): ProviderError | undefined {
    // The text before this read holds no newline: only the new text is searched (a long line costs its length once).
    const searchFrom = this.#buffer.length;
    const buffer = searchFrom === 0 ? this.#decoder.decode(bytes, { stream: true }) : this.#buffer + this.#decoder.decode(bytes, { stream: true });
    let start = 0;
    for (let nl = buffer.indexOf('\n', searchFrom); nl !== -1; nl = buffer.indexOf('\n', start)) {
      const from = start;
      start = nl + 1;
      if (isBlankText(buffer, from, nl)) continue;
      const text = buffer.slice(from, nl);
      try {
        out.push(JSON.parse(text));
      } catch {
        this.#buffer = '';
        return this.#failure(text, buffer.slice(from));
      }
      this.#lines++;
    }
    this.#buffer = start === buffer.length ? '' : buffer.slice(start);
    return undefined;
  }

  /** The body ended: a last line without its newline is parsed onto `out` if it is JSON, else dropped (or reported, for a body that is no stream). */
  end(out: unknown[]): ProviderError | undefined {
    const rest = this.#buffer + this.#decoder.decode();
    this.#buffer = '';
    if (isBlankText(rest, 0, rest.length)) return undefined;
    try {
      out.push(JSON.parse(rest));
    } catch {
      // A cut-off fragment is dropped (the stream then ends incomplete); a body that is no stream at all is reported.
      if (this.#lines === 0 && this.#notAStream !== undefined) return this.#notAStream(rest.slice(0, 256));
      return undefined;
    }
    this.#lines++;
    return undefined;
  }

  #failure(line: string, read: string): ProviderError {
    // Quoted from the whole read, not only its first line: an HTML page's first line says little.
    if (this.#lines === 0 && this.#notAStream !== undefined) return this.#notAStream(read.slice(0, 256));
    return new ProviderError(`${this.#provider}: malformed JSON line in the stream: ${truncate(line)}`, {
      provider: this.#provider,
      code: 'malformed_response',
      retryable: false,
    });
  }
}

/** Whether `text[from, to)` holds only blanks (space, tab, CR). */
function isBlankText(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** A line clipped for an error message. */
function truncate(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

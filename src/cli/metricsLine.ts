import type { StreamMetrics } from '../chunk.js';

/** Where the CLI writes: `process.stdout`/`stderr`, or a test's fake. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** A terminal's width. */
  readonly columns?: number;
}

const ERASE_LINE = '\r\x1b[2K';
const ERASE_TO_END = '\x1b[K';
// Save the cursor, no line wrap (so drawing can never scroll the screen), ..., wrap on, restore the cursor.
const INLINE_START = '\x1b7\x1b[?7l';
const INLINE_END = '\x1b[?7h\x1b8';
const DIM = '\x1b[2m';
const PLAIN = '\x1b[0m';
/** Redraw at most this often (ms of stream time); the last chunk is always drawn. */
const REDRAW_MS = 50;

/**
 * The live metrics line on stderr (only when stderr is a terminal). When stdout is a terminal too, both
 * write to one screen: the line is drawn just after the streamed text, on the same row, without moving the
 * cursor, and erased before the next text, so it never mixes into the answer. When stdout goes elsewhere
 * (a file, a pipe), stderr's screen holds only this line, redrawn in place. The last metrics stay as a
 * summary line when the stream ends.
 */
export class MetricsLine {
  readonly #stderr: Output;
  readonly #inline: boolean;
  #shown = false;
  #drawnAt = Number.NEGATIVE_INFINITY;
  #last: StreamMetrics | undefined;
  /** Characters of streamed text on the screen's current line (inline mode). */
  #lineLength = 0;

  /** @param inline Whether the streamed text goes to the same screen (stdout is a terminal too). */
  constructor(stderr: Output, inline: boolean) {
    this.#stderr = stderr;
    this.#inline = inline;
  }

  /** Erase the line before anything else is written to the screen. */
  clear(): void {
    if (!this.#shown) return;
    this.#stderr.write(this.#inline ? ERASE_TO_END : ERASE_LINE);
    this.#shown = false;
  }

  /** Tell the line what text went to stdout (in inline mode it is drawn after it). */
  wrote(text: string): void {
    const newline = text.lastIndexOf('\n');
    this.#lineLength = newline === -1 ? this.#lineLength + text.length : text.length - newline - 1;
  }

  /** Draw the metrics (throttled). */
  update(metrics: StreamMetrics, force = false): void {
    this.#last = metrics;
    if (!force && metrics.elapsedMs - this.#drawnAt < REDRAW_MS) return;
    // Text that ends exactly at the right margin leaves the cursor waiting to wrap, which saving and
    // restoring it would lose: draw after the next text instead.
    const columns = this.#stderr.columns ?? 0;
    if (this.#inline && columns > 0 && this.#lineLength > 0 && this.#lineLength % columns === 0) return;
    this.#drawnAt = metrics.elapsedMs;
    const text = `${DIM}${formatMetrics(metrics)}${PLAIN}`;
    this.#stderr.write(this.#inline ? `${ERASE_TO_END}${INLINE_START} ${text}${INLINE_END}` : `${ERASE_LINE}${text}`);
    this.#shown = true;
  }

  /** Replace the live line by a summary line (call after the answer's last newline on stdout). */
  finish(): void {
    this.clear();
    if (this.#last !== undefined) this.#stderr.write(`${DIM}${formatMetrics(this.#last)}${PLAIN}\n`);
  }
}

/** `[12 chunks · 48 tokens · 35.2 tok/s · first token 120 ms · 1.4 s]` */
export function formatMetrics(m: StreamMetrics): string {
  return (
    `[${m.chunks} chunks · ${m.tokens} tokens · ${m.tokensPerSecond.toFixed(1)} tok/s · ` +
    `first token ${Math.round(m.timeToFirstChunkMs)} ms · ${(m.elapsedMs / 1000).toFixed(1)} s]`
  );
}

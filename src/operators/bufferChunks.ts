import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { assertStreamChunk, type ChunkMetadata, type StreamChunk, type ToolCallDelta } from '../chunk.js';
import { BufferChunksForwarder } from './forwarder.js';
import { chunkOperator } from './trackChunk.js';
import { assertObject, assertOneOf, assertPositiveInteger, assertPositiveNumber, assertScheduler } from '../optionChecks.js';
import { mergeObjects } from '../mergeObjects.js';
import { scheduleAfter } from '../longTimers.js';

/** Where a {@link bufferChunks} flush may cut the text: after whitespace, after a sentence, after a newline. */
export type ChunkBoundary = 'word' | 'sentence' | 'line';

/** The {@link bufferChunks} configuration: at least one of `count`, `time`, `chars`, `boundary`. */
export interface BufferChunksConfig {
  /** Flush when this many chunks are held. */
  readonly count?: number;
  /** Flush this many ms after the first chunk was held (a timer runs only while something is held). */
  readonly time?: number;
  /** Flush when this many characters (UTF-16 code units, like `string.length`) are held. */
  readonly chars?: number;
  /**
   * Emit whole words, sentences or lines only: a flush emits the held text up to its last boundary and keeps
   * the rest for the next one. Alone (no `count`, `time`, `chars`), every boundary flushes: one chunk per
   * word, sentence or line. `'word'`: after whitespace; `'sentence'`: after `.`, `!` or `?` followed by
   * whitespace (the whitespace goes with the sentence) or ending the held text; `'line'`: after `'\n'`.
   * Completion, a final chunk and an error flush everything.
   */
  readonly boundary?: ChunkBoundary;
  /** Timer for `time`. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/**
 * Merges runs of chunks into one chunk: fewer, larger updates for a UI, a socket or text-to-speech.
 *
 * ```
 * <!-- diagram: bufferChunks/count, bufferChunks/time, bufferChunks/boundary -->
 * source:   -a-b-c-d-e-F|
 * bufferChunks(2)
 * result:   ---x---y---G|          x = a+b, y = c+d, G = e+F (final)
 * upstream: ^-----------!
 *
 * source:   -a 9ms b 30ms c--|
 * bufferChunks({ time: 20 })
 * result:   - 20ms x 23ms (c|)     x = a+b, 20 ms after a was held; c flushed at completion
 *
 * source:   -a-b-c---F|            a = 'Hel', b = 'lo\nWor', c = 'ld\nA\nB', F = final 'C'
 * bufferChunks({ boundary: 'line' })
 * result:   ---x-(yz)G|            x = 'Hello\n', y = 'World\n', z = 'A\n', G = 'BC' (final)
 * ```
 *
 * A merged chunk joins the contents in order, shallow-merges the metadata with later chunks winning
 * (except `thinking`, which is concatenated), and takes the last chunk's timestamp. A flush happens when
 * `count` chunks or `chars` characters are held, or `time` ms after the first held chunk; with a `boundary`
 * it emits only up to the last boundary and keeps the rest. A final chunk flushes everything held merged
 * into itself, so the stream still ends with exactly one final chunk. Completion flushes what is held;
 * an error flushes it before the error. Tool-call fragments (`metadata.toolCallDelta`) merge only with
 * fragments of the same call (`index`): `argumentsDelta` concatenated, the first `id` and `name` kept;
 * any other chunk flushes them first. A chunk marked `metadata.standalone` (an agent's tool result, one per
 * call it ran) is never merged: it flushes what is held and passes alone. With `boundary` alone, a chunk without text (a thinking delta, say)
 * passes at once while no text is held. Text is never dropped, duplicated or reordered.
 *
 * ## Examples
 *
 * At most ten updates a second for a UI:
 *
 * ```ts
 * import { bufferChunks, openai } from 'agenticraft-rx';
 *
 * openai()
 *   .stream({ messages: [{ role: 'user', content: 'Tell me a story' }] })
 *   .pipe(bufferChunks({ time: 100 }))
 *   .subscribe((c) => render(c.content));
 * ```
 *
 * Whole sentences for text-to-speech, and whole lines for a line-oriented consumer:
 *
 * ```ts
 * import { bufferChunks, mockStream } from 'agenticraft-rx';
 *
 * mockStream('Hi there. How are you? Fine.', { chunkSize: 4 })
 *   .pipe(bufferChunks({ boundary: 'sentence' }))
 *   .subscribe((c) => console.log(JSON.stringify(c.content))); // "Hi there. ", "How are you? ", "Fine.", ""
 *
 * mockStream('a,1\nb,2\nc,3', { chunkSize: 3 }).pipe(bufferChunks({ boundary: 'line' })).subscribe(console.log);
 * ```
 *
 * @see {@link interruptAfter} to stop a stream at a limit instead
 *
 * @param config A chunk `count`, or a {@link BufferChunksConfig}.
 * @returns A function that returns an Observable of merged chunks with the same text, in the same order.
 * @throws {TypeError | RangeError} at call time when an option is invalid or none is given.
 */
export function bufferChunks(config: number | BufferChunksConfig): OperatorFunction<StreamChunk, StreamChunk> {
  const { count, time, chars, boundary, scheduler } = resolveConfig(config);
  const boundaryOnly = boundary !== undefined && count === undefined && time === undefined && chars === undefined;

  return chunkOperator((source: Observable<StreamChunk>, checked) =>
    new Observable<StreamChunk>((subscriber) => {
      let held: StreamChunk[] = [];
      /** Characters held. */
      let heldChars = 0;
      /** Source chunks held since the last flush (a kept remainder counts 0). */
      let heldCount = 0;
      /** The `toolCallDelta.index` of what is held; undefined for plain chunks. */
      let group: number | undefined;
      /** Position in the held text just after its last boundary; 0 when there is none. */
      let cut = 0;
      /** The held text's last character, to spot a sentence end split across two chunks. */
      let lastChar = '';
      /** A `time` flush found no boundary: flush as soon as one arrives. */
      let due = false;
      let timer: Subscription | undefined;

      const stopTimer = (): void => {
        timer?.unsubscribe();
        timer = undefined;
      };
      const startTimer = (): void => {
        if (time !== undefined && timer === undefined) {
          timer = scheduleAfter(scheduler, time, () => {
            timer = undefined;
            flush();
          });
        }
      };

      const reset = (): void => {
        held = [];
        heldChars = 0;
        heldCount = 0;
        group = undefined;
        cut = 0;
        lastChar = '';
        due = false;
        stopTimer();
      };

      const hold = (value: StreamChunk, counted: boolean): void => {
        if (held.length === 0) {
          group = value.metadata.toolCallDelta?.index;
          startTimer();
        }
        held.push(value);
        if (counted) heldCount++;
        const text = value.content;
        if (text.length === 0) return;
        if (boundary !== undefined) {
          const at = lastBoundary(text, boundary, lastChar);
          if (at > 0) cut = heldChars + at;
          lastChar = text[text.length - 1] ?? '';
        }
        heldChars += text.length;
      };

      /** Where a flush may cut the held text now: its length when anything goes. */
      const cutPosition = (): number => {
        if (boundary === undefined || group !== undefined) return heldChars;
        if (boundary === 'sentence' && isSentenceEnd(lastChar)) return heldChars;
        return cut;
      };

      /** Emits everything held as one chunk (merged into `final` when given). */
      const flushAll = (final?: StreamChunk): void => {
        if (final !== undefined) held.push(final);
        if (held.length === 0) return;
        const out = merge(held, final !== undefined);
        reset();
        subscriber.next(out);
      };

      /** Emits the held text up to the last boundary (every boundary when `boundary` is alone); keeps the rest. */
      const flush = (): void => {
        const at = cutPosition();
        if (heldChars === 0 || (at >= heldChars && !boundaryOnly)) {
          flushAll();
          return;
        }
        if (at <= 0) {
          due = true;
          return;
        }
        const whole = merge(held, false);
        const text = whole.content;
        const ends = boundaryOnly ? boundaries(text.slice(0, at), boundary ?? 'line') : [at];
        const rest = withoutDeltas(whole.metadata);
        const pieces: StreamChunk[] = [];
        let from = 0;
        for (const end of ends) {
          pieces.push(merged(text.slice(from, end), from === 0 ? whole.metadata : rest, whole.timestamp, false));
          from = end;
        }
        reset();
        if (from < text.length) hold(merged(text.slice(from), rest, whole.timestamp, false), false);
        for (const piece of pieces) subscriber.next(piece);
      };

      const upstream = source.subscribe(
        new BufferChunksForwarder<StreamChunk>(
          (value) => {
            try {
              if (!checked) assertStreamChunk('bufferChunks', value);
              // A restarted attempt begins: what is held belongs to the superseded one — dropped, not sent.
              if (value.metadata.reset === true) {
                stopTimer();
                reset();
                subscriber.next(value);
                return;
              }
              // An event of its own (an agent's tool result, say): never merged.
              if (value.metadata.standalone === true && !value.isFinal) {
                flushAll();
                if (!subscriber.closed) subscriber.next(value);
                return;
              }
              if (held.length > 0 && value.metadata.toolCallDelta?.index !== group) {
                flushAll();
                if (subscriber.closed) return;
              }
              if (value.isFinal) {
                flushAll(value);
                return;
              }
              hold(value, true);
              if (
                boundaryOnly
                  ? group === undefined && (heldChars === 0 || cutPosition() > 0)
                  : due || (count !== undefined && heldCount >= count) || (chars !== undefined && heldChars >= chars)
              ) {
                flush();
              }
            } catch (error) {
              // A value that is not a chunk: the stream's error, not an uncaught exception. What was held
              // before it still goes out first, as before any error (unless the bad value itself got held).
              if (!held.includes(value)) flushAll();
              subscriber.error(error);
            }
          },
          (error) => {
            flushAll();
            subscriber.error(error);
          },
          () => {
            flushAll();
            subscriber.complete();
          },
        ),
      );

      return () => {
        stopTimer();
        upstream.unsubscribe();
      };
    }),
  );
}

function resolveConfig(config: number | BufferChunksConfig): BufferChunksConfig & { scheduler: SchedulerLike } {
  if (typeof config === 'number') {
    assertPositiveInteger('bufferChunks: count', config);
    return { count: config, scheduler: asyncScheduler };
  }
  assertObject('bufferChunks: config', config);
  const { count, time, chars, boundary, scheduler = asyncScheduler } = config;
  if (count === undefined && time === undefined && chars === undefined && boundary === undefined) {
    throw new TypeError('bufferChunks: one of count, time, chars or boundary is required');
  }
  if (count !== undefined) assertPositiveInteger('bufferChunks: count', count);
  if (time !== undefined) assertPositiveNumber('bufferChunks: time', time);
  if (chars !== undefined) assertPositiveInteger('bufferChunks: chars', chars);
  if (boundary !== undefined) assertOneOf('bufferChunks: boundary', boundary, ['word', 'sentence', 'line'] as const);
  assertScheduler('bufferChunks: scheduler', scheduler);
  return { count, time, chars, boundary, scheduler };
}

function isSentenceEnd(char: string | undefined): boolean {
  return char === '.' || char === '!' || char === '?';
}

function isSpace(char: string | undefined): boolean {
  return char !== undefined && /\s/.test(char);
}

/**
 * The position just after the last boundary inside `text` (0 when none), scanning from the end so a
 * chunk usually costs a few characters. `before` is the character preceding `text`.
 */
function lastBoundary(text: string, boundary: ChunkBoundary, before: string): number {
  if (boundary === 'line') return text.lastIndexOf('\n') + 1;
  for (let i = text.length - 1; i >= 0; i--) {
    if (!isSpace(text[i])) continue;
    if (boundary === 'word' || isSentenceEnd(i > 0 ? text[i - 1] : before)) return i + 1;
  }
  return 0;
}

/** Every boundary position in `text` (which ends at one), in order. */
function boundaries(text: string, boundary: ChunkBoundary): number[] {
  const ends: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const end =
      boundary === 'line'
        ? c === '\n'
        : boundary === 'word'
          ? isSpace(c)
          : (isSpace(c) && isSentenceEnd(text[i - 1])) || (i === text.length - 1 && isSentenceEnd(c));
    if (end) ends.push(i + 1);
  }
  if (ends[ends.length - 1] !== text.length) ends.push(text.length);
  return ends;
}

function merged(content: string, metadata: ChunkMetadata, timestamp: number, isFinal: boolean): StreamChunk {
  return { content, metadata, isFinal, timestamp };
}

/** Metadata for text that follows the first piece of a split: `thinking` and tool deltas went with the first. */
function withoutDeltas(metadata: ChunkMetadata): ChunkMetadata {
  if (metadata.thinking === undefined && metadata.toolCallDelta === undefined) return metadata;
  const { thinking: _thinking, toolCallDelta: _toolCallDelta, ...rest } = metadata;
  return rest;
}

/** One chunk out of a run: contents joined, metadata merged (later wins; `thinking` and tool deltas joined). */
function merge(chunks: readonly StreamChunk[], isFinal: boolean): StreamChunk {
  const last = chunks[chunks.length - 1] as StreamChunk;
  if (chunks.length === 1) return last;
  const first = chunks[0] as StreamChunk;
  let content = first.content;
  let token = first.token;
  let thinking = first.metadata.thinking;
  let delta = first.metadata.toolCallDelta;
  // Copied only when a chunk brings different metadata: most runs share one metadata object.
  let metadata: Record<string, unknown> | undefined;
  let previous = first.metadata;
  for (let i = 1; i < chunks.length; i++) {
    const c = chunks[i] as StreamChunk;
    content += c.content;
    if (c.token !== undefined) token = token === undefined ? c.token : token + c.token;
    const m = c.metadata;
    if (m.thinking !== undefined) thinking = thinking === undefined ? m.thinking : thinking + m.thinking;
    if (m.toolCallDelta !== undefined) delta = delta === undefined ? m.toolCallDelta : mergeDelta(delta, m.toolCallDelta);
    if (m !== previous) {
      metadata = mergeObjects(metadata ?? first.metadata, m);
      previous = m;
    }
  }
  let out: ChunkMetadata = metadata ?? first.metadata;
  if (thinking !== out.thinking || delta !== out.toolCallDelta) {
    const copy: Record<string, unknown> = metadata ?? mergeObjects(out, undefined);
    if (thinking !== undefined) copy['thinking'] = thinking;
    if (delta !== undefined) copy['toolCallDelta'] = delta;
    out = copy;
  }
  const result: { -readonly [K in keyof StreamChunk]: StreamChunk[K] } = { content, metadata: out, isFinal, timestamp: last.timestamp };
  if (token !== undefined) result.token = token;
  return result;
}

function mergeDelta(a: ToolCallDelta, b: ToolCallDelta): ToolCallDelta {
  const out: { -readonly [K in keyof ToolCallDelta]: ToolCallDelta[K] } = { index: a.index, argumentsDelta: a.argumentsDelta + b.argumentsDelta };
  const id = a.id ?? b.id;
  const name = a.name ?? b.name;
  if (id !== undefined) out.id = id;
  if (name !== undefined) out.name = name;
  return out;
}

import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { assertStreamChunk, type ChunkMetadata, type FinishReason, type StreamChunk, type ToolCall, type Usage } from './chunk.js';
import { mergeObjects } from './mergeObjects.js';

export interface StreamingResponseOptions {
  /** Keep every chunk in `chunks`. Without it only the text, counters and final metadata are held. @default true */
  readonly keepChunks?: boolean;
  /** @default scheduler.now() */
  readonly startTime?: number;
  /** Clock for `startTime` and `end()`. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/**
 * Content is appended to a rope (`+=`, the cheapest append there is) that is copied into one flat string
 * every this many pieces, so the text is held as a flat string instead of a rope node per chunk.
 */
const FLATTEN_EVERY = 512;

/** A flat copy of a string built by `+=` (slicing needs a flat string; the rope's nodes become garbage). */
function flatten(rope: string): string {
  return ` ${rope}`.slice(1);
}

/**
 * `addChunk` without its check, for the library's operators and providers: a chunk they made, or one their
 * source is known to have checked already (`emitsCheckedChunks` in chunk.ts). Not exported from the package.
 */
export let appendChecked: (response: StreamingResponse, chunk: StreamChunk) => StreamingResponse;

const NO_TOOL_CALLS: readonly ToolCall[] = Object.freeze([]);

/**
 * The accumulated state of one streamed response: text, counters, and what the final chunk reported.
 *
 * ```ts
 * const response = new StreamingResponse();
 * for await (const c of agent.stream('List the planets')) response.addChunk(c);
 * console.log(response.completeText, response.duration, response.chunkCount);
 * ```
 */
export class StreamingResponse {
  readonly startTime: number;
  endTime?: number;
  /** Merged metadata: provider/model from the first chunk, then everything the final chunk reported. */
  metadata: ChunkMetadata = {};
  usage?: Usage;
  finishReason?: FinishReason;
  toolCalls: readonly ToolCall[] = NO_TOOL_CALLS;
  readonly keepChunks: boolean;

  readonly #chunks: StreamChunk[] = [];
  readonly #scheduler: SchedulerLike;
  /** Flat blocks of text, then the rope of the latest pieces. */
  #text = '';
  #rope = '';
  #ropePieces = 0;
  #thinking = '';
  #count = 0;

  constructor(options: StreamingResponseOptions = {}) {
    this.keepChunks = options.keepChunks ?? true;
    this.#scheduler = options.scheduler ?? asyncScheduler;
    this.startTime = options.startTime ?? this.#scheduler.now();
  }

  /** Every chunk added, in order (empty when `keepChunks` is false). */
  get chunks(): readonly StreamChunk[] {
    return this.#chunks;
  }

  /** All content joined. */
  get completeText(): string {
    if (this.#ropePieces > 0) this.#flattenRope();
    return this.#text;
  }

  /** All `metadata.thinking` joined. */
  get thinking(): string {
    return this.#thinking;
  }

  /** Chunks added so far: a counter, right also when chunks are not kept. */
  get chunkCount(): number {
    return this.#count;
  }

  get totalTokens(): number | undefined {
    return this.usage?.totalTokens;
  }

  /** `endTime - startTime` once the response ended, else undefined. */
  get duration(): number | undefined {
    return this.endTime === undefined ? undefined : this.endTime - this.startTime;
  }

  /**
   * Adds a chunk: its text to `completeText`, its thinking to `thinking`, and — from the final chunk — usage,
   * finish reason and tool calls. A reset chunk (`metadata.reset: true`) discards everything held so far.
   * @throws {TypeError} for a value that is not a chunk.
   */
  addChunk(chunk: StreamChunk): this {
    assertStreamChunk('StreamingResponse.addChunk', chunk);
    return this.#add(chunk);
  }

  static {
    appendChecked = (response, chunk) => response.#add(chunk);
  }

  #add(chunk: StreamChunk): this {
    // A restarted attempt begins (retryStream's 'restart'): what was accumulated is superseded.
    if (chunk.metadata.reset === true) return this.#reset();
    if (this.#count === 0) {
      const { provider, model } = chunk.metadata;
      if (provider !== undefined || model !== undefined) this.metadata = { provider, model };
    }
    this.#count++;
    if (this.keepChunks) this.#chunks.push(chunk);
    if (chunk.content.length > 0) {
      this.#rope += chunk.content;
      if (++this.#ropePieces >= FLATTEN_EVERY) this.#flattenRope();
    }
    const { thinking } = chunk.metadata;
    if (thinking !== undefined) this.#thinking += thinking;
    if (chunk.isFinal) this.#applyFinal(chunk);
    return this;
  }

  /** Marks the response ended (a final chunk does this itself). */
  end(time: number = this.#scheduler.now()): this {
    if (this.endTime === undefined) this.endTime = time;
    return this;
  }

  /** A copy of the current state; `chunks` copied too when kept. */
  snapshot(): StreamingResponse {
    const copy = new StreamingResponse({ keepChunks: this.keepChunks, startTime: this.startTime, scheduler: this.#scheduler });
    if (this.keepChunks) for (const c of this.#chunks) copy.#chunks.push(c); // no spread: it overflows the stack past ~120k chunks
    copy.#text = this.completeText;
    copy.#thinking = this.#thinking;
    copy.#count = this.#count;
    copy.metadata = this.metadata;
    copy.usage = this.usage;
    copy.finishReason = this.finishReason;
    copy.toolCalls = this.toolCalls;
    copy.endTime = this.endTime;
    return copy;
  }

  toJSON(): Record<string, unknown> {
    return {
      completeText: this.completeText,
      chunkCount: this.chunkCount,
      startTime: this.startTime,
      endTime: this.endTime,
      duration: this.duration,
      usage: this.usage,
      finishReason: this.finishReason,
      toolCalls: this.toolCalls,
      metadata: this.metadata,
    };
  }

  /** Forgets the text, chunks, counters and final metadata; the start time stays. */
  #reset(): this {
    this.#chunks.length = 0;
    this.#text = '';
    this.#rope = '';
    this.#ropePieces = 0;
    this.#thinking = '';
    this.#count = 0;
    this.metadata = {};
    delete this.usage;
    delete this.finishReason;
    this.toolCalls = NO_TOOL_CALLS;
    delete this.endTime;
    return this;
  }

  #flattenRope(): void {
    this.#text += flatten(this.#rope);
    this.#rope = '';
    this.#ropePieces = 0;
  }

  #applyFinal(chunk: StreamChunk): void {
    const { usage, finishReason, toolCalls } = chunk.metadata;
    this.metadata = mergeObjects(this.metadata, chunk.metadata);
    if (usage !== undefined) this.usage = usage;
    if (finishReason !== undefined) this.finishReason = finishReason;
    if (toolCalls !== undefined) this.toolCalls = toolCalls;
    this.end(chunk.timestamp);
  }
}

import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import { mergeObjects } from './mergeObjects.js';

/** Token counts for one response, normalised across providers. */
export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

/** A complete, parsed tool call, as it appears on the final chunk. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: unknown;
}

/**
 * A tool call the token limit cut off before its arguments were complete (on a final chunk with
 * `finishReason: 'length'`, in `metadata.incompleteToolCalls`): never in `toolCalls`, so never run.
 */
export interface IncompleteToolCall {
  readonly id: string;
  readonly name: string;
  /** The arguments' JSON text as far as it arrived. */
  readonly argumentsText: string;
}

/** One streamed fragment of a tool call's arguments. `index` orders parallel calls. */
export interface ToolCallDelta {
  readonly index: number;
  readonly id?: string;
  readonly name?: string;
  readonly argumentsDelta: string;
}

/** Normalised reasons a stream ended; `rawFinishReason` keeps the provider's own word. */
export type FinishReason =
  | 'stop'
  | 'length'
  | 'tool_calls'
  | 'content_filter'
  | 'interrupted'
  | 'error'
  | (string & {});

/** The outcome of one tool call an agent ran: reported on a chunk as `metadata.toolResult` and sent back to the model. */
export type ToolResult =
  | { readonly toolCallId: string; readonly name: string; readonly result: unknown }
  | { readonly toolCallId: string; readonly name: string; readonly error: string };

/**
 * Why a stream was stopped: 'timeout', an `interruptAfter` limit ('chars', 'chunks', 'time', 'when',
 * 'notifier', 'signal'), 'manager' (`StreamingManager.interrupt`) or 'error' (the source failed; see `cause`).
 */
export type InterruptReason =
  | 'timeout'
  | 'chars'
  | 'chunks'
  | 'time'
  | 'when'
  | 'notifier'
  | 'signal'
  | 'manager'
  | 'error'
  | (string & {});

/** Progress of a stream up to and including one chunk, in `chunk.metadata.metrics` (added by `streamMetrics`). */
export interface StreamMetrics {
  /** ms since the stream was subscribed. */
  readonly elapsedMs: number;
  /** ms from subscribing to the first chunk (time to first token). */
  readonly timeToFirstChunkMs: number;
  /** Chunks so far, this one included. */
  readonly chunks: number;
  /** Characters of content so far (`string.length`). */
  readonly chars: number;
  /**
   * Output tokens so far: an estimate of `ceil(chars / 4)`, or on the final chunk the provider's
   * `usage.outputTokens` when it reports one.
   */
  readonly tokens: number;
  /** `tokens` per second of `elapsedMs`; 0 while no time has passed. */
  readonly tokensPerSecond: number;
}

/**
 * What a chunk says besides its text. Every field the library itself writes is declared here; other keys
 * (a user's own, a provider's extras) are allowed and pass through every operator.
 */
export interface ChunkMetadata {
  /** 'openai' | 'anthropic' | 'ollama' | 'mock' | ... */
  readonly provider?: string;
  readonly model?: string;
  /** The wire event that produced the chunk (Anthropic: 'content_block_delta', ...; the agent: 'tool_calls', 'tool_result'). */
  readonly eventType?: string;
  readonly finishReason?: FinishReason;
  /** The provider's own finish word: 'end_turn', 'max_tokens', 'tool_use', ... */
  readonly rawFinishReason?: string;
  /** On the final chunk whenever the provider reports it (an agent's: summed over its tool rounds). */
  readonly usage?: Usage;
  /** Complete, parsed calls, on the final chunk (an agent's: every call it ran in the turn). */
  readonly toolCalls?: readonly ToolCall[];
  /**
   * On a final chunk with `finishReason: 'length'`: the calls the token limit cut off mid-arguments. They are
   * left out of `toolCalls`, so an agent never runs them; complete calls before them stay in `toolCalls`.
   */
  readonly incompleteToolCalls?: readonly IncompleteToolCall[];
  /** Streamed argument fragments as they arrive. */
  readonly toolCallDelta?: ToolCallDelta;
  /**
   * The model refused (OpenAI's `refusal`). The refusal text is the answer, so it streams as `content` too;
   * on those deltas this is the delta's text, and on the final chunk (`finishReason: 'content_filter'`) the
   * whole refusal. Anthropic reports a refusal only as its stop reason: `finishReason: 'content_filter'`,
   * `rawFinishReason: 'refusal'`, no text.
   */
  readonly refusal?: string;
  /** Reasoning delta; never mixed into `content`. */
  readonly thinking?: string;
  /**
   * Discard what was accumulated: a restarted attempt begins. Operators that accumulate (collectResponse,
   * scanResponse, bufferChunks, streamMetrics, interruptAfter's counts) start over at this chunk.
   */
  readonly reset?: boolean;
  /**
   * An event of its own, never merged with other chunks: `bufferChunks` flushes what it holds and passes it
   * alone. The agent sets it on tool results; set it on any chunk of yours that must stay whole.
   */
  readonly standalone?: boolean;
  /** The agent ran a tool call: its result or error (one chunk per call, `eventType: 'tool_result'`). */
  readonly toolResult?: ToolResult;
  /** On an agent's final chunk after tool rounds: what each call returned, in call order. */
  readonly toolResults?: readonly ToolResult[];
  /** On an agent's final chunk after tool rounds: how many rounds of tool calls ran. */
  readonly toolRounds?: number;
  /** On the final chunk of a stream retryStream restarted or resumed (`afterContent`): how many attempts it took. */
  readonly attempts?: number;
  /** On the final chunk of a stream `interruptAfter` or a `StreamingManager` stopped (`finishReason: 'interrupted'`): why. */
  readonly interruptedBy?: InterruptReason;
  /** Added by `streamMetrics`: the stream's progress up to this chunk. */
  readonly metrics?: StreamMetrics;
  readonly [key: string]: unknown;
}

export interface StreamChunk {
  /** Text delta; '' for metadata-only chunks such as the final one. */
  readonly content: string;
  readonly token?: string;
  readonly metadata: ChunkMetadata;
  /** Exactly one final chunk ends every provider stream. */
  readonly isFinal: boolean;
  /** `scheduler.now()` when the chunk was made. */
  readonly timestamp: number;
}

export interface ChunkInit {
  readonly token?: string;
  readonly metadata?: ChunkMetadata;
  /** @default false */
  readonly isFinal?: boolean;
  /** @default scheduler.now() */
  readonly timestamp?: number;
  /** Clock for the default timestamp. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

const EMPTY_METADATA: ChunkMetadata = Object.freeze({});

/**
 * Makes a `StreamChunk`.
 *
 * ```ts
 * chunk('Hello');                                          // a content delta
 * chunk('', { isFinal: true, metadata: { finishReason: 'stop' } }); // a final chunk
 * ```
 */
export function chunk(content: string, init: ChunkInit = {}): StreamChunk {
  if (typeof content !== 'string') {
    throw new TypeError(`chunk(content): content must be a string, got ${typeof content}`);
  }
  const out: { -readonly [K in keyof StreamChunk]: StreamChunk[K] } = {
    content,
    metadata: init.metadata ?? EMPTY_METADATA,
    isFinal: init.isFinal ?? false,
    timestamp: init.timestamp ?? (init.scheduler ?? asyncScheduler).now(),
  };
  if (init.token !== undefined) out.token = init.token;
  return out;
}

/** Makes the final chunk of a stream: no content unless given, `isFinal: true`. */
export function finalChunk(metadata: ChunkMetadata = {}, init: Omit<ChunkInit, 'isFinal' | 'metadata'> = {}): StreamChunk {
  return chunk('', mergeObjects(init, { metadata, isFinal: true }));
}

/**
 * The library's own chunk streams — providers, `mockStream`, and the operators' results — each of whose values is
 * a chunk it made or checked. An operator applied to one of them skips the check every chunk would otherwise get
 * (checking once at the edge of a pipeline, not once per operator); a stream from anywhere else is checked.
 */
const CHECKED = new WeakSet<Observable<unknown>>();

/** Marks `source` as one of the library's chunk streams ({@link emitsCheckedChunks}). Returns `source`. */
export function checkedChunks<S extends Observable<StreamChunk>>(source: S): S {
  CHECKED.add(source);
  return source;
}

/** Whether every value of `source` is a chunk the library made or checked: its operators then need not check again. */
export function emitsCheckedChunks(source: Observable<unknown>): boolean {
  return CHECKED.has(source);
}

/**
 * The error for a value that is not a chunk where one was expected: names the place (`where`: the operator)
 * and what arrived, without printing the value itself (it may be large or hold secrets).
 */
export function notAChunk(where: string, value: unknown): TypeError {
  return new TypeError(`${where}: expected a StreamChunk ({ content: string, metadata: object, isFinal: boolean }), got ${describeValue(value)}`);
}

/** Throws {@link notAChunk} unless `value` is a chunk. */
export function assertStreamChunk(where: string, value: unknown): asserts value is StreamChunk {
  if (!isStreamChunk(value)) throw notAChunk(where, value);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value !== 'object') return typeof value === 'string' ? `a string of ${value.length} characters` : `a ${typeof value}`;
  const c = value as Record<string, unknown>;
  const wrong = (['content', 'metadata', 'isFinal'] as const).filter((key) =>
    key === 'content' ? typeof c[key] !== 'string' : key === 'isFinal' ? typeof c[key] !== 'boolean' : typeof c[key] !== 'object' || c[key] === null,
  );
  return `an object whose ${wrong.map((key) => `${key} is ${c[key] === null ? 'null' : typeof c[key]}`).join(', ')}`;
}

/** Whether a value has the shape of a `StreamChunk` (works across realms and copies of the library). */
export function isStreamChunk(value: unknown): value is StreamChunk {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return typeof c['content'] === 'string' && typeof c['isFinal'] === 'boolean' && typeof c['metadata'] === 'object' && c['metadata'] !== null;
}

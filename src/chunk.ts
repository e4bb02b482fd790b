import { asyncScheduler, type SchedulerLike } from 'rxjs';
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

export interface ChunkMetadata {
  /** 'openai' | 'anthropic' | 'ollama' | 'mock' | ... */
  readonly provider?: string;
  readonly model?: string;
  /** The wire event that produced the chunk (Anthropic: 'content_block_delta', ...). */
  readonly eventType?: string;
  readonly finishReason?: FinishReason;
  /** The provider's own finish word: 'end_turn', 'max_tokens', 'tool_use', ... */
  readonly rawFinishReason?: string;
  /** On the final chunk whenever the provider reports it. */
  readonly usage?: Usage;
  /** Complete, parsed calls, on the final chunk. */
  readonly toolCalls?: readonly ToolCall[];
  /** Streamed argument fragments as they arrive. */
  readonly toolCallDelta?: ToolCallDelta;
  /** Reasoning delta; never mixed into `content`. */
  readonly thinking?: string;
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

/** Whether a value has the shape of a `StreamChunk` (works across realms and copies of the library). */
export function isStreamChunk(value: unknown): value is StreamChunk {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return typeof c['content'] === 'string' && typeof c['isFinal'] === 'boolean' && typeof c['metadata'] === 'object' && c['metadata'] !== null;
}

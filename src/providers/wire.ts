/** Wire helpers the SDK providers share: tool-call arguments as they arrive and as requests need them, chunk metadata. */
import type { ChunkMetadata, IncompleteToolCall, ToolCall } from '../chunk.js';

/** Tool-call arguments from the wire: '' means none (`{}`); malformed JSON stays the raw string so the agent can report it to the model. */
export function parseToolArguments(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/**
 * Tool-call arguments as the object Anthropic's `tool_use.input` and Ollama's `arguments` require: an
 * object as it is, malformed arguments kept as a raw string re-parsed if possible, anything else `{}`.
 */
export function toolArgumentsObject(args: unknown): Record<string, unknown> {
  if (isRecord(args)) return args;
  if (typeof args === 'string') {
    try {
      const parsed: unknown = JSON.parse(args);
      if (isRecord(parsed)) return parsed;
    } catch {
      // not JSON: no arguments
    }
  }
  return {};
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Metadata for a provider's chunks: `{ provider, model, eventType, ...extra }`. Without `extra` (plain
 * content) it is one frozen object shared while model and event type stay the same (chunks are immutable),
 * so the hot path allocates no metadata per chunk.
 */
export function contentMetadata(provider: string): (model: string, eventType: string, extra?: ChunkMetadata) => ChunkMetadata {
  let last: ChunkMetadata | undefined;
  return (model, eventType, extra) => {
    if (last === undefined || last.model !== model || last.eventType !== eventType) last = Object.freeze({ provider, model, eventType });
    return extra ? { ...last, ...extra } : last; // `last` is frozen, which keeps this spread off the slow path (see mergeObjects)
  };
}


/** A tool call as a decoder has it when the stream ends: its arguments text, or arguments already parsed (Anthropic's `input`, Ollama's object). */
export interface FinishedToolCall {
  readonly id: string;
  readonly name: string;
  readonly argumentsText: string;
  /** Arguments that arrived as a value rather than text; used when `argumentsText` is ''. */
  readonly arguments?: unknown;
}

/**
 * The calls of a finished response, split into the complete ones (`toolCalls`, which an agent runs) and
 * those the token limit cut off (`incompleteToolCalls`, never run). Only when `truncated` (the response
 * ended at the token limit) is a call incomplete: its arguments are not a whole JSON value, or it is the
 * last call and has no arguments yet. Otherwise malformed arguments stay the raw string, as the model wrote
 * them, so the agent can tell the model.
 */
export function splitToolCalls(calls: readonly FinishedToolCall[], truncated: boolean): { calls: ToolCall[]; incomplete: IncompleteToolCall[] } {
  const complete: ToolCall[] = [];
  const incomplete: IncompleteToolCall[] = [];
  calls.forEach((call, i) => {
    const text = call.argumentsText;
    const cut = truncated && (text.trim() === '' ? i === calls.length - 1 && call.arguments === undefined : !isJsonText(text));
    if (cut) incomplete.push({ id: call.id, name: call.name, argumentsText: text });
    else complete.push({ id: call.id, name: call.name, arguments: text === '' && call.arguments !== undefined ? call.arguments : parseToolArguments(text) });
  });
  return { calls: complete, incomplete };
}

/** Whether `text` parses as JSON. */
export function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

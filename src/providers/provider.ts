import type { Observable } from 'rxjs';
import type { StreamChunk, ToolCall } from '../chunk.js';
import type { Tool } from '../agent/tools.js';

export interface Message {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  readonly content: string;
  /** On assistant messages: the calls the model made. */
  readonly toolCalls?: readonly ToolCall[];
  /** On tool messages: the call this result answers. */
  readonly toolCallId?: string;
  /** On tool messages: the tool's name (Ollama sends it as `tool_name`). */
  readonly name?: string;
}

export interface ChatRequest {
  readonly messages: readonly Message[];
  /** Overrides the provider's model for this request. */
  readonly model?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly topP?: number;
  readonly frequencyPenalty?: number;
  readonly presencePenalty?: number;
  readonly stop?: readonly string[];
  readonly tools?: readonly Tool[];
  /** Provider-specific request fields, merged into the native request body last (e.g. `{ think: true }` for Ollama). */
  readonly providerOptions?: Readonly<Record<string, unknown>>;
}

export interface ProviderInfo {
  readonly provider: string;
  readonly model: string;
  readonly supportsStreaming: boolean;
  readonly supportsTools: boolean;
  readonly supportsThinking?: boolean;
  readonly baseURL?: string;
  readonly [key: string]: unknown;
}

/** An LLM behind a cold Observable: subscribe = one request, unsubscribe = abort it. */
export interface Provider {
  readonly name: string;
  readonly model: string;
  info(): ProviderInfo;
  stream(request: ChatRequest): Observable<StreamChunk>;
}

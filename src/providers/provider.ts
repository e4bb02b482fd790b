import type { Observable } from 'rxjs';
import type { StreamChunk, ToolCall } from '../chunk.js';
import type { Tool } from '../tools/tool.js';

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

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);

/**
 * Checks that each message has a known role and a string content; `where` names the call for the error
 * (`'openai: stream(request): messages'`, `'agent.stream(prompt)'`). One check for the agent and the providers.
 */
export function assertMessages(where: string, messages: readonly Message[]): void {
  messages.forEach((message: Message, i) => {
    if (typeof message !== 'object' || message === null || !ROLES.has(message.role) || typeof message.content !== 'string') {
      throw new TypeError(`${where}[${i}] needs a role (system, user, assistant or tool) and a string content`);
    }
  });
}

/** Checks a request's shape at `provider.stream(request)`: a bad request fails at the call, before anything is sent. */
export function assertChatRequest(provider: string, request: ChatRequest): void {
  if (typeof request !== 'object' || request === null) throw new TypeError(`${provider}: stream(request): request must be an object`);
  if (!Array.isArray(request.messages)) throw new TypeError(`${provider}: stream(request): request.messages must be an array`);
  assertMessages(`${provider}: stream(request): messages`, request.messages);
}

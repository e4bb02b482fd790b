// agenticraft-rx/angular: LLM streams as Angular signals and resources (@angular/core >= 21, an optional peer).
export { completionResource } from './completionResource.js';
export type { AgentCompletionConfig, CompletionResource, CompletionResourceConfig, LoadedCompletionResource, StreamCompletionConfig } from './completionResource.js';
export { chatResource } from './chatResource.js';
export type {
  AgentChatConfig,
  ChatMessage,
  ChatPolicy,
  ChatResource,
  ChatResourceConfig,
  ChatStatus,
  ChatTurnInput,
  ChatTurnStatus,
  StreamChatConfig,
} from './chatResource.js';
export type { StreamResource } from './streamResource.js';

// Data
export { chunk, finalChunk, isStreamChunk } from './chunk.js';
export type { StreamChunk, ChunkMetadata, ChunkInit, Usage, ToolCall, ToolCallDelta, FinishReason } from './chunk.js';
export { StreamingResponse } from './response.js';
export type { StreamingResponseOptions } from './response.js';

// Errors
export { AgenticraftError, isAgenticraftError } from './errors/AgenticraftError.js';
export { ProviderError, isProviderError, isRetryableStatus } from './errors/ProviderError.js';
export type { ProviderErrorOptions } from './errors/ProviderError.js';
export { StreamInterruptedError, isStreamInterruptedError, toStreamInterruptedError } from './errors/StreamInterruptedError.js';
export type { InterruptReason, StreamInterruptedErrorOptions } from './errors/StreamInterruptedError.js';
export { StreamTimeoutError, isStreamTimeoutError } from './errors/StreamTimeoutError.js';
export type { StreamTimeoutErrorOptions, TimeoutPhase } from './errors/StreamTimeoutError.js';

// Sources
export { mockStream } from './sources/mockStream.js';
export type { MockStreamConfig } from './sources/mockStream.js';
export type { Provider, ProviderInfo, ChatRequest, Message } from './providers/provider.js';

// Tools
export { defineTool, toolJsonSchema, validateToolArguments } from './agent/tools.js';
export type { Tool, ToolConfig, ToolContext, JsonSchema, ValidationResult } from './agent/tools.js';
export type { StandardSchemaV1 } from './agent/standardSchema.js';

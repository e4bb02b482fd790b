// Data
export { chunk, finalChunk, isStreamChunk } from './chunk.js';
export type {
  StreamChunk,
  ChunkMetadata,
  ChunkInit,
  Usage,
  ToolCall,
  ToolCallDelta,
  ToolResult,
  IncompleteToolCall,
  FinishReason,
  InterruptReason,
  StreamMetrics,
} from './chunk.js';
export { StreamingResponse } from './response.js';
export type { StreamingResponseOptions } from './response.js';

// Errors
export { AgenticraftError, isAgenticraftError } from './errors/AgenticraftError.js';
export { ProviderError, isProviderError, isRetryableStatus } from './errors/ProviderError.js';
export type { ProviderErrorOptions } from './errors/ProviderError.js';
export { StreamInterruptedError, isStreamInterruptedError, withPartialResponse } from './errors/StreamInterruptedError.js';
export type { StreamInterruptedErrorOptions } from './errors/StreamInterruptedError.js';
export { StreamTimeoutError, isStreamTimeoutError } from './errors/StreamTimeoutError.js';
export type { StreamTimeoutErrorOptions, TimeoutPhase } from './errors/StreamTimeoutError.js';
export { ToolError, isToolError } from './errors/ToolError.js';
export type { ToolErrorOptions } from './errors/ToolError.js';

// Sources
export { mockStream } from './providers/mock.js';
export type { MockStreamConfig } from './providers/mock.js';
export type { Provider, PreloadableProvider, ProviderInfo, ChatRequest, Message } from './providers/provider.js';

// Tools
export { defineTool, toolJsonSchema, validateToolArguments } from './tools/tool.js';
export type { Tool, ToolConfig, ToolContext, JsonSchema, ValidationResult } from './tools/tool.js';
export type { StandardSchemaV1 } from './tools/standardSchema.js';

// Providers
export { openai } from './providers/openai.js';
export type {
  OpenAIProviderOptions,
  OpenAIMaxTokensParam,
  OpenAIClientLike,
  OpenAIChatStreamBody,
  OpenAIRequestOptions,
} from './providers/openai.js';
export { anthropic, ANTHROPIC_DEFAULT_MODEL, ANTHROPIC_DEFAULT_MAX_TOKENS } from './providers/anthropic.js';
export type {
  AnthropicProviderOptions,
  AnthropicClientLike,
  AnthropicMessageStreamBody,
  AnthropicRequestOptions,
} from './providers/anthropic.js';
export { ollama } from './providers/ollama.js';
export type {
  OllamaProviderOptions,
  OllamaThink,
  OllamaDurations,
  OllamaClientLike,
  OllamaChatStreamBody,
  OllamaModelOptions,
} from './providers/ollama.js';
export { createProvider, providerForModel, PROVIDER_NAMES } from './providers/byName.js';
export { fallbackProvider, hedgedProvider } from './providers/fallback.js';
export type { FallbackProviderConfig, HedgedProviderConfig } from './providers/fallback.js';
export type { ProviderName, ProviderSettings } from './providers/byName.js';

// Operators
export { timeoutStream } from './operators/timeoutStream.js';
export type { TimeoutStreamConfig } from './operators/timeoutStream.js';
export { retryStream, isRetryableStreamError, isRetryableAfterContent } from './operators/retryStream.js';
export type { RetryStreamConfig, AfterContent } from './operators/retryStream.js';
export { resumable, continuationOf, keepContinuation } from './continuation.js';
export type { Continuation, Delivered, ResumableStream } from './continuation.js';
export { collectResponse } from './operators/collectResponse.js';
export type { CollectResponseConfig } from './operators/collectResponse.js';
export { bufferChunks } from './operators/bufferChunks.js';
export type { BufferChunksConfig, ChunkBoundary } from './operators/bufferChunks.js';
export { interruptAfter } from './operators/interruptAfter.js';
export type { InterruptAfterConfig, InterruptMode } from './operators/interruptAfter.js';
export { streamMetrics } from './operators/streamMetrics.js';
export type { StreamMetricsConfig, ChunkWithMetrics } from './operators/streamMetrics.js';
export { scanResponse } from './operators/scanResponse.js';
export type { ScanResponseConfig } from './operators/scanResponse.js';
export { StreamingManager } from './operators/streamingManager.js';
export type { StreamingManagerConfig, ManagedStreamOptions } from './operators/streamingManager.js';

// Agents and tools
export { Agent } from './agent/agent.js';
export type { AgentConfig, AgentResponse, AgentStream, AgentTimeout, GenerationParams, StreamParams } from './agent/agent.js';
export type { HistoryMessage, Turn, TurnStatus } from './agent/history.js';
export { calculator, evaluateExpression, MAX_EXPRESSION_LENGTH, MAX_EXPRESSION_DEPTH } from './tools/calculator.js';
export { CalculatorError, isCalculatorError } from './errors/CalculatorError.js';
export type { CalculatorErrorCode, CalculatorErrorOptions } from './errors/CalculatorError.js';
export { MaxToolRoundsError, isMaxToolRoundsError } from './errors/MaxToolRoundsError.js';
export type { MaxToolRoundsErrorOptions } from './errors/MaxToolRoundsError.js';

// Interop
export { toAsyncIterable } from './interop/asyncIterable.js';

// Workflows
export { WorkflowAgent } from './workflow/workflowAgent.js';
export type { WorkflowRunOptions } from './workflow/workflowAgent.js';
export { Workflow } from './workflow/workflow.js';
export type { StepControl, StepHandler, StepInfo, StepRetryConfig, WorkflowContext, WorkflowStep, WorkflowStepConfig } from './workflow/workflow.js';
export { runWorkflow } from './workflow/runWorkflow.js';
export type { RunPolicy, RunWorkflowConfig } from './workflow/runWorkflow.js';
export { toolHandler } from './workflow/toolHandler.js';
export type { ToolHandlerConfig } from './workflow/toolHandler.js';
export type {
  ChunkEvent,
  SkipReason,
  StepCompleteEvent,
  StepFailedEvent,
  StepRetryEvent,
  StepSkippedEvent,
  StepStartEvent,
  WorkflowCompleteEvent,
  WorkflowEvent,
  WorkflowResult,
  WorkflowStartEvent,
} from './workflow/events.js';
export { WorkflowError, isWorkflowError } from './errors/WorkflowError.js';
export type { WorkflowErrorCode, WorkflowErrorOptions } from './errors/WorkflowError.js';

// Serving streams
export { toServerSentEvents, sseHeaders, pipeServerSentEvents } from './interop/toServerSentEvents.js';
export type { ToServerSentEventsConfig, NodeResponseLike, PipeServerSentEventsConfig } from './interop/toServerSentEvents.js';
export { fromServerSentEvents } from './interop/fromServerSentEvents.js';
export type { FromServerSentEventsConfig, ReconnectConfig } from './interop/fromServerSentEvents.js';
export { SseParser } from './interop/sseParser.js';
export type { ServerSentEvent, SseParserOptions } from './interop/sseParser.js';
export type { SseErrorData, SseEndReason } from './interop/sseEvents.js';
export { resumableStreams } from './interop/resumable/resumableStreams.js';
export type { ResumableStreams, ResumableStreamsConfig } from './interop/resumable/resumableStreams.js';
export { memoryStore } from './interop/resumable/memoryStore.js';
export type { MemoryStoreConfig } from './interop/resumable/memoryStore.js';
export { redisStore } from './interop/resumable/redisStore.js';
export type { RedisStoreConfig, RedisStreamStore, RedisClientLike } from './interop/resumable/redisStore.js';
export type { StreamStore, StoredEvent, StoredStreamInfo, StoreLease } from './interop/resumable/store.js';
export { ServerSentEventsError, isServerSentEventsError } from './errors/ServerSentEventsError.js';
export type { ServerSentEventsErrorCode, ServerSentEventsErrorOptions } from './errors/ServerSentEventsError.js';
export { ResumableStreamError, isResumableStreamError } from './errors/ResumableStreamError.js';
export type { ResumableStreamErrorCode, ResumableStreamErrorOptions } from './errors/ResumableStreamError.js';

// Structured output
export { partialObject, arrayElements } from './operators/partialObject.js';
export type { ObjectSnapshot, DeepPartial, ObjectSchema, ArrayElement, ArrayElementsConfig } from './operators/partialObject.js';
export { IncrementalJsonParser } from './operators/incrementalJsonParser.js';
export type { IncrementalJsonParserOptions } from './operators/incrementalJsonParser.js';
export { validateWithSchema } from './tools/schemaValidation.js';
export type { SchemaCheck, ValueSchema } from './tools/schemaValidation.js';
export { ObjectValidationError, isObjectValidationError } from './errors/ObjectValidationError.js';
export type { ObjectValidationErrorOptions, ObjectValidationIssue } from './errors/ObjectValidationError.js';
export type { StreamObjectMode, StreamObjectOptions } from './agent/streamObject.js';
export type { ResponseFormat } from './providers/provider.js';

import { chunk } from '../chunk.js';
import { AgenticraftError } from '../errors/AgenticraftError.js';
import { CalculatorError, type CalculatorErrorCode } from '../errors/CalculatorError.js';
import { MaxToolRoundsError } from '../errors/MaxToolRoundsError.js';
import { ObjectValidationError, type ObjectValidationIssue } from '../errors/ObjectValidationError.js';
import { ProviderError } from '../errors/ProviderError.js';
import { ResumableStreamError, type ResumableStreamErrorCode } from '../errors/ResumableStreamError.js';
import { ServerSentEventsError, type ServerSentEventsErrorCode } from '../errors/ServerSentEventsError.js';
import { StreamInterruptedError } from '../errors/StreamInterruptedError.js';
import { StreamTimeoutError, type TimeoutPhase } from '../errors/StreamTimeoutError.js';
import { ToolError } from '../errors/ToolError.js';
import { WorkflowError, type WorkflowErrorCode } from '../errors/WorkflowError.js';
import { StreamingResponse } from '../response.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

/**
 * Rebuilds the error an `event: error` names, with its fields: every class of the library by `name`
 * (AgenticraftError, ProviderError, StreamTimeoutError, StreamInterruptedError, ObjectValidationError, ToolError,
 * WorkflowError, MaxToolRoundsError, CalculatorError, ServerSentEventsError, ResumableStreamError), any other
 * name as a `ServerSentEventsError` with code 'error_event' and `errorName`. `partialResponse` is what this
 * client received (else the server's `partialText`). An ObjectValidationError's `text` is not sent (it is the
 * model's, and may be large): it comes back as the partial response's text, '' when there is none.
 */
export function errorFromEventData(data: Record<string, unknown>, received: StreamingResponse): AgenticraftError {
  const name = str(data['name']) ?? 'Error';
  const message = str(data['message']) ?? 'The server reported an error';
  let partialResponse = received;
  const partialText = str(data['partialText']);
  if (received.chunkCount === 0 && partialText !== undefined && partialText !== '') {
    partialResponse = new StreamingResponse({ keepChunks: false }).addChunk(chunk(partialText));
  }
  switch (name) {
    case 'AgenticraftError':
      return new AgenticraftError(message, { partialResponse });
    case 'ProviderError':
      return new ProviderError(message, {
        provider: str(data['provider']) ?? 'unknown',
        status: num(data['status']),
        code: str(data['code']),
        retryable: bool(data['retryable']),
        retryAfterMs: num(data['retryAfterMs']),
        partialResponse,
      });
    case 'StreamTimeoutError': {
      const phase = str(data['phase']);
      return new StreamTimeoutError(message, {
        partialResponse,
        phase: (phase === 'first' || phase === 'idle' ? phase : 'total') satisfies TimeoutPhase,
        timeoutMs: num(data['timeoutMs']) ?? 0,
      });
    }
    case 'StreamInterruptedError':
      return new StreamInterruptedError(message, { partialResponse, reason: str(data['reason']) ?? 'error' });
    case 'ObjectValidationError':
      return new ObjectValidationError(message, { issues: issuesOf(data['issues']), text: partialResponse.completeText, partialResponse });
    case 'MaxToolRoundsError': {
      const toolCalls = Array.isArray(data['toolCalls'])
        ? data['toolCalls']
            .filter((c: { id?: unknown; name?: unknown } | null) => typeof c?.id === 'string' && typeof c.name === 'string')
            .map((c: { id: string; name: string }) => ({ id: c.id, name: c.name }))
        : [];
      return new MaxToolRoundsError(message, { maxToolRounds: num(data['maxToolRounds']) ?? 0, toolCalls }).withPartialResponse(partialResponse);
    }
    case 'ToolError':
      return new ToolError(message, { tool: str(data['tool']) ?? 'unknown', toolCallId: str(data['toolCallId']), partialResponse });
    case 'WorkflowError': {
      const steps = Array.isArray(data['steps']) ? data['steps'].filter((s): s is string => typeof s === 'string') : [];
      return new WorkflowError(message, { code: (str(data['code']) ?? 'cycle') as WorkflowErrorCode, workflow: str(data['workflow']) ?? '', steps }).withPartialResponse(
        partialResponse,
      );
    }
    case 'CalculatorError':
      return new CalculatorError(message, { code: (str(data['code']) ?? 'invalid_input') as CalculatorErrorCode, position: num(data['position']) }).withPartialResponse(
        partialResponse,
      );
    case 'ResumableStreamError':
      return new ResumableStreamError(message, {
        code: (str(data['code']) ?? 'abandoned') as ResumableStreamErrorCode,
        streamId: str(data['streamId']),
        partialResponse,
      });
    case 'ServerSentEventsError':
      return new ServerSentEventsError(message, {
        code: (str(data['code']) ?? 'error_event') as ServerSentEventsErrorCode,
        status: num(data['status']),
        retryable: bool(data['retryable']),
        errorName: str(data['errorName']),
        partialResponse,
      });
    default:
      return new ServerSentEventsError(message, {
        code: 'error_event',
        errorName: name,
        status: num(data['status']),
        retryable: bool(data['retryable']) ?? false,
        partialResponse,
      });
  }
}

/** `{ message, path }` issues as `errorData` sends them; anything else in the array is left out. */
function issuesOf(value: unknown): ObjectValidationIssue[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((issue: { message?: unknown } | null): issue is { message: string; path?: unknown } => typeof issue?.message === 'string')
    .map((issue) => ({
      message: issue.message,
      path: Array.isArray(issue.path) ? issue.path.filter((p: unknown): p is string | number => typeof p === 'string' || typeof p === 'number') : [],
    }));
}

import type { StreamingResponse } from '../response.js';

/** Base class of every error agenticraft-rx throws. */
export class AgenticraftError extends Error {
  override name: string = 'AgenticraftError';
  /**
   * Everything the stream delivered before this error ended it, when an operator or a provider saw the
   * stream: set by the provider (a failure mid-stream), `collectResponse`, `retryStream` and the agent.
   */
  declare readonly partialResponse?: StreamingResponse;

  constructor(message: string, options?: { cause?: unknown; partialResponse?: StreamingResponse }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.partialResponse !== undefined) this.partialResponse = options.partialResponse;
  }

  /**
   * A copy of this error — same class, message, stack, cause and fields — carrying `partialResponse`.
   * Operators attach what they saw this way, so an error never changes its class on its way to the user.
   */
  withPartialResponse(partialResponse: StreamingResponse): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.defineProperties(copy, Object.getOwnPropertyDescriptors(this));
    // Node 22+: `stack` is an own accessor reading the original's internal slot, so copy its value.
    if (this.stack !== undefined) Object.defineProperty(copy, 'stack', { value: this.stack, writable: true, enumerable: false, configurable: true });
    Object.defineProperty(copy, 'partialResponse', { value: partialResponse, enumerable: true, writable: false, configurable: true });
    return copy;
  }

  /** The error as JSON: name, message, and the partial text when there is one (never the chunks). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, message: this.message };
    if (this.partialResponse !== undefined) {
      out['partialText'] = this.partialResponse.completeText;
      out['chunkCount'] = this.partialResponse.chunkCount;
    }
    return out;
  }
}

/** Name-based guard: works across realms and duplicate copies of the library. */
export function isAgenticraftError(error: unknown): error is AgenticraftError {
  return error instanceof AgenticraftError || (error instanceof Error && ERROR_NAMES.has(error.name));
}

const ERROR_NAMES = new Set([
  'AgenticraftError',
  'ProviderError',
  'StreamInterruptedError',
  'StreamTimeoutError',
  'ObjectValidationError',
  'ToolError',
  'WorkflowError',
  'MaxToolRoundsError',
  'CalculatorError',
  'ServerSentEventsError', 'ResumableStreamError',
]);

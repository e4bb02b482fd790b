import type { InterruptReason } from '../chunk.js';
import type { StreamingResponse } from '../response.js';
import { AgenticraftError, isAgenticraftError } from './AgenticraftError.js';

export interface StreamInterruptedErrorOptions {
  readonly partialResponse: StreamingResponse;
  readonly reason: InterruptReason;
  readonly cause?: unknown;
}

/** A stream ended before its final chunk. `partialResponse` holds everything delivered before the stop. */
export class StreamInterruptedError extends AgenticraftError {
  override name: string = 'StreamInterruptedError';
  declare readonly partialResponse: StreamingResponse;
  readonly reason: InterruptReason;

  constructor(message: string, options: StreamInterruptedErrorOptions) {
    super(message, options);
    this.reason = options.reason;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason };
  }
}

export function isStreamInterruptedError(error: unknown): error is StreamInterruptedError {
  return (
    error instanceof StreamInterruptedError ||
    (error instanceof Error && (error.name === 'StreamInterruptedError' || error.name === 'StreamTimeoutError') && 'partialResponse' in error)
  );
}

/**
 * The error that ends a stream, carrying `partialResponse`: an `AgenticraftError` keeps its class (a copy
 * with the partial response set); anything else — a foreign error — becomes the `cause` of a
 * `StreamInterruptedError` with reason 'error'. What the library's operators do with an error they pass on.
 */
export function withPartialResponse(error: unknown, partialResponse: StreamingResponse): AgenticraftError {
  // Name-based, so an error from another copy of the library keeps its class too.
  if (isAgenticraftError(error) && typeof error.withPartialResponse === 'function') return error.withPartialResponse(partialResponse);
  const message = error instanceof Error ? error.message : String(error);
  return new StreamInterruptedError(`Stream failed after ${partialResponse.chunkCount} chunk(s): ${message}`, {
    partialResponse,
    reason: 'error',
    cause: error,
  });
}

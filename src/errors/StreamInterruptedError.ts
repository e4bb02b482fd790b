import type { StreamingResponse } from '../response.js';
import { AgenticraftError } from './AgenticraftError.js';

/**
 * Why a stream was stopped: 'timeout', an `interruptAfter` limit ('chars', 'chunks', 'time', 'when',
 * 'notifier', 'signal'), 'manager' (`StreamingManager.interrupt`) or 'error' (the source failed; see `cause`).
 */
export type InterruptReason =
  | 'timeout'
  | 'chars'
  | 'chunks'
  | 'time'
  | 'when'
  | 'notifier'
  | 'signal'
  | 'manager'
  | 'error'
  | (string & {});

export interface StreamInterruptedErrorOptions {
  readonly partialResponse: StreamingResponse;
  readonly reason: InterruptReason;
  readonly cause?: unknown;
}

/** A stream ended before its final chunk. `partialResponse` holds everything delivered before the stop. */
export class StreamInterruptedError extends AgenticraftError {
  override name: string = 'StreamInterruptedError';
  readonly partialResponse: StreamingResponse;
  readonly reason: InterruptReason;

  constructor(message: string, options: StreamInterruptedErrorOptions) {
    super(message, { cause: options.cause });
    this.partialResponse = options.partialResponse;
    this.reason = options.reason;
  }

  /** The same error with another partial response (e.g. one that kept every chunk). */
  withPartialResponse(partialResponse: StreamingResponse): StreamInterruptedError {
    return new StreamInterruptedError(this.message, { partialResponse, reason: this.reason, cause: this.cause });
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      reason: this.reason,
      partialText: this.partialResponse.completeText,
      chunkCount: this.partialResponse.chunkCount,
    };
  }
}

export function isStreamInterruptedError(error: unknown): error is StreamInterruptedError {
  return (
    error instanceof StreamInterruptedError ||
    (error instanceof Error && (error.name === 'StreamInterruptedError' || error.name === 'StreamTimeoutError') && 'partialResponse' in error)
  );
}

/**
 * The error that ends a stream, carrying `partialResponse`: a `StreamInterruptedError` gets the given
 * partial response; any other error becomes the `cause` of a new one with reason 'error'.
 */
export function toStreamInterruptedError(error: unknown, partialResponse: StreamingResponse): StreamInterruptedError {
  // Name-based, so an error from another copy of the library keeps its type too.
  if (isStreamInterruptedError(error) && typeof error.withPartialResponse === 'function') return error.withPartialResponse(partialResponse);
  const message = error instanceof Error ? error.message : String(error);
  return new StreamInterruptedError(`Stream failed after ${partialResponse.chunkCount} chunk(s): ${message}`, {
    partialResponse,
    reason: 'error',
    cause: error,
  });
}

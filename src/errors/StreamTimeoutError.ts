import type { StreamingResponse } from '../response.js';
import { StreamInterruptedError } from './StreamInterruptedError.js';

/** Which deadline expired: before the first chunk, between two chunks, or the whole stream's. */
export type TimeoutPhase = 'first' | 'idle' | 'total';

export interface StreamTimeoutErrorOptions {
  readonly partialResponse: StreamingResponse;
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;
}

/** A `timeoutStream` deadline expired; upstream was unsubscribed. */
export class StreamTimeoutError extends StreamInterruptedError {
  override name = 'StreamTimeoutError' as const;
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;

  constructor(message: string, options: StreamTimeoutErrorOptions) {
    super(message, { partialResponse: options.partialResponse, reason: 'timeout' });
    this.phase = options.phase;
    this.timeoutMs = options.timeoutMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), phase: this.phase, timeoutMs: this.timeoutMs };
  }
}

export function isStreamTimeoutError(error: unknown): error is StreamTimeoutError {
  return error instanceof StreamTimeoutError || (error instanceof Error && error.name === 'StreamTimeoutError' && 'phase' in error);
}

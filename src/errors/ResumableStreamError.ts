import type { StreamingResponse } from '../response.js';
import { AgenticraftError } from './AgenticraftError.js';

/**
 * Why a resumable stream could not be created, resumed or stopped, or why it ended for its readers:
 * - 'unknown_stream': no stream has this id (never created, or expired after `ttlMs`);
 * - 'invalid_event_id': `lastEventId` is not a non-negative integer, or is beyond the stream's last event;
 * - 'invalid_id': the stream id is not a usable string;
 * - 'abandoned': the instance running the generation stopped renewing its lease (it died) before the end;
 * - 'store_unavailable': the store (Redis) could not be reached or answered with an error;
 * - 'redis_not_installed': `redisStore({ url })` needs the optional `redis` package.
 */
export type ResumableStreamErrorCode =
  | 'unknown_stream'
  | 'invalid_event_id'
  | 'invalid_id'
  | 'abandoned'
  | 'store_unavailable'
  | 'redis_not_installed';

export interface ResumableStreamErrorOptions {
  readonly code: ResumableStreamErrorCode;
  /** The stream's id. */
  readonly streamId?: string;
  readonly cause?: unknown;
  readonly partialResponse?: StreamingResponse;
}

/** A resumable stream failed or was refused: see `code`. */
export class ResumableStreamError extends AgenticraftError {
  override name = 'ResumableStreamError' as const;
  readonly code: ResumableStreamErrorCode;
  readonly streamId?: string;
  /** Worth trying again later: only when the store was unavailable. */
  readonly retryable: boolean;

  constructor(message: string, options: ResumableStreamErrorOptions) {
    super(message, options);
    this.code = options.code;
    if (options.streamId !== undefined) this.streamId = options.streamId;
    this.retryable = options.code === 'store_unavailable';
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), code: this.code, streamId: this.streamId, retryable: this.retryable };
  }
}

export function isResumableStreamError(error: unknown): error is ResumableStreamError {
  return error instanceof ResumableStreamError || (error instanceof Error && error.name === 'ResumableStreamError' && 'code' in error);
}

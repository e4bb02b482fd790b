import type { StreamingResponse } from '../response.js';
import { AgenticraftError } from './AgenticraftError.js';

export interface ProviderErrorOptions {
  readonly provider: string;
  readonly status?: number;
  /** The provider's error code or type: 'rate_limit_exceeded', 'overloaded_error', 'ECONNRESET', ... */
  readonly code?: string;
  /** @default derived from `status` (network failures, 408, 409, 429, 5xx are retryable) */
  readonly retryable?: boolean;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
  /** What the stream delivered before it failed (set by providers when the failure came mid-stream). */
  readonly partialResponse?: StreamingResponse;
}

/** A provider request or stream failed: HTTP error, network failure, error event, malformed wire data. */
export class ProviderError extends AgenticraftError {
  override name = 'ProviderError' as const;
  readonly provider: string;
  readonly status?: number;
  readonly code?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(message: string, options: ProviderErrorOptions) {
    super(message, options);
    this.provider = options.provider;
    if (options.status !== undefined) this.status = options.status;
    if (options.code !== undefined) this.code = options.code;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    this.retryable = options.retryable ?? isRetryableStatus(options.status);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      provider: this.provider,
      status: this.status,
      code: this.code,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/**
 * Whether an HTTP status is worth retrying: 408, 409, 429 and 5xx are; other 4xx are not.
 * `undefined` (no response: a network failure) is retryable.
 */
export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined) return true;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError || (error instanceof Error && error.name === 'ProviderError');
}

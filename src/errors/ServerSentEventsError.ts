import type { StreamingResponse } from '../response.js';
import { AgenticraftError } from './AgenticraftError.js';

/**
 * Why reading or writing a server-sent event stream failed:
 * - 'http_error': the endpoint answered with an HTTP error status (`status` kept; 408, 409, 429, 5xx retryable);
 * - 'network': the request failed before a response (retryable);
 * - 'not_event_stream': the response is not `text/event-stream` (the message names its type and first bytes);
 * - 'malformed_event': an event's data is not JSON, or its id does not follow the one before;
 * - 'event_too_large': one event is larger than `maxEventBytes`;
 * - 'incomplete_stream': the body ended with neither a final chunk, an `end` nor an `error` event (dropped), and
 *   `reconnect` was off or ran out of retries;
 * - 'slow_client': `toServerSentEvents` cut a client that read slower than `maxBufferedBytes` allowed;
 * - 'error_event': the server sent an `event: error` whose `name` is not one of the library's classes.
 */
export type ServerSentEventsErrorCode =
  | 'http_error'
  | 'network'
  | 'not_event_stream'
  | 'malformed_event'
  | 'event_too_large'
  | 'incomplete_stream'
  | 'slow_client'
  | 'error_event';

export interface ServerSentEventsErrorOptions {
  readonly code: ServerSentEventsErrorCode;
  /** The HTTP status, for 'http_error' (and for an `error_event` that carried one). */
  readonly status?: number;
  /** @default true for 'network' and retryable statuses, else false */
  readonly retryable?: boolean;
  /** For 'error_event': the `name` the server sent. */
  readonly errorName?: string;
  readonly cause?: unknown;
  readonly partialResponse?: StreamingResponse;
}

/** A server-sent event stream could not be read (or, for 'slow_client', written): see `code`. */
export class ServerSentEventsError extends AgenticraftError {
  override name = 'ServerSentEventsError' as const;
  readonly code: ServerSentEventsErrorCode;
  readonly status?: number;
  readonly retryable: boolean;
  readonly errorName?: string;

  constructor(message: string, options: ServerSentEventsErrorOptions) {
    super(message, options);
    this.code = options.code;
    if (options.status !== undefined) this.status = options.status;
    if (options.errorName !== undefined) this.errorName = options.errorName;
    this.retryable = options.retryable ?? options.code === 'network';
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), code: this.code, status: this.status, retryable: this.retryable, errorName: this.errorName };
  }
}

export function isServerSentEventsError(error: unknown): error is ServerSentEventsError {
  return error instanceof ServerSentEventsError || (error instanceof Error && error.name === 'ServerSentEventsError' && 'code' in error);
}

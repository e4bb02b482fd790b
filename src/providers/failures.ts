/** Failures the SDK providers share: network errors, invalid requests, `Retry-After`, and API-key redaction. */
import { asyncScheduler } from 'rxjs';
import { ProviderError } from '../errors/ProviderError.js';

/** `retry-after-ms` (ms) or `retry-after` (seconds or an HTTP date), in ms. */
export function retryAfterMs(
  headers: { get(name: string): string | null } | Record<string, string | undefined> | undefined | null,
  now: number = asyncScheduler.now(),
): number | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | null | undefined =>
    typeof (headers as { get?: unknown }).get === 'function'
      ? (headers as { get(name: string): string | null }).get(name)
      : (headers as Record<string, string | undefined>)[name];
  const ms = get('retry-after-ms');
  if (ms != null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = get('retry-after');
  if (after == null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Removes an API key (and any `Bearer <token>` / `sk-...` looking secret) from a message. */
export function redact(message: string, apiKey?: string): string {
  let out = message;
  if (apiKey && apiKey.length >= 4) out = out.split(apiKey).join('[redacted]');
  return out.replace(/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, '$1[redacted]').replace(/\bsk-[A-Za-z0-9_-]{8,}/g, 'sk-[redacted]');
}

/** Maps a network-level failure (no HTTP response) to a retryable `ProviderError`. */
export function networkError(provider: string, error: unknown, apiKey?: string): ProviderError {
  const field = (value: unknown, key: string): unknown =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  const code = field(field(error, 'cause'), 'code') ?? field(error, 'code');
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(redact(`${provider}: connection failed: ${message}`, apiKey), {
    provider,
    code: typeof code === 'string' ? code : 'network_error',
    retryable: true,
    cause: error,
  });
}


/**
 * Builds a native request body. A failure (e.g. a tool whose schema cannot become JSON Schema) is a
 * non-retryable `ProviderError` with code 'invalid_request', and no request is sent.
 */
export function buildRequestBody<T>(provider: string, apiKey: string | undefined, build: () => T): T {
  try {
    return build();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ProviderError(redact(`${provider}: invalid request: ${message}`, apiKey), {
      provider,
      code: 'invalid_request',
      retryable: false,
      cause: error,
    });
  }
}


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

/**
 * The token of an `Authorization: Bearer <token>` header in `headers` (a record, a `Headers`, or a list of
 * pairs, as `fetch` takes them), so that a key given as a header is redacted like an `apiKey`.
 */
export function bearerToken(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  let value: unknown;
  if (typeof (headers as Headers).get === 'function') value = (headers as Headers).get('authorization');
  else if (Array.isArray(headers)) value = (headers as unknown[]).find((pair): pair is [string, string] => Array.isArray(pair) && String(pair[0]).toLowerCase() === 'authorization')?.[1];
  else value = Object.entries(headers).find(([key]) => key.toLowerCase() === 'authorization')?.[1];
  if (typeof value !== 'string') return undefined;
  const token = /^\s*Bearer\s+(\S+)/i.exec(value)?.[1] ?? value.trim();
  return token === '' ? undefined : token;
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


/** The first bytes of a body, as a message shows them: clipped, quoted (control characters escaped), redacted. */
export function bodySnippet(text: string, apiKey?: string, max = 120): string {
  return JSON.stringify(redact(clip(text, max), apiKey));
}

/** At most `max` characters of a text, '…' marking a cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * A 200 whose body is not the stream that was asked for (a JSON answer, a proxy's HTML login page, plain
 * text): a misconfigured endpoint, so not retryable. Names what arrived: content type and first bytes.
 */
export function notAStreamError(
  provider: string,
  expected: string,
  status: number | undefined,
  contentType: string | null | undefined,
  firstBytes: string,
  apiKey?: string,
): ProviderError {
  const answered = `${provider}: the server answered${status === undefined ? '' : ` ${status}`}`;
  const type = contentType === undefined ? 'a body' : contentType === null || contentType === '' ? 'no content type' : redact(contentType, apiKey);
  const what = firstBytes.trim() === '' ? 'an empty body' : bodySnippet(firstBytes.trimStart(), apiKey);
  // An error answer where the stream should be (some gateways send their errors with a 200): when it says
  // its status, that status decides, as it would in the stream.
  const answer = parseJsonObject(firstBytes);
  const errorStatus = answer !== undefined && answer['error'] !== undefined ? statusFromErrorBody(answer) : undefined;
  if (errorStatus !== undefined) {
    const error = answer?.['error'];
    const code = isObject(error) ? (typeof error['code'] === 'string' ? error['code'] : typeof error['type'] === 'string' ? error['type'] : undefined) : undefined;
    return new ProviderError(`${answered} with an error instead of ${expected}: ${what}`, {
      provider,
      status: errorStatus,
      ...(code !== undefined && { code }),
    });
  }
  return new ProviderError(
    `${answered} with ${type}, not ${expected}: ${what} (check the base URL, and any proxy in between)`,
    { provider, ...(status !== undefined && { status }), code: 'not_a_stream', retryable: false },
  );
}

/** Header names whose values are credentials: dropped from a sanitized error's headers whatever they hold. */
const SECRET_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'cookie', 'set-cookie']);

/**
 * A copy of an error whose strings cannot hold the API key: message, stack, every string field, the
 * headers (credential headers dropped, other values redacted) and the whole `cause` chain, each a copy of
 * its own class with its other fields (status, code, type, request id…) kept. The original is not changed.
 * What a user needs stays; what a server or proxy echoed of the key does not.
 */
export function redactError<T>(error: T, apiKey?: string): T {
  return redactValue(error, apiKey, new Map(), 0) as T;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MAX_REDACT_DEPTH = 12;

function redactValue(value: unknown, apiKey: string | undefined, seen: Map<object, unknown>, depth: number): unknown {
  if (typeof value === 'string') return redact(value, apiKey);
  if (typeof value !== 'object' || value === null) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (depth > MAX_REDACT_DEPTH) return '[nested too deeply]';
  if (isHeaders(value)) {
    const entries: [string, string][] = [];
    for (const [name, v] of value.entries()) if (!SECRET_HEADERS.has(name.toLowerCase())) entries.push([name, redact(v, apiKey)]);
    const copy = typeof Headers === 'function' ? new Headers(entries) : Object.fromEntries(entries);
    seen.set(value, copy);
    return copy;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(redactValue(item, apiKey, seen, depth + 1));
    return copy;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  const isError = value instanceof Error;
  if (!isError && proto !== Object.prototype && proto !== null) return value; // a class instance of the library's (a partial response): kept
  const copy = Object.create(proto) as Record<string, unknown>;
  seen.set(value, copy);
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(value))) {
    // Accessors (Node 22's `stack`) are read once and kept as a value.
    const raw: unknown = 'value' in descriptor ? descriptor.value : (value as Record<string, unknown>)[key];
    const secret = key.toLowerCase() === 'apikey' || SECRET_HEADERS.has(key.toLowerCase());
    Object.defineProperty(copy, key, {
      value: secret && raw != null ? '[redacted]' : redactValue(raw, apiKey, seen, depth + 1),
      enumerable: descriptor.enumerable ?? false,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

function isHeaders(value: object): value is { entries(): IterableIterator<[string, string]>; get(name: string): string | null } {
  return (typeof Headers === 'function' && value instanceof Headers) || (typeof (value as { get?: unknown }).get === 'function' && typeof (value as { entries?: unknown }).entries === 'function' && !(value instanceof Map));
}

/**
 * Error types and codes to the HTTP status the APIs answer them with, for an error reported inside a 200
 * stream (Anthropic's `event: error`, an OpenAI-compatible `{"error": …}` event): the status it would have had.
 */
const ERROR_TYPE_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  invalid_api_key: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  api_error: 500,
  server_error: 500,
  internal_error: 500,
  internal_server_error: 500,
  service_unavailable: 503,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * The HTTP status an error body inside a stream reports: a numeric `status`, `status_code`, `statusCode` or
 * `code` (vLLM puts the status in `code`), also one level down in `error`, else the status its type or
 * code implies (`overloaded_error` → 529, `rate_limit_error` → 429, `api_error` → 500 …); `type` is the
 * type or code read elsewhere. Undefined when it says none.
 */
export function statusFromErrorBody(body: unknown, type?: string): number | undefined {
  for (let level = body, depth = 0; depth < 2 && typeof level === 'object' && level !== null; level = (level as { error?: unknown }).error, depth++) {
    const record = level as Record<string, unknown>;
    for (const key of ['status', 'status_code', 'statusCode', 'code']) {
      const value = record[key];
      const status = typeof value === 'number' ? value : typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : undefined;
      if (status !== undefined && Number.isInteger(status) && status >= 400 && status <= 599) return status;
    }
    for (const key of ['type', 'code']) {
      const value = record[key];
      if (typeof value === 'string' && ERROR_TYPE_STATUS[value] !== undefined) return ERROR_TYPE_STATUS[value];
    }
  }
  return type !== undefined ? ERROR_TYPE_STATUS[type] : undefined;
}

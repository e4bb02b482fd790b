import { describe, expect, it } from 'vitest';
import { AgenticraftError, isAgenticraftError } from '../src/errors/AgenticraftError.js';
import { ProviderError, isProviderError, isRetryableStatus } from '../src/errors/ProviderError.js';
import {
  StreamInterruptedError,
  isStreamInterruptedError,
  withPartialResponse,
} from '../src/errors/StreamInterruptedError.js';
import { StreamTimeoutError, isStreamTimeoutError } from '../src/errors/StreamTimeoutError.js';
import { MaxToolRoundsError } from '../src/errors/MaxToolRoundsError.js';
import { ToolError, isToolError } from '../src/errors/ToolError.js';
import { chunk } from '../src/chunk.js';
import { StreamingResponse } from '../src/response.js';

const partial = (...texts: string[]): StreamingResponse => {
  const response = new StreamingResponse({ startTime: 0 });
  for (const text of texts) response.addChunk(chunk(text, { timestamp: 0 }));
  return response;
};

/** An error with the same name and fields from another copy of the library (or realm). */
const foreign = (name: string, fields: Record<string, unknown> = {}): Error => Object.assign(new Error('x'), { name }, fields);

describe('ProviderError', () => {
  it('withPartialResponse keeps every field and adds what was delivered', () => {
    const error = new ProviderError('reset', { provider: 'openai', code: 'ECONNRESET', retryable: true });
    const partial = new StreamingResponse({ keepChunks: false }).addChunk(chunk('Hello'));
    const copy = error.withPartialResponse(partial);
    expect(copy).toBeInstanceOf(ProviderError);
    expect(copy).toMatchObject({ message: 'reset', provider: 'openai', code: 'ECONNRESET', retryable: true });
    expect(copy.partialResponse?.completeText).toBe('Hello');
    expect(error.partialResponse).toBeUndefined();
    expect(copy.toJSON()).toMatchObject({ partialText: 'Hello', chunkCount: 1 });
  });

  it('is an AgenticraftError with its fields and a cause', () => {
    const cause = new Error('ECONNRESET');
    const error = new ProviderError('openai request failed', { provider: 'openai', status: 429, code: 'rate_limit_exceeded', retryAfterMs: 2000, cause });
    expect(error).toBeInstanceOf(AgenticraftError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProviderError');
    expect([error.provider, error.status, error.code, error.retryAfterMs, error.retryable, error.cause]).toEqual([
      'openai',
      429,
      'rate_limit_exceeded',
      2000,
      true,
      cause,
    ]);
  });

  it.each([
    [undefined, true],
    [408, true],
    [409, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [529, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [422, false],
  ])('status %s retryable: %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
    expect(new ProviderError('x', { provider: 'anthropic', status }).retryable).toBe(retryable);
  });

  it('lets an explicit retryable win over the status (e.g. overloaded_error)', () => {
    expect(new ProviderError('x', { provider: 'anthropic', status: 400, retryable: true }).retryable).toBe(true);
    expect(new ProviderError('x', { provider: 'openai', status: 500, retryable: false }).retryable).toBe(false);
  });

  it('leaves unset optional fields undefined', () => {
    const error = new ProviderError('x', { provider: 'ollama' });
    expect([error.status, error.code, error.retryAfterMs]).toEqual([undefined, undefined, undefined]);
  });

  it('serialises without the cause (which may hold request details such as headers)', () => {
    const cause = Object.assign(new Error('401'), { headers: { authorization: 'Bearer sk-secret-123' } });
    const error = new ProviderError('openai: 401 Unauthorized', { provider: 'openai', status: 401, cause });
    const json = JSON.stringify(error);
    expect(JSON.parse(json)).toEqual({ name: 'ProviderError', message: 'openai: 401 Unauthorized', provider: 'openai', status: 401, retryable: false });
    expect(json).not.toContain('sk-secret-123');
    expect(json).not.toContain('Bearer');
  });
});

describe('StreamInterruptedError', () => {
  it('carries the partial response and the reason', () => {
    const response = partial('Hel', 'lo');
    const error = new StreamInterruptedError('stopped', { partialResponse: response, reason: 'chars' });
    expect(error).toBeInstanceOf(AgenticraftError);
    expect(error.name).toBe('StreamInterruptedError');
    expect(error.partialResponse).toBe(response);
    expect(error.reason).toBe('chars');
  });

  it('withPartialResponse() returns the same error with another partial response, leaving the original alone', () => {
    const cause = new Error('reset');
    const original = new StreamInterruptedError('stopped', { partialResponse: partial('a'), reason: 'error', cause });
    const fuller = partial('a', 'b');
    const copy = original.withPartialResponse(fuller);
    expect(copy).not.toBe(original);
    expect(copy).toBeInstanceOf(StreamInterruptedError);
    expect([copy.message, copy.reason, copy.cause, copy.partialResponse]).toEqual(['stopped', 'error', cause, fuller]);
    expect(original.partialResponse.completeText).toBe('a');
  });

  it('serialises the partial text and count, not the chunks or the cause', () => {
    const cause = new Error('api key sk-secret-123 rejected');
    const error = new StreamInterruptedError('stopped', { partialResponse: partial('Hel', 'lo'), reason: 'manager', cause });
    const json = JSON.stringify(error);
    expect(JSON.parse(json)).toEqual({ name: 'StreamInterruptedError', message: 'stopped', reason: 'manager', partialText: 'Hello', chunkCount: 2 });
    expect(json).not.toContain('sk-secret');
  });

  describe('withPartialResponse()', () => {
    it('keeps an AgenticraftError\'s class, fields, message, stack and cause, with the partial response set on a copy', () => {
      const cause = new Error('socket');
      const original = new ProviderError('boom', { provider: 'openai', status: 500, code: 'server_error', retryAfterMs: 20, cause });
      const response = partial('ab');
      const error = withPartialResponse(original, response);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).not.toBe(original);
      expect(original.partialResponse).toBeUndefined();
      const copy = error as ProviderError;
      expect([copy.name, copy.message, copy.provider, copy.status, copy.code, copy.retryable, copy.retryAfterMs, copy.cause, copy.stack]).toEqual([
        'ProviderError', 'boom', 'openai', 500, 'server_error', true, 20, cause, original.stack,
      ]);
      expect(copy.partialResponse).toBe(response);
      expect(JSON.parse(JSON.stringify(copy))).toMatchObject({ name: 'ProviderError', status: 500, partialText: 'ab', chunkCount: 1 });
    });

    it('wraps a foreign error as the cause of a StreamInterruptedError with reason error', () => {
      const cause = new TypeError('not a chunk');
      const response = partial('ab');
      const error = withPartialResponse(cause, response) as StreamInterruptedError;
      expect(error).toBeInstanceOf(StreamInterruptedError);
      expect([error.reason, error.cause, error.partialResponse]).toEqual(['error', cause, response]);
      expect(error.message).toBe('Stream failed after 1 chunk(s): not a chunk');
    });

    it('wraps non-Error values too', () => {
      expect(withPartialResponse('plain string', partial()).message).toBe('Stream failed after 0 chunk(s): plain string');
    });

    it('keeps a StreamInterruptedError (and a StreamTimeoutError) as it is, with the new partial response', () => {
      const response = partial('x', 'y');
      const interrupted = withPartialResponse(new StreamInterruptedError('stop', { partialResponse: partial('x'), reason: 'chunks' }), response) as StreamInterruptedError;
      expect(interrupted).toBeInstanceOf(StreamInterruptedError);
      expect([interrupted.reason, interrupted.partialResponse]).toEqual(['chunks', response]);
      const timeout = withPartialResponse(
        new StreamTimeoutError('late', { partialResponse: partial(), phase: 'idle', timeoutMs: 50 }),
        response,
      );
      expect(timeout).toBeInstanceOf(StreamTimeoutError);
      expect([(timeout as StreamTimeoutError).phase, (timeout as StreamTimeoutError).timeoutMs, timeout.partialResponse]).toEqual(['idle', 50, response]);
    });

    it('keeps every other library class: MaxToolRoundsError, CalculatorError, ToolError', () => {
      const response = partial('x');
      const rounds = new MaxToolRoundsError('too many', { maxToolRounds: 1, toolCalls: [] });
      expect(withPartialResponse(rounds, response)).toBeInstanceOf(MaxToolRoundsError);
      const tool = new ToolError('tool failed', { tool: 'calc', cause: new Error('x') });
      const copy = withPartialResponse(tool, response) as ToolError;
      expect([copy.name, copy.tool, copy.partialResponse]).toEqual(['ToolError', 'calc', response]);
    });
  });
});

describe('StreamTimeoutError', () => {
  it('is a StreamInterruptedError with reason timeout, a phase and the deadline', () => {
    const error = new StreamTimeoutError('no first chunk', { partialResponse: partial(), phase: 'first', timeoutMs: 10_000 });
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error).toBeInstanceOf(AgenticraftError);
    expect([error.name, error.reason, error.phase, error.timeoutMs]).toEqual(['StreamTimeoutError', 'timeout', 'first', 10_000]);
    expect(error.toJSON()).toEqual({ name: 'StreamTimeoutError', message: 'no first chunk', reason: 'timeout', partialText: '', chunkCount: 0, phase: 'first', timeoutMs: 10_000 });
  });
});

describe('guards', () => {
  it('recognise instances', () => {
    const timeout = new StreamTimeoutError('t', { partialResponse: partial(), phase: 'total', timeoutMs: 1 });
    const interrupted = new StreamInterruptedError('i', { partialResponse: partial(), reason: 'chars' });
    const provider = new ProviderError('p', { provider: 'openai' });
    expect([isAgenticraftError(timeout), isAgenticraftError(interrupted), isAgenticraftError(provider)]).toEqual([true, true, true]);
    expect([isStreamInterruptedError(timeout), isStreamInterruptedError(interrupted), isStreamInterruptedError(provider)]).toEqual([true, true, false]);
    expect([isStreamTimeoutError(timeout), isStreamTimeoutError(interrupted)]).toEqual([true, false]);
    expect([isProviderError(provider), isProviderError(timeout)]).toEqual([true, false]);
  });

  it('recognise errors from another copy of the library by name and shape', () => {
    expect(isAgenticraftError(foreign('ProviderError'))).toBe(true);
    expect(isAgenticraftError(foreign('ToolError'))).toBe(true);
    expect(isProviderError(foreign('ProviderError'))).toBe(true);
    expect(isStreamInterruptedError(foreign('StreamInterruptedError', { partialResponse: partial() }))).toBe(true);
    expect(isStreamInterruptedError(foreign('StreamTimeoutError', { partialResponse: partial() }))).toBe(true);
    expect(isStreamTimeoutError(foreign('StreamTimeoutError', { phase: 'idle' }))).toBe(true);
  });

  it('reject look-alikes and non-errors', () => {
    expect(isAgenticraftError(new Error('x'))).toBe(false);
    expect(isAgenticraftError(foreign('TypeError'))).toBe(false);
    expect(isStreamInterruptedError(foreign('StreamInterruptedError'))).toBe(false);
    expect(isStreamTimeoutError(foreign('StreamTimeoutError'))).toBe(false);
    expect(isProviderError({ name: 'ProviderError' })).toBe(false);
    expect(isAgenticraftError(undefined)).toBe(false);
  });
});

describe('ToolError', () => {
  it('names the tool and keeps the cause; name-based guard', () => {
    const cause = new RangeError('bad input');
    const error = new ToolError('Tool calc failed: bad input', { tool: 'calc', toolCallId: 'call_1', cause });
    expect(error).toBeInstanceOf(AgenticraftError);
    expect([error.name, error.tool, error.toolCallId, error.cause]).toEqual(['ToolError', 'calc', 'call_1', cause]);
    expect(isToolError(error)).toBe(true);
    expect(isToolError(foreign('ToolError', { tool: 'x' }))).toBe(true);
    expect(isToolError(new Error('x'))).toBe(false);
    expect(isAgenticraftError(foreign('ToolError'))).toBe(true);
    expect(JSON.parse(JSON.stringify(error))).toEqual({ name: 'ToolError', message: 'Tool calc failed: bad input', tool: 'calc', toolCallId: 'call_1' });
  });
});

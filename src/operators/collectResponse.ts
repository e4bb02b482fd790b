import { asyncScheduler, catchError, defer, map, reduce, throwError, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { emitsCheckedChunks, type StreamChunk } from '../chunk.js';
import { addChunkAs } from './trackChunk.js';
import { withPartialResponse } from '../errors/StreamInterruptedError.js';
import { assertObject, assertScheduler } from '../optionChecks.js';
import { StreamingResponse } from '../response.js';

/** The {@link collectResponse} configuration. */
export interface CollectResponseConfig {
  /**
   * Keep every chunk in `response.chunks`. Turn it off for long streams where only the text, the counters
   * and the final chunk's metadata (usage, finish reason, tool calls) matter.
   * @default true
   */
  readonly keepChunks?: boolean;
  /** Clock for `startTime` (the subscription) and `endTime` (the completion). @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/**
 * Collects a chunk stream into one {@link StreamingResponse}, emitted when the source completes.
 *
 * ```
 * <!-- diagram: collectResponse/complete, collectResponse/error -->
 * source:   --a--b--c--F--|
 * collectResponse()
 * result:   --------------(r|)     r = StreamingResponse 'abc', 4 chunks, ended
 * upstream: ^-------------!
 *
 * source:   --a--b--#
 * collectResponse()
 * result:   --------#              # = the source's error, its class kept, partialResponse 'ab' (2 chunks);
 *                                      a foreign error (not an AgenticraftError) wrapped in a StreamInterruptedError
 * upstream: ^-------!
 * ```
 *
 * The response starts when the operator is subscribed and ends at completion (a final chunk ends it
 * earlier, at the final chunk's timestamp). When the source errors, the result errors with the same error,
 * its class kept (a `ProviderError` stays a `ProviderError`, a `StreamTimeoutError` keeps its phase), as a
 * copy whose `partialResponse` holds every chunk seen (ended at the time of the error); only an error that
 * is not an `AgenticraftError` is wrapped, as the `cause` of a `StreamInterruptedError` with reason 'error'.
 * The guide's "Collecting Complete Response".
 *
 * ## Examples
 *
 * ```ts
 * import { firstValueFrom } from 'rxjs';
 * import { collectResponse, mockStream } from 'agenticraft-rx';
 *
 * const response = await firstValueFrom(mockStream('Hello world', { chunkSize: 3 }).pipe(collectResponse()));
 * console.log(response.completeText, response.chunkCount, response.finishReason); // 'Hello world' 5 'stop'
 * ```
 *
 * Keep what arrived when the stream fails:
 *
 * ```ts
 * import { catchError, of } from 'rxjs';
 * import { collectResponse, isAgenticraftError, openai } from 'agenticraft-rx';
 *
 * openai()
 *   .stream({ messages: [{ role: 'user', content: 'Write an essay' }] })
 *   .pipe(
 *     collectResponse({ keepChunks: false }),
 *     catchError((error: unknown) => {
 *       if (isAgenticraftError(error) && error.partialResponse) return of(error.partialResponse);
 *       throw error;
 *     }),
 *   )
 *   .subscribe((response) => console.log(response.completeText));
 * ```
 *
 * @see {@link scanResponse} for the running response after every chunk
 *
 * @param config A {@link CollectResponseConfig}.
 * @returns A function that returns an Observable emitting one `StreamingResponse` when the source completes.
 * @throws {TypeError} at call time when `config` is not an object.
 */
export function collectResponse(config: CollectResponseConfig = {}): OperatorFunction<StreamChunk, StreamingResponse> {
  assertObject('collectResponse: config', config);
  const { keepChunks = true, scheduler = asyncScheduler } = config;
  if (typeof keepChunks !== 'boolean') throw new TypeError(`collectResponse: keepChunks must be a boolean, got ${typeof keepChunks}`);
  assertScheduler('collectResponse: scheduler', scheduler);

  return (source) => {
    const checked = emitsCheckedChunks(source);
    return defer(() => {
      const response = new StreamingResponse({ keepChunks, scheduler });
      return source.pipe(
        reduce((acc, value: StreamChunk) => addChunkAs('collectResponse', acc, value, checked), response),
        map((acc) => acc.end()),
        catchError((error: unknown) => throwError(() => withPartialResponse(error, response.end()))),
      );
    });
  };
}

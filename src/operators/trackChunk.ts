import type { Observable, Subscriber } from 'rxjs';
import { checkedChunks, emitsCheckedChunks, isStreamChunk, notAChunk, type StreamChunk } from '../chunk.js';
import { keepContinuation } from '../continuation.js';
import { appendChecked, type StreamingResponse } from '../response.js';

/**
 * Adds a chunk to an operator's response. Unless `checked` (the operator's source is one of the library's chunk
 * streams, whose values are checked already), the value is checked first, and a refused one gets the
 * operator's name (`where`).
 * @throws {TypeError} naming `where` and what arrived, for a value that is not a chunk.
 */
export function addChunkAs(where: string, response: StreamingResponse, value: StreamChunk, checked = false): StreamingResponse {
  if (!checked && !isStreamChunk(value)) throw notAChunk(where, value);
  return appendChecked(response, value);
}

/**
 * Adds a passing chunk to an operator's partial response (checked as in {@link addChunkAs}). A value that is
 * not a chunk errors the stream instead, with a TypeError naming the operator (`where`) and what arrived (it
 * would otherwise be an uncaught exception and a silently dropped value): returns false then.
 */
export function trackChunk(partial: StreamingResponse, value: StreamChunk, subscriber: Subscriber<never>, where: string, checked: boolean): boolean {
  if (!checked && !isStreamChunk(value)) {
    subscriber.error(notAChunk(where, value));
    return false;
  }
  appendChecked(partial, value);
  return true;
}

/**
 * One of the library's chunk operators: keeps its source's continuation ({@link keepContinuation}), tells it
 * whether its source's values are checked already (`checked`: the source is one of the library's chunk
 * streams), and marks its result as one, so the operators after it skip the check.
 */
export function chunkOperator<T extends StreamChunk, R extends StreamChunk = T>(
  operator: (source: Observable<T>, checked: boolean) => Observable<R>,
): (source: Observable<T>) => Observable<R> {
  return keepContinuation((source: Observable<T>) => checkedChunks(operator(source, emitsCheckedChunks(source))));
}

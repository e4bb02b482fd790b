import type { Subscriber } from 'rxjs';
import { isStreamChunk, notAChunk, type StreamChunk } from '../chunk.js';
import type { StreamingResponse } from '../response.js';

/**
 * Adds a chunk to an operator's response. `addChunk` checks the value itself; only when it refuses one does the
 * error get the operator's name (`where`), so a passing chunk is checked once, not twice.
 * @throws {TypeError} naming `where` and what arrived, for a value that is not a chunk.
 */
export function addChunkAs(where: string, response: StreamingResponse, value: StreamChunk): StreamingResponse {
  try {
    return response.addChunk(value);
  } catch (error) {
    throw isStreamChunk(value) ? error : notAChunk(where, value);
  }
}

/**
 * Adds a passing chunk to an operator's partial response. A value that is not a chunk errors the stream
 * instead, with a TypeError naming the operator (`where`) and what arrived (it would otherwise be an uncaught
 * exception and a silently dropped value): returns false then.
 */
export function trackChunk(partial: StreamingResponse, value: StreamChunk, subscriber: Subscriber<never>, where: string): boolean {
  try {
    addChunkAs(where, partial, value);
    return true;
  } catch (error) {
    subscriber.error(error);
    return false;
  }
}

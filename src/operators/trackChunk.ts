import type { Subscriber } from 'rxjs';
import type { StreamChunk } from '../chunk.js';
import type { StreamingResponse } from '../response.js';

/**
 * Adds a passing chunk to an operator's partial response. A value that is not a chunk errors the stream
 * instead (it would otherwise be an uncaught exception and a silently dropped value): returns false then.
 */
export function trackChunk(partial: StreamingResponse, value: StreamChunk, subscriber: Subscriber<never>): boolean {
  try {
    partial.addChunk(value);
    return true;
  } catch (error) {
    subscriber.error(error);
    return false;
  }
}

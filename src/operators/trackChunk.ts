import type { Subscriber } from 'rxjs';
import { isStreamChunk, notAChunk, type StreamChunk } from '../chunk.js';
import type { StreamingResponse } from '../response.js';

/**
 * Adds a passing chunk to an operator's partial response. A value that is not a chunk errors the stream
 * instead, with a TypeError naming the operator (`where`) and what arrived (it would otherwise be an uncaught
 * exception and a silently dropped value): returns false then.
 */
export function trackChunk(partial: StreamingResponse, value: StreamChunk, subscriber: Subscriber<never>, where: string): boolean {
  if (!isStreamChunk(value)) {
    subscriber.error(notAChunk(where, value));
    return false;
  }
  try {
    partial.addChunk(value);
    return true;
  } catch (error) {
    subscriber.error(error);
    return false;
  }
}

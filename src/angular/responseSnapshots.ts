import { defer, map, type OperatorFunction } from 'rxjs';
import type { StreamChunk } from '../chunk.js';
import { StreamingResponse } from '../response.js';

/**
 * The running {@link StreamingResponse} after every chunk, like `scanResponse()`, starting over at a reset
 * chunk (`metadata.reset: true`, emitted by `retryStream({ afterContent: 'restart' })` before a new attempt):
 * the snapshot after a reset is empty, so a signal bound to the text never shows two attempts spliced.
 *
 * The reset chunk itself is not added (it carries no content and counts as no chunk of the new attempt).
 */
export function responseSnapshots(keepChunks = false): OperatorFunction<StreamChunk, StreamingResponse> {
  return (source) =>
    defer(() => {
      let response = new StreamingResponse({ keepChunks });
      return source.pipe(
        map((chunk) => {
          if (chunk.metadata.reset === true) response = new StreamingResponse({ keepChunks });
          else response.addChunk(chunk);
          return response.snapshot();
        }),
      );
    });
}

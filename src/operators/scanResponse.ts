import { asyncScheduler, defer, map, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { emitsCheckedChunks, type StreamChunk } from '../chunk.js';
import { addChunkAs } from './trackChunk.js';
import { assertObject, assertScheduler } from '../optionChecks.js';
import { StreamingResponse } from '../response.js';

/** The {@link scanResponse} configuration. */
export interface ScanResponseConfig {
  /**
   * Keep every chunk in each snapshot's `chunks`. Each snapshot copies them, so this costs O(n²) over a
   * stream: leave it off unless the UI renders chunks one by one.
   * @default false
   */
  readonly keepChunks?: boolean;
  /** Clock for `startTime`. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/**
 * Emits the running {@link StreamingResponse} after every chunk: a new snapshot object each time, so
 * `toSignal`, `rxResource`, React state and other change detection by identity see every update.
 *
 * ```
 * <!-- diagram: scanResponse/snapshots -->
 * source:   --a--b--F--|          a = 'Hel', b = 'lo', F = final
 * scanResponse()
 * result:   --x--y--z--|          x = 'Hel' (1 chunk), y = 'Hello' (2), z = 'Hello' (3, ended, 'stop')
 * upstream: ^----------!
 * ```
 *
 * The accumulated-state counterpart of `collectResponse` (TanStack Query's `streamedQuery` pattern): the
 * response starts when the operator is subscribed and the last snapshot after a final chunk is ended and
 * carries its usage, finish reason and tool calls. Errors and completion pass on unchanged; the last
 * snapshot already holds everything received.
 *
 * ## Examples
 *
 * ```ts
 * import { toSignal } from '@angular/core/rxjs-interop';
 * import { openai, scanResponse } from 'agenticraft-rx';
 *
 * const answer = toSignal(
 *   openai().stream({ messages: [{ role: 'user', content: 'Hi!' }] }).pipe(scanResponse()),
 * );
 * // template: {{ answer()?.completeText }}
 * ```
 *
 * ```ts
 * import { mockStream, scanResponse } from 'agenticraft-rx';
 *
 * mockStream('Hello world', { chunkSize: 4 })
 *   .pipe(scanResponse())
 *   .subscribe((response) => console.log(response.completeText)); // 'Hell', 'Hello wo', 'Hello world', 'Hello world'
 * ```
 *
 * @see {@link collectResponse} for one response at completion
 *
 * @param config A {@link ScanResponseConfig}.
 * @returns A function that returns an Observable of response snapshots, one per chunk.
 * @throws {TypeError} at call time when an option has the wrong type.
 */
export function scanResponse(config: ScanResponseConfig = {}): OperatorFunction<StreamChunk, StreamingResponse> {
  assertObject('scanResponse: config', config);
  const { keepChunks = false, scheduler = asyncScheduler } = config;
  if (typeof keepChunks !== 'boolean') throw new TypeError(`scanResponse: keepChunks must be a boolean, got ${typeof keepChunks}`);
  assertScheduler('scanResponse: scheduler', scheduler);

  return (source) => {
    const checked = emitsCheckedChunks(source);
    return defer(() => {
      const response = new StreamingResponse({ keepChunks, scheduler });
      return source.pipe(
        map((value) => addChunkAs('scanResponse', response, value, checked).snapshot()),
      );
    });
  };
}

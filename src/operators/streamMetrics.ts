import { asyncScheduler, defer, map, type Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { assertStreamChunk, type ChunkMetadata, type StreamChunk, type StreamMetrics } from '../chunk.js';
import { chunkOperator } from './trackChunk.js';
import { assertObject, assertScheduler } from '../optionChecks.js';
import { mergeObjects } from '../mergeObjects.js';

/** A chunk carrying its {@link StreamMetrics}. */
export interface ChunkWithMetrics extends StreamChunk {
  readonly metadata: ChunkMetadata & { readonly metrics: StreamMetrics };
}

/** The {@link streamMetrics} configuration. */
export interface StreamMetricsConfig {
  /** Clock for the timings. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/**
 * Adds `metadata.metrics` (elapsed time, time to first chunk, counts, tokens per second) to every chunk:
 * the guide's "Progress Tracking".
 *
 * ```
 * <!-- diagram: streamMetrics/metrics -->
 * source:   -- 8ms a 9ms b 9ms F|
 * streamMetrics()
 * result:   -- 8ms a' 9ms b' 9ms F'|   each chunk + metadata.metrics:
 *             a': elapsedMs 10, timeToFirstChunkMs 10, chunks 1, chars 8,  tokens 2, tokensPerSecond 200
 *             b': elapsedMs 20, timeToFirstChunkMs 10, chunks 2, chars 12, tokens 3, tokensPerSecond 150
 *             F': elapsedMs 30, timeToFirstChunkMs 10, chunks 3, chars 12, tokens 4 (usage), tokensPerSecond 133.3…
 * upstream: ^ 30ms !
 * ```
 *
 * Times are measured from the subscription with the scheduler's clock. `tokens` estimates about four
 * characters a token until the final chunk brings the provider's `usage.outputTokens`. Chunks are copied,
 * never changed. Errors and completion pass on unchanged.
 *
 * ## Examples
 *
 * ```ts
 * import { mockStream, streamMetrics } from 'agenticraft-rx';
 *
 * mockStream('Explain machine learning in one paragraph...', { delay: 30 })
 *   .pipe(streamMetrics())
 *   .subscribe(({ content, metadata: { metrics } }) => {
 *     process.stdout.write(content);
 *     process.stderr.write(`\r[${metrics.tokens} tokens, ${metrics.tokensPerSecond.toFixed(1)} tok/s]`);
 *   });
 * ```
 *
 * @param config A {@link StreamMetricsConfig}.
 * @returns A function that returns an Observable of the same chunks with `metadata.metrics` added.
 * @throws {TypeError} at call time when `config` or `scheduler` is not an object.
 */
export function streamMetrics(config: StreamMetricsConfig = {}): OperatorFunction<StreamChunk, ChunkWithMetrics> {
  assertObject('streamMetrics: config', config);
  const { scheduler = asyncScheduler } = config;
  assertScheduler('streamMetrics: scheduler', scheduler);

  return chunkOperator((source: Observable<StreamChunk>, checked) =>
    defer(() => {
      const start = scheduler.now();
      let firstAt: number | undefined;
      let chunks = 0;
      let chars = 0;
      return source.pipe(
        map((value): ChunkWithMetrics => {
          if (!checked) assertStreamChunk('streamMetrics', value);
          const now = scheduler.now();
          firstAt ??= now;
          // A restarted attempt begins: the counts start over (time still runs from the subscription), and the
          // reset chunk itself is not counted, as StreamingResponse's chunkCount does not count it.
          if (value.metadata.reset === true) chunks = chars = 0;
          else {
            chunks++;
            chars += value.content.length;
          }
          const elapsedMs = now - start;
          const tokens = (value.isFinal ? value.metadata.usage?.outputTokens : undefined) ?? Math.ceil(chars / 4);
          const metrics: StreamMetrics = {
            elapsedMs,
            timeToFirstChunkMs: firstAt - start,
            chunks,
            chars,
            tokens,
            tokensPerSecond: elapsedMs > 0 ? (tokens * 1000) / elapsedMs : 0,
          };
          // mergeObjects, not `{ ...value.metadata, metrics }` (a slow path, see mergeObjects); overwriting a
          // key the source has (`metadata`) stays on the fast one.
          return { ...value, metadata: mergeObjects(value.metadata, { metrics }) };
        }),
      );
    }),
  );
}

/**
 * The same prompt through several providers at once, measured side by side: time to the first chunk, total
 * time, chunks and tokens per second (`streamMetrics` on each stream, `forkJoin` to wait for all of them).
 */
import { forkJoin, last, lastValueFrom, map, take, type Observable } from 'rxjs';
import { streamMetrics, type Provider, type StreamMetrics } from '../src/index.js';

export interface Comparison {
  readonly provider: string;
  readonly metrics: StreamMetrics;
  readonly text: string;
}

/** Streams `prompt` through every provider concurrently; one {@link Comparison} each, in the given order. */
export function compareProviders(providers: readonly Provider[], prompt: string): Observable<Comparison[]> {
  return forkJoin(
    providers.map((provider) => {
      let text = '';
      return provider.stream({ messages: [{ role: 'user', content: prompt }] }).pipe(
        streamMetrics(),
        map((chunk) => {
          text += chunk.content;
          return { provider: provider.name, metrics: chunk.metadata.metrics, text };
        }),
        last(),
      );
    }),
  );
}

/**
 * The SDKs load on first use (a dynamic import each): stream one chunk from every provider first, so that a
 * comparison measures the streams, not the imports. Each request is aborted after its first chunk.
 */
export function warmUp(providers: readonly Provider[]): Promise<unknown> {
  return lastValueFrom(forkJoin(providers.map((provider) => provider.stream({ messages: [{ role: 'user', content: 'hi' }] }).pipe(take(1)))));
}

/** Whether every provider streamed the same text (the offline model answers all three alike). */
export const sameText = (rows: readonly Comparison[]): boolean => rows.every((row) => row.text === rows[0]?.text);

/** The comparison as an aligned table, one provider a row. */
export function comparisonTable(rows: readonly Comparison[]): string {
  const header = ['provider', 'first chunk', 'total', 'chunks', 'tokens', 'tok/s'];
  const cells = rows.map(({ provider, metrics: m }) => [
    provider,
    `${Math.round(m.timeToFirstChunkMs)} ms`,
    `${Math.round(m.elapsedMs)} ms`,
    String(m.chunks),
    String(m.tokens),
    m.tokensPerSecond.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[]): string => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), ...cells.map(line)].join('\n') + '\n';
}

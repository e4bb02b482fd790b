/** Reading an SSE body in tests: the events as they arrive, and the text of the chunks among them. */
import { SseParser, type ServerSentEvent, type StreamChunk } from '../../src/index.js';

export function read(body: ReadableStream<Uint8Array>): { events: ServerSentEvent[]; done: Promise<void>; cancel: () => Promise<void> } {
  const events: ServerSentEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  const reader = body.getReader();
  const done = (async () => {
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) return;
      parser.push(value);
    }
  })();
  return { events, done, cancel: () => reader.cancel() };
}

export const texts = (events: readonly ServerSentEvent[]): string =>
  events
    .filter((e) => e.type === 'message')
    .map((e) => (JSON.parse(e.data) as StreamChunk).content)
    .join('');

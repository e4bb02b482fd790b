import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { chunk, finalChunk, isStreamChunk, type StreamChunk } from '../src/chunk.js';
import { StreamingResponse } from '../src/response.js';

const clock = (now: number): VirtualTimeScheduler => {
  const scheduler = new VirtualTimeScheduler();
  scheduler.frame = now;
  return scheduler;
};

describe('chunk()', () => {
  it('makes an immutable-shaped chunk with defaults and the scheduler time', () => {
    expect(chunk('hi', { scheduler: clock(42) })).toEqual({ content: 'hi', metadata: {}, isFinal: false, timestamp: 42 });
    expect(chunk('hi', { token: 'hi', timestamp: 7 })).toEqual({ content: 'hi', token: 'hi', metadata: {}, isFinal: false, timestamp: 7 });
    expect(finalChunk({ finishReason: 'stop' }, { timestamp: 3 })).toEqual({
      content: '',
      metadata: { finishReason: 'stop' },
      isFinal: true,
      timestamp: 3,
    });
  });

  it('rejects non-string content', () => {
    expect(() => chunk(5 as unknown as string)).toThrow(TypeError);
  });

  it('recognises chunks by shape', () => {
    expect(isStreamChunk(chunk('x'))).toBe(true);
    expect(isStreamChunk({ content: 'x', isFinal: false, metadata: null })).toBe(false);
    expect(isStreamChunk('x')).toBe(false);
  });
});

describe('StreamingResponse', () => {
  const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 };
  const toolCalls = [{ id: 'c1', name: 'calc', arguments: { x: 1 } }];
  const stream: StreamChunk[] = [
    chunk('Hello', { metadata: { provider: 'openai', model: 'gpt-x', thinking: 'Plan. ' }, timestamp: 110 }),
    chunk(', world', { metadata: { provider: 'openai', model: 'gpt-x', thinking: 'Done.' }, timestamp: 120 }),
    finalChunk({ provider: 'openai', model: 'gpt-x', finishReason: 'tool_calls', rawFinishReason: 'tool_calls', usage, toolCalls }, { timestamp: 150 }),
  ];

  it('accumulates text, thinking, counters and the final chunk metadata', () => {
    const response = new StreamingResponse({ startTime: 100 });
    for (const c of stream) expect(response.addChunk(c)).toBe(response);
    expect(response.completeText).toBe('Hello, world');
    expect(response.thinking).toBe('Plan. Done.');
    expect(response.chunkCount).toBe(3);
    expect(response.chunks).toEqual(stream);
    expect(response.usage).toEqual(usage);
    expect(response.totalTokens).toBe(15);
    expect(response.finishReason).toBe('tool_calls');
    expect(response.toolCalls).toEqual(toolCalls);
    expect(response.metadata).toMatchObject({ provider: 'openai', model: 'gpt-x', rawFinishReason: 'tool_calls' });
    expect(response.endTime).toBe(150);
    expect(response.duration).toBe(50);
  });

  it('has no duration, usage or tool calls before it ends', () => {
    const response = new StreamingResponse({ startTime: 0 });
    response.addChunk(stream[0] as StreamChunk);
    expect(response.duration).toBeUndefined();
    expect(response.endTime).toBeUndefined();
    expect(response.totalTokens).toBeUndefined();
    expect(response.toolCalls).toEqual([]);
    expect(response.metadata).toEqual({ provider: 'openai', model: 'gpt-x' });
  });

  it('counts chunks without keeping them when keepChunks is false', () => {
    const response = new StreamingResponse({ keepChunks: false });
    for (const c of stream) response.addChunk(c);
    expect(response.chunks).toEqual([]);
    expect(response.chunkCount).toBe(3);
    expect(response.completeText).toBe('Hello, world');
  });

  it('keeps text right across many chunks (pending parts are joined in batches)', () => {
    const response = new StreamingResponse({ keepChunks: false });
    let expected = '';
    for (let i = 0; i < 2000; i++) {
      const piece = String(i % 10);
      expected += piece;
      response.addChunk(chunk(piece, { timestamp: 0 }));
      if (i === 700) expect(response.completeText).toBe(expected);
    }
    expect(response.completeText).toBe(expected);
    expect(response.chunkCount).toBe(2000);
  });

  it('takes startTime and end() from its scheduler, and ends only once', () => {
    const response = new StreamingResponse({ scheduler: clock(1000) });
    expect(response.startTime).toBe(1000);
    response.end(1200).end(1300);
    expect(response.endTime).toBe(1200);
    expect(new StreamingResponse({ scheduler: clock(5) }).end().endTime).toBe(5);
  });

  it('snapshot() is an independent copy of the current state', () => {
    const response = new StreamingResponse({ startTime: 100 });
    response.addChunk(stream[0] as StreamChunk);
    const snapshot = response.snapshot();
    response.addChunk(stream[1] as StreamChunk).addChunk(stream[2] as StreamChunk);
    expect(snapshot).not.toBe(response);
    expect(snapshot.completeText).toBe('Hello');
    expect(snapshot.thinking).toBe('Plan. ');
    expect(snapshot.chunkCount).toBe(1);
    expect(snapshot.chunks).toEqual([stream[0]]);
    expect(snapshot.startTime).toBe(100);
    expect(snapshot.endTime).toBeUndefined();
    const later = response.snapshot();
    expect([later.completeText, later.chunkCount, later.endTime, later.finishReason]).toEqual(['Hello, world', 3, 150, 'tool_calls']);
    later.addChunk(chunk('!', { timestamp: 0 }));
    expect(response.completeText).toBe('Hello, world');
  });

  it('serialises to JSON without the chunks', () => {
    const response = new StreamingResponse({ startTime: 100, keepChunks: true });
    for (const c of stream) response.addChunk(c);
    const json = JSON.parse(JSON.stringify(response)) as Record<string, unknown>;
    expect(json).toMatchObject({ completeText: 'Hello, world', chunkCount: 3, startTime: 100, endTime: 150, duration: 50, usage, finishReason: 'tool_calls', toolCalls });
    expect(json).not.toHaveProperty('chunks');
  });
});

/**
 * The agent's tool loop against the real `openai` SDK and a loopback server replaying Chat Completions
 * streams: round 1 streams two parallel tool calls, round 2 must carry their results as native
 * `role: 'tool'` messages after the assistant's `tool_calls`.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent } from '../src/agent/agent.js';
import { defineTool } from '../src/tools/tool.js';
import type { StreamChunk } from '../src/chunk.js';
import { sse, useWireServer } from './helpers/wireServer.js';
import { abortedWithin } from './helpers/streams.js';

const server = useWireServer();

const weather = defineTool({
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: z.object({ city: z.string() }),
  execute: ({ city }) => `Sunny in ${city}, 21°C`,
});
const time = defineTool({
  name: 'get_time',
  description: 'Current time in a time zone',
  parameters: z.object({ tz: z.string() }),
  execute: ({ tz }) => ({ tz, time: '12:00' }),
});

function agent(): Agent {
  return new Agent({ name: 'wire', model: 'gpt-4o-mini', apiKey: 'sk-test-key', baseURL: `${server.url}/v1`, tools: [weather, time] });
}

describe('Agent + openai over the wire', () => {
  it('runs the tools between two streamed rounds and sends the results in OpenAI format', async () => {
    server.enqueue(sse('openai-tools.sse'), sse('openai-text.sse'));
    const chunks: StreamChunk[] = [];
    for await (const c of agent().stream('Weather and time in Paris?')) chunks.push(c);

    expect(server.requests).toHaveLength(2);
    const first = server.requests[0]!.body as Record<string, unknown>;
    expect(first).toMatchObject({ model: 'gpt-4o-mini', stream: true });
    expect((first['tools'] as unknown[]).map((t) => (t as { function: { name: string } }).function.name)).toEqual(['get_weather', 'get_time']);

    const second = server.requests[1]!.body as { messages: unknown[] };
    expect(second.messages).toHaveLength(4);
    expect(second.messages[0]).toEqual({ role: 'user', content: 'Weather and time in Paris?' });
    expect(second.messages[1]).toMatchObject({
      role: 'assistant',
      tool_calls: [
        { id: 'call_Qm1aXyZ0001', type: 'function', function: { name: 'get_weather' } },
        { id: 'call_Qm1aXyZ0002', type: 'function', function: { name: 'get_time' } },
      ],
    });
    const calls = (second.messages[1] as { tool_calls: { function: { arguments: string } }[] }).tool_calls;
    expect(calls.map((c) => JSON.parse(c.function.arguments) as unknown)).toEqual([{ city: 'Paris' }, { tz: 'Europe/Paris' }]);
    expect(second.messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'call_Qm1aXyZ0001', content: 'Sunny in Paris, 21°C' },
      { role: 'tool', tool_call_id: 'call_Qm1aXyZ0002', content: '{"tz":"Europe/Paris","time":"12:00"}' },
    ]);

    // tool-call deltas streamed, both results reported, the answer streamed on, one final chunk with summed usage
    expect(chunks.filter((c) => c.metadata.toolCallDelta).length).toBeGreaterThan(2);
    expect(chunks.map((c) => (c.metadata['toolResult'] as { name: string } | undefined)?.name).filter(Boolean).sort()).toEqual([
      'get_time',
      'get_weather',
    ]);
    expect(chunks.filter((c) => !c.isFinal).map((c) => c.content).join('')).toBe('Hello, world!');
    expect(chunks.filter((c) => c.isFinal)).toHaveLength(1);
    const final = chunks.at(-1)!;
    expect(final.isFinal).toBe(true);
    expect(final.metadata.finishReason).toBe('stop');
    expect(final.metadata.usage?.totalTokens).toBeGreaterThan(127);
  });

  it('for await … break closes the socket', async () => {
    server.enqueue(sse('openai-text.sse', { delayMs: 40 }));
    const a = agent();
    for await (const c of a.stream('Say hello')) {
      if (c.content !== '') break;
    }
    const request = server.requests[0]!;
    await expect(abortedWithin(request.aborted, 1000)).resolves.toBeTypeOf('number');
    expect(request.finished).toBe(false);
    expect(a.history.at(-1)).toMatchObject({ role: 'assistant', status: 'interrupted' });
  });
});

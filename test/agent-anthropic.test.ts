/**
 * The agent's tool loop against the real `@anthropic-ai/sdk` and a loopback server replaying Messages API
 * streams: round 1 streams text then a tool_use block, round 2 must carry the result as a native
 * `tool_result` block in a user message after the assistant's `tool_use` block.
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
  parameters: z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']) }),
  execute: ({ city, unit }) => `Sunny in ${city}, 21 ${unit}`,
});

function agent(): Agent {
  return new Agent({
    name: 'wire',
    model: 'claude-sonnet-4-6',
    apiKey: 'sk-ant-test-key',
    baseURL: server.url,
    instructions: 'Be brief.',
    tools: [weather],
  });
}

describe('Agent + anthropic over the wire', () => {
  it('runs the tool between two streamed rounds and sends the result as a tool_result block', async () => {
    server.enqueue(sse('anthropic-tools.sse'), sse('anthropic-text.sse'));
    const chunks: StreamChunk[] = [];
    for await (const c of agent().stream('Weather in Paris?')) chunks.push(c);

    expect(server.requests).toHaveLength(2);
    const first = server.requests[0]!.body as Record<string, unknown>;
    expect(first).toMatchObject({ model: 'claude-sonnet-4-6', stream: true, system: 'Be brief.' });
    expect(first['tools']).toMatchObject([{ name: 'get_weather', input_schema: { type: 'object' } }]);

    const second = server.requests[1]!.body as { system: unknown; messages: unknown[] };
    expect(second.system).toBe('Be brief.');
    expect(second.messages).toHaveLength(3);
    expect(second.messages[0]).toMatchObject({ role: 'user' });
    expect(second.messages[1]).toMatchObject({
      role: 'assistant',
      content: [
        { type: 'text', text: "I'll check the weather in Paris." },
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
      ],
    });
    expect(second.messages[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: 'Sunny in Paris, 21 celsius' }],
    });

    expect(chunks.filter((c) => !c.isFinal).map((c) => c.content).join('')).toBe("I'll check the weather in Paris.Hello, world!");
    expect(chunks.find((c) => c.metadata['toolResult'])?.metadata['toolResult']).toEqual({
      toolCallId: 'toolu_01A09q90qw90lq917835lq9',
      name: 'get_weather',
      result: 'Sunny in Paris, 21 celsius',
    });
    expect(chunks.filter((c) => c.isFinal)).toHaveLength(1);
    expect(chunks.at(-1)!.metadata).toMatchObject({ finishReason: 'stop', rawFinishReason: 'end_turn', toolRounds: 1 });
  });

  it('for await … break closes the socket', async () => {
    server.enqueue(sse('anthropic-text.sse', { delayMs: 40 }));
    for await (const c of agent().stream('Say hello')) {
      if (c.content !== '') break;
    }
    const request = server.requests[0]!;
    await expect(abortedWithin(request.aborted, 1000)).resolves.toBeTypeOf('number');
    expect(request.finished).toBe(false);
  });
});

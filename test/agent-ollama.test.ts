/**
 * The agent's tool loop against the real `ollama` client and a loopback server replaying /api/chat NDJSON:
 * round 1 returns a whole tool call (no id on the wire), round 2 must carry the result as a native
 * `role: 'tool'` message with `tool_name` after the assistant's `tool_calls`.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent } from '../src/agent/agent.js';
import { defineTool } from '../src/tools/tool.js';
import type { StreamChunk } from '../src/chunk.js';
import { ndjson, useWireServer } from './helpers/wireServer.js';
import { abortedWithin } from './helpers/streams.js';

const server = useWireServer();

const weather = defineTool({
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: z.object({ city: z.string(), unit: z.string() }),
  execute: ({ city }) => ({ city, sky: 'sunny', celsius: 21 }),
});

function agent(): Agent {
  return new Agent({ name: 'wire', model: 'llama3.2', baseURL: server.url, tools: [weather] });
}

describe('Agent + ollama over the wire', () => {
  it('runs the tool between two streamed rounds and sends the result as a tool message', async () => {
    server.enqueue(ndjson('ollama-tools.ndjson'), ndjson('ollama-chat.ndjson'));
    const chunks: StreamChunk[] = [];
    for await (const c of agent().stream('Weather in Paris?')) chunks.push(c);

    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]!.path).toBe('/api/chat');
    const first = server.requests[0]!.body as Record<string, unknown>;
    expect(first).toMatchObject({ model: 'llama3.2', stream: true });
    expect(first['tools']).toMatchObject([{ type: 'function', function: { name: 'get_weather' } }]);

    const second = server.requests[1]!.body as { messages: unknown[] };
    expect(second.messages).toHaveLength(3);
    expect(second.messages[0]).toEqual({ role: 'user', content: 'Weather in Paris?' });
    expect(second.messages[1]).toMatchObject({
      role: 'assistant',
      tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } } }],
    });
    expect(second.messages[2]).toEqual({ role: 'tool', content: '{"city":"Paris","sky":"sunny","celsius":21}', tool_name: 'get_weather' });

    const result = chunks.find((c) => c.metadata['toolResult'])?.metadata['toolResult'] as { toolCallId: string; name: string };
    expect(result).toMatchObject({ name: 'get_weather', result: { city: 'Paris', sky: 'sunny', celsius: 21 } });
    expect(result.toolCallId).toMatch(/^call_/);
    expect(chunks.filter((c) => !c.isFinal).map((c) => c.content).join('')).toBe('Hello, world!');
    expect(chunks.filter((c) => c.isFinal)).toHaveLength(1);
    expect(chunks.at(-1)!.metadata).toMatchObject({ finishReason: 'stop', toolRounds: 1, usage: { inputTokens: expect.any(Number) as number } });
  });

  it('for await … break closes the socket', async () => {
    server.enqueue(ndjson('ollama-chat.ndjson', { delayMs: 40 }));
    for await (const c of agent().stream('Say hello')) {
      if (c.content !== '') break;
    }
    const request = server.requests[0]!;
    await expect(abortedWithin(request.aborted, 1000)).resolves.toBeTypeOf('number');
    expect(request.finished).toBe(false);
  });
});

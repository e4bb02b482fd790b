/**
 * agent.streamObject against loopback servers with the real SDKs: each provider's native structured mode in
 * the request body (OpenAI `response_format` json_schema or a forced function, Anthropic a forced tool whose
 * `input_json_delta`s are the JSON, Ollama `format`), the JSON instructions of 'json' mode, and the streamed
 * snapshots ending in the validated object.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent } from '../src/agent/agent.js';
import { isObjectValidationError } from '../src/errors/ObjectValidationError.js';
import type { ObjectSnapshot } from '../src/operators/partialObject.js';
import { ndjson, sse, useWireServer } from './helpers/wireServer.js';

const server = useWireServer();

const Profile = z.object({ name: z.string(), age: z.number(), tags: z.array(z.string()) });
type Profile = z.infer<typeof Profile>;
const PIECES = ['{"name":"Ada', ' Lovelace","age":', '36,"tags":["math"', ',"poetry"]}'];
const PROFILE: Profile = { name: 'Ada Lovelace', age: 36, tags: ['math', 'poetry'] };

const openAIEvent = (delta: object, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const openAIText = (pieces: readonly string[]): string[] => [
  openAIEvent({ role: 'assistant', content: '' }),
  ...pieces.map((content) => openAIEvent({ content })),
  openAIEvent({}, 'stop'),
  'data: [DONE]\n\n',
];

const anthropicEvent = (data: Record<string, unknown>): string => `event: ${String(data['type'])}\ndata: ${JSON.stringify(data)}\n\n`;
const anthropicTool = (name: string, pieces: readonly string[]): string[] => [
  anthropicEvent({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], usage: { input_tokens: 10, output_tokens: 1 } } }),
  anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name, input: {} } }),
  ...pieces.map((partial_json) => anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json } })),
  anthropicEvent({ type: 'content_block_stop', index: 0 }),
  anthropicEvent({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 20 } }),
  anthropicEvent({ type: 'message_stop' }),
];

const ollamaLines = (pieces: readonly string[]): string[] => [
  ...pieces.map((content) => `${JSON.stringify({ model: 'llama3.2', created_at: '2026-01-01T00:00:00Z', message: { role: 'assistant', content }, done: false })}\n`),
  `${JSON.stringify({ model: 'llama3.2', created_at: '2026-01-01T00:00:01Z', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 5, eval_count: 9 })}\n`,
];

const bodyOf = (i = 0): Record<string, unknown> => server.requests[i]!.body as Record<string, unknown>;

function expectSnapshots(snapshots: readonly ObjectSnapshot<Profile>[]): void {
  const last = snapshots[snapshots.length - 1]!;
  expect(last).toMatchObject({ done: true, object: PROFILE });
  expect(snapshots.slice(0, -1).every((s) => !s.done)).toBe(true);
  // The name streamed into the snapshots before it was complete.
  expect(snapshots.map((s) => s.partial.name)).toContain('Ada');
  expect(snapshots.length).toBeGreaterThanOrEqual(PIECES.length);
}

describe('agent.streamObject over the wire', () => {
  it("openai: 'auto' sends response_format json_schema and parses the content", async () => {
    server.enqueue(sse(openAIText(PIECES)));
    const agent = new Agent({ model: 'gpt-4o-mini', apiKey: 'sk-test-key', baseURL: `${server.url}/v1`, instructions: 'Be exact.' });
    const snapshots = await lastValueFrom(agent.streamObject('Who wrote the first program?', { schema: Profile, name: 'profile', strict: true }).pipe(toArray()));
    expectSnapshots(snapshots);
    const body = bodyOf();
    expect(body['response_format']).toEqual({
      type: 'json_schema',
      json_schema: { name: 'profile', schema: expect.objectContaining({ type: 'object', required: ['name', 'age', 'tags'] }), strict: true },
    });
    expect(body).not.toHaveProperty('tools');
    expect(body['messages']).toEqual([
      { role: 'system', content: 'Be exact.' },
      { role: 'user', content: 'Who wrote the first program?' },
    ]);
    // Not a chat turn: nothing was added to the history.
    expect(agent.history).toEqual([]);
  });

  it("openai: 'tool' forces a function whose argument deltas are the JSON", async () => {
    const name = 'profile';
    const events = [
      openAIEvent({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name, arguments: '' } }] }),
      ...PIECES.map((args) => openAIEvent({ tool_calls: [{ index: 0, function: { arguments: args } }] })),
      openAIEvent({}, 'stop'),
      'data: [DONE]\n\n',
    ];
    server.enqueue(sse(events));
    const agent = new Agent({ model: 'gpt-4o-mini', apiKey: 'sk-test-key', baseURL: `${server.url}/v1` });
    const snapshots = await lastValueFrom(agent.streamObject('Ada?', { schema: Profile, name, mode: 'tool' }).pipe(toArray()));
    expectSnapshots(snapshots);
    const body = bodyOf();
    expect(body['tool_choice']).toEqual({ type: 'function', function: { name } });
    expect(body['tools']).toEqual([{ type: 'function', function: { name, parameters: expect.objectContaining({ type: 'object' }) } }]);
    expect(body).not.toHaveProperty('response_format');
  });

  it("anthropic: 'auto' forces a tool and reads its input_json_deltas as the JSON", async () => {
    server.enqueue(sse(anthropicTool('profile', PIECES)));
    const agent = new Agent({ model: 'claude-sonnet-4-6', apiKey: 'sk-ant-test-key', baseURL: server.url, instructions: 'Be exact.' });
    const snapshots = await lastValueFrom(
      agent.streamObject('Ada?', { schema: Profile, name: 'profile', description: 'A person' }).pipe(toArray()),
    );
    expectSnapshots(snapshots);
    const body = bodyOf();
    expect(body['tool_choice']).toEqual({ type: 'tool', name: 'profile' });
    expect(body['tools']).toEqual([{ name: 'profile', description: 'A person', input_schema: expect.objectContaining({ type: 'object' }) }]);
    expect(body['system']).toBe('Be exact.');
  });

  it("ollama: 'auto' sends the JSON Schema as format", async () => {
    server.enqueue(ndjson(ollamaLines(PIECES)));
    const agent = new Agent({ model: 'llama3.2', baseURL: server.url });
    const snapshots = await lastValueFrom(agent.streamObject('Ada?', { schema: Profile }).pipe(toArray()));
    expectSnapshots(snapshots);
    const body = bodyOf();
    expect(body['format']).toEqual(expect.objectContaining({ type: 'object', properties: expect.objectContaining({ age: { type: 'number' } }) }));
    expect(body).not.toHaveProperty('tools');
  });

  it("'json' asks for JSON in a system message and sends no native mode", async () => {
    server.enqueue(sse(openAIText(PIECES)));
    const agent = new Agent({ model: 'gpt-4o-mini', apiKey: 'sk-test-key', baseURL: `${server.url}/v1`, instructions: 'Be exact.' });
    const snapshots = await lastValueFrom(agent.streamObject('Ada?', { schema: Profile, mode: 'json' }).pipe(toArray()));
    expectSnapshots(snapshots);
    const body = bodyOf();
    expect(body).not.toHaveProperty('response_format');
    const messages = body['messages'] as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(['system', 'system', 'user']);
    expect(messages[1]!.content).toContain('Answer with one JSON value and nothing else');
    expect(messages[1]!.content).toContain('"tags":{"type":"array"');
  });

  it('does not offer the agent tools: no tool loop runs', async () => {
    server.enqueue(sse(openAIText(PIECES)));
    const tool = { name: 'never', description: 'd', parameters: { type: 'object', properties: {} }, execute: () => 'x' };
    const agent = new Agent({ model: 'gpt-4o-mini', apiKey: 'sk-test-key', baseURL: `${server.url}/v1`, tools: [tool] });
    await lastValueFrom(agent.streamObject('Ada?', { schema: Profile }));
    expect(bodyOf()).not.toHaveProperty('tools');
    expect(server.requests).toHaveLength(1);
  });

  it('errors with ObjectValidationError, the text and the partial response, when the answer fails the schema', async () => {
    server.enqueue(sse(openAIText(['{"name":"Ada","age":"old","tags":[]}'])));
    const agent = new Agent({ model: 'gpt-4o-mini', apiKey: 'sk-test-key', baseURL: `${server.url}/v1` });
    const error: unknown = await lastValueFrom(agent.streamObject('Ada?', { schema: Profile })).catch((e: unknown) => e);
    expect(isObjectValidationError(error)).toBe(true);
    if (!isObjectValidationError(error)) return;
    expect(error.issues.map((i) => i.path)).toEqual([['age']]);
    expect(error.text).toBe('{"name":"Ada","age":"old","tags":[]}');
    expect(error.partialResponse?.completeText).toBe('{"name":"Ada","age":"old","tags":[]}');
  });

  it('refuses bad options at the call, naming them', () => {
    const agent = new Agent({ model: 'gpt-4o-mini', apiKey: 'sk-test-key', baseURL: `${server.url}/v1` });
    expect(() => agent.streamObject('x', { schema: Profile, mode: 'xml' as 'json' })).toThrow(RangeError);
    expect(() => agent.streamObject('x', { schema: Profile, mode: 'xml' as 'json' })).toThrow(/options\.mode/);
    expect(() => agent.streamObject('x', { schema: 'nope' as unknown as typeof Profile })).toThrow(/options\.schema/);
    expect(() => agent.streamObject('x', { schema: Profile, name: 'has space' })).toThrow(/options\.name/);
    expect(server.requests).toHaveLength(0);
  });
});

/** A chat served by several instances: `agent.history` out as JSON, `new Agent({ history })` back in. */
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Agent, mockStream, type ChatRequest, type Provider } from '../src/index.js';

function recordingProvider(answers: string[]): Provider & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    name: 'mock',
    model: 'mock-1',
    requests,
    info: () => ({ provider: 'mock', model: 'mock-1', supportsStreaming: true, supportsTools: false }),
    stream: (request) => {
      requests.push(request);
      return mockStream(answers.shift() ?? 'ok', { chunkSize: 3 });
    },
  };
}

describe('agent.history round trip', () => {
  it('a chat continues on a second Agent instance from JSON', async () => {
    const first = new Agent({ provider: recordingProvider(['Hi, I am Ada.']), instructions: 'Be brief.' });
    await first.run('My name is Bob.');
    const json = JSON.stringify(first.history);
    expect(JSON.parse(json)).toEqual([
      { role: 'user', content: 'My name is Bob.' },
      { role: 'assistant', content: 'Hi, I am Ada.' },
    ]);

    const provider = recordingProvider(['Your name is Bob.']);
    const second = new Agent({ provider, instructions: 'Be brief.', history: JSON.parse(json) });
    expect(second.history).toEqual(first.history);
    const { content } = await second.run('What is my name?');
    expect(content).toBe('Your name is Bob.');
    expect(provider.requests[0]!.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'My name is Bob.' },
      { role: 'assistant', content: 'Hi, I am Ada.' },
      { role: 'user', content: 'What is my name?' },
    ]);
    expect(second.history).toHaveLength(4);
    expect(JSON.parse(JSON.stringify(second.history))).toEqual(second.history);
  });

  it('an interrupted answer keeps its status in the history, and the mark is not sent to the model', async () => {
    const provider = recordingProvider(['next']);
    const agent = new Agent({
      provider,
      history: [
        { role: 'user', content: 'Tell me a story' },
        { role: 'assistant', content: 'Once upon', status: 'interrupted' },
        { role: 'user', content: 'Anything?' },
        { role: 'assistant', content: '', status: 'error' },
      ],
    });
    await lastValueFrom(agent.stream('Go on'));
    expect(provider.requests[0]!.messages).toEqual([
      { role: 'user', content: 'Tell me a story' },
      { role: 'assistant', content: 'Once upon' },
      { role: 'user', content: 'Anything?' },
      { role: 'user', content: 'Go on' },
    ]);
    expect(agent.history[1]).toEqual({ role: 'assistant', content: 'Once upon', status: 'interrupted' });
    agent.clearHistory();
    expect(agent.history).toEqual([]);
  });

  it('refuses a bad history with a TypeError naming the message', () => {
    const provider = recordingProvider([]);
    expect(() => new Agent({ provider, history: 'nope' as never })).toThrow(/history must be an array/);
    expect(() => new Agent({ provider, history: [{ role: 'wizard', content: 'x' }] as never })).toThrow(/history\[0\]\.role/);
    expect(() => new Agent({ provider, history: [{ role: 'user', content: 'ok' }, { role: 'user', content: 3 }] as never })).toThrow(/history\[1\]\.content must be a string/);
    expect(() => new Agent({ provider, history: [{ role: 'assistant', content: '', toolCalls: [{ id: 1 }] }] as never })).toThrow(/toolCalls\[0\]/);
    expect(() => new Agent({ provider, history: [null] as never })).toThrow(TypeError);
  });
});

/**
 * Recovery after content, per provider, with the real SDKs against a loopback server that cuts the answer
 * mid-way: 'resume' sends a second request that continues from the delivered text — Anthropic and Ollama as an
 * assistant prefill, OpenAI as the partial answer plus a continue instruction — and the consumer sees the answer
 * go on without the repeated words; 'restart' sends the request again and a reset chunk supersedes the old text.
 */
import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import type { StreamChunk } from '../src/chunk.js';
import { collectResponse } from '../src/operators/collectResponse.js';
import { retryStream } from '../src/operators/retryStream.js';
import { timeoutStream } from '../src/operators/timeoutStream.js';
import { CONTINUE_INSTRUCTION } from '../src/providers/resume.js';
import { ANTHROPIC_START, OPENAI_DONE, PROVIDERS, anthropicEvent, anthropicStop, ollamaDone, ollamaLine, openaiEvent, providerFor, type ProviderName } from './helpers/providerWire.js';
import { ndjson, sse, useWireServer, type Reply, type StreamReplyOptions } from './helpers/wireServer.js';

const server = useWireServer();

/** A streamed answer made of `pieces`, in the provider's wire format. */
function answer(name: ProviderName, pieces: readonly string[], options?: StreamReplyOptions): Reply {
  switch (name) {
    case 'openai':
      return sse([openaiEvent({ role: 'assistant', content: '' }), ...pieces.map((p) => openaiEvent({ content: p })), openaiEvent({}, 'stop'), OPENAI_DONE], options);
    case 'anthropic':
      return sse(
        [
          ANTHROPIC_START,
          anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
          ...pieces.map((p) => anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: p } })),
          anthropicEvent('content_block_stop', { index: 0 }),
          ...anthropicStop('end_turn'),
        ],
        options,
      );
    case 'ollama':
      return ndjson([...pieces.map((p) => ollamaLine({ content: p })), ollamaDone()], options);
  }
}

/** Where the first answer's connection is reset: after the second text piece (and one more event, so it was read). */
const CUT: Record<ProviderName, number> = { openai: 4, anthropic: 5, ollama: 3 };
const request = { messages: [{ role: 'user' as const, content: 'Tell me about the fox.' }] };
const messagesOf = (i: number): { role: string; content: unknown }[] => (server.requests[i]!.body as { messages: { role: string; content: unknown }[] }).messages;

describe.each(PROVIDERS)("%s: retryStream({ afterContent: 'resume' })", (name) => {
  it('continues the answer from the delivered text and drops the repeated words', async () => {
    server.enqueue(
      answer(name, ['The quick', ' brown', ' fox', ' never'], { resetAfter: CUT[name], delayMs: 15 }),
      answer(name, [' brown fox', ' jumps', ' over.']),
    );
    const chunks = await lastValueFrom(
      providerFor(name, server, 'sk-recovery').stream(request).pipe(timeoutStream({ idle: 2000 }), retryStream({ afterContent: 'resume', delay: 1 }), toArray()),
    );
    const text = chunks.map((c: StreamChunk) => c.content).join('');
    expect(text).toBe('The quick brown fox jumps over.');
    expect(chunks.at(-1)?.metadata.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);

    const second = messagesOf(1);
    if (name === 'openai') {
      expect(second.slice(-2)).toEqual([
        { role: 'assistant', content: 'The quick brown' },
        { role: 'user', content: CONTINUE_INSTRUCTION },
      ]);
    } else if (name === 'anthropic') {
      // A trailing assistant message (prefill); Anthropic's content blocks carry the text.
      expect(second.at(-1)?.role).toBe('assistant');
      expect(JSON.stringify(second.at(-1)?.content)).toContain('The quick brown');
    } else {
      expect(second.at(-1)).toMatchObject({ role: 'assistant', content: 'The quick brown' });
    }
  });
});

/** The text a consumer sees when `name`'s answer `first` is cut and the continuation sends `second`. */
function resumed(name: ProviderName, first: readonly string[], second: readonly string[]): Promise<string> {
  server.enqueue(answer(name, [...first, ' never'], { resetAfter: CUT[name] + first.length - 2, delayMs: 15 }), answer(name, second));
  return lastValueFrom(
    providerFor(name, server, 'sk-recovery')
      .stream(request)
      .pipe(timeoutStream({ idle: 2000 }), retryStream({ afterContent: 'resume', delay: 1 }), collectResponse()),
  ).then((r) => r.completeText);
}

describe.each(PROVIDERS)("%s: 'resume' and what a model repeats", (name) => {
  it('drops a repeated whole paragraph (longer than a few words), split over chunks', async () => {
    const paragraph = 'Once upon a time, in a quiet village by the sea, there lived an old fox who loved books and long walks. ';
    expect(paragraph.length).toBeGreaterThan(64);
    const text = await resumed(name, ['Intro. ', paragraph], [paragraph.slice(0, 40), paragraph.slice(40), 'The end.']);
    expect(text).toBe(`Intro. ${paragraph}The end.`);
  });
});

describe("anthropic: 'resume' after whitespace", () => {
  // Anthropic refuses a prefill that ends with whitespace, so it gets 'Dear Ada,' and goes on with its own space.
  it('the continuation does not double it', async () => {
    const text = await resumed('anthropic', ['Dear', ' Ada, '], [' I', ' hope you are well.']);
    expect(text).toBe('Dear Ada, I hope you are well.');
    expect(JSON.stringify(messagesOf(1).at(-1)?.content)).toContain('Dear Ada,"');
  });
});

describe.each(PROVIDERS)("%s: retryStream({ afterContent: 'restart' })", (name) => {
  it('sends the request again; a reset chunk supersedes the old text, and a collector holds only the new answer', async () => {
    server.enqueue(answer(name, ['Draft', ' one', ' never'], { resetAfter: CUT[name], delayMs: 15 }), answer(name, ['Final', ' answer.']));
    const chunks = await lastValueFrom(providerFor(name, server, 'sk-recovery').stream(request).pipe(retryStream({ afterContent: 'restart', delay: 1 }), toArray()));
    const resetAt = chunks.findIndex((c) => c.metadata.reset === true);
    expect(resetAt).toBeGreaterThan(0);
    expect(chunks.slice(resetAt + 1).map((c) => c.content).join('')).toBe('Final answer.');
    expect(JSON.stringify(messagesOf(1))).toBe(JSON.stringify(messagesOf(0))); // the same request again

    server.enqueue(answer(name, ['Draft', ' one', ' never'], { resetAfter: CUT[name], delayMs: 15 }), answer(name, ['Final', ' answer.']));
    const response = await lastValueFrom(
      providerFor(name, server, 'sk-recovery').stream(request).pipe(retryStream({ afterContent: 'restart', delay: 1 }), collectResponse({ keepChunks: false })),
    );
    expect(response.completeText).toBe('Final answer.');
  });
});

describe("agent streams: retryStream({ afterContent: 'resume' })", () => {
  it('a cut in the answer round resumes it: the tools that ran are not run again, the answer goes on', async () => {
    const { Agent } = await import('../src/agent/agent.js');
    const { defineTool } = await import('../src/tools/tool.js');
    const { z } = await import('zod');
    let runs = 0;
    const weather = defineTool({ name: 'get_weather', description: 'd', parameters: z.object({ city: z.string() }).passthrough(), execute: () => (runs++, 'Sunny') });
    const time = defineTool({ name: 'get_time', description: 'd', parameters: z.object({ tz: z.string() }).passthrough(), execute: () => '12:00' });
    server.enqueue(
      sse('openai-tools.sse'),
      answer('openai', ['It is', ' sunny', ' in', ' Paris'], { resetAfter: CUT.openai + 1, delayMs: 15 }),
      answer('openai', [' sunny in Paris', ' at noon.']),
    );
    const agent = new Agent({ provider: providerFor('openai', server, 'sk-recovery'), tools: [weather, time] });
    const chunks = await lastValueFrom(agent.stream('Weather and time in Paris?').pipe(retryStream({ afterContent: 'resume', delay: 1 }), toArray()));
    const text = chunks.map((c) => c.content).join('');
    expect(text).toBe('It is sunny in Paris at noon.');
    expect(runs).toBe(1);
    expect(server.requests).toHaveLength(3);
    const third = messagesOf(2);
    // The tool round as it happened, then the partial answer and the continue instruction.
    expect(third.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant', 'user']);
    expect(third.at(-2)).toEqual({ role: 'assistant', content: 'It is sunny in' });
    const final = chunks.at(-1)!;
    expect(final.metadata.toolCalls?.map((c) => c.name).sort()).toEqual(['get_time', 'get_weather']);
    expect(final.metadata.attempts).toBe(2);
  });
});

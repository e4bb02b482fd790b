/**
 * The three SDK providers side by side against one wire server, with the wire pieces the edge-case tests
 * need written in each provider's own format (shapes as in test/fixtures/wire): a text delta, the end of a
 * stream, an in-stream error, a tool call. Tests loop over `PROVIDERS` so a fix checked for one provider
 * is checked for its siblings.
 */
import type { Reply, WireServer } from './wireServer.js';
import { ndjson, sse } from './wireServer.js';
import { openai } from '../../src/providers/openai.js';
import { anthropic } from '../../src/providers/anthropic.js';
import { ollama } from '../../src/providers/ollama.js';
import type { Provider } from '../../src/providers/provider.js';

export type ProviderName = 'openai' | 'anthropic' | 'ollama';
export const PROVIDERS: readonly ProviderName[] = ['openai', 'anthropic', 'ollama'];

/** A provider of that name pointed at the server, with `apiKey` given as an option. */
export function providerFor(name: ProviderName, server: Pick<WireServer, 'url'>, apiKey: string): Provider {
  switch (name) {
    case 'openai':
      return openai({ baseURL: `${server.url}/v1`, apiKey, model: 'gpt-4o-mini' });
    case 'anthropic':
      return anthropic({ baseURL: server.url, apiKey });
    case 'ollama':
      return ollama({ host: server.url, apiKey, model: 'llama3.2' });
  }
}

const OPENAI_BASE = { id: 'chatcmpl-edge', object: 'chat.completion.chunk', created: 1763942400, model: 'gpt-4o-mini' };

export function openaiEvent(delta: Record<string, unknown>, finishReason: string | null = null): string {
  return `data: ${JSON.stringify({ ...OPENAI_BASE, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`;
}
export const OPENAI_DONE = 'data: [DONE]\n\n';

export function anthropicEvent(type: string, data: Record<string, unknown> = {}): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}
export const ANTHROPIC_START = anthropicEvent('message_start', {
  message: { id: 'msg_edge', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } },
});
export function anthropicStop(stopReason: string): string[] {
  return [anthropicEvent('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 9 } }), anthropicEvent('message_stop')];
}

export function ollamaLine(message: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ model: 'llama3.2', created_at: '2025-11-24T00:00:00Z', message: { role: 'assistant', content: '', ...message }, done: false, ...extra })}\n`;
}
export function ollamaDone(doneReason = 'stop'): string {
  return `${JSON.stringify({ model: 'llama3.2', created_at: '2025-11-24T00:00:00Z', message: { role: 'assistant', content: '' }, done: true, done_reason: doneReason, prompt_eval_count: 5, eval_count: 9 })}\n`;
}

/** One text delta, then an error the provider reports inside the 200 stream, in that provider's format. */
export function inStreamError(name: ProviderName, error: Record<string, unknown>): Reply {
  switch (name) {
    case 'openai':
      return sse([openaiEvent({ role: 'assistant', content: 'Partial' }), `data: ${JSON.stringify({ error })}\n\n`]);
    case 'anthropic':
      return sse([
        ANTHROPIC_START,
        anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Partial' } }),
        anthropicEvent('error', { error }),
      ]);
    case 'ollama':
      return ndjson([ollamaLine({ content: 'Partial' }), `${JSON.stringify(error)}\n`]);
  }
}

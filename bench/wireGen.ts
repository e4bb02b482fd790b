/**
 * Generates long transcripts in each provider's wire format, shaped like test/fixtures/wire/*
 * (OpenAI chat.completions SSE, Anthropic Messages SSE, Ollama /api/chat NDJSON), one text delta per event.
 * Each function returns the events (one string per SSE event / NDJSON line) so the server can write them
 * all at once or paced.
 */

export type WireProvider = 'openai' | 'anthropic' | 'ollama';

export const WIRE_PROVIDERS: readonly WireProvider[] = ['openai', 'anthropic', 'ollama'];

export interface Transcript {
  readonly provider: WireProvider;
  readonly contentType: string;
  /** Head events (before the first delta), one per delta, then the tail events. */
  readonly events: readonly string[];
  /** Index of the first delta event in `events`. */
  readonly firstDeltaIndex: number;
  /** The text the deltas add up to. */
  readonly text: string;
  /** The whole body, pre-encoded. */
  readonly body: Buffer;
}

const OPENAI_MODEL = 'gpt-4o-mini-2024-07-18';
const ANTHROPIC_MODEL = 'claude-sonnet-4-5-20250929';
const OLLAMA_MODEL = 'llama3.2';

function sseData(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

function sseEvent(event: string, payload: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
}

export function openaiTranscript(deltas: readonly string[]): Transcript {
  const base = {
    id: 'chatcmpl-BENCH000001',
    object: 'chat.completion.chunk',
    created: 1763942400,
    model: OPENAI_MODEL,
    service_tier: 'default',
    system_fingerprint: 'fp_560af6e559',
  };
  const head = [
    sseData({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }], usage: null, obfuscation: 'aB3dE' }),
  ];
  const body = deltas.map((content) =>
    sseData({ ...base, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }], usage: null, obfuscation: 'x1' }),
  );
  const tail = [
    sseData({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: null, obfuscation: 'q' }),
    sseData({
      ...base,
      choices: [],
      usage: {
        prompt_tokens: 12,
        completion_tokens: deltas.length,
        total_tokens: 12 + deltas.length,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
      obfuscation: 'Zz',
    }),
    'data: [DONE]\n\n',
  ];
  return finish('openai', 'text/event-stream', head, body, tail, deltas);
}

export function anthropicTranscript(deltas: readonly string[]): Transcript {
  const usage = { input_tokens: 14, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const head = [
    sseEvent('message_start', {
      type: 'message_start',
      message: {
        model: ANTHROPIC_MODEL,
        id: 'msg_01BenchAAAAAAAAAAAAAAAAA',
        type: 'message',
        role: 'assistant',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 }, output_tokens: 1, service_tier: 'standard' },
      },
    }),
    sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    sseEvent('ping', { type: 'ping' }),
  ];
  const body = deltas.map((text) =>
    sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
  );
  const tail = [
    sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sseEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { ...usage, output_tokens: deltas.length },
    }),
    sseEvent('message_stop', { type: 'message_stop' }),
  ];
  return finish('anthropic', 'text/event-stream', head, body, tail, deltas);
}

export function ollamaTranscript(deltas: readonly string[]): Transcript {
  const created = '2026-11-23T12:00:00.100001Z';
  const body = deltas.map(
    (content) => JSON.stringify({ model: OLLAMA_MODEL, created_at: created, message: { role: 'assistant', content }, done: false }) + '\n',
  );
  const tail = [
    JSON.stringify({
      model: OLLAMA_MODEL,
      created_at: created,
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'stop',
      total_duration: 1234567890,
      load_duration: 12345678,
      prompt_eval_count: 26,
      prompt_eval_duration: 98765432,
      eval_count: deltas.length,
      eval_duration: 876543210,
    }) + '\n',
  ];
  return finish('ollama', 'application/x-ndjson', [], body, tail, deltas);
}

export function transcript(provider: WireProvider, deltas: readonly string[]): Transcript {
  switch (provider) {
    case 'openai':
      return openaiTranscript(deltas);
    case 'anthropic':
      return anthropicTranscript(deltas);
    case 'ollama':
      return ollamaTranscript(deltas);
  }
}

function finish(
  provider: WireProvider,
  contentType: string,
  head: string[],
  body: string[],
  tail: string[],
  deltas: readonly string[],
): Transcript {
  const events = [...head, ...body, ...tail];
  return {
    provider,
    contentType,
    events,
    firstDeltaIndex: head.length,
    text: deltas.join(''),
    body: Buffer.from(events.join(''), 'utf8'),
  };
}

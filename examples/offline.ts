/**
 * The embedded offline model behind `npm run demo` and the examples: a loopback HTTP server that speaks the
 * three providers' own streaming wire formats, chosen by path, so the real SDK code paths run with no API key
 * and no network:
 *
 *   POST /v1/chat/completions   OpenAI chat-completions SSE (`data: {chunk}` … `data: [DONE]`)   → `openai({ baseURL: server.baseURL })`
 *   POST /v1/messages           Anthropic Messages SSE (message_start, content_block_*, message_delta, message_stop)
 *                                                                                              → `anthropic({ baseURL: server.url })`
 *   POST /api/chat              Ollama NDJSON (one JSON object a line, `done: true` last)        → `ollama({ host: server.url })`
 *
 * What it answers is the CLI's offline model (`offlineAnswer` in src/cli/offlineModel.ts — one behaviour for
 * `agenticraft-rx --offline` and for this server): a canned story word by word, a `calculator` call for a
 * "N% of M" question when the request offers that tool, "That comes to <result>." for a tool result. It can
 * be told to fail the next requests with 429 + `retry-after-ms`, in each format's own error body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { offlineAnswer, type OfflineAnswer, type OfflineMessage } from '../src/cli/offlineModel.js';
import { anthropic, ollama, openai, type Provider } from '../src/index.js';

export interface OfflineServer {
  /** The server root: `anthropic({ baseURL })` (the SDK adds `/v1/messages`) and `ollama({ host })`. */
  readonly url: string;
  /** Base URL for the `openai` provider (`baseURL`): the root plus `/v1`. */
  readonly baseURL: string;
  /** Requests received so far (all three formats). */
  readonly requestCount: number;
  /** Requests whose client hung up before the answer ended (cancellations the server saw). */
  readonly abortedCount: number;
  /** The last request's path and JSON body, as the SDK sent it (to see how parameters map to each API). */
  readonly lastRequest: { readonly path: string; readonly body: Record<string, unknown> } | undefined;
  /** Resolves once no request is open: every answer ended or its client's hang-up was seen (`abortedCount`). */
  settled(): Promise<void>;
  /** The next `n` requests (any format) get 429 with `retry-after-ms: retryAfterMs`. */
  failNext(n: number, retryAfterMs?: number): void;
  close(): Promise<void>;
}

export interface OfflineServerOptions {
  /** ms between streamed chunks. @default 25 */
  readonly chunkDelayMs?: number;
}

/** The three wire formats this server speaks; each is also the name of the provider that reads it. */
export type WireFormat = 'openai' | 'anthropic' | 'ollama';

export const OFFLINE_MODEL = 'offline-mini';

/** The three real providers, each configured against the offline server. */
export function offlineProviders(server: Pick<OfflineServer, 'url' | 'baseURL'>): Record<WireFormat, Provider> {
  return {
    openai: openai({ baseURL: server.baseURL, apiKey: 'offline-demo', model: OFFLINE_MODEL }),
    anthropic: anthropic({ baseURL: server.url, apiKey: 'offline-demo', model: OFFLINE_MODEL }),
    ollama: ollama({ host: server.url, model: OFFLINE_MODEL }),
  };
}

/** The `DEMO_CHUNK_DELAY_MS` pacing every example honours (the smoke tests set it to 1). */
export function chunkDelayFromEnv(fallback = 25): number {
  return Number(process.env['DEMO_CHUNK_DELAY_MS'] ?? fallback);
}

/** A request as the server reads it: the conversation in the offline model's terms and the tools offered. */
interface Decoded {
  readonly model: string;
  readonly messages: readonly OfflineMessage[];
  readonly tools: readonly string[];
}

/** One wire format: how its requests read, how its answers and its rate-limit errors are written. */
interface Writer {
  /** The streaming response's content type. */
  readonly contentType: string;
  /** The request body in the offline model's terms. */
  decode(body: Record<string, unknown>): Decoded;
  /**
   * Writes `answer` as this format's events (`send`, one event or line each), awaiting `pause()` before each
   * piece; resolves false when `pause()` reports that the client left.
   */
  write(answer: OfflineAnswer, request: Decoded, id: number, send: (payload: unknown, event?: string) => void, pause: () => Promise<boolean>): Promise<boolean>;
  /** The JSON body of a 429 in this format (its SDK reads it into its own error). */
  rateLimited(): unknown;
}

const ROUTES: Readonly<Record<string, WireFormat>> = {
  '/v1/chat/completions': 'openai',
  '/v1/messages': 'anthropic',
  '/api/chat': 'ollama',
};

export async function startOfflineServer(options: OfflineServerOptions = {}): Promise<OfflineServer> {
  const delay = options.chunkDelayMs ?? 25;
  let requestCount = 0;
  let abortedCount = 0;
  let failures = 0;
  let failRetryAfter = 200;
  let lastRequest: OfflineServer['lastRequest'];
  let open = 0;
  const idle: Array<() => void> = [];

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const format = ROUTES[new URL(req.url ?? '/', 'http://localhost').pathname];
    if (req.method !== 'POST' || format === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no such endpoint: ${req.method} ${req.url}` }));
      return;
    }
    const writer = WRITERS[format];
    const id = ++requestCount;
    let finished = false;
    open++;
    res.on('close', () => {
      if (!finished) abortedCount++;
      if (--open === 0) for (const resolve of idle.splice(0)) resolve();
    });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      finished = true;
    };
    if (failures > 0) {
      failures--;
      return json(429, writer.rateLimited(), { 'retry-after-ms': String(failRetryAfter) });
    }
    let request: Decoded;
    try {
      const body = JSON.parse(raw) as Record<string, unknown>;
      lastRequest = { path: req.url ?? '', body };
      request = writer.decode(body);
    } catch {
      return json(400, { error: { type: 'invalid_request_error', message: 'invalid JSON body' } });
    }

    res.writeHead(200, { 'content-type': writer.contentType, 'cache-control': 'no-cache' });
    const send = (payload: unknown, event?: string): void => {
      const data = typeof payload === 'string' ? payload : JSON.stringify(payload); // a string: sent as it is ([DONE])
      res.write(format === 'ollama' ? `${data}\n` : `${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n`);
    };
    const pause = async (): Promise<boolean> => {
      await sleep(delay);
      return !res.destroyed;
    };
    const answer = offlineAnswer(request.messages, request.tools);
    if (!(await writer.write(answer, request, id, send, pause))) return;
    res.end();
    finished = true;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    get requestCount() {
      return requestCount;
    },
    get abortedCount() {
      return abortedCount;
    },
    get lastRequest() {
      return lastRequest;
    },
    settled: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve))),
    failNext(n, retryAfterMs = 200) {
      failures = n;
      failRetryAfter = retryAfterMs;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- the three wire formats ----------------------------------------------------------------------------------

type Json = Record<string, unknown>;
const records = (value: unknown): Json[] => (Array.isArray(value) ? value.filter((v): v is Json => typeof v === 'object' && v !== null) : []);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const role = (value: unknown): OfflineMessage['role'] =>
  value === 'system' || value === 'assistant' || value === 'tool' ? value : 'user';

/** OpenAI and Ollama both send `messages: [{ role, content }]` and `tools: [{ function: { name } }]`. */
function decodeChat(body: Json): Decoded {
  return {
    model: text(body['model']) || OFFLINE_MODEL,
    messages: records(body['messages']).map((m) => ({ role: role(m['role']), content: text(m['content']) })),
    tools: records(body['tools']).map((t) => text((t['function'] as Json | undefined)?.['name'])),
  };
}

const openaiWire: Writer = {
  contentType: 'text/event-stream',
  decode: decodeChat,
  async write(answer, request, id, send, pause) {
    const base = { id: `chatcmpl-offline${id}`, object: 'chat.completion.chunk', created: 1763942400, model: request.model };
    const choice = (delta: unknown, finish: string | null = null): unknown => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
    send(choice({ role: 'assistant', content: '' }));
    for (const [index, piece] of answer.pieces.entries()) {
      if (!(await pause())) return false;
      if (answer.kind === 'text') send(choice({ content: piece }));
      else if (index === 0) send(choice({ tool_calls: [{ index: 0, id: answer.call.id, type: 'function', function: { name: answer.call.name, arguments: piece } }] }));
      else send(choice({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
    }
    send(choice({}, answer.kind === 'text' ? 'stop' : 'tool_calls'));
    const { inputTokens, outputTokens, totalTokens } = answer.usage;
    send({ ...base, choices: [], usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: totalTokens } });
    send('[DONE]');
    return true;
  },
  rateLimited: () => ({ error: { message: 'Rate limit reached (offline demo)', type: 'requests', code: 'rate_limit_exceeded' } }),
};

const anthropicWire: Writer = {
  contentType: 'text/event-stream',
  decode: (body) => ({
    model: text(body['model']) || OFFLINE_MODEL,
    // A user turn of tool_result blocks is, to the offline model, a tool message with the (last) result.
    messages: records(body['messages']).map((m): OfflineMessage => {
      if (typeof m['content'] === 'string') return { role: role(m['role']), content: m['content'] };
      const blocks = records(m['content']);
      const result = blocks.filter((b) => b['type'] === 'tool_result').at(-1);
      if (result !== undefined) return { role: 'tool', content: text(result['content']) };
      return { role: role(m['role']), content: blocks.map((b) => text(b['text'])).join('') };
    }),
    tools: records(body['tools']).map((t) => text(t['name'])),
  }),
  async write(answer, request, id, send, pause) {
    const { inputTokens, outputTokens } = answer.usage;
    const message = { id: `msg_offline${id}`, type: 'message', role: 'assistant', model: request.model, content: [], stop_reason: null, stop_sequence: null };
    send({ type: 'message_start', message: { ...message, usage: { input_tokens: inputTokens, output_tokens: 1 } } }, 'message_start');
    const block =
      answer.kind === 'text' ? { type: 'text', text: '' } : { type: 'tool_use', id: `toolu_offline${id}`, name: answer.call.name, input: {} };
    send({ type: 'content_block_start', index: 0, content_block: block }, 'content_block_start');
    for (const piece of answer.pieces) {
      if (!(await pause())) return false;
      const delta = answer.kind === 'text' ? { type: 'text_delta', text: piece } : { type: 'input_json_delta', partial_json: piece };
      send({ type: 'content_block_delta', index: 0, delta }, 'content_block_delta');
    }
    send({ type: 'content_block_stop', index: 0 }, 'content_block_stop');
    const stopReason = answer.kind === 'text' ? 'end_turn' : 'tool_use';
    send({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } }, 'message_delta');
    send({ type: 'message_stop' }, 'message_stop');
    return true;
  },
  rateLimited: () => ({ type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit reached (offline demo)' } }),
};

const ollamaWire: Writer = {
  contentType: 'application/x-ndjson',
  decode: decodeChat,
  async write(answer, request, _id, send, pause) {
    const line = (message: Json, done: Json = { done: false }): unknown => ({
      model: request.model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: '', ...message },
      ...done,
    });
    if (answer.kind === 'text') {
      for (const piece of answer.pieces) {
        if (!(await pause())) return false;
        send(line({ content: piece }));
      }
    } else {
      // Ollama sends a call whole, its arguments an object.
      if (!(await pause())) return false;
      send(line({ tool_calls: [{ function: { name: answer.call.name, arguments: answer.call.arguments } }] }));
    }
    const { inputTokens, outputTokens } = answer.usage;
    send(line({}, { done: true, done_reason: 'stop', prompt_eval_count: inputTokens, eval_count: outputTokens, total_duration: 1_000_000 }));
    return true;
  },
  rateLimited: () => ({ error: 'rate limit reached (offline demo)' }),
};

const WRITERS: Readonly<Record<WireFormat, Writer>> = { openai: openaiWire, anthropic: anthropicWire, ollama: ollamaWire };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The embedded offline model behind `npm run demo` and the example smoke tests: a loopback HTTP server
 * that speaks the OpenAI chat-completions streaming wire format (the same SSE the real API sends), so
 * the demo runs the real `openai` SDK code path with no API key and no network.
 *
 * It answers from canned text, calls the `calculator` tool when offered one for a "N% of M" question,
 * answers tool results, and can be told to fail the next requests with 429 + retry-after-ms.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OfflineServer {
  /** Base URL for the `openai` provider (`baseURL`). */
  readonly baseURL: string;
  /** Requests received so far. */
  readonly requestCount: number;
  /** Requests whose client hung up before the answer ended (cancellations the server saw). */
  readonly abortedCount: number;
  /** The next `n` requests get 429 with `retry-after-ms: retryAfterMs`. */
  failNext(n: number, retryAfterMs?: number): void;
  close(): Promise<void>;
}

export interface OfflineServerOptions {
  /** ms between streamed chunks. @default 25 */
  readonly chunkDelayMs?: number;
}

const STORY =
  'Once upon a time, a small stream of tokens left a distant server. ' +
  'It crossed the wire one chunk at a time, was timed, counted and buffered, ' +
  'and reached a reader who could stop it with a single unsubscribe. ' +
  'Nothing it carried was ever lost, and every socket it opened was closed. The end.';

type WireMessage = { role: string; content?: string | null; tool_calls?: unknown[] };
type WireBody = { model?: string; messages?: WireMessage[]; tools?: Array<{ function?: { name?: string } }> };

export async function startOfflineServer(options: OfflineServerOptions = {}): Promise<OfflineServer> {
  const delay = options.chunkDelayMs ?? 25;
  let requestCount = 0;
  let abortedCount = 0;
  let failures = 0;
  let failRetryAfter = 200;

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    requestCount++;
    let finished = false;
    res.on('close', () => {
      if (!finished) abortedCount++;
    });
    if (failures > 0) {
      failures--;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': String(failRetryAfter) });
      res.end(JSON.stringify({ error: { message: 'Rate limit reached (offline demo)', type: 'requests', code: 'rate_limit_exceeded' } }));
      finished = true;
      return;
    }
    let body: WireBody;
    try {
      body = JSON.parse(raw) as WireBody;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'invalid JSON body', type: 'invalid_request_error' } }));
      finished = true;
      return;
    }
    const model = body.model ?? 'offline-mini';
    const messages = body.messages ?? [];
    const last = messages[messages.length - 1];
    const offersCalculator = (body.tools ?? []).some((t) => t.function?.name === 'calculator');
    const question = typeof last?.content === 'string' ? last.content : '';
    const percent = /(\d+(?:\.\d+)?)\s*%\s*of\s*\$?([\d,]+(?:\.\d+)?)/i.exec(question);

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (payload: unknown): boolean => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    const base = { id: `chatcmpl-offline${requestCount}`, object: 'chat.completion.chunk', created: 1763942400, model };
    const choice = (delta: unknown, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
    const usage = (completion: number) => ({
      ...base,
      choices: [],
      usage: { prompt_tokens: 12 * messages.length, completion_tokens: completion, total_tokens: 12 * messages.length + completion },
    });

    send(choice({ role: 'assistant', content: '' }));
    if (last?.role === 'user' && offersCalculator && percent) {
      const args = JSON.stringify({ expression: `${percent[1]}% of ${percent[2]!.replace(/,/g, '')}` });
      send(choice({ tool_calls: [{ index: 0, id: `call_offline${requestCount}`, type: 'function', function: { name: 'calculator', arguments: '' } }] }));
      for (const piece of args.match(/.{1,8}/g) ?? []) {
        if (res.destroyed) return;
        await sleep(delay);
        send(choice({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
      }
      send(choice({}, 'tool_calls'));
      send(usage(20));
    } else {
      const text = last?.role === 'tool' ? `That comes to ${String(last.content)}.` : STORY;
      const pieces = text.match(/\S+\s*/g) ?? [];
      for (const piece of pieces) {
        if (res.destroyed) return;
        await sleep(delay);
        send(choice({ content: piece }));
      }
      send(choice({}, 'stop'));
      send(usage(pieces.length));
    }
    res.write('data: [DONE]\n\n');
    res.end();
    finished = true;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    get requestCount() {
      return requestCount;
    },
    get abortedCount() {
      return abortedCount;
    },
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

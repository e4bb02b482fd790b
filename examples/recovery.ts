/**
 * `npx tsx examples/recovery.ts` — an answer that survives a connection reset mid-way, offline: a loopback
 * server speaks the OpenAI streaming format through the real `openai` SDK and cuts its first answer after a few
 * words. `retryStream({ afterContent: 'resume' })` asks the model to go on from the text already shown (and
 * drops the words it repeats); `'restart'` starts over, and a reset chunk tells the collector to discard the old
 * text. A fallback provider moves to a second server when the first is down.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, tap } from 'rxjs';
import { collectResponse, fallbackProvider, openai, retryStream, timeoutStream } from '../src/index.js';

const out = (text: string): void => void process.stdout.write(text);
const delay = Number(process.env['DEMO_CHUNK_DELAY_MS'] ?? 30);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Each request gets the next scripted answer; `cut` resets the connection after that many words. */
async function startServer(script: { words: string[]; cut?: number; status?: number }[]) {
  let n = 0;
  const seen: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push(JSON.parse(body));
      const step = script[Math.min(n++, script.length - 1)]!;
      void reply(res, step);
    });
  });
  const reply = async (res: ServerResponse, step: { words: string[]; cut?: number; status?: number }): Promise<void> => {
    if (step.status !== undefined) {
      res.writeHead(step.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'down (demo)', type: 'server_error' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (delta: object, finish: string | null = null): void =>
      void res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'offline', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
    send({ role: 'assistant', content: '' });
    for (const [i, word] of step.words.entries()) {
      await sleep(delay);
      if (step.cut !== undefined && i === step.cut) {
        res.socket?.destroy(); // the connection drops mid-answer
        return;
      }
      send({ content: word });
    }
    send({}, 'stop');
    res.end('data: [DONE]\n\n');
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return { url, seen, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

const words = (text: string): string[] => text.match(/\S+\s*/g) ?? [];
const request = { messages: [{ role: 'user' as const, content: 'Tell me about the fox.' }] };

async function main(): Promise<void> {
  out('== resume: the answer goes on where the reset cut it\n');
  const resumeServer = await startServer([
    { words: words('The quick brown fox jumps over the lazy dog.'), cut: 4 },
    { words: words('fox jumps over the lazy dog.') }, // the model repeats "fox " — dropped
  ]);
  const llm = openai({ baseURL: resumeServer.url, apiKey: 'offline', model: 'offline' });
  const resumed = await lastValueFrom(
    llm.stream(request).pipe(
      timeoutStream({ first: 5_000, idle: 5_000 }),
      retryStream({ afterContent: 'resume', delay: 10 }),
      tap((c) => out(c.content)),
      collectResponse({ keepChunks: false }),
    ),
  );
  const second = resumeServer.seen[1] as { messages: { role: string; content: string }[] };
  out(`\n[${String(resumed.metadata['attempts'])} attempts; the second request continued from "${second.messages.at(-2)?.content ?? ''}"]\n`);
  await resumeServer.close();

  out('\n== restart: a reset chunk, then the answer again\n');
  const restartServer = await startServer([{ words: words('A first draft that never ends'), cut: 3 }, { words: words('A complete answer.') }]);
  const restarted = await lastValueFrom(
    openai({ baseURL: restartServer.url, apiKey: 'offline', model: 'offline' })
      .stream(request)
      .pipe(
        retryStream({ afterContent: 'restart', delay: 10 }),
        tap((c) => out(c.metadata.reset === true ? '\n[restarted] ' : c.content)),
        collectResponse({ keepChunks: false }),
      ),
  );
  out(`\n[collected: "${restarted.completeText}"]\n`);
  await restartServer.close();

  out('\n== fallback: the first server is down, the second answers\n');
  const down = await startServer([{ words: [], status: 503 }]);
  const up = await startServer([{ words: words('Answered by the backup.') }]);
  const both = fallbackProvider([
    openai({ baseURL: down.url, apiKey: 'offline', model: 'primary' }),
    openai({ baseURL: up.url, apiKey: 'offline', model: 'backup' }),
  ]);
  const answered = await lastValueFrom(both.stream(request).pipe(collectResponse({ keepChunks: false })));
  out(`${answered.completeText} [requests: ${down.seen.length} to the one that was down, ${up.seen.length} to the backup]\n`);
  await Promise.all([down.close(), up.close()]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

import { asyncScheduler, concat, concatMap, defer, from, map, of, timer, type Observable, type SchedulerLike } from 'rxjs';
import { chunk, finalChunk, type ChunkMetadata, type StreamChunk, type ToolCall, type Usage } from '../chunk.js';
import { assertChatRequest, type ChatRequest, type Message, type Provider, type ProviderInfo } from '../providers/provider.js';

/** The {@link offlineModel} configuration. */
export interface OfflineModelConfig {
  /** ms before each streamed word (or tool-call argument piece), in the scheduler's time. @default 15 */
  readonly delay?: number;
  /** Timer for the delays, and the clock for timestamps. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

const NAME = 'offline';
const MODEL = 'offline-mini';

const GREETING =
  "Hello! I'm the offline model built into agenticraft-rx: no API key, no network, just a canned answer " +
  'streamed one word at a time. Try --tools calculator with "What\'s 15% of 2500?".';

const STORY =
  'Once upon a time, a small stream of tokens left a distant server. ' +
  'It crossed the wire one chunk at a time, was timed, counted and buffered, ' +
  'and reached a reader who could stop it with a single unsubscribe. ' +
  'Nothing it carried was ever lost, and every socket it opened was closed. The end.';

const PERCENT_OF = /(\d+(?:\.\d+)?)\s*%\s*of\s*\$?([\d,]+(?:\.\d+)?)/i;
const GREETING_WORDS = /^\s*(hi|hello|hey|hallo|good (morning|afternoon|evening))\b/i;

/**
 * The embedded offline model behind `agenticraft-rx --offline`: a `Provider` that needs no SDK, no key and
 * no network. It streams a canned answer word by word, calls the `calculator` tool for a "N% of M" question
 * when the request offers it (a final chunk with `toolCalls`, as a real provider ends a tool round), and
 * answers a tool result with "That comes to <result>.".
 *
 * ```
 * request:  'hi'
 * result:   -- 15ms a 15ms b … 15ms z F|      a..z = the words, F = final (finishReason 'stop', usage)
 *
 * request:  "What's 15% of 2500?" with tools: [calculator]
 * result:   -- 15ms d 15ms d … T|             d = toolCallDelta pieces, T = final with toolCalls (finishReason 'tool_calls')
 * ```
 *
 * Cold like every provider: each subscription is one answer, and unsubscribing stops it.
 */
export function offlineModel(config: OfflineModelConfig = {}): Provider {
  const { delay = 15, scheduler = asyncScheduler } = config;
  const info = (): ProviderInfo => ({ provider: NAME, model: MODEL, supportsStreaming: true, supportsTools: true });
  return {
    name: NAME,
    model: MODEL,
    info,
    stream: (request: ChatRequest): Observable<StreamChunk> => {
      assertChatRequest(NAME, request);
      const model = request.model ?? MODEL;
      const base: ChunkMetadata = { provider: NAME, model };
      const paced = <T>(pieces: readonly T[], make: (piece: T, index: number) => StreamChunk): Observable<StreamChunk> =>
        from(pieces).pipe(concatMap((piece, index) => timer(delay, scheduler).pipe(map(() => make(piece, index)))));
      // Made when it is emitted, so its timestamp is the end of the answer.
      const final = (metadata: ChunkMetadata): Observable<StreamChunk> =>
        defer(() => of(finalChunk({ ...base, eventType: 'done', ...metadata }, { scheduler })));

      const answer = offlineAnswer(request.messages, (request.tools ?? []).map((tool) => tool.name));
      if (answer.kind === 'tool_call') {
        const { call } = answer;
        return concat(
          paced(answer.pieces, (argumentsDelta, index) =>
            chunk('', {
              metadata: {
                ...base,
                eventType: 'tool_call_delta',
                toolCallDelta: { index: 0, ...(index === 0 && { id: call.id, name: call.name }), argumentsDelta },
              },
              scheduler,
            }),
          ),
          final({ finishReason: 'tool_calls', rawFinishReason: 'tool_calls', toolCalls: [call], usage: answer.usage }),
        );
      }
      const contentMeta: ChunkMetadata = { ...base, eventType: 'delta' };
      return concat(
        paced(answer.pieces, (word) => chunk(word, { metadata: contentMeta, scheduler })),
        final({ finishReason: 'stop', rawFinishReason: 'stop', usage: answer.usage }),
      );
    },
  };
}

/** A message as the offline model reads it: who spoke, and the text (a tool message: the tool's result). */
export type OfflineMessage = Pick<Message, 'role' | 'content'>;

/** What the offline model answers, before any wire format: text in words, or one calculator call in pieces. */
export type OfflineAnswer =
  | { readonly kind: 'text'; readonly pieces: readonly string[]; readonly usage: Usage }
  | { readonly kind: 'tool_call'; readonly call: ToolCall; readonly pieces: readonly string[]; readonly usage: Usage };

/**
 * The offline model's whole behaviour, shared by {@link offlineModel} and by the loopback server the examples
 * run (`examples/offline.ts`, which writes the same answer in the OpenAI, Anthropic and Ollama wire formats):
 * a "N% of M" question with the `calculator` tool offered is a calculator call (its JSON arguments in pieces
 * of 8 characters); a tool result is answered "That comes to <result>."; a greeting gets the greeting; anything
 * else gets the story (in words, each with its trailing space).
 */
export function offlineAnswer(messages: readonly OfflineMessage[], toolNames: readonly string[]): OfflineAnswer {
  const last = messages[messages.length - 1];
  const percent = last?.role === 'user' ? PERCENT_OF.exec(last.content) : null;
  if (percent !== null && toolNames.includes('calculator')) {
    const expression = `${percent[1]}% of ${percent[2]!.replaceAll(',', '')}`;
    const call: ToolCall = { id: `call_offline_${messages.length}`, name: 'calculator', arguments: { expression } };
    const json = JSON.stringify(call.arguments);
    return { kind: 'tool_call', call, pieces: json.match(/.{1,8}/g) ?? [], usage: usage(messages, json) };
  }
  const text = answerTo(last);
  return { kind: 'text', pieces: text.match(/\S+\s*/g) ?? [], usage: usage(messages, text) };
}

function answerTo(last: OfflineMessage | undefined): string {
  if (last?.role === 'tool') return `That comes to ${last.content}.`;
  if (last !== undefined && GREETING_WORDS.test(last.content)) return GREETING;
  return STORY;
}

/** A rough count in the spirit of real tokenizers: about four characters a token. */
function usage(messages: readonly OfflineMessage[], output: string): Usage {
  const inputTokens = Math.max(1, Math.ceil(messages.reduce((sum, m) => sum + m.content.length, 0) / 4));
  const outputTokens = Math.ceil(output.length / 4);
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

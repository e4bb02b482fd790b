import { Observable, asyncScheduler, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { chunk, type ChunkMetadata, type StreamChunk, type ToolCall, type ToolCallDelta } from '../chunk.js';
import { ProviderError } from '../errors/ProviderError.js';
import type { ChatRequest, Provider, ProviderInfo } from '../providers/provider.js';

/** A value in a marble script: a string is a content chunk; an object is a partial chunk. */
export type MarbleChunk =
  | string
  | {
      readonly content?: string;
      readonly token?: string;
      readonly metadata?: ChunkMetadata;
      readonly isFinal?: boolean;
    };

export interface MarbleProviderOptions {
  /** The provider's `name` and each chunk's `metadata.provider`. @default 'marble' */
  readonly name?: string;
  /** @default 'marble' */
  readonly model?: string;
  /** Timer and clock. Inside `TestScheduler.run` the default is virtual. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
}

/** A {@link Provider} driven by marble scripts, which remembers the requests it received. */
export interface MarbleProvider extends Provider {
  /** Every request, in subscription order (one per subscription, like an HTTP request). */
  readonly requests: readonly ChatRequest[];
  /**
   * When each request started and ended (completed, errored or was aborted), in the scheduler's frames:
   * pass it to `expectSubscriptions` to assert that unsubscribing aborted the request at the right time.
   */
  readonly subscriptions: MarbleSubscriptionLog[];
}

/** Shaped like rxjs/testing's `SubscriptionLog`; `unsubscribedFrame` is Infinity while the request runs. */
export interface MarbleSubscriptionLog {
  readonly subscribedFrame: number;
  unsubscribedFrame: number;
}

/**
 * A `Provider` whose `stream()` plays a marble diagram: cold, so every subscription is one "request" that
 * starts the script from its beginning. Inside `TestScheduler.run` it runs in virtual time, so agents,
 * workflows and operators can be marble-tested without a network.
 *
 * ```
 * <!-- diagram: marbleProvider/script, marbleProvider/scripts -->
 * marbleProvider('--a--b--|', { a: 'Hel', b: 'lo' })
 * stream():      --a--b--(F|)         F = the final chunk, appended at '|': finishReason 'stop', or
 *                                     'tool_calls' with the toolCalls assembled from toolCallDelta values
 * subscriptions: ^-------!            one request, recorded in provider.requests
 *
 * marbleProvider(['-a|', '--b|'], { a: 'A', b: 'B' })
 * 1st request:   -a(F|)               the nth request plays the nth script
 * 2nd request:   --b(F|)
 * 3rd request:   #                    TypeError: only 2 script(s) were given
 * ```
 *
 * Values may be strings (content chunks) or partial chunks (`{ metadata: { toolCallDelta } }`, a `thinking`
 * delta, or a final chunk of your own with `isFinal: true`, after which '|' appends nothing). A character
 * missing from `values` is a content chunk of that character. `#` errors with `error` (default: a
 * retryable `ProviderError`, code 'scripted_error'). Inside `TestScheduler.run` one frame is 1 ms and time
 * progressions (`10ms`) work; outside it a frame is 10 real ms.
 *
 * ## Examples
 *
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { Agent } from 'agenticraft-rx';
 * import { marbleProvider } from 'agenticraft-rx/testing';
 *
 * new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ expectObservable }) => {
 *   const provider = marbleProvider('--a--b--|', { a: 'Hel', b: 'lo' });
 *   const agent = new Agent({ name: 'test', provider });
 *   expectObservable(agent.stream('Hi').pipe(map((c) => (c.isFinal ? 'F' : c.content)))).toBe('--a--b--(F|)', {
 *     a: 'Hel', b: 'lo', F: 'F',
 *   });
 * });
 * ```
 *
 * @param marbles One script for every request, or one script per request.
 * @param values What the letters in the scripts stand for.
 * @param error What `#` errors with.
 * @param options Name, model and scheduler.
 * @returns A {@link MarbleProvider}.
 * @throws {SyntaxError} (from the marble parser) when a script is not valid marble syntax.
 */
export function marbleProvider(
  marbles: string | readonly string[],
  values: Readonly<Record<string, MarbleChunk>> = {},
  error?: unknown,
  options: MarbleProviderOptions = {},
): MarbleProvider {
  const scripts = typeof marbles === 'string' ? [marbles] : [...marbles];
  if (scripts.length === 0 || !scripts.every((s) => typeof s === 'string')) {
    throw new TypeError('marbleProvider(marbles): marbles must be a marble string or a non-empty array of them');
  }
  if (scripts.some((s) => s.includes('!'))) throw new TypeError("marbleProvider(marbles): '!' is not allowed in a cold script");
  const { name = 'marble', model = 'marble', scheduler = asyncScheduler } = options;
  const scriptError = error ?? new ProviderError(`${name}: scripted error`, { provider: name, code: 'scripted_error' });
  for (const script of scripts) TestScheduler.parseMarbles(script, undefined, scriptError, true, true); // fails fast on bad syntax
  const requests: ChatRequest[] = [];
  const subscriptions: MarbleSubscriptionLog[] = [];

  const stream = (request: ChatRequest): Observable<StreamChunk> =>
    new Observable<StreamChunk>((subscriber) => {
      const n = requests.push(request) - 1;
      const log: MarbleSubscriptionLog = { subscribedFrame: scheduler.now(), unsubscribedFrame: Number.POSITIVE_INFINITY };
      subscriptions.push(log);
      subscriber.add(() => (log.unsubscribedFrame = scheduler.now()));
      const script = typeof marbles === 'string' ? scripts[0] : scripts[n];
      if (script === undefined) {
        subscriber.error(new TypeError(`marbleProvider: request #${n + 1} arrived but only ${scripts.length} script(s) were given`));
        return;
      }
      // Parsed at subscription so the frame length is the one of the TestScheduler.run in progress.
      // Letters come back as themselves and are looked up here, so one missing from `values` is its own text.
      const messages = TestScheduler.parseMarbles(script, undefined, scriptError, true, true);
      const responseModel = request.model ?? model;
      const base: ChunkMetadata = { provider: name, model: responseModel };
      const deltas: ToolCallDelta[] = [];
      let finalSent = false;

      const emit = (index: number): void => {
        const { notification } = messages[index]!;
        if (notification.kind === 'N') {
          const letter = notification.value as string;
          const c = toChunk(Object.hasOwn(values, letter) ? values[letter]! : letter, base, scheduler, deltas);
          finalSent ||= c.isFinal;
          subscriber.next(c);
        } else if (notification.kind === 'E') {
          subscriber.error(notification.error);
        } else {
          if (!finalSent) subscriber.next(finalOf(base, deltas, scheduler));
          subscriber.complete();
        }
      };

      if (messages.length === 0) return;
      return scheduler.schedule<number>(
        function (index = 0) {
          const frame = messages[index]!.frame;
          let i = index;
          for (; i < messages.length && messages[i]!.frame === frame && !subscriber.closed; i++) emit(i);
          const next = messages[i];
          if (next !== undefined && !subscriber.closed) this.schedule(i, next.frame - frame);
        },
        messages[0]!.frame,
        0,
      );
    });

  const provider: MarbleProvider = {
    name,
    model,
    get requests() {
      return requests;
    },
    get subscriptions() {
      return subscriptions;
    },
    info: (): ProviderInfo => ({ provider: name, model, supportsStreaming: true, supportsTools: true, supportsThinking: true }),
    stream,
  };
  return provider;
}

function toChunk(value: MarbleChunk, base: ChunkMetadata, scheduler: SchedulerLike, deltas: ToolCallDelta[]): StreamChunk {
  if (typeof value === 'string') return chunk(value, { metadata: { ...base, eventType: 'delta' }, scheduler });
  const delta = value.metadata?.toolCallDelta;
  if (delta !== undefined) deltas.push(delta);
  if (value.isFinal === true) {
    return chunk(value.content ?? '', {
      metadata: { ...finalMetadata(base, deltas), ...value.metadata },
      isFinal: true,
      scheduler,
      ...(value.token === undefined ? {} : { token: value.token }),
    });
  }
  return chunk(value.content ?? '', {
    metadata: { ...base, eventType: 'delta', ...value.metadata },
    scheduler,
    ...(value.token === undefined ? {} : { token: value.token }),
  });
}

function finalOf(base: ChunkMetadata, deltas: readonly ToolCallDelta[], scheduler: SchedulerLike): StreamChunk {
  return chunk('', { metadata: finalMetadata(base, deltas), isFinal: true, scheduler });
}

/** What a real provider's final chunk says: finish reason, and the tool calls assembled from their deltas. */
function finalMetadata(base: ChunkMetadata, deltas: readonly ToolCallDelta[]): ChunkMetadata {
  const toolCalls = assembleToolCalls(deltas);
  return toolCalls.length > 0
    ? { ...base, eventType: 'done', finishReason: 'tool_calls', rawFinishReason: 'tool_calls', toolCalls }
    : { ...base, eventType: 'done', finishReason: 'stop', rawFinishReason: 'stop' };
}

function assembleToolCalls(deltas: readonly ToolCallDelta[]): ToolCall[] {
  const byIndex = new Map<number, { id: string; name: string; args: string }>();
  for (const d of deltas) {
    const call = byIndex.get(d.index) ?? { id: `call_${d.index}`, name: '', args: '' };
    if (d.id !== undefined) call.id = d.id;
    if (d.name !== undefined) call.name = d.name;
    call.args += d.argumentsDelta;
    byIndex.set(d.index, call);
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, { id, name, args }]) => ({ id, name, arguments: parseArguments(args) }));
}

function parseArguments(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // kept raw, like the real providers, so the agent can tell the model
  }
}

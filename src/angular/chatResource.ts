import { computed, DestroyRef, signal, untracked, type Injector, type Signal } from '@angular/core';
import {
  catchError,
  concatMap,
  defer,
  EMPTY,
  exhaustMap,
  finalize,
  type Observable,
  type OperatorFunction,
  Subject,
  switchMap,
  tap,
} from 'rxjs';
import type { Agent } from '../agent/agent.js';
import type { StreamChunk } from '../chunk.js';
import { interruptAfter } from '../operators/interruptAfter.js';
import type { Message } from '../providers/provider.js';
import type { StreamingResponse } from '../response.js';
import { resourceInjector } from './injection.js';
import { scanResponse } from '../operators/scanResponse.js';

/**
 * What a `send()` does while a reply is streaming — RxJS's flattening operators:
 * `'switch'` stops the reply in flight (its HTTP request aborted, its partial text kept) and answers the new message;
 * `'exhaust'` ignores the new message (`send` returns false); `'concat'` queues it and answers it next.
 */
export type ChatPolicy = 'switch' | 'exhaust' | 'concat';

/** How an assistant turn stands: waiting for its first chunk, streaming, or how it ended (the agent's `TurnStatus` words). */
export type ChatTurnStatus = 'pending' | 'streaming' | 'complete' | 'interrupted' | 'error';

/** One message of the conversation as the UI shows it. A new object each time it changes (signals compare by identity). */
export interface ChatMessage {
  /** Unique within the resource: for `@for (m of chat.messages(); track m.id)`. */
  readonly id: string;
  readonly role: 'user' | 'assistant';
  /** The text; an assistant message's grows per chunk (and starts over at a reset chunk). */
  readonly content: string;
  /** Assistant messages: how the turn stands. */
  readonly status?: ChatTurnStatus;
  /** Assistant messages: the accumulated response (usage, finish reason, tool calls, timing), once a chunk arrived. */
  readonly response?: StreamingResponse;
  /** Assistant messages whose turn failed: the error. */
  readonly error?: Error;
}

/** `idle` before the first send; `loading` while a reply waits for its first chunk; `streaming`; `resolved` after it ended (also by `stop()`); `error`. */
export type ChatStatus = 'idle' | 'loading' | 'streaming' | 'resolved' | 'error';

interface ChatResourceBase {
  /** What `send()` does while a reply streams. @default 'switch' */
  readonly policy?: ChatPolicy;
  /** The injector the resource lives in; destroying it aborts the reply in flight. @default the current injection context's */
  readonly injector?: Injector;
}

/**
 * {@link chatResource} over an `Agent`. The agent owns the conversation: each send is `agent.stream(text)`, which
 * sends the agent's history and commits the turn to it when it ends (a stopped turn as `status: 'interrupted'`).
 * `messages()` is the UI's view of it: it starts from the user and assistant text turns of `agent.history`.
 */
export interface AgentChatConfig extends ChatResourceBase {
  readonly agent: Pick<Agent, 'stream' | 'history'>;
  readonly stream?: never;
  readonly initialMessages?: never;
}

/**
 * {@link chatResource} over any chunk stream. `messages()` is the conversation: each send calls `stream` with the
 * whole of it (`{ role, content }`, up to and including the new user message; assistant replies that produced no
 * text are left out), so a stateless server endpoint (`fromServerSentEvents`) can answer.
 */
export interface StreamChatConfig extends ChatResourceBase {
  readonly stream: (messages: readonly Message[]) => Observable<StreamChunk>;
  /** The conversation so far (user and assistant turns). @default [] */
  readonly initialMessages?: readonly ChatTurnInput[];
  readonly agent?: never;
}

export type ChatResourceConfig = AgentChatConfig | StreamChatConfig;

export interface ChatResource {
  /** User and assistant messages, oldest first; the streaming assistant message is replaced per chunk. */
  readonly messages: Signal<readonly ChatMessage[]>;
  readonly status: Signal<ChatStatus>;
  /** The error of the last turn, when it failed; cleared by the next send. */
  readonly error: Signal<Error | undefined>;
  /** A reply is in flight (`loading` or `streaming`): bind the Stop button to it. */
  readonly isStreaming: Signal<boolean>;
  /**
   * Adds a user message and asks for the reply, as `policy` says. Returns false when the message was not taken
   * (`'exhaust'` while a reply streams, an empty text, or a destroyed resource).
   */
  send(text: string): boolean;
  /** Stops the reply in flight (its HTTP request aborted, its text kept, `status: 'interrupted'`) and drops queued messages. */
  stop(): void;
  /** Aborts the reply in flight; later sends are refused. Destroying the injector does the same. */
  destroy(): void;
}

/** A user or assistant message given to start a conversation with. */
export interface ChatTurnInput {
  readonly role: 'user' | 'assistant';
  readonly content: string;
  /** Assistant messages: how that turn ended (an agent's history marks unfinished turns). @default 'complete' */
  readonly status?: 'complete' | 'interrupted' | 'error';
}

interface Turn {
  readonly text: string;
  readonly userId: string;
  cancelled: boolean;
}

/**
 * A chat as signals: `send(text)` adds the user message and streams the assistant's reply into `messages()`.
 *
 * ```ts
 * import { Component, signal } from '@angular/core';
 * import { chatResource } from 'agenticraft-rx/angular';
 * import { fromServerSentEvents } from 'agenticraft-rx';
 *
 * @Component({
 *   selector: 'app-chat',
 *   template: `
 *     @for (m of chat.messages(); track m.id) { <p [class]="m.role">{{ m.content }}</p> }
 *     <input #box (keydown.enter)="chat.send(box.value); box.value = ''" />
 *     @if (chat.isStreaming()) { <button (click)="chat.stop()">Stop</button> }`,
 * })
 * export class Chat {
 *   readonly chat = chatResource({
 *     stream: (messages) => fromServerSentEvents('/api/chat', { method: 'POST', body: JSON.stringify({ messages }) }),
 *   });
 * }
 * ```
 *
 * @param config A {@link ChatResourceConfig}: `agent` or `stream`, and `policy`.
 * @returns A {@link ChatResource}.
 * @throws {TypeError} when neither or both of `agent` and `stream` are given, or the policy is unknown.
 * @throws Angular's NG0203 outside an injection context without `injector`.
 */
export function chatResource(config: ChatResourceConfig): ChatResource {
  if (config === null || typeof config !== 'object') throw new TypeError('chatResource: config must be an object');
  const { policy = 'switch' } = config;
  const flatten = FLATTEN[policy];
  if (flatten === undefined) throw new TypeError(`chatResource: policy must be 'switch', 'exhaust' or 'concat', got ${String(policy)}`);
  const { agent, stream, initial } = chatSource(config);
  const injector = resourceInjector(chatResource, config.injector);

  let nextId = 0;
  const id = (): string => `m${++nextId}`;
  const messages = signal<readonly ChatMessage[]>(
    initial.map((m) => (m.role === 'user' ? { id: id(), role: m.role, content: m.content } : { id: id(), role: m.role, content: m.content, status: m.status ?? 'complete' })),
  );
  const status = signal<ChatStatus>('idle');
  const error = signal<Error | undefined>(undefined);
  const stops = new Subject<void>();
  const turns = new Subject<Turn>();
  const queued: Turn[] = [];
  let inFlight = false;
  let destroyed = false;

  const patch = (messageId: string, change: Partial<ChatMessage>): void =>
    messages.update((list) => list.map((m) => (m.id === messageId ? { ...m, ...change } : m)));

  const reply = (turn: Turn): Observable<unknown> =>
    defer(() => {
      if (turn.cancelled) return EMPTY;
      queued.splice(queued.indexOf(turn), 1);
      inFlight = true;
      status.set('loading');
      error.set(undefined);
      const assistantId = id();
      const list = untracked(messages);
      const at = list.findIndex((m) => m.id === turn.userId) + 1;
      const conversation = list.slice(0, at).filter((m) => m.content !== '' || m.role === 'user');
      messages.set([...list.slice(0, at), { id: assistantId, role: 'assistant', content: '', status: 'pending' }, ...list.slice(at)]);
      let ended = false;
      const source = agent !== undefined ? agent.stream(turn.text) : stream(conversation.map(({ role, content }) => ({ role, content })));
      return source.pipe(
        interruptAfter({ notifier: stops, reason: 'stop' }),
        scanResponse(),
        tap({
          next: (response) => {
            patch(assistantId, { content: response.completeText, response, status: 'streaming' });
            if (untracked(status) !== 'streaming') status.set('streaming');
          },
          complete: () => {
            ended = true;
            const last = untracked(messages).find((m) => m.id === assistantId)?.response;
            patch(assistantId, { status: last?.finishReason === 'interrupted' ? 'interrupted' : 'complete' });
            status.set('resolved');
          },
        }),
        catchError((failure: unknown) => {
          ended = true;
          const cause = failure instanceof Error ? failure : new Error(String(failure));
          patch(assistantId, { status: 'error', error: cause });
          error.set(cause);
          status.set('error');
          return EMPTY;
        }),
        finalize(() => {
          inFlight = false;
          // cancelled by a newer message ('switch') or by destroy: the partial text stays, marked interrupted
          if (!ended) {
            patch(assistantId, { status: 'interrupted' });
            status.set('resolved');
          }
        }),
      );
    });

  const subscription = turns.pipe(flatten(reply)).subscribe();
  const destroy = (): void => {
    destroyed = true;
    subscription.unsubscribe();
  };
  injector.get(DestroyRef).onDestroy(destroy);

  return {
    messages: messages.asReadonly(),
    status: status.asReadonly(),
    error: error.asReadonly(),
    isStreaming: computed(() => status() === 'loading' || status() === 'streaming'),
    send: (text) => {
      if (typeof text !== 'string') throw new TypeError(`chatResource: send(text) takes a string, got ${typeof text}`);
      if (destroyed || text.trim() === '' || (policy === 'exhaust' && inFlight)) return false;
      const turn: Turn = { text, userId: id(), cancelled: false };
      messages.update((list) => [...list, { id: turn.userId, role: 'user', content: text }]);
      queued.push(turn);
      turns.next(turn);
      return true;
    },
    stop: () => {
      const dropped = new Set(queued.splice(0).map((turn) => ((turn.cancelled = true), turn.userId)));
      if (dropped.size > 0) messages.update((list) => list.filter((m) => !dropped.has(m.id)));
      if (inFlight) stops.next();
    },
    destroy,
  };
}

const FLATTEN: Readonly<Record<string, (reply: (turn: Turn) => Observable<unknown>) => OperatorFunction<Turn, unknown>>> = {
  switch: switchMap,
  exhaust: exhaustMap,
  concat: concatMap,
};

function chatSource(config: ChatResourceConfig): {
  agent: Pick<Agent, 'stream'> | undefined;
  stream: (messages: readonly Message[]) => Observable<StreamChunk>;
  initial: readonly ChatTurnInput[];
} {
  const { agent, stream, initialMessages } = config as { agent?: Pick<Agent, 'stream' | 'history'>; stream?: unknown; initialMessages?: unknown };
  if ((agent === undefined) === (stream === undefined)) throw new TypeError('chatResource: give exactly one of agent or stream');
  if (agent !== undefined) {
    if (typeof agent?.stream !== 'function') throw new TypeError('chatResource: agent must be an Agent');
    const initial = (agent.history ?? []).filter(
      (m): m is typeof m & ChatTurnInput => (m.role === 'user' || m.role === 'assistant') && m.content !== '' && (m.toolCalls?.length ?? 0) === 0,
    );
    return { agent, stream: () => EMPTY, initial };
  }
  if (typeof stream !== 'function') throw new TypeError('chatResource: stream must be a function (messages) => Observable');
  if (initialMessages !== undefined && !Array.isArray(initialMessages)) throw new TypeError('chatResource: initialMessages must be an array');
  const initial = ((initialMessages ?? []) as readonly ChatTurnInput[]).filter((m) => m.role === 'user' || m.role === 'assistant');
  return { agent: undefined, stream: stream as (messages: readonly Message[]) => Observable<StreamChunk>, initial };
}

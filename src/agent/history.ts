import type { Message } from '../providers/provider.js';

/** How a turn ended: its stream completed, was unsubscribed early, or failed. */
export type TurnStatus = 'complete' | 'interrupted' | 'error';

/** A message in an agent's history. The last assistant message of an unfinished turn says how it ended. */
export interface HistoryMessage extends Message {
  /** Only on the closing assistant message of a turn that did not complete: its text is partial. */
  readonly status?: Exclude<TurnStatus, 'complete'>;
}

/** What one `agent.stream()` call said and heard, committed once its stream ends. */
export interface Turn {
  /** The prompt: the user message, or the messages passed to `stream()`. */
  readonly input: readonly Message[];
  /** The tool rounds that ran to the end: each assistant message with `toolCalls`, then one tool message per call. */
  readonly toolRounds: readonly Message[];
  /** The text of the last round (partial when the turn did not complete). */
  readonly text: string;
  readonly status: TurnStatus;
}

/**
 * The slot one `agent.stream()` call writes its turn into. Committing again replaces the turn in place,
 * so a resubscribed stream (retryStream) or a stream subscribed twice leaves one turn, never two.
 */
export interface TurnSlot {
  /** Called at subscription: the commit for that run, a no-op if the history is cleared before it ends. */
  begin(): (turn: Turn) => void;
}

interface Entry {
  readonly slot: TurnSlot;
  /** When the turn was first asked (its first subscription): turns are kept in this order. */
  readonly asked: number;
  turn: Turn;
}

/**
 * An agent's conversation memory: committed turns, in order. A turn enters the history only when its stream
 * has ended, so a failed or abandoned request never leaves a dangling user message behind.
 */
export class ConversationHistory {
  readonly #entries: Entry[] = [];
  /** Messages restored from an earlier `agent.history` (`new Agent({ history })`), before every turn. */
  #restored: readonly HistoryMessage[];
  #generation = 0;
  #asked = 0;
  #view: readonly HistoryMessage[] | undefined;

  constructor(restored: readonly HistoryMessage[] = []) {
    this.#restored = restored;
  }

  /** Every committed message, oldest first (a frozen snapshot; the system prompt is not part of it). */
  get messages(): readonly HistoryMessage[] {
    this.#view ??= Object.freeze([...this.#restored, ...this.#entries.flatMap((entry) => turnMessages(entry.turn))]);
    return this.#view;
  }

  /** Forgets every turn; streams still running when this is called commit nothing. */
  clear(): void {
    this.#restored = [];
    this.#entries.length = 0;
    this.#generation++;
    this.#view = undefined;
  }

  /**
   * A slot for one `stream()` call. Its turn takes its place in the history by when it was first asked
   * (subscribed), not when it ended, so overlapping turns keep the order of their questions.
   */
  slot(): TurnSlot {
    let asked: number | undefined;
    const slot: TurnSlot = {
      begin: () => {
        const generation = this.#generation;
        asked ??= this.#asked++;
        const order = asked;
        return (turn) => {
          if (generation !== this.#generation) return;
          const entry = this.#entries.find((e) => e.slot === slot);
          if (entry) entry.turn = turn;
          else {
            const at = this.#entries.findIndex((e) => e.asked > order);
            this.#entries.splice(at === -1 ? this.#entries.length : at, 0, { slot, asked: order, turn });
          }
          this.#view = undefined;
        };
      },
    };
    return slot;
  }

  /**
   * The messages to send before a new turn: every committed turn except `exclude` (the caller's own slot,
   * when its stream is subscribed again). Turns that failed before the model said anything are left out,
   * and so are empty assistant messages (providers reject them); the `status` mark is not sent.
   */
  context(exclude?: TurnSlot): Message[] {
    const out: Message[] = [];
    for (const message of this.#restored) {
      if (message.role === 'assistant' && message.content === '' && (message.toolCalls?.length ?? 0) === 0) continue;
      out.push(withoutStatus(message));
    }
    for (const { slot, turn } of this.#entries) {
      if (slot === exclude) continue;
      if (turn.status !== 'complete' && turn.text === '' && turn.toolRounds.length === 0) continue;
      out.push(...turn.input, ...turn.toolRounds);
      if (turn.text !== '') out.push({ role: 'assistant', content: turn.text });
    }
    return out;
  }
}

function turnMessages(turn: Turn): HistoryMessage[] {
  const closing: HistoryMessage =
    turn.status === 'complete' ? { role: 'assistant', content: turn.text } : { role: 'assistant', content: turn.text, status: turn.status };
  return [...turn.input.map(plainMessage), ...turn.toolRounds.map(plainMessage), closing];
}

function withoutStatus(message: HistoryMessage): Message {
  if (message.status === undefined) return message;
  const { status: _status, ...rest } = message;
  return rest;
}

/** A message as plain JSON data: only the fields a message has, so `JSON.stringify(agent.history)` round-trips. */
function plainMessage(message: HistoryMessage): HistoryMessage {
  const out: { -readonly [K in keyof HistoryMessage]: HistoryMessage[K] } = { role: message.role, content: message.content };
  if (message.toolCalls !== undefined) out.toolCalls = message.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
  if (message.toolCallId !== undefined) out.toolCallId = message.toolCallId;
  if (message.name !== undefined) out.name = message.name;
  if (message.status !== undefined) out.status = message.status;
  return out;
}

const ROLES = ['system', 'user', 'assistant', 'tool'] as const;

/**
 * Checks a history to restore (`new Agent({ history })`, typically `JSON.parse` of an earlier `agent.history`)
 * and returns it as plain, frozen messages.
 * @throws {TypeError} naming the first message and field at fault.
 */
export function restoreHistory(history: unknown): readonly HistoryMessage[] {
  if (!Array.isArray(history)) throw new TypeError(`Agent: history must be an array of messages (agent.history), got ${history === null ? 'null' : typeof history}`);
  return Object.freeze(
    history.map((message: unknown, i): HistoryMessage => {
      const at = `Agent: history[${i}]`;
      if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new TypeError(`${at} must be a message object`);
      const m = message as Record<string, unknown>;
      if (!(ROLES as readonly unknown[]).includes(m['role'])) {
        throw new TypeError(`${at}.role must be one of ${ROLES.map((r) => `'${r}'`).join(', ')}, got ${JSON.stringify(m['role']) ?? 'undefined'}`);
      }
      if (typeof m['content'] !== 'string') throw new TypeError(`${at}.content must be a string, got ${m['content'] === null ? 'null' : typeof m['content']}`);
      for (const field of ['toolCallId', 'name'] as const) {
        if (m[field] !== undefined && typeof m[field] !== 'string') throw new TypeError(`${at}.${field} must be a string`);
      }
      if (m['status'] !== undefined && m['status'] !== 'interrupted' && m['status'] !== 'error') {
        throw new TypeError(`${at}.status must be 'interrupted' or 'error', got ${JSON.stringify(m['status'])}`);
      }
      if (m['toolCalls'] !== undefined) {
        if (!Array.isArray(m['toolCalls'])) throw new TypeError(`${at}.toolCalls must be an array`);
        m['toolCalls'].forEach((call: unknown, j) => {
          const c = call as Record<string, unknown> | null;
          if (typeof c !== 'object' || c === null || typeof c['id'] !== 'string' || typeof c['name'] !== 'string') {
            throw new TypeError(`${at}.toolCalls[${j}] must be { id: string, name: string, arguments }`);
          }
        });
      }
      return Object.freeze(plainMessage(m as unknown as HistoryMessage));
    }),
  );
}

import { AgenticraftError } from './AgenticraftError.js';

export interface MaxToolRoundsErrorOptions {
  /** The agent's `maxToolRounds`. */
  readonly maxToolRounds: number;
  /** The tool calls the model asked for in the round that went over the limit. */
  readonly toolCalls: readonly { readonly id: string; readonly name: string }[];
}

/**
 * The model kept calling tools: it asked for another round after `maxToolRounds` rounds of tool calls
 * had already run in one `agent.stream()` turn.
 */
export class MaxToolRoundsError extends AgenticraftError {
  override name = 'MaxToolRoundsError' as const;
  readonly maxToolRounds: number;
  readonly toolCalls: readonly { readonly id: string; readonly name: string }[];

  constructor(message: string, options: MaxToolRoundsErrorOptions) {
    super(message);
    this.maxToolRounds = options.maxToolRounds;
    this.toolCalls = options.toolCalls;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), maxToolRounds: this.maxToolRounds, toolCalls: this.toolCalls };
  }
}

export function isMaxToolRoundsError(error: unknown): error is MaxToolRoundsError {
  return error instanceof MaxToolRoundsError || (error instanceof Error && error.name === 'MaxToolRoundsError' && 'maxToolRounds' in error);
}

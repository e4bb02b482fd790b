import type { StreamingResponse } from '../response.js';
import { AgenticraftError } from './AgenticraftError.js';

export interface ToolErrorOptions {
  /** The tool's name. */
  readonly tool: string;
  /** The call that failed, when a model made it. */
  readonly toolCallId?: string;
  /** What the tool threw (or why it could not run: bad arguments, a timeout). */
  readonly cause?: unknown;
  readonly partialResponse?: StreamingResponse;
}

/**
 * A tool failed: it threw, rejected, timed out, or its arguments did not fit its schema. The agent's tool
 * loop reports a failed call to the model and goes on; a workflow's `toolHandler` step fails with this.
 */
export class ToolError extends AgenticraftError {
  override name = 'ToolError' as const;
  readonly tool: string;
  readonly toolCallId?: string;

  constructor(message: string, options: ToolErrorOptions) {
    super(message, options);
    this.tool = options.tool;
    if (options.toolCallId !== undefined) this.toolCallId = options.toolCallId;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), tool: this.tool, toolCallId: this.toolCallId };
  }
}

export function isToolError(error: unknown): error is ToolError {
  return error instanceof ToolError || (error instanceof Error && error.name === 'ToolError' && 'tool' in error);
}

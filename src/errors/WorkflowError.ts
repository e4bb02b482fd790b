import { AgenticraftError } from './AgenticraftError.js';

/** Why a workflow was refused before any step ran. */
export type WorkflowErrorCode = 'duplicate_step' | 'unknown_dependency' | 'unknown_handler' | 'no_action' | 'cycle' | 'empty_workflow';

export interface WorkflowErrorOptions {
  readonly code: WorkflowErrorCode;
  /** The workflow's name. */
  readonly workflow: string;
  /** The steps at fault; for a cycle, its path (`['a', 'b', 'a']`). */
  readonly steps: readonly string[];
}

/**
 * A workflow was refused before anything ran: two steps with one name, a dependency or handler that does
 * not exist, a step with neither handler nor action, or a cycle (named by its path). A step that fails
 * while running does not throw this: it ends the run with `successful: false`.
 */
export class WorkflowError extends AgenticraftError {
  override name = 'WorkflowError' as const;
  readonly code: WorkflowErrorCode;
  readonly workflow: string;
  readonly steps: readonly string[];

  constructor(message: string, options: WorkflowErrorOptions) {
    super(message);
    this.code = options.code;
    this.workflow = options.workflow;
    this.steps = options.steps;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), code: this.code, workflow: this.workflow, steps: this.steps };
  }
}

export function isWorkflowError(error: unknown): error is WorkflowError {
  return error instanceof WorkflowError || (error instanceof Error && error.name === 'WorkflowError' && 'code' in error);
}

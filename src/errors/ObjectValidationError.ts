import type { StreamingResponse } from '../response.js';
import { AgenticraftError } from './AgenticraftError.js';

/** One reason a structured answer was refused: what is wrong, and where in the value (`[]` for the whole value). */
export interface ObjectValidationIssue {
  readonly message: string;
  /** Keys and indexes from the root to the offending value, e.g. `['items', 2, 'price']`. */
  readonly path: readonly (string | number)[];
}

export interface ObjectValidationErrorOptions {
  /** Why the value was refused: the JSON syntax error, or each schema issue. */
  readonly issues: readonly ObjectValidationIssue[];
  /** The JSON text as it arrived (the attempt that failed, after any reset). */
  readonly text: string;
  readonly partialResponse?: StreamingResponse;
  readonly cause?: unknown;
}

/**
 * Structured output that is not valid JSON, ended before its value was complete, or fails its schema
 * (`partialObject`, `agent.streamObject`). `issues` says what and where, `text` is what the model wrote.
 */
export class ObjectValidationError extends AgenticraftError {
  override name = 'ObjectValidationError' as const;
  readonly issues: readonly ObjectValidationIssue[];
  readonly text: string;

  constructor(message: string, options: ObjectValidationErrorOptions) {
    super(message, options);
    this.issues = options.issues;
    this.text = options.text;
  }

  /** The issues and the text's length: the text itself may be large (and is the model's, not the library's, to log). */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues, textLength: this.text.length };
  }
}

export function isObjectValidationError(error: unknown): error is ObjectValidationError {
  return error instanceof ObjectValidationError || (error instanceof Error && error.name === 'ObjectValidationError' && 'issues' in error);
}

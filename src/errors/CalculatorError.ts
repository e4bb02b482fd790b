import { AgenticraftError } from './AgenticraftError.js';

/** Why `evaluateExpression` refused an expression. */
export type CalculatorErrorCode =
  | 'invalid_input'
  | 'too_long'
  | 'too_deep'
  | 'unexpected_character'
  | 'unexpected_token'
  | 'unexpected_end'
  | 'division_by_zero'
  | 'not_finite';

export interface CalculatorErrorOptions {
  readonly code: CalculatorErrorCode;
  /** 0-based character offset in the expression where the problem was found, when there is one. */
  readonly position?: number;
}

/** An arithmetic expression could not be evaluated: malformed, too large, or mathematically undefined. */
export class CalculatorError extends AgenticraftError {
  override name = 'CalculatorError' as const;
  readonly code: CalculatorErrorCode;
  readonly position?: number;

  constructor(message: string, options: CalculatorErrorOptions) {
    super(message);
    this.code = options.code;
    if (options.position !== undefined) this.position = options.position;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), code: this.code, position: this.position };
  }
}

export function isCalculatorError(error: unknown): error is CalculatorError {
  return error instanceof CalculatorError || (error instanceof Error && error.name === 'CalculatorError' && 'code' in error);
}

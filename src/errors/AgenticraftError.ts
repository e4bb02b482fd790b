/** Base class of every error agenticraft-rx throws. */
export class AgenticraftError extends Error {
  override name: string = 'AgenticraftError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Name-based guard: works across realms and duplicate copies of the library. */
export function isAgenticraftError(error: unknown): error is AgenticraftError {
  return error instanceof AgenticraftError || (error instanceof Error && ERROR_NAMES.has(error.name));
}

const ERROR_NAMES = new Set([
  'AgenticraftError',
  'ProviderError',
  'StreamInterruptedError',
  'StreamTimeoutError',
  'ToolError',
  'MaxToolRoundsError',
  'CalculatorError',
]);

/**
 * A command line the CLI cannot run: an unknown flag or command, a bad value, a missing prompt, an unknown
 * provider or tool. `main()` prints its message as one line and exits with code 2.
 */
export class UsageError extends Error {
  override name = 'UsageError' as const;
}

export function isUsageError(error: unknown): error is UsageError {
  return error instanceof Error && error.name === 'UsageError';
}

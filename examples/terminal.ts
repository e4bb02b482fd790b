/** What the examples print with: text as it streams, dimmed notes (on a terminal) and numbered headings. */
const color = process.stdout.isTTY && !process.env['NO_COLOR'];

/** Writes text to stdout as it is, no newline added (streamed chunks). */
export const out = (text: string): void => void process.stdout.write(text);

/** Dim on a terminal, plain when piped (the smoke tests read plain text). */
export const dim = (text: string): string => (color ? `\x1b[2m${text}\x1b[22m` : text);

/** `== title`, bold on a terminal, after a blank line. */
export const heading = (text: string): void => out(color ? `\n\x1b[1m== ${text}\x1b[22m\n` : `\n== ${text}\n`);

/** Runs an example's `main`, printing a failure and setting a non-zero exit code. */
export function runExample(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

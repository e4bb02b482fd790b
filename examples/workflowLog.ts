/** One line for each workflow event (chunks print as their text), as the handler examples show a run. */
import type { WorkflowEvent } from '../src/index.js';
import { dim, out } from './terminal.js';

const clip = (text: string, max = 60): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const errorText = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** What a run's event says, for a log: `null` for events that say nothing a reader needs. */
export function describeEvent(event: WorkflowEvent): string | null {
  switch (event.type) {
    case 'chunk':
      return event.chunk.content;
    case 'step-start':
      return dim(`[${event.step}] `);
    case 'step-complete':
      return dim(`[${event.step} → ${clip(JSON.stringify(event.result) ?? 'undefined')}]\n`);
    case 'step-failed':
      return dim(`[${event.step} failed: ${errorText(event.error)}]\n`);
    case 'step-skipped':
      return dim(`[${event.step} skipped: ${event.reason}]\n`);
    case 'step-retry':
      return dim(`[${event.step} retry, attempt ${event.attempt}: ${errorText(event.error)}]\n`);
    case 'workflow-start':
    case 'workflow-complete':
      return null;
  }
}

/** Whether streamed text left the cursor mid-line. */
let midText = false;

/** Prints a run's events as they come (`tap(logEvent)`); a step's note never continues a line of streamed text. */
export const logEvent = (event: WorkflowEvent): void => {
  const line = describeEvent(event);
  if (line === null || line === '') return;
  const isText = event.type === 'chunk';
  out(!isText && midText ? `\n${line}` : line);
  midText = isText && !line.endsWith('\n');
};

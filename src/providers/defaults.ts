/** Where a provider's settings come from when its options leave them out: the environment, the default clock. */
import { asyncScheduler, type SchedulerLike } from 'rxjs';

/** The clock for chunk timestamps. */
export function clockOf(scheduler: SchedulerLike | undefined): SchedulerLike {
  return scheduler ?? asyncScheduler;
}

/** An environment variable, trimmed; undefined when unset, empty, or outside Node. */
export function readEnv(name: string): string | undefined {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name]?.trim();
  return value ? value : undefined;
}


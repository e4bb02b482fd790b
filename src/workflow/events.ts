import type { StreamChunk } from '../chunk.js';

/** Why a step did not run. */
export type SkipReason =
  /** Its `condition` returned false. */
  | 'condition'
  /** A step it depends on failed. */
  | 'dependency-failed'
  /** A step it depends on was skipped. */
  | 'dependency-skipped'
  /** The run was cancelled (its `signal` aborted) before the step started. */
  | 'cancelled';

/** What a run produced: `workflow-complete`'s `result`, and what `executeWorkflow` resolves. */
export interface WorkflowResult {
  /** Every step completed or was skipped by its own condition; no step failed and the run was not cancelled. */
  readonly successful: boolean;
  /** Each completed step's result by name: the value its handler returned, the text it streamed, or what it set. */
  readonly results: Readonly<Record<string, unknown>>;
  /** The context the handlers read and wrote (the object passed in, when one was). */
  readonly context: Record<string, unknown>;
  /** Each failed step's error by name (after its last attempt). */
  readonly errors: Readonly<Record<string, unknown>>;
  /** What each failed step had streamed in its last attempt, by name. */
  readonly partialOutputs: Readonly<Record<string, string>>;
  /** Each skipped step's reason by name. */
  readonly skipped: Readonly<Record<string, SkipReason>>;
  /** ms from the run's start to its end, on the agent's clock. */
  readonly duration: number;
}

interface EventBase {
  /** The run this event belongs to: one id per `streamWorkflow` subscription. */
  readonly runId: string;
  /** The agent's clock when the event was made. */
  readonly timestamp: number;
}

export interface WorkflowStartEvent extends EventBase {
  readonly type: 'workflow-start';
  readonly workflow: string;
  /** The step names, in the order they were added. */
  readonly steps: readonly string[];
}
export interface StepStartEvent extends EventBase {
  readonly type: 'step-start';
  readonly step: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
}
export interface ChunkEvent extends EventBase {
  readonly type: 'chunk';
  readonly step: string;
  readonly chunk: StreamChunk;
}
/** The step failed and starts again after `delayMs`: discard the chunks it streamed so far. */
export interface StepRetryEvent extends EventBase {
  readonly type: 'step-retry';
  readonly step: string;
  /** The attempt that is about to start (2 for the first retry). */
  readonly attempt: number;
  readonly error: unknown;
  readonly delayMs: number;
}
export interface StepCompleteEvent extends EventBase {
  readonly type: 'step-complete';
  readonly step: string;
  readonly result: unknown;
  /** ms from the step's first start to its end (retries included). */
  readonly duration: number;
}
export interface StepFailedEvent extends EventBase {
  readonly type: 'step-failed';
  readonly step: string;
  readonly error: unknown;
  /** The text the step streamed in its last attempt. */
  readonly partialOutput: string;
}
export interface StepSkippedEvent extends EventBase {
  readonly type: 'step-skipped';
  readonly step: string;
  readonly reason: SkipReason;
  /** The dependency that failed or was skipped, for the 'dependency-…' reasons. */
  readonly dependency?: string;
}
export interface WorkflowCompleteEvent extends EventBase {
  readonly type: 'workflow-complete';
  readonly result: WorkflowResult;
}

/** What `streamWorkflow` emits: narrow on `type`. */
export type WorkflowEvent =
  | WorkflowStartEvent
  | StepStartEvent
  | ChunkEvent
  | StepRetryEvent
  | StepCompleteEvent
  | StepFailedEvent
  | StepSkippedEvent
  | WorkflowCompleteEvent;

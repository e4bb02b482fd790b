import {
  Observable,
  catchError,
  concat,
  defer,
  from,
  isObservable,
  map,
  of,
  switchMap,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { chunk, isStreamChunk, type StreamChunk } from '../chunk.js';
import { isProviderError } from '../errors/ProviderError.js';
import { StreamInterruptedError } from '../errors/StreamInterruptedError.js';
import { timeoutStream, type TimeoutStreamConfig } from '../operators/timeoutStream.js';
import { StreamingResponse } from '../response.js';
import { longTimer } from '../longTimers.js';
import type { Agent } from '../agent/agent.js';
import { LazyAbort } from '../lazyAbort.js';
import { checkWorkflow, type StepControl, type StepHandler, type Workflow, type WorkflowContext, type WorkflowStep } from './workflow.js';
import type { SkipReason, WorkflowEvent, WorkflowResult } from './events.js';

/** Everything one run needs. */
export interface RunSpec<TAgent extends Agent> {
  readonly agent: TAgent;
  readonly workflow: Workflow<TAgent>;
  /** A registered handler by name. */
  readonly handler: (name: string) => StepHandler<TAgent> | undefined;
  readonly context: WorkflowContext;
  readonly concurrency: number;
  readonly signal: AbortSignal | undefined;
  readonly runId: string;
  readonly scheduler: SchedulerLike;
  /**
   * Streams a step without a handler: its prompt through the agent's model, without the history, under the
   * step's deadlines as the Agent's `timeout` rules apply them (first and idle watch model output, never tool time).
   */
  readonly llm: (prompt: string, timeout: WorkflowStep<Agent>['timeout']) => Observable<StreamChunk>;
}

type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** A binary min-heap of step indices: ready steps start in the order they were added. */
class MinHeap {
  readonly #items: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(value: number): void {
    const items = this.#items;
    let i = items.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= value) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = value;
  }

  pop(): number {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const child = left + 1 < items.length && items[left + 1]! < items[left]! ? left + 1 : left;
        if (items[child]! >= last) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}

/**
 * One run of a workflow as events. Checked as a whole at subscription (a {@link WorkflowError} if refused);
 * then steps start in the order they were added as soon as their dependencies are done, at most
 * `concurrency` at a time, and the run ends with `workflow-complete` — also when steps failed. A failed step
 * skips its dependents; steps that do not depend on it run on. Unsubscribing cancels every running step.
 */
export function runSteps<TAgent extends Agent>(spec: RunSpec<TAgent>): Observable<WorkflowEvent> {
  return new Observable<WorkflowEvent>((subscriber) => {
    const { workflow, runId, scheduler, concurrency, signal } = spec;
    try {
      checkWorkflow(workflow, (name) => spec.handler(name) !== undefined);
    } catch (error) {
      subscriber.error(error);
      return undefined;
    }
    const steps = workflow.steps;
    const started = scheduler.now();
    // Linear in steps + edges: each step keeps a count of unfinished dependencies and its dependents'
    // indices; ready steps wait in a heap by the order they were added.
    const index = new Map(steps.map((s, i) => [s.name, i] as const));
    const state: StepState[] = steps.map(() => 'pending');
    const waitingOn = steps.map((s) => s.dependsOn.length);
    const dependents: number[][] = steps.map(() => []);
    steps.forEach((s, i) => s.dependsOn.forEach((d) => dependents[index.get(d)!]!.push(i)));
    const ready = new MinHeap();
    steps.forEach((s, i) => {
      if (s.dependsOn.length === 0) ready.push(i);
    });
    let settledCount = 0;
    const running = new Map<number, { subscription: Subscription | undefined; text: () => string }>();
    const results: Record<string, unknown> = {};
    const errors: Record<string, unknown> = {};
    const partialOutputs: Record<string, string> = {};
    const skipped: Record<string, SkipReason> = {};
    let cancelled = false;
    let finished = false;
    const emit = (event: WorkflowEvent): void => subscriber.next(event);
    const now = (): number => scheduler.now();

    /**
     * A step reached its end state: its dependents move on (done) or are skipped (failed, skipped), and theirs
     * after them — with a worklist, not recursion, so a long chain of skips cannot overflow the stack.
     */
    const settle = (first: number, firstEnd: 'done' | 'failed' | 'skipped'): void => {
      const work: [number, 'done' | 'failed' | 'skipped'][] = [[first, firstEnd]];
      for (let item = work.pop(); item !== undefined; item = work.pop()) {
        const [i, end] = item;
        state[i] = end;
        settledCount++;
        for (const d of dependents[i]!) {
          if (state[d] !== 'pending') continue;
          if (end === 'done') {
            if (--waitingOn[d]! === 0) ready.push(d);
            continue;
          }
          const reason: SkipReason = cancelled ? 'cancelled' : end === 'failed' ? 'dependency-failed' : 'dependency-skipped';
          const name = steps[d]!.name;
          state[d] = 'skipped'; // claimed now, so a second failed dependency does not skip it twice
          skipped[name] = reason;
          emit({ type: 'step-skipped', runId, timestamp: now(), step: name, reason, ...(reason === 'cancelled' ? {} : { dependency: steps[i]!.name }) });
          work.push([d, 'skipped']);
        }
      }
    };

    const skip = (i: number, reason: SkipReason): void => {
      const name = steps[i]!.name;
      skipped[name] = reason;
      emit({ type: 'step-skipped', runId, timestamp: now(), step: name, reason });
      settle(i, 'skipped');
    };

    const fail = (i: number, error: unknown, partialOutput: string, announce: boolean): void => {
      const name = steps[i]!.name;
      errors[name] = error;
      partialOutputs[name] = partialOutput;
      if (announce) emit({ type: 'step-failed', runId, timestamp: now(), step: name, error, partialOutput });
      settle(i, 'failed');
    };

    const start = (i: number): void => {
      const step = steps[i]!;
      state[i] = 'running';
      const entry: { subscription: Subscription | undefined; text: () => string } = { subscription: undefined, text: () => '' };
      running.set(i, entry);
      const run$ = runStep(spec, step, results, (text) => (entry.text = text));
      entry.subscription = run$.subscribe({
        next: (event) => {
          if (event.type === 'step-complete') {
            running.delete(i);
            results[step.name] = event.result;
            emit(event);
            settle(i, 'done');
          } else if (event.type === 'step-failed') {
            running.delete(i);
            emit(event);
            fail(i, event.error, event.partialOutput, false);
          } else emit(event);
        },
        complete: () => pump(),
      });
      if (!running.has(i)) entry.subscription = undefined;
    };

    // Starts what can start; re-entrant calls (a step that ends synchronously) only ask for another pass.
    let pumping = false;
    let again = false;
    const pump = (): void => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          if (cancelled) {
            for (let i = 0; i < steps.length; i++) if (state[i] === 'pending') skip(i, 'cancelled');
          }
          while (!subscriber.closed && running.size < concurrency && ready.size > 0) {
            const i = ready.pop();
            if (state[i] !== 'pending') continue;
            const step = steps[i]!;
            let go: boolean;
            try {
              go = step.condition === undefined || step.condition(spec.context, results) !== false;
            } catch (error) {
              fail(i, error, '', true);
              continue;
            }
            if (go) start(i);
            else skip(i, 'condition');
          }
        } while (again && !subscriber.closed);
      } finally {
        pumping = false;
      }
      if (settledCount === steps.length && !finished && !subscriber.closed) {
        finished = true;
        const result: WorkflowResult = {
          successful: !cancelled && Object.keys(errors).length === 0,
          results: { ...results },
          context: spec.context,
          errors: { ...errors },
          partialOutputs: { ...partialOutputs },
          skipped: { ...skipped },
          duration: now() - started,
        };
        emit({ type: 'workflow-complete', runId, timestamp: now(), result });
        subscriber.complete();
      }
    };

    const onAbort = (): void => {
      if (finished || cancelled) return;
      cancelled = true;
      for (const [i, entry] of [...running]) {
        running.delete(i);
        entry.subscription?.unsubscribe();
        const text = entry.text();
        const partialResponse = new StreamingResponse({ keepChunks: false, scheduler }).addChunk(chunk(text, { scheduler }));
        const error = new StreamInterruptedError(`Workflow "${workflow.name}" was cancelled while step "${steps[i]!.name}" ran`, {
          partialResponse,
          reason: 'signal',
        });
        fail(i, error, text, true);
      }
      pump();
    };

    emit({ type: 'workflow-start', runId, timestamp: now(), workflow: workflow.name, steps: steps.map((s) => s.name) });
    if (signal?.aborted === true) cancelled = true;
    else signal?.addEventListener('abort', onAbort, { once: true });
    pump();

    return () => {
      signal?.removeEventListener('abort', onAbort);
      for (const entry of running.values()) entry.subscription?.unsubscribe();
      running.clear();
    };
  });
}

/**
 * One step, retries included, as events: `step-start`, its `chunk`s, then `step-complete` or `step-failed`
 * (and `step-retry` before each new attempt). Never errors: a failure is an event.
 */
function runStep<TAgent extends Agent>(
  spec: RunSpec<TAgent>,
  step: WorkflowStep<TAgent>,
  results: Readonly<Record<string, unknown>>,
  onText: (text: () => string) => void,
): Observable<WorkflowEvent> {
  const { runId, scheduler } = spec;
  const retry = resolveRetry(step);
  let firstStart: number | undefined;

  const attempt = (n: number): Observable<WorkflowEvent> =>
    defer(() => {
      firstStart ??= scheduler.now();
      // Made when the handler first reads its signal (an LLM step or a plain handler never does).
      const controller = new LazyAbort();
      let text = '';
      onText(() => text);
      let result: { value: unknown } | undefined;
      let settled = false;
      const control: StepControl = {
        get signal() {
          return controller.signal;
        },
        runId,
        attempt: n,
        results,
        setResult: (value) => (result = { value }),
      };
      const output$ = defer(() => stepOutput(spec, step, control, (value) => (result ??= { value })));
      // An LLM step's deadlines go to the agent (its rules leave tool time out); a handler's wrap its output.
      const timed$ =
        step.timeout === undefined || step.handler === undefined ? output$ : output$.pipe(timeoutStream(timeoutConfig(step.timeout, scheduler)));
      const events$ = concat(
        of<WorkflowEvent>({ type: 'step-start', runId, timestamp: scheduler.now(), step: step.name, attempt: n }),
        timed$.pipe(
          map((c): WorkflowEvent => {
            // A reset chunk (retryStream's restart) discards what the attempt streamed so far.
            text = c.metadata.reset === true ? c.content : text + c.content;
            return { type: 'chunk', runId, timestamp: c.timestamp, step: step.name, chunk: c };
          }),
        ),
        defer(() => {
          settled = true;
          return of<WorkflowEvent>({
            type: 'step-complete',
            runId,
            timestamp: scheduler.now(),
            step: step.name,
            result: result === undefined ? text : result.value,
            duration: scheduler.now() - (firstStart ?? scheduler.now()),
          });
        }),
      );
      return new Observable<WorkflowEvent>((subscriber) => {
        const subscription = events$.pipe(
          catchError((error: unknown) => {
            settled = true;
            controller.abort(error);
            const retryCount = n;
            if (retryCount <= retry.count && retry.retryIf(error, retryCount)) {
              const delayMs = retry.delay(error, retryCount);
              const retry$ = of<WorkflowEvent>({ type: 'step-retry', runId, timestamp: scheduler.now(), step: step.name, attempt: n + 1, error, delayMs });
              return concat(retry$, longTimer(delayMs, scheduler).pipe(switchMap(() => attempt(n + 1))));
            }
            return of<WorkflowEvent>({ type: 'step-failed', runId, timestamp: scheduler.now(), step: step.name, error, partialOutput: text });
          }),
        ).subscribe(subscriber);
        return () => {
          subscription.unsubscribe();
          // Cancelled mid-attempt: tell the handler to stop.
          if (!settled) controller.abort(new DOMException(`Step ${step.name} was cancelled`, 'AbortError'));
        };
      });
    });

  return attempt(1);
}

/** A step's chunks: the handler's stream, nothing for a handler that returns a value (`onValue` gets it), or the LLM's answer. */
function stepOutput<TAgent extends Agent>(
  spec: RunSpec<TAgent>,
  step: WorkflowStep<TAgent>,
  control: StepControl,
  onValue: (value: unknown) => void,
): Observable<StreamChunk> {
  if (step.handler === undefined) return spec.llm(llmPrompt(step, control.results), step.timeout);
  const handler = typeof step.handler === 'function' ? step.handler : spec.handler(step.handler)!;
  const out = handler(spec.agent, step, spec.context, control);
  const where = `step "${step.name}"`;
  if (typeof out === 'string') {
    onValue(out);
    return new Observable<StreamChunk>((s) => s.complete());
  }
  if (isObservable(out) || isInteropObservable(out) || isAsyncIterable(out) || isIterator(out) || isChunkArray(out)) {
    return from(out as Observable<unknown>).pipe(map((value) => toChunk(where, value, spec.scheduler)));
  }
  if (isPromiseLike(out)) {
    return from(out).pipe(
      switchMap((value) => {
        onValue(value);
        return new Observable<StreamChunk>((s) => s.complete());
      }),
    );
  }
  onValue(out);
  return new Observable<StreamChunk>((s) => s.complete());
}

/**
 * The prompt of a step without a handler: its `action`, then — when it has dependencies — a blank line,
 * `Results of the steps this one depends on:`, and for each dependency in `dependsOn` order a line
 * `## <name>` followed by its result (a string as it is, anything else as JSON).
 */
export function llmPrompt<TAgent extends Agent>(step: WorkflowStep<TAgent>, results: Readonly<Record<string, unknown>>): string {
  const action = step.action ?? '';
  if (step.dependsOn.length === 0) return action;
  const sections = step.dependsOn.map((name) => `## ${name}\n${asText(results[name])}`);
  return `${action}\n\nResults of the steps this one depends on:\n\n${sections.join('\n\n')}`;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function toChunk(where: string, value: unknown, scheduler: SchedulerLike): StreamChunk {
  if (typeof value === 'string') return chunk(value, { scheduler });
  if (isStreamChunk(value)) return value;
  throw new TypeError(`${where}: its handler streamed a value that is neither a chunk nor a string (${value === null ? 'null' : typeof value})`);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Another library's Observable (`Symbol.observable` / `'@@observable'`), as RxJS's `from` takes it. */
function isInteropObservable(value: unknown): value is Observable<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const observable = (Symbol as { readonly observable?: symbol }).observable;
  const slots = value as Record<PropertyKey, unknown>;
  return typeof slots['@@observable'] === 'function' || (observable !== undefined && typeof slots[observable] === 'function');
}

/** A generator (or any iterator that is iterable): it streams. A collection (a Set, a Map) is a value. */
function isIterator(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Iterator<unknown>).next === 'function' && Symbol.iterator in value;
}

/** An array streams only when it is a non-empty list of chunks; any other array is a value. */
function isChunkArray(value: unknown): value is readonly StreamChunk[] {
  return Array.isArray(value) && value.length > 0 && value.every(isStreamChunk);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

interface ResolvedRetry {
  readonly count: number;
  readonly delay: (error: unknown, retryCount: number) => number;
  readonly retryIf: (error: unknown, retryCount: number) => boolean;
}

function resolveRetry<TAgent extends Agent>(step: WorkflowStep<TAgent>): ResolvedRetry {
  const retry = step.retry;
  if (retry === undefined) return { count: 0, delay: () => 0, retryIf: () => false };
  const config = typeof retry === 'number' ? { count: retry } : retry;
  const { delay = 0, retryIf = () => true } = config;
  return {
    count: config.count,
    retryIf,
    delay: (error, retryCount) => {
      const ms = typeof delay === 'function' ? delay(error, retryCount) : delay;
      const serverSays = isProviderError(error) && typeof error.retryAfterMs === 'number' ? error.retryAfterMs : 0;
      const wait = Math.max(serverSays, typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : 0);
      return wait;
    },
  };
}

function timeoutConfig(timeout: number | TimeoutStreamConfig, scheduler: SchedulerLike): TimeoutStreamConfig {
  return typeof timeout === 'number' ? { total: timeout, scheduler } : { scheduler, ...timeout };
}

import { Observable, Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

/**
 * The longest delay one timer can hold: Node (and browsers) fire a `setTimeout` of more than 2^31 − 1 ms
 * after 1 ms instead. Longer waits are made of steps no longer than this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `work` once, `ms` after now on `scheduler`, for any finite `ms` (split into timer-sized steps, in
 * virtual time too); `Infinity` never runs it. Unsubscribe to cancel.
 */
export function scheduleAfter(scheduler: SchedulerLike, ms: number, work: () => void): Subscription {
  if (ms === Infinity) return new Subscription(); // no timer: nothing keeps the process alive for it
  const due = scheduler.now() + ms;
  const step = (delay: number): number => Math.min(Math.max(0, delay), MAX_TIMER_MS);
  return scheduler.schedule(function (this: SchedulerAction<undefined>) {
    const left = due - scheduler.now();
    if (left > 0) this.schedule(undefined, step(left));
    else work();
  }, step(ms));
}

/** RxJS's `timer(ms, scheduler)` for any finite `ms` (and never for `Infinity`): emits 0 once, then completes. */
export function longTimer(ms: number, scheduler: SchedulerLike): Observable<0> {
  return new Observable<0>((subscriber) =>
    scheduleAfter(scheduler, ms, () => {
      subscriber.next(0);
      subscriber.complete();
    }),
  );
}

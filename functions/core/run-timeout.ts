/**
 * A job's `timeout`, for one attempt: the signals its handler gets (the lease's, plus the
 * timeout's), a timer that fires `signal` with a TimeoutError when the attempt passes its
 * timeout, and a second one, a grace period later, that cuts a handler which ignored it off
 * from the lease: its `leaseLostSignal` fires and the run ends without it, so the lease can go
 * to a successor, whose larger fence refuses the hung handler's late writes downstream.
 */
import { LeaseLostError, TimeoutError } from './errors.js';
import type { TimerHandle, Timers } from './time.js';

/** The grace a handler gets between its timeout and being cut off from the lease, unless the deps set another. */
export const TIMEOUT_GRACE_MS = 5_000;

/** What one attempt's handler listens to, and the end of its grace period. */
export interface AttemptSignals {
  /** The lease's signal (lost, deadline, shutdown), or a TimeoutError at the timeout. */
  signal: AbortSignal;
  /** The lease's loss signal, or a LeaseLostError when the attempt is cut off after its grace. */
  leaseLostSignal: AbortSignal;
  /** Resolves when the grace after the timeout ends; never when the job has no timeout. */
  cutOff: Promise<void>;
  /** True once the timeout fired (whatever fired `signal` first). */
  readonly timedOut: boolean;
  /** Clears the timers and stops following the lease's signals. */
  dispose(): void;
}

/** The lease's side: its two signals (a HeldLease has them). */
export interface LeaseSignals {
  signal: AbortSignal;
  leaseLostSignal: AbortSignal;
}

/** One attempt's timeout: whose it is, how long, the grace after it, and the timers that count them. */
export interface AttemptTimeout {
  job: string;
  /** The lease's token, named by the cut-off's LeaseLostError. */
  holder: string;
  attempt: number;
  timeoutMs: number | undefined;
  graceMs: number;
  timers: Timers;
}

/** A controller that aborts with the first reason of `source`, unless something aborts it earlier. */
function following(source: AbortSignal): { controller: AbortController; unfollow: () => void } {
  const controller = new AbortController();
  if (source.aborted) {
    controller.abort(source.reason);
    return { controller, unfollow: () => {} };
  }
  const onAbort = (): void => {
    if (!controller.signal.aborted) controller.abort(source.reason);
  };
  source.addEventListener('abort', onAbort, { once: true });
  return { controller, unfollow: () => source.removeEventListener('abort', onAbort) };
}

/** The signals and timers of one attempt under `lease`. */
export function attemptSignals(lease: LeaseSignals, timeout: AttemptTimeout): AttemptSignals {
  const stop = following(lease.signal);
  const loss = following(lease.leaseLostSignal);
  const handles: TimerHandle[] = [];
  let timedOut = false;
  let endGrace: () => void = () => {};
  const cutOff = new Promise<void>((resolve) => (endGrace = resolve));
  if (timeout.timeoutMs !== undefined) {
    const { job, attempt, timeoutMs, graceMs, timers } = timeout;
    const timer = timers.setTimeout(() => {
      timedOut = true;
      if (!stop.controller.signal.aborted) stop.controller.abort(new TimeoutError(job, timeoutMs, attempt));
      const grace = timers.setTimeout(() => {
        const why = `attempt ${attempt} ignored its timeout of ${timeoutMs} ms for ${graceMs} ms and was cut off from the lease`;
        if (!loss.controller.signal.aborted) loss.controller.abort(new LeaseLostError(job, timeout.holder, why));
        endGrace();
      }, graceMs);
      grace.unref();
      handles.push(grace);
    }, timeoutMs);
    timer.unref();
    handles.push(timer);
  }
  return {
    signal: stop.controller.signal,
    leaseLostSignal: loss.controller.signal,
    cutOff,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      for (const handle of handles) timeout.timers.clearTimeout(handle);
      stop.unfollow();
      loss.unfollow();
    },
  };
}

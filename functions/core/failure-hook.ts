/**
 * What happens once a slot has failed for good (its final outcome, after any retries): the
 * structured `run.failed` event in the log, the job's `onFailure(context, error)` hook and the
 * deployment's failure publisher (SNS, EventBridge), all still under the run's lease and before
 * the slot's record and release. Each is bounded by FAILURE_HOOK_TIMEOUT_MS and by the run's
 * signal; a hook that throws or hangs is logged and never changes the slot's recorded fate.
 */
import { errorMessage } from './errors.js';
import { isFailingStatus } from './failure-streak.js';
import { argsForSlot } from './job-args.js';
import { withAttributes } from './log-attributes.js';
import type { TickDeps } from './run.js';
import type { HeldRun } from './run-once.js';
import type { RunRecord } from './store.js';
import { systemTimers, toIso } from './time.js';
import { RUNTIME_JOBS_FAILURE_HOOK, type RunContext, type Trigger } from './types.js';

/** How long the failure hook and the publisher may take together before they are given up. */
export const FAILURE_HOOK_TIMEOUT_MS = 30_000;

/** A slot that failed for good, as the `run.failed` event, the hook and the publisher see it. */
export interface RunFailure {
  type: 'run.failed';
  job: string;
  /** The slot's own time (ISO-8601 UTC). */
  slot: string;
  fence: number;
  trigger: Trigger;
  /** The final status: `failed`, or `timed-out`. */
  status: string;
  error: string;
  /** How many times the handler ran for this slot. */
  attempts: number;
  durationMs: number;
  leaseLost: boolean;
  instance: string;
  /** pauseAfterFailures: the job's consecutive failed slots with this one, its limit, and whether this one pauses the job. */
  failureStreak?: number;
  pauseAfterFailures?: number;
  pausesJob?: boolean;
  /** What an operator does next. */
  todo: string;
}

/** A job's failure hook: `onFailure(context, error)`, called once per slot that fails for good. */
export type FailureHook = (context: RunContext, error: Error) => Promise<unknown> | unknown;

/** Sends a RunFailure somewhere a team routes alerts from (the construct's SNS topic, an EventBridge bus). */
export type FailurePublisher = (failure: RunFailure) => Promise<void>;

/** The RunFailure of a slot whose final record failed, or undefined when it did not fail. */
export function runFailureOf(deps: TickDeps, held: HeldRun, record: RunRecord): RunFailure | undefined {
  if (!isFailingStatus(record.status)) return undefined;
  const { job, run, lease } = held;
  const attempts = record.retries?.attempts?.length ?? 1;
  const limit = job.pauseAfterFailures;
  const failureStreak = lease.failureStreakSeen + 1;
  return {
    type: 'run.failed',
    job: job.name,
    slot: toIso(run.slotMs),
    fence: run.fence,
    trigger: run.trigger,
    status: record.status,
    error: record.error ?? record.status,
    attempts,
    durationMs: record.finishedAtMs - record.startedAtMs,
    leaseLost: record.leaseLost,
    instance: deps.instance,
    ...(limit !== undefined && { failureStreak, pauseAfterFailures: limit, pausesJob: failureStreak >= limit }),
    todo:
      limit !== undefined && failureStreak >= limit
        ? `the job pauses itself now: read its failed runs (cluster-cron history "${job.name}"), fix the cause, then cluster-cron resume "${job.name}"`
        : `read the run's log lines (job "${job.name}", fence ${run.fence}); cluster-cron trigger "${job.name}" runs it again now`,
  };
}

/**
 * For a slot that failed for good: logs `run.failed`, then calls the job's hook and the
 * publisher side by side, bounded by FAILURE_HOOK_TIMEOUT_MS. Never throws. `thrown` is what
 * the handler threw, passed to the hook as its error (an Error made from the message otherwise).
 */
export async function afterFinalFailure(deps: TickDeps, held: HeldRun, final: { record: RunRecord; thrown?: unknown }): Promise<void> {
  const failure = runFailureOf(deps, held, final.record);
  if (!failure) return;
  deps.log.error('run.failed', { ...failure });
  // A runtime job has no hook of its own: the config's onFailure, kept under a key no job name takes (types.ts).
  const hook =
    deps.failureHooks?.[held.job.name] ??
    (held.job.definitionVersion !== undefined ? deps.failureHooks?.[RUNTIME_JOBS_FAILURE_HOOK] : undefined);
  const publish = deps.publishFailure;
  if (!hook && !publish) return;
  const timers = deps.timers ?? systemTimers;
  const stop = new AbortController();
  const onRunSignal = (): void => stop.abort(held.lease.signal.reason);
  if (held.lease.signal.aborted) onRunSignal();
  else held.lease.signal.addEventListener('abort', onRunSignal, { once: true });
  const timer = timers.setTimeout(
    () => stop.abort(new Error(`the failure hook of job "${held.job.name}" took longer than ${FAILURE_HOOK_TIMEOUT_MS} ms`)),
    FAILURE_HOOK_TIMEOUT_MS,
  );
  timer.unref();
  const givenUp = new Promise<'given-up'>((resolve) => {
    if (stop.signal.aborted) resolve('given-up');
    stop.signal.addEventListener('abort', () => resolve('given-up'), { once: true });
  });
  const attrs = { job: failure.job, slot: failure.slot, fence: failure.fence };
  const guarded = async (what: string, call: () => unknown): Promise<void> => {
    try {
      const ended = await Promise.race([Promise.resolve().then(call), givenUp]);
      if (ended === 'given-up') deps.log.error(`${what}.error`, { ...attrs, error: errorMessage(stop.signal.reason), note: 'given up' });
    } catch (error) {
      deps.log.error(`${what}.error`, { ...attrs, error: errorMessage(error), note: "the slot's recorded fate is unchanged" });
    }
  };
  try {
    await Promise.all([
      hook
        ? guarded('run.on-failure', () =>
            hook(hookContext(deps, held, { signal: stop.signal, attempt: failure.attempts }), errorFrom(final.thrown, failure.error)),
          )
        : undefined,
      publish ? guarded('run.failure-publish', () => publish(failure)) : undefined,
    ]);
  } finally {
    timers.clearTimeout(timer);
    held.lease.signal.removeEventListener('abort', onRunSignal);
  }
}

/** The hook's context: the run's own, with a signal that also fires when the hook's time is up. */
function hookContext(deps: TickDeps, held: HeldRun, hook: { signal: AbortSignal; attempt: number }): RunContext {
  const { signal, attempt } = hook;
  const { job, run, lease } = held;
  const attrs = { job: job.name, slot: toIso(run.slotMs), fence: run.fence, hook: 'onFailure' };
  return {
    job: job.name,
    slot: new Date(run.slotMs),
    fence: run.fence,
    args: argsForSlot(job, run.slotMs) as Record<string, unknown>,
    signal,
    leaseLostSignal: lease.leaseLostSignal,
    log: withAttributes(deps.log, attrs),
    trigger: run.trigger,
    attempt,
  };
}

function errorFrom(thrown: unknown, message: string): Error {
  return thrown instanceof Error ? thrown : new Error(message);
}

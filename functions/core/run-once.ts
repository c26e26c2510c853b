/**
 * Running one handler under its lease: start the lease's heartbeat and timers, refuse to start
 * on a lease that may already be someone else's, call the handler with the slot's context, and
 * turn what happened (after every attempt its retry policy makes: attempts.ts) into an outcome and the record to write. Also the unleased run of overlap
 * `allow`. What follows a run (record, release or hand over): after-run.ts. docs/protocol.md.
 */
import { runAttempts } from './attempts.js';
import { errorMessage, NonRetriableError } from './errors.js';
import { afterFinalFailure } from './failure-hook.js';
import type { SelfPause, StreakWrite } from './failure-streak.js';
import { argsForSlot } from './job-args.js';
import type { HeldLease } from './lease.js';
import { withAttributes } from './log-attributes.js';
import { type Continuation, heldLease, leaseSettings, type SlotToRun, type TickDeps } from './run.js';
import { skipRedefined } from './run-outcomes.js';
import { nextFence, type RunRecord, recordRun, SlotStatus } from './store.js';
import { toIso } from './time.js';
import { type JobDefinition, type RunContext, type TickOutcome, Trigger } from './types.js';

/** One run of a chain, under the lease it holds. */
export interface HeldRun {
  job: JobDefinition;
  run: Continuation;
  lease: HeldLease;
  /** Set by the run's last write when it paused the job (pauseAfterFailures). */
  selfPaused?: StreakWrite & { selfPause: SelfPause };
}

/**
 * What one run of the handler came to, after all its attempts: the outcome, what the handler
 * returned, and the record to write. The one place a slot's final outcome is known (after-run.ts
 * records it; pause-after-failures and the failure hook read it here).
 */
export interface RunResult {
  outcome: TickOutcome;
  result: unknown;
  record: RunRecord;
  /** What the handler threw, when it did: the failure hook's error. */
  thrown?: unknown;
}

/** Runs the handler once under `lease` (started here) and logs it. `onStart` is called just before the handler starts. */
export async function runOnce(deps: TickDeps, held: HeldRun, onStart?: () => void): Promise<RunResult> {
  const { job, run, lease } = held;
  const slot = toIso(run.slotMs);
  const runAttrs = { job: job.name, slot, instance: deps.instance, trigger: run.trigger, fence: run.fence, holder: run.token };
  const handler = deps.handlers[job.handler];
  lease.start();
  const startedAtMs = deps.clock();
  if (!lease.stillValid()) {
    // Never call the handler on a lease that may already be someone else's (I2).
    const error = errorMessage(lease.signal.reason);
    deps.log.warn('run.not-started', { ...runAttrs, error });
    const record: RunRecord = {
      status: SlotStatus.failed,
      fence: run.fence,
      startedAtMs,
      finishedAtMs: startedAtMs,
      leaseLost: true,
      error,
    };
    return {
      outcome: { outcome: 'failed', job: job.name, slot, trigger: run.trigger, fence: run.fence, durationMs: 0, error, leaseLost: true },
      result: undefined,
      record,
    };
  }
  deps.log.info('run.start', { ...runAttrs, lagMs: startedAtMs - run.slotMs });
  onStart?.();
  const missing = async (): Promise<never> => {
    throw new NonRetriableError(`no handler registered as "${job.handler}" (job "${job.name}")`);
  };
  const ran = await runAttempts(deps, {
    job,
    lease,
    handler: handler ?? missing,
    context: (attempt, signals): RunContext => ({
      job: job.name,
      slot: new Date(run.slotMs),
      fence: run.fence,
      // The registry erases each handler's own Args type (an array is an object too).
      args: argsForSlot(job, run.slotMs) as Record<string, unknown>,
      ...signals,
      log: withAttributes(deps.log, { ...runAttrs, ...(attempt > 1 && { attempt }) }),
      trigger: run.trigger,
      attempt,
      ...(run.state !== undefined && { state: run.state }),
    }),
  });
  const { status, error, retries, thrown } = ran;
  const result = ran.result;
  const finishedAtMs = deps.clock();
  const durationMs = finishedAtMs - startedAtMs;
  const attemptCount = ran.attempts.length;
  // Logged while the lease is still held, so run.start..run.end of two runs never overlap.
  deps.log.info('run.end', {
    ...runAttrs,
    status,
    durationMs,
    leaseLost: lease.leaseLost,
    ...(attemptCount > 1 && { attempts: attemptCount }),
    ...(error !== undefined && { error }),
    ...(retries?.retryStopped !== undefined && { retryStopped: retries.retryStopped, attemptsLeft: retries.attemptsLeft }),
  });
  const record: RunRecord = {
    status,
    fence: run.fence,
    startedAtMs,
    finishedAtMs,
    leaseLost: lease.leaseLost,
    ...(error !== undefined && { error }),
    ...(run.trigger === Trigger.buffer && { trigger: Trigger.buffer }),
    ...(retries && { retries }),
  };
  const common = { job: job.name, slot, trigger: run.trigger, fence: run.fence, durationMs, leaseLost: lease.leaseLost };
  const retried = { ...(attemptCount > 1 && { attempts: attemptCount }), ...(status === SlotStatus.timedOut && { timedOut: true }) };
  const outcome: TickOutcome =
    error === undefined ? { outcome: 'ran', ...common, ...retried } : { outcome: 'failed', ...common, error, ...retried };
  return { outcome, result, record, ...(thrown !== undefined && { thrown }) };
}

/** overlap `allow`: a fence from the counter, no lease; the slot claim alone prevents a second run of it. */
export async function runUnleased(deps: TickDeps, slot: SlotToRun): Promise<TickOutcome[]> {
  const { job, slotMs, token, options } = slot;
  const fence = await nextFence(deps, job.name, job.definitionVersion);
  if (fence === undefined) return skipRedefined(deps, slot);
  const run = { job: job.name, slotMs, token, fence, trigger: options.trigger };
  const settings = leaseSettings(deps, options, true);
  const lease = heldLease(deps, { job, run, leaseUntilMs: Number.POSITIVE_INFINITY, settings });
  const { outcome, record, thrown } = await runOnce(deps, { job, run, lease }, options.onStart);
  await afterFinalFailure(deps, { job, run, lease }, { record, thrown });
  await lease.release();
  await recordRun(deps, { job: job.name, slotMs, token, run: record });
  return [outcome];
}

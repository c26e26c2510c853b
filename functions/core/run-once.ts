/**
 * Running one handler under its lease: start the lease's heartbeat and timers, refuse to start
 * on a lease that may already be someone else's, call the handler with the slot's context, and
 * turn what happened into an outcome and the record to write. Also the unleased run of overlap
 * `allow`. What follows a run (record, release or hand over): after-run.ts. docs/protocol.md.
 */
import { errorMessage } from './errors.js';
import { argsForSlot } from './job-args.js';
import type { HeldLease } from './lease.js';
import { type Continuation, heldLease, leaseSettings, type SlotToRun, type TickDeps } from './run.js';
import { skipRedefined } from './run-outcomes.js';
import { nextFence, type RunRecord, recordRun, SlotStatus } from './store.js';
import { toIso } from './time.js';
import { type EventLog, type JobDefinition, type RunContext, type TickOutcome, Trigger } from './types.js';

/** One run of a chain, under the lease it holds. */
export interface HeldRun {
  job: JobDefinition;
  run: Continuation;
  lease: HeldLease;
}

/** What one run of the handler came to: the outcome, what the handler returned, and the record to write. */
export interface RunResult {
  outcome: TickOutcome;
  result: unknown;
  record: RunRecord;
}

/** Runs the handler once under `lease` (started here) and logs it. `onStart` is called just before the handler starts. */
export async function runOnce(deps: TickDeps, held: HeldRun, onStart?: () => void): Promise<RunResult> {
  const { job, run, lease } = held;
  const slot = toIso(run.slotMs);
  const runAttrs = { job: job.name, slot, instance: deps.instance, trigger: run.trigger, fence: run.fence, holder: run.token };
  const handler = deps.handlers[job.handler];
  lease.start();
  const startedAtMs = deps.clock();
  let error: string | undefined;
  let result: unknown;
  if (!lease.stillValid()) {
    // Never call the handler on a lease that may already be someone else's (I2).
    error = errorMessage(lease.signal.reason);
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
      result,
      record,
    };
  }
  deps.log.info('run.start', { ...runAttrs, lagMs: startedAtMs - run.slotMs });
  onStart?.();
  try {
    if (!handler) throw new Error(`no handler registered as "${job.handler}" (job "${job.name}")`);
    const context: RunContext = {
      job: job.name,
      slot: new Date(run.slotMs),
      fence: run.fence,
      // The registry erases each handler's own Args type (an array is an object too).
      args: argsForSlot(job, run.slotMs) as Record<string, unknown>,
      signal: lease.signal,
      leaseLostSignal: lease.leaseLostSignal,
      log: withAttributes(deps.log, runAttrs),
      trigger: run.trigger,
      ...(run.state !== undefined && { state: run.state }),
    };
    result = await handler(context);
  } catch (thrown) {
    // A handler stopped by its signal usually rethrows a bare AbortError; say why it fired.
    const aborted = lease.signal.aborted && (thrown === lease.signal.reason || (thrown as Error)?.name === 'AbortError');
    error = errorMessage(aborted ? lease.signal.reason : thrown);
  }
  const finishedAtMs = deps.clock();
  const durationMs = finishedAtMs - startedAtMs;
  const status = error === undefined ? SlotStatus.succeeded : SlotStatus.failed;
  // Logged while the lease is still held, so run.start..run.end of two runs never overlap.
  deps.log.info('run.end', { ...runAttrs, status, durationMs, leaseLost: lease.leaseLost, ...(error !== undefined && { error }) });
  const record: RunRecord = {
    status,
    fence: run.fence,
    startedAtMs,
    finishedAtMs,
    leaseLost: lease.leaseLost,
    ...(error !== undefined && { error }),
    ...(run.trigger === Trigger.buffer && { trigger: Trigger.buffer }),
  };
  const outcome: TickOutcome =
    error === undefined
      ? { outcome: 'ran', job: job.name, slot, trigger: run.trigger, fence: run.fence, durationMs, leaseLost: lease.leaseLost }
      : { outcome: 'failed', job: job.name, slot, trigger: run.trigger, fence: run.fence, durationMs, error, leaseLost: lease.leaseLost };
  return { outcome, result, record };
}

/** overlap `allow`: a fence from the counter, no lease; the slot claim alone prevents a second run of it. */
export async function runUnleased(deps: TickDeps, slot: SlotToRun): Promise<TickOutcome[]> {
  const { job, slotMs, token, options } = slot;
  const fence = await nextFence(deps, job.name, job.definitionVersion);
  if (fence === undefined) return skipRedefined(deps, slot);
  const run = { job: job.name, slotMs, token, fence, trigger: options.trigger };
  const settings = leaseSettings(deps, options, true);
  const lease = heldLease(deps, { job, run, leaseUntilMs: Number.POSITIVE_INFINITY, settings });
  const { outcome, record } = await runOnce(deps, { job, run, lease }, options.onStart);
  await lease.release();
  await recordRun(deps, { job: job.name, slotMs, token, run: record });
  return [outcome];
}

/** Wraps a log so every line of a run carries its job, slot and fence. */
function withAttributes(log: EventLog, attributes: Record<string, unknown>): EventLog {
  return {
    debug: (message, extra) => log.debug(message, { ...attributes, ...extra }),
    info: (message, extra) => log.info(message, { ...attributes, ...extra }),
    warn: (message, extra) => log.warn(message, { ...attributes, ...extra }),
    error: (message, extra) => log.error(message, { ...attributes, ...extra }),
  };
}

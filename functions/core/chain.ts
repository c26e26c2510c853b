/**
 * A chain of runs under one lease, from the moment it is won (a takeover logged, a slot stranded
 * behind a dead holder recorded lost): a run, then whatever the lease is handed to next (a buffered
 * slot, a continuous job's next link), until nothing follows. Near the invocation's deadline the
 * next link goes to a fresh invocation instead (AWS), and a link delivered that way is resumed
 * here. One run: run-once.ts; what follows it: after-run.ts. The writes: docs/protocol.md.
 */
import { handOverOrRelease, type NextLinkRequest, type NextRun } from './after-run.js';
import { errorMessage } from './errors.js';
import { afterFinalFailure } from './failure-hook.js';
import { failureStreakOf, selfPausedOutcome } from './failure-streak.js';
import type { HeldLease } from './lease.js';
import { type Continuation, heldLease, leaseSettings, type RunOptions, TICK_DEFAULTS, type TickDeps } from './run.js';
import { type HeldRun, runOnce } from './run-once.js';
import { duplicate, skipped } from './run-outcomes.js';
import { type AcquireResult, recordLost, recordRun, renewLease, SkipReason, startBufferedSlot } from './store.js';
import { toIso } from './time.js';
import type { ContinueResult, JobDefinition, TickOutcome } from './types.js';

/** The log line of a lease taken over from a holder whose lease lapsed (by an acquire, or by the slot buffered behind it). */
export function logTakeover(
  deps: TickDeps,
  taken: { job: string; slotMs: number; fence: number; previous: { holder: string; slotMs?: number; instance?: string }; buffered?: true },
): void {
  const { previous } = taken;
  deps.log.warn('lease.takeover', {
    job: taken.job,
    slot: toIso(taken.slotMs),
    instance: deps.instance,
    fence: taken.fence,
    previousHolder: previous.holder,
    previousSlot: previous.slotMs !== undefined ? toIso(previous.slotMs) : undefined,
    // The process that held it (a token names the instance that claimed the slot, which may be another).
    ...(previous.instance !== undefined && { previousInstance: previous.instance }),
    ...(taken.buffered && { buffered: true }),
  });
}

/** Logs a takeover, records a slot that was buffered behind the dead holder as lost, and runs the chain. */
export async function startRun(
  deps: TickDeps,
  start: {
    job: JobDefinition;
    run: Continuation;
    acquired: { lease: HeldLease; result: Extract<AcquireResult, { acquired: true }> };
    options: RunOptions;
  },
): Promise<TickOutcome[]> {
  const { job, run, options } = start;
  const { lease, result } = start.acquired;
  if (result.expired) logTakeover(deps, { job: job.name, slotMs: run.slotMs, fence: lease.fence, previous: result.expired });
  if (result.stalePending) {
    const { slotMs, token } = result.stalePending;
    // Best effort: the lease is ours now, and a run that never starts would block the job for a
    // lease. A tick's look-back settles the slot later.
    const why = `buffered behind ${result.expired?.holder ?? 'a holder'}, which died before handing over; taken over by ${run.token}`;
    await recordLost(deps, { job: job.name, slotMs, token, why }).catch((error: unknown) =>
      deps.log.warn('slot.lost.error', {
        job: job.name,
        slot: toIso(slotMs),
        holder: token,
        error: errorMessage(error),
        note: 'a later tick records it',
      }),
    );
  }
  return runChain(deps, { job, first: run, firstLease: lease, options });
}

/**
 * Runs a leased run, then whatever the lease is handed to next, until the chain ends: the
 * handler is done and nothing is buffered, the lease is lost, the job is paused, or the node
 * stops. Near the invocation's deadline the next link is handed off instead of run here.
 */
export async function runChain(
  deps: TickDeps,
  chain: { job: JobDefinition; first: Continuation; firstLease: HeldLease; options: Pick<RunOptions, 'deadlineMs' | 'onStart' | 'memory'> },
): Promise<TickOutcome[]> {
  const { job, options } = chain;
  const outcomes: TickOutcome[] = [];
  let run = chain.first;
  let lease = chain.firstLease;
  try {
    return await runLinks();
  } finally {
    options.memory?.letGo(job.name, lease);
  }
  async function runLinks(): Promise<TickOutcome[]> {
    for (;;) {
      options.memory?.holding(job.name, lease);
      const held: HeldRun = { job, run, lease };
      const { outcome, result, record, thrown } = await runOnce(deps, held, options.onStart);
      outcomes.push(outcome);
      // The slot's final outcome: a failure is reported (and its hook called) under the lease, before the record.
      await afterFinalFailure(deps, held, { record, thrown });
      const next = await handOverOrRelease(deps, held, { record, nextLink: nextLinkRequest(deps, { job, outcome, result, lease }) });
      if (held.selfPaused) outcomes.push(selfPausedOutcome(job.name, run.slotMs, held.selfPaused));
      if (lease.leaseLost && !record.leaseLost) {
        // Letting go found a successor: the run outlived its lease without a heartbeat noticing.
        // The record (written before, so a crash cannot lose it) must say so.
        (outcome as { leaseLost: boolean }).leaseLost = true;
        const request = {
          job: job.name,
          slotMs: run.slotMs,
          token: run.token,
          run: { ...record, leaseLost: true },
          identity: run.identity,
        };
        await recordRun(deps, request).catch((recordError: unknown) =>
          deps.log.warn('run.record.error', {
            job: job.name,
            slot: toIso(run.slotMs),
            fence: run.fence,
            error: errorMessage(recordError),
            note: 'the slot does not show that the lease was lost',
          }),
        );
      }
      if (!next) break;
      const marginMs = deps.deadlineMarginMs ?? TICK_DEFAULTS.deadlineMarginMs;
      if (deps.handOff !== undefined && options.deadlineMs !== undefined && deps.clock() >= options.deadlineMs - marginMs) {
        outcomes.push(await handOffContinuation(deps, job, next, deps.handOff));
        break;
      }
      run = next.continuation;
      lease = heldLease(deps, { job, run, leaseUntilMs: next.leaseUntilMs, settings: leaseSettings(deps, options) });
      lease.failureStreakSeen = next.failureStreak ?? 0;
    }
    return outcomes;
  }
}

async function handOffContinuation(
  deps: TickDeps,
  job: JobDefinition,
  next: Exclude<NextRun, undefined>,
  handOff: NonNullable<TickDeps['handOff']>,
): Promise<TickOutcome> {
  const { continuation } = next;
  const slot = toIso(continuation.slotMs);
  try {
    await handOff(continuation);
    deps.log.info('run.handed-off', {
      job: job.name,
      slot,
      fence: continuation.fence,
      holder: continuation.token,
      trigger: continuation.trigger,
    });
    return { outcome: 'handed-off', job: job.name, slot, fence: continuation.fence, trigger: continuation.trigger };
  } catch (error) {
    // Nobody will run it: free the lease at once rather than block the job for a lease.
    deps.log.error('run.hand-off.error', { job: job.name, slot, error: errorMessage(error) });
    const why = `hand-off failed: ${errorMessage(error)}`;
    await recordLost(deps, { job: job.name, slotMs: continuation.slotMs, token: continuation.token, why });
    await heldLease(deps, { job, run: continuation, leaseUntilMs: 0, settings: leaseSettings(deps, {}) }).release();
    return { outcome: 'error', job: job.name, slot, error: `hand-off failed: ${errorMessage(error)}` };
  }
}

/** Whether a run's handler asked for another run at once, and with which state. */
function nextLinkRequest(
  deps: TickDeps,
  ran: { job: JobDefinition; outcome: TickOutcome; result: unknown; lease: HeldLease },
): NextLinkRequest | undefined {
  const { job, outcome, result, lease } = ran;
  if (outcome.outcome !== 'ran' || lease.leaseLost || deps.shutdown?.aborted) return undefined;
  const asked =
    typeof result === 'object' && result !== null && typeof (result as ContinueResult).continue === 'boolean'
      ? (result as ContinueResult)
      : undefined;
  if (asked) return asked.continue ? ('state' in asked ? { state: asked.state } : {}) : undefined;
  return job.continuous ? {} : undefined;
}

/**
 * Starts a continuation delivered to this invocation: flips its slot from `buffered` to
 * `claimed` (a second delivery of the same payload is refused there), confirms the lease is
 * still its own, and runs the chain on.
 */
export async function resumeContinuation(
  deps: TickDeps,
  job: JobDefinition,
  continuation: Continuation,
  options: { deadlineMs?: number } = {},
): Promise<TickOutcome[]> {
  const slot = toIso(continuation.slotMs);
  const ref = { job: job.name, slotMs: continuation.slotMs, token: continuation.token };
  if (!(await startBufferedSlot(deps, ref))) {
    return [duplicate(deps, job.name, slot, continuation.token)];
  }
  const leaseUntilMs = deps.clock() + job.leaseMs;
  const renewed = await renewLease(deps, job.name, continuation.token, leaseUntilMs);
  if (!renewed.renewed) {
    await recordLost(deps, { ...ref, why: 'the lease was taken over before the handed-off run started' });
    deps.log.error('lease.lost', {
      job: job.name,
      slot,
      holder: continuation.token,
      fence: continuation.fence,
      reason: 'taken over before the hand-off arrived',
      currentHolder: renewed.lock?.holder,
    });
    const { holder, fence, leaseUntilMs: currentUntilMs } = renewed.lock ?? {};
    return [
      skipped(deps, { job: job.name, slot, reason: SkipReason.locked, heldBy: holder, heldFence: fence, leaseUntilMs: currentUntilMs }),
    ];
  }
  const lease = heldLease(deps, { job, run: continuation, leaseUntilMs, settings: leaseSettings(deps, options) });
  lease.failureStreakSeen = failureStreakOf(renewed.lock);
  return runChain(deps, { job, first: continuation, firstLease: lease, options });
}

/**
 * What happens after a run, while it still holds the lease: record its outcome (before the lease
 * goes: I4), then release the lease, or hand it straight over to the next run: a slot buffered
 * behind it, or a continuous job's next link (whose slot is claimed beside the hand-over). A
 * pause, a lost lease or a stopping node ends the chain. The writes: docs/protocol.md.
 */
import { errorMessage } from './errors.js';
import { type StreakWrite, selfPauseLog, streakAfterRun } from './failure-streak.js';
import { definitionMoved } from './job-definitions.js';
import { type Continuation, heldLease, leaseSettings, newToken, retentionMs, type TickDeps } from './run.js';
import type { HeldRun } from './run-once.js';
import { offSchedule } from './slots.js';
import {
  bufferedOnLock,
  claimSlot,
  type LockItem,
  pausedFor,
  type RunRecord,
  recordLost,
  recordRun,
  recordSkip,
  SkipReason,
  SlotStatus,
} from './store.js';
import { toIso } from './time.js';
import { type JobDefinition, Trigger } from './types.js';

/** Why the chain hands nothing on: the job paused, or (a runtime job) its definition changed or was removed since the chain began. */
function chainStop(lock: LockItem | undefined, job: JobDefinition): SkipReason | undefined {
  if (pausedFor(lock)) return SkipReason.paused;
  return lock && definitionMoved(lock, job) ? SkipReason.redefined : undefined;
}

/** A runtime job's definition version, carried by a continuation handed over under it. */
function versionOf(job: JobDefinition): { definitionVersion?: number } {
  return job.definitionVersion !== undefined ? { definitionVersion: job.definitionVersion } : {};
}

/**
 * The next run of the chain, already holding the lease until `leaseUntilMs`, and the failure
 * streak the hand-over wrote; undefined when the chain ends.
 */
export type NextRun = { continuation: Continuation; leaseUntilMs: number; failureStreak?: number } | undefined;

/** A continuous job's next link, as the handler asked for it: with the state to pass on, or none. */
export type NextLinkRequest = { state?: unknown };

/**
 * After a run: record it, and release the lease or hand it over. A continuation goes first
 * (its slot item is written beside the hand-over), then a buffered slot; a pause ends both.
 */
export async function handOverOrRelease(
  deps: TickDeps,
  held: HeldRun,
  after: { record: RunRecord; nextLink: NextLinkRequest | undefined },
): Promise<NextRun> {
  const { record } = after;
  // The slot's final outcome moves the failure streak, in the write that lets the lease go.
  const streak = streakAfterRun(held.job, held.lease.failureStreakSeen, { slotMs: held.run.slotMs, ...record });
  if (after.nextLink) return handOverToNextLink(deps, held, { record, nextLink: after.nextLink, streak });
  const stopping = deps.shutdown?.aborted === true;
  const lockAtLastRenewal = held.lease.lastSeenLock;
  const buffered = bufferedOnLock(lockAtLastRenewal);
  // The record lands before the lease passes on (I4): a hand-over sent beside a record that then
  // failed left the run with no trace at all, its successor on the lock instead of it.
  await recordOrAbandon(deps, held, record);
  // A buffered slot the last heartbeat already showed is handed the lease at once.
  if (buffered && !held.lease.leaseLost && !stopping && !chainStop(lockAtLastRenewal, held.job) && !streak?.selfPause)
    return handOverToPending(deps, held, buffered, streak);
  return releaseOrHandOver(deps, held, undefined, streak);
}

/**
 * Records this run, then claims the next link's slot and hands the lease over together: two
 * round trips between two links. A claim that fails after the hand-over ends the chain.
 */
async function handOverToNextLink(
  deps: TickDeps,
  held: HeldRun,
  after: { record: RunRecord; nextLink: NextLinkRequest; streak: StreakWrite | undefined },
): Promise<NextRun> {
  const { job, run, lease } = held;
  const { record, nextLink, streak } = after;
  const runAttrs = { job: job.name, slot: toIso(run.slotMs), fence: run.fence, holder: run.token };
  const nextToken = newToken(deps);
  const nextSlotMs = offSchedule(Math.max(deps.clock(), run.slotMs + 1));
  // The record first (I4), as before a release; then the claim and the hand-over together.
  await recordOrAbandon(deps, held, record);
  const claimed = claimSlot(deps, {
    job: job.name,
    slotMs: nextSlotMs,
    token: nextToken,
    instance: deps.instance,
    trigger: Trigger.continuation,
    retentionMs: retentionMs(deps),
    status: SlotStatus.buffered,
    overlap: job.overlap,
  });
  const [claim, handed] = await Promise.all([
    claimed.catch((error: unknown) => ({ won: false as const, error })),
    lease.handOver({ token: nextToken, slotMs: nextSlotMs, trigger: Trigger.continuation, streak }),
  ]);
  const next = { token: nextToken, slotMs: nextSlotMs, trigger: Trigger.continuation };
  if (handed.handedOver && claim.won) {
    const state = 'state' in nextLink && { state: nextLink.state };
    const continuation: Continuation = { job: job.name, ...next, fence: handed.fence, ...state, ...versionOf(job) };
    return { continuation, leaseUntilMs: handed.leaseUntilMs, failureStreak: streak?.failureStreak ?? lease.failureStreakSeen };
  }
  if (handed.handedOver) {
    // The next link has the lease but no slot item: let the lease go rather than run unrecorded.
    deps.log.error('chain.end', {
      ...runAttrs,
      reason: `the next link's slot could not be claimed: ${'error' in claim ? errorMessage(claim.error) : 'taken'}`,
    });
    const settings = leaseSettings(deps, {});
    await heldLease(deps, { job, run: { ...next, fence: handed.fence }, leaseUntilMs: handed.leaseUntilMs, settings }).release({
      dropPending: true,
    });
    return undefined;
  }
  const leaseLost = handed.lock?.holder !== run.token;
  if (claim.won) {
    const why = leaseLost
      ? { reason: SkipReason.locked, ...(handed.lock?.holder && { heldBy: handed.lock.holder }) }
      : { reason: chainStop(handed.lock, job) ?? SkipReason.paused };
    await recordSkip(deps, { job: job.name, slotMs: nextSlotMs, token: nextToken, ...why });
  }
  const stopped = chainStop(handed.lock, job) === SkipReason.redefined ? 'the job was changed or removed' : 'the job is paused';
  deps.log.info('chain.end', { ...runAttrs, reason: leaseLost ? 'the lease was lost' : stopped });
  if (leaseLost) return undefined;
  return releaseOrHandOver(deps, held, handed.lock, streak);
}

/**
 * Releases the lease (writing the failure streak, and a self-pause when it reached the limit);
 * if a slot is buffered behind it (on `lockAsRead`, or found by the refused release), hands the
 * lease to it instead, unless the job is paused or pauses itself now.
 */
async function releaseOrHandOver(
  deps: TickDeps,
  held: HeldRun,
  lockAsRead: LockItem | undefined,
  streak: StreakWrite | undefined,
): Promise<NextRun> {
  const { job, run, lease } = held;
  const stopping = deps.shutdown?.aborted === true;
  const pausing = streak?.selfPause !== undefined;
  const bufferedAsRead = bufferedOnLock(lockAsRead);
  if (bufferedAsRead && !stopping && !pausing && !chainStop(lockAsRead, job)) return handOverToPending(deps, held, bufferedAsRead, streak);
  const released = await lease.release({ streak });
  if (released.released) return selfPaused(deps, held, streak);
  const lock = released.lock;
  if (lock?.holder !== run.token) return undefined; // lost; the lease logged it
  const buffered = bufferedOnLock(lock);
  if (buffered) {
    const stop = chainStop(lock, job) ?? (pausing ? SkipReason.paused : undefined);
    if (!stop && !stopping) return handOverToPending(deps, held, buffered, streak);
    // Paused (or redefined), or this node is stopping: the buffered slot gets its fate here, and the lease goes free.
    if (stop) await recordSkip(deps, { job: job.name, ...buffered, reason: stop });
    else await recordLost(deps, { job: job.name, ...buffered, why: `buffered behind ${run.token}, whose node stopped before starting it` });
  }
  const dropped = await lease.release({ dropPending: true, streak });
  return dropped.released ? selfPaused(deps, held, streak) : undefined;
}

/** After a release that applied: a self-pause it carried is logged and noted on the run. The chain ends. */
function selfPaused(deps: TickDeps, held: HeldRun, streak: StreakWrite | undefined): NextRun {
  if (!streak?.selfPause) return undefined;
  const write = { ...streak, selfPause: streak.selfPause };
  held.selfPaused = write;
  deps.log.error('job.self-paused', { ...selfPauseLog(held.job.name, held.run.fence, write), instance: deps.instance });
  return undefined;
}

/** Hands the lease to the slot buffered behind this run; if the lock changed meanwhile, decides again. */
async function handOverToPending(
  deps: TickDeps,
  held: HeldRun,
  buffered: { slotMs: number; token: string },
  streak: StreakWrite | undefined,
): Promise<NextRun> {
  const { job, run, lease } = held;
  const { slotMs, token } = buffered;
  const handed = await lease.handOver({ token, slotMs, trigger: Trigger.buffer, pendingSlotMs: slotMs, streak });
  if (handed.handedOver)
    return {
      continuation: { job: job.name, slotMs, token, fence: handed.fence, trigger: Trigger.buffer, ...versionOf(job) },
      leaseUntilMs: handed.leaseUntilMs,
      failureStreak: streak?.failureStreak ?? lease.failureStreakSeen,
    };
  if (handed.lock?.holder !== run.token) return undefined;
  // Still ours, but the pending slot changed or the job was paused: decide again from the item.
  return releaseOrHandOver(deps, held, undefined, streak);
}

/** Records a run; if that fails, keeps the lease to lapse so the next holder marks the slot lost (I4). */
export async function recordOrAbandon(deps: TickDeps, held: HeldRun, record: RunRecord): Promise<void> {
  const { job, run, lease } = held;
  try {
    await recordRun(deps, { job: job.name, slotMs: run.slotMs, token: run.token, run: record, identity: run.identity });
  } catch (recordError) {
    lease.abandon();
    deps.log.error('run.record.error', {
      job: job.name,
      slot: toIso(run.slotMs),
      fence: run.fence,
      holder: run.token,
      error: errorMessage(recordError),
      note: 'the lease will lapse and the slot be marked lost',
    });
    throw recordError;
  }
}

/**
 * Deciding what one due slot does, from the lock as last read: run it under the lease, run it
 * unleased (`allow`), park it behind the holder (bufferOne), skip it (held, paused), or leave it
 * to whoever has it already (duplicate). The writes that carry each decision out, trigger by
 * overlap policy, are tabled in docs/protocol.md.
 *
 * Where a slot is claimed (explained here once; the other files point here). Exactly one of two
 * places, never both for the same key:
 *
 * - on the lock item, by `lastSlotMs`, for a scheduled slot (`schedule`, `catch-up`) that finds
 *   the lease free (claimed in the acquire itself) or parks behind a holder (in `bufferSlot`).
 *   Its slot item is written once, with the outcome (`recordRun` creates it), so a run costs
 *   three writes (acquire, record, release). While it runs, the lock is its only trace: a lapsed
 *   holder's slot is recorded lost (`recordLostRun`) before its lease is taken over, and readers
 *   find the running slot on the lock (`claimedOnLock`, `holderRun`, lock-reading.ts);
 * - on its slot item, by `attribute_not_exists(pk)` (`claimSlot`), for everything else: a
 *   scheduled slot that finds the lock held or the job paused (the skip or the buffered mark is
 *   the claim: one write), and every run that does not come from the schedule (manual, backfill,
 *   continuation). Those runs' slot times never equal a cron slot (cron slots fall on whole
 *   seconds; a manual run on one moves 1 ms on, `offSchedule`), so the two kinds of claim never
 *   meet on one key; a backfill, whose slots are cron slots, checks after taking the lease that
 *   its claim is still its own.
 */
import { startRun } from './chain.js';
import { DefinitionChangedError } from './errors.js';
import { definitionMoved } from './job-definitions.js';
import { acquireAfterRead, acquireAndRun, bufferOrDrop, claimsOnLock, MAX_ACQUIRE_ATTEMPTS, mayTake } from './lease-taking.js';
import { newToken, type RunOptions, retentionMs, type TickDeps } from './run.js';
import { runUnleased } from './run-once.js';
import { duplicate, skipped } from './run-outcomes.js';
import { lateByMs } from './start-jitter.js';
import {
  claimedOnLock,
  claimSlot,
  getLock,
  heldByOnLock,
  type LockItem,
  liveHolder,
  pausedFor,
  SkipReason,
  type SlotIdentity,
  SlotStatus,
  takenOnLock,
} from './store.js';
import { toIso } from './time.js';
import { type JobDefinition, OverlapPolicy, type TickOutcome } from './types.js';

/**
 * Claims one slot and, if it wins the slot and the lease, runs the handler and records it;
 * then runs whatever the lease is handed to (a buffered slot, a continuation) in this process,
 * or hands it off. Returns every outcome, the slot's own first.
 */
export async function runSlot(deps: TickDeps, job: JobDefinition, slotMs: number, options: RunOptions): Promise<TickOutcome[]> {
  const overlap = options.overlap ?? job.overlap;
  const slot = toIso(slotMs);
  const token = newToken(deps);
  const claimed = { job, slotMs, token, options };
  const base = { job: job.name, slotMs, token, instance: deps.instance, trigger: options.trigger, retentionMs: retentionMs(deps), overlap };
  const scheduled = claimsOnLock(options.trigger);

  // A visibly paused or held job is decided in the claim itself: one write.
  let lock = 'lock' in options ? options.lock : await getLock(deps, job.name);
  // A runtime job decides nothing under a definition the table no longer holds.
  throwIfRedefined(job, lock);
  // Checked again right before the claim: a process that stalled since the tick looked at the
  // slot must not claim it after its catch-up window (claims stay findable by their slot time).
  const lateMs = lateByMs(job, slotMs, (options.slotClock ?? deps.clock)());
  if (scheduled && lateMs > job.catchupWindowMs) {
    deps.log.warn('slot.missed', { job: job.name, slot, lateMs, why: 'outside the catch-up window', instance: deps.instance });
    return [{ outcome: 'missed', job: job.name, slot, lateMs, why: 'late' }];
  }
  // The fast path, for a scheduled slot under a lease: claim and lease in one write.
  for (let attempt = 1; scheduled && overlap !== OverlapPolicy.allow; attempt++) {
    // Taken on the lock already: running, ran, or parked behind the holder.
    if (takenOnLock(lock, slotMs)) return [duplicate(deps, job.name, slot, claimedOnLock(lock, slotMs))];
    // Held or paused: decided below, by a claim of the slot item.
    if (!mayTake(deps, lock, slotMs, options) || attempt > MAX_ACQUIRE_ATTEMPTS) break;
    const identity: SlotIdentity = {
      trigger: options.trigger,
      instance: deps.instance,
      claimedAtMs: deps.clock(),
      retentionMs: retentionMs(deps),
      overlap,
    };
    const acquired = await acquireAfterRead(deps, claimed, { lockAtRead: lock, claimOnLock: true });
    if ('lease' in acquired) {
      const run = { job: job.name, slotMs, token, fence: acquired.lease.fence, trigger: options.trigger, identity };
      return startRun(deps, { job, run, acquired, options });
    }
    lock = acquired.lock;
    throwIfRedefined(job, lock);
  }

  const pausedNow = pausedFor(lock, options);
  const heldNow = liveHolder(lock, deps.clock());
  if (pausedNow || (heldNow && overlap === OverlapPolicy.skip)) {
    const reason = pausedNow ? SkipReason.paused : SkipReason.locked;
    const held = reason === SkipReason.locked ? heldByOnLock(lock) : {};
    const claim = await claimSlot(deps, { ...base, status: SlotStatus.skipped, reason, ...held });
    if (!claim.won) return [duplicate(deps, job.name, slot, claim.existing?.claimedBy)];
    return [skipped(deps, { job: job.name, slot, reason, ...held, leaseUntilMs: lock?.leaseUntilMs })];
  }
  if (heldNow && overlap === OverlapPolicy.bufferOne) {
    const claim = await claimSlot(deps, { ...base, status: SlotStatus.buffered, ...heldByOnLock(lock) });
    if (!claim.won) return [duplicate(deps, job.name, slot, claim.existing?.claimedBy)];
    return bufferOrDrop(deps, claimed, 'buffered');
  }

  const claim = await claimSlot(deps, base);
  if (!claim.won) return [duplicate(deps, job.name, slot, claim.existing?.claimedBy)];
  if (overlap === OverlapPolicy.allow) return runUnleased(deps, claimed);
  return acquireAndRun(deps, claimed, { overlap, lockAtRead: lock });
}

/** Nothing written yet for the slot: a changed definition sends it back to be decided under the new one. */
function throwIfRedefined(job: JobDefinition, lock: LockItem | undefined): void {
  if (job.definitionVersion !== undefined && definitionMoved(lock, job))
    throw new DefinitionChangedError(job.name, job.definitionVersion, lock?.definitionVersion);
}

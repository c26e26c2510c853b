/**
 * Taking the lease for a slot slot-decision.ts chose to run: the acquire over the lock as last
 * read (recording a lapsed holder's slot first), its retries while the lock keeps changing, and
 * what a refusal leaves: a skip, or (bufferOne) the slot parked behind the holder or dropped.
 * A won lease starts the chain (startRun, chain.ts). The writes, and what each refusal means:
 * docs/protocol.md.
 */
import { startRun } from './chain.js';
import { dueAfterMs, dueKeyMs } from './due-times.js';
import { definitionMoved } from './job-definitions.js';
import { tryAcquire } from './lease.js';
import { leaseSettings, type RunOptions, retentionMs, type SlotToRun, type TickDeps } from './run.js';
import { duplicate, skipped, skipRedefined } from './run-outcomes.js';
import {
  bufferedOnLock,
  bufferSlot,
  getSlot,
  heldByOnLock,
  type LockItem,
  lapsedHolder,
  lastSlotOnLockMs,
  liveHolder,
  markBuffered,
  pausedFor,
  recordLostRun,
  recordSkip,
  SkipReason,
} from './store.js';
import { toIso } from './time.js';
import { type JobDefinition, OverlapPolicy, type TickOutcome, Trigger } from './types.js';

/** How often a slot re-reads the lock when others keep changing it under its acquire. */
export const MAX_ACQUIRE_ATTEMPTS = 4;

/** Scheduled slots are claimed on the lock (`lastSlotMs`), in the acquire itself (why: slot-decision.ts). */
export function claimsOnLock(trigger: Trigger): boolean {
  return trigger === Trigger.schedule || trigger === Trigger.catchUp;
}

/** Whether the lock as read lets this slot take the lease: no live holder, not paused (unless ignored), not taken on the lock. */
export function mayTake(deps: TickDeps, lock: LockItem | undefined, slotMs: number, options: RunOptions): boolean {
  const taken = claimsOnLock(options.trigger) && lastSlotOnLockMs(lock) >= slotMs;
  return !liveHolder(lock, deps.clock()) && !pausedFor(lock, options) && !taken;
}

/**
 * Takes the lease as the caller last saw the lock. A lapsed holder's slot gets its fate first:
 * the lock's holder fields are the only trace of a run claimed on the lock, and the acquisition
 * overwrites them (I4). If the write does not apply, the fate is still true: that lease lapsed.
 */
export async function acquireAfterRead(
  deps: TickDeps,
  slot: SlotToRun,
  read: { lockAtRead: LockItem | undefined; claimOnLock: boolean },
): ReturnType<typeof tryAcquire> {
  const { job, slotMs, token, options } = slot;
  const lock = read.lockAtRead;
  if (lapsedHolder(lock, deps.clock())) {
    const why = `lease lapsed without an outcome (held by ${lock.holder}); taken over by ${token}`;
    await recordLostRun(deps, { job: job.name, lapsedLock: lock, why, retentionMs: retentionMs(deps) });
  }
  const request = {
    job: job.name,
    token,
    instance: deps.instance,
    slotMs,
    leaseMs: job.leaseMs,
    trigger: options.trigger,
    expectHolder: lock?.holder ?? null,
    ...(read.claimOnLock && { claimOnLock: true }),
    ...(options.ignorePause && { ignorePause: true }),
    ...(job.definitionVersion !== undefined && { definitionVersion: job.definitionVersion }),
    ...nextDueOf(job, slotMs),
  };
  return tryAcquire(deps, request, leaseSettings(deps, options));
}

/** A runtime job's next listing after `slotMs`, for a write that decides the slot (due-times.ts). */
function nextDueOf(job: JobDefinition, slotMs: number): { nextDueMs?: number } {
  if (job.definitionVersion === undefined) return {};
  const nextDueMs = dueAfterMs(job, slotMs);
  return nextDueMs === undefined ? {} : { nextDueMs: dueKeyMs(job.name, nextDueMs) };
}

/** A slot already claimed on its item: takes the lease (deciding again while the lock changes) and runs it, or records why not. */
export async function acquireAndRun(
  deps: TickDeps,
  slot: SlotToRun,
  decided: { overlap: OverlapPolicy; lockAtRead: LockItem | undefined },
): Promise<TickOutcome[]> {
  const { job, slotMs, token, options } = slot;
  const claimOnLock = claimsOnLock(options.trigger);
  let acquired = await acquireAfterRead(deps, slot, { lockAtRead: decided.lockAtRead, claimOnLock });
  // Refused because the lock changed since it was read (a holder left or lapsed): decide again on the new one.
  for (
    let attempt = 1;
    !('lease' in acquired) && attempt < MAX_ACQUIRE_ATTEMPTS && mayTake(deps, acquired.lock, slotMs, options);
    attempt++
  ) {
    acquired = await acquireAfterRead(deps, slot, { lockAtRead: acquired.lock, claimOnLock });
  }
  if (!('lease' in acquired)) {
    const lockAfterRefusal = acquired.lock;
    // Claimed, but the runtime job changed or was removed before its lease: the claim gets its fate, nothing runs.
    if (definitionMoved(lockAfterRefusal, job)) return skipRedefined(deps, slot);
    const reason = pausedFor(lockAfterRefusal, options) && !lockAfterRefusal?.holder ? SkipReason.paused : SkipReason.locked;
    if (reason === SkipReason.locked && decided.overlap === OverlapPolicy.bufferOne && lockAfterRefusal?.holderSlotMs !== slotMs)
      return bufferOrDrop(deps, slot, 'claimed');
    const held = reason === SkipReason.locked ? heldByOnLock(lockAfterRefusal) : {};
    await recordSkip(deps, { job: job.name, slotMs, token, reason, ...held });
    return [skipped(deps, { job: job.name, slot: toIso(slotMs), reason, ...held, leaseUntilMs: lockAfterRefusal?.leaseUntilMs })];
  }
  // A slot claimed by its item (a backfill) whose run a scheduled tick took meanwhile: that
  // tick's record replaced the claim. Start nothing; let the lease go.
  if (options.trigger === Trigger.backfill) {
    const item = await getSlot(deps, job.name, slotMs);
    if (item?.claimedBy !== token) {
      await acquired.lease.release();
      return [duplicate(deps, job.name, toIso(slotMs), item?.claimedBy)];
    }
  }
  const run = { job: job.name, slotMs, token, fence: acquired.lease.fence, trigger: options.trigger };
  return startRun(deps, { job, run, acquired, options });
}

/**
 * bufferOne, the lease held: park this (already claimed) slot on the lock for the holder to
 * start when it finishes. If a slot is already parked, this one is dropped; if the lease came
 * free meanwhile, it runs now.
 */
export async function bufferOrDrop(deps: TickDeps, slot: SlotToRun, claimedAs: 'claimed' | 'buffered'): Promise<TickOutcome[]> {
  const { job, slotMs, token, options } = slot;
  const slotIso = toIso(slotMs);
  const parked = await bufferSlot(deps, {
    job: job.name,
    slotMs,
    token,
    claimOnLock: claimsOnLock(options.trigger),
    ...(job.definitionVersion !== undefined && { definitionVersion: job.definitionVersion }),
    ...nextDueOf(job, slotMs),
  });
  if (parked.buffered) {
    if (claimedAs === 'claimed') await markBuffered(deps, { job: job.name, slotMs, token });
    deps.log.info('slot.buffered', { job: job.name, slot: slotIso, instance: deps.instance });
    return [{ outcome: 'buffered', job: job.name, slot: slotIso }];
  }
  const lock = parked.lock;
  if (definitionMoved(lock, job)) return skipRedefined(deps, slot);
  const inTheWay = bufferedOnLock(lock);
  if (inTheWay) {
    await recordSkip(deps, { job: job.name, slotMs, token, reason: SkipReason.dropped, bufferedSlotMs: inTheWay.slotMs });
    deps.log.info('slot.dropped', { job: job.name, slot: slotIso, instance: deps.instance, bufferedSlot: toIso(inTheWay.slotMs) });
    return [{ outcome: 'dropped', job: job.name, slot: slotIso, bufferedSlot: toIso(inTheWay.slotMs) }];
  }
  if (pausedFor(lock, options)) {
    await recordSkip(deps, { job: job.name, slotMs, token, reason: SkipReason.paused });
    return [skipped(deps, { job: job.name, slot: slotIso, reason: SkipReason.paused })];
  }
  // The holder released between our read and our write: the lease is free, so take it. A
  // second refusal means another slot got it first; this one then counts as locked.
  return acquireAndRun(deps, slot, { overlap: OverlapPolicy.skip, lockAtRead: lock });
}

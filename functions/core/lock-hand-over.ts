/**
 * The lock item's writes that pass the lease on without freeing it: parking one slot behind a
 * running holder (bufferOne) and handing the lease from its holder straight to the next run (a
 * buffered slot, a continuous job's next link), or from a holder that died to the slot buffered
 * behind it (takeOverLease). The lock's states are listed in lock-writes.ts;
 * the whole protocol, with the invariant each condition defends, in docs/protocol.md.
 */
import {
  allOf,
  definitionStill,
  heldBy,
  holderStill,
  isConditionFailure,
  leaseFree,
  leaseLive,
  notHoldersSlot,
  nothingPending,
  notPaused,
  pendingIs,
  slotNewOnLock,
} from './conditions.js';
import { type StreakWrite, streakClauses } from './failure-streak.js';
import { leaseHeldBy } from './lock-reading.js';
import { lockUpdate, withNextDue } from './lock-writes.js';
import { getLock } from './reads.js';
import type { LockItem, StoreContext } from './table-keys.js';
import { Trigger } from './types.js';

/** A slot to park on the lock behind its holder. */
export interface BufferRequest {
  job: string;
  slotMs: number;
  /** The token that claimed the slot (on its slot item), under which the holder hands it the lease. */
  token: string;
  /** A scheduled slot: claim it on the lock as it is parked (`lastSlotMs`), like an acquire. */
  claimOnLock?: boolean;
  /** A runtime job: parked only under the definition version the caller read. */
  definitionVersion?: number;
  /** A runtime job's scheduled slot: where the due index lists the job next, in the same write (lock-writes.ts withNextDue). */
  nextDueMs?: number;
}

/**
 * bufferOne: parks a claimed slot on the lock item while a run holds the lease, so the holder
 * starts it the moment it finishes. At most one: refused when a slot is already pending or the
 * lease is free by now (the caller then reads the lock and decides again). A retry whose first
 * attempt applied finds its own token and counts as buffered.
 */
export async function bufferSlot(
  ctx: StoreContext,
  request: BufferRequest,
): Promise<{ buffered: true } | { buffered: false; lock: LockItem | undefined }> {
  // expects:    a live holder; nothing pending; the holder not on this very slot; a scheduled slot newer than lastSlotMs
  // sets:       pendingSlotMs = slot, pendingToken = token; lastSlotMs = slot (scheduled), and a runtime job's nextDueMs
  // fails when: the lease is free by now, another slot is pending, or the slot is already taken on the lock
  //             (means: read the lock and decide again: run, drop, or duplicate; our own token, pending or since handed
  //             the lease, means a retry that applied)
  // defends:    I1 (at most one slot parked, each slot once), I4 (parked only where a holder starts it or its successor
  //             marks it lost)
  const condition = allOf(
    leaseLive(ctx.clock()),
    nothingPending,
    notHoldersSlot(request.slotMs),
    ...(request.claimOnLock ? [slotNewOnLock(request.slotMs)] : []),
    ...definitionStill(request.definitionVersion),
  );
  const nextDue = withNextDue(request);
  const update = `SET pendingSlotMs = :slot, pendingToken = :token${request.claimOnLock ? ', lastSlotMs = :slot' : ''}${nextDue ? ', nextDueMs = :nextDue' : ''}`;
  const values = { ':slot': request.slotMs, ':token': request.token, ...(nextDue && { ':nextDue': request.nextDueMs }) };
  try {
    await lockUpdate(ctx, request.job, { update, values, condition });
    return { buffered: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const lock = await getLock(ctx, request.job);
    // Our own token parked, or already handed the lease (it holds it, or ran and let it go): a retry that applied.
    if (lock?.pendingToken === request.token || lock?.holder === request.token || lock?.lastReleasedBy === request.token)
      return { buffered: true };
    return { buffered: false, lock };
  }
}

/** The lease's next holder, as a hand-over and a take-over write it. */
const NEXT_HOLDER =
  'holder = :next, holderInstance = :instance, holderSlotMs = :slot, holderTrigger = :trigger, leaseUntilMs = :until, acquiredAtMs = :now';

/** Hands the lease from its holder straight to the next run: a buffered slot or a continuation. */
export interface HandOver {
  job: string;
  fromToken: string;
  toToken: string;
  instance: string;
  slotMs: number;
  trigger: Trigger;
  leaseMs: number;
  /** The buffered slot this hand-over consumes (bufferOne), checked and cleared in the write. */
  pendingSlotMs?: number;
  /** A continuation stops at a pause; a buffered slot does too (it is then recorded paused). */
  respectPause: boolean;
  /** pauseAfterFailures: the streak after the handing run (a self-pause never hands over). */
  streak?: StreakWrite;
  /** A runtime job: the lease passes on only under the definition the chain started with; a change ends the chain. */
  definitionVersion?: number;
}

/**
 * One conditional write: the lease passes from `fromToken` to `toToken` with a new fence and no
 * moment in which it is free, so no other instance can slip in (I2) and no tick period is lost.
 * A retry whose first attempt applied finds `toToken` holding it and counts as handed over.
 */
export async function handOverLease(
  ctx: StoreContext,
  request: HandOver,
): Promise<{ handedOver: true; fence: number; leaseUntilMs: number } | { handedOver: false; lock: LockItem | undefined }> {
  const nowMs = ctx.clock();
  const leaseUntilMs = nowMs + request.leaseMs;
  // expects:    we hold the lease; the buffered slot is still the one we hand to (if any); not paused
  // sets:       holder = the next run's token, its instance, slot and trigger; leaseUntilMs = now + lease; fence + 1;
  //             the buffered slot cleared, and the mark of a take-over; pauseAfterFailures: the handing run's failure streak
  // fails when: a successor took the lease (means: we lost it), the buffered slot changed, the job was paused, or a
  //             runtime job's definition changed
  //             (means: decide again from the lock: release, or record the buffered slot paused); the next token
  //             holding it, unless by a take-over (takenOverBy), means a retry that applied
  // defends:    I2 (no moment with the lease free, a new fence), I1 (a buffered slot is consumed once)
  const condition = allOf(
    heldBy(request.fromToken),
    ...(request.pendingSlotMs !== undefined ? [pendingIs(request.pendingSlotMs)] : []),
    ...(request.respectPause ? [notPaused] : []),
    ...definitionStill(request.definitionVersion),
  );
  const streak = streakClauses(request.streak, nowMs);
  const removed = ['takenOverBy', ...(request.pendingSlotMs !== undefined ? ['pendingSlotMs', 'pendingToken'] : []), ...streak.remove];
  const update =
    `SET ${NEXT_HOLDER}${streak.set.map((clause) => `, ${clause}`).join('')} ADD fence :one` +
    (removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : '');
  const values = {
    ...streak.values,
    ':next': request.toToken,
    ':instance': request.instance,
    ':slot': request.slotMs,
    ':trigger': request.trigger,
    ':until': leaseUntilMs,
    ':now': nowMs,
    ':one': 1,
  };
  try {
    const result = await lockUpdate(ctx, request.job, { update, values, condition }, 'UPDATED_NEW');
    return { handedOver: true, fence: Number(result.Attributes?.fence), leaseUntilMs };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const lock = await getLock(ctx, request.job);
    // Not when the next token holds it by a take-over (takeOverLease): another instance handed it the lease, not us.
    const retried = lock?.takenOverBy === undefined ? leaseHeldBy(lock, request.toToken) : undefined;
    return retried ? { handedOver: true, ...retried } : { handedOver: false, lock };
  }
}

/** A slot buffered behind a holder whose lease lapsed, to be handed the lease that holder never passed on. */
export interface TakeOver {
  job: string;
  /** The lapsed holder as read: the write is refused if it renewed, or another took the lock, since. */
  lapsedHolder: string;
  /** The buffered slot and the token that claimed it: the run goes on under that token, as after a hand-over. */
  pendingSlotMs: number;
  pendingToken: string;
  /** This taker's own token, written beside the holder so a retry of the write can tell it applied. */
  takerToken: string;
  instance: string;
  leaseMs: number;
  definitionVersion?: number;
}

/**
 * One conditional write: the hand-over a dead holder never made, made by whoever finds its lease
 * lapsed with a slot buffered behind it. The buffered slot gets the lease at the lapse, not at the
 * job's next slot, and runs instead of being recorded lost. The caller records the lapsed
 * holder's slot first (recordLostRun), as before an acquire (I4).
 */
export async function takeOverLease(
  ctx: StoreContext,
  request: TakeOver,
): Promise<{ takenOver: true; fence: number; leaseUntilMs: number } | { takenOver: false; lock: LockItem | undefined }> {
  const nowMs = ctx.clock();
  const leaseUntilMs = nowMs + request.leaseMs;
  // expects:    the holder we read, its lease lapsed by our clock; the same slot still buffered; not paused
  // sets:       holder = the buffered slot's token, its instance (ours), slot, trigger buffer; leaseUntilMs = now + lease;
  //             fence + 1; takenOverBy = our token; the buffered slot cleared
  // fails when: the holder renewed after all, another took the lock over or acquired it, the buffered slot changed,
  //             the job was paused, or a runtime job's definition changed
  //             (means: decide on the lock as it is now); our token in takenOverBy means a retry that applied
  // defends:    I2 (only a lapsed lease, one taker, a new fence), I1 (the buffered slot is consumed once),
  //             I3 (a dead holder blocks its job for its lease, not until the next slot after it)
  const condition = allOf(
    leaseFree(nowMs),
    holderStill(request.lapsedHolder),
    pendingIs(request.pendingSlotMs),
    notPaused,
    ...definitionStill(request.definitionVersion),
  );
  const update = `SET ${NEXT_HOLDER}, takenOverBy = :taker ADD fence :one REMOVE pendingSlotMs, pendingToken`;
  const values = {
    ':next': request.pendingToken,
    ':instance': request.instance,
    ':slot': request.pendingSlotMs,
    ':trigger': Trigger.buffer,
    ':until': leaseUntilMs,
    ':now': nowMs,
    ':taker': request.takerToken,
    ':one': 1,
  };
  try {
    const result = await lockUpdate(ctx, request.job, { update, values, condition }, 'UPDATED_NEW');
    return { takenOver: true, fence: Number(result.Attributes?.fence), leaseUntilMs };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const lock = await getLock(ctx, request.job);
    const retried = lock?.takenOverBy === request.takerToken ? leaseHeldBy(lock, request.pendingToken) : undefined;
    return retried ? { takenOver: true, ...retried } : { takenOver: false, lock };
  }
}

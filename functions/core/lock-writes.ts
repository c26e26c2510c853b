/**
 * The writes of a job's lock item: take the lease (acquire), keep it (renew), let it go
 * (release), pass it straight on (hand-over), park a slot behind it (bufferSlot), pause, and
 * the fence of an unleased run. Each is one conditional write; a write a retry could repeat
 * looks for its own token before it calls a refusal "someone else won". The full map, with the
 * invariant each condition defends: docs/protocol.md.
 *
 * The lock item's states (`now` is the writer's clock):
 *
 *   state            holds                                  left by
 *   (no item)        nothing                                acquireLease, setPaused, nextFence create it
 *   free             no holder, leaseUntilMs = 0            acquireLease -> held
 *   held             holder, leaseUntilMs >= now            renewLease -> held; bufferSlot -> held + buffered;
 *                                                           handOverLease -> held by the next run; releaseLease -> free
 *   held + buffered  pendingSlotMs, pendingToken           handOverLease consuming it; releaseLease { dropPending }
 *   lapsed           holder, leaseUntilMs < now             acquireLease (holder still the one read, after recordLostRun);
 *                                                           with a slot buffered: takeOverLease -> held by that slot
 *   paused           paused = true beside any of the above  setPaused(false)
 *
 * `fence` rises by one on every acquire, hand-over, take-over and nextFence; `lastSlotMs` only rises.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  allOf,
  type Condition,
  definitionStill,
  heldBy,
  holderStill,
  isConditionFailure,
  leaseFree,
  mergeValues,
  nothingPending,
  notPaused,
  refusedItem,
  slotNewOnLock,
} from './conditions.js';
import { failureStreakOf, type StreakWrite, streakClauses } from './failure-streak.js';
import { bufferedOnLock, leaseHeldBy } from './lock-reading.js';
import { getLock } from './reads.js';
import { type LockItem, lockItemKey, type StoreContext } from './table-keys.js';
import type { Trigger } from './types.js';

/** A request to take a job's lease. */
export interface AcquireRequest {
  job: string;
  token: string;
  instance: string;
  slotMs: number;
  leaseMs: number;
  /** Manual triggers run even while the job is paused. */
  ignorePause?: boolean;
  /** Written on the lock so a lapsed holder's slot can be recorded with it. */
  trigger?: Trigger;
  /** A scheduled slot: claim it on the lock in the same write (`lastSlotMs`). */
  claimOnLock?: boolean;
  /**
   * The holder the caller read (null: none). The write is refused if another took the lock
   * since, so a lapsed holder is replaced only after the caller recorded its slot's fate.
   */
  expectHolder?: string | null;
  /** A runtime job: the definition version the caller read; the acquire is refused once it changed. */
  definitionVersion?: number;
  /**
   * A runtime job's scheduled slot claimed on the lock: where the due index lists the job next
   * (due-times.ts), written in the same write, so deciding a slot costs the index no write of its own.
   */
  nextDueMs?: number;
}

/** The result of an acquisition: the new fence, and a previous holder whose lease had lapsed. */
export type AcquireResult =
  | {
      acquired: true;
      fence: number;
      leaseUntilMs: number;
      expired?: { holder: string; slotMs?: number };
      stalePending?: { slotMs: number; token: string };
      /** pauseAfterFailures: the job's count of consecutive failed slots as the acquire found it. */
      failureStreak: number;
    }
  | { acquired: false; lock: LockItem | undefined };

/** One update of the lock item, under `condition` when given. */
export function lockUpdate(
  ctx: StoreContext,
  job: string,
  write: { update: string; values: Record<string, unknown>; condition?: Condition },
  returnValues?: 'ALL_OLD' | 'ALL_NEW' | 'UPDATED_NEW',
) {
  return ctx.client.send(
    new UpdateCommand({
      TableName: ctx.tableName,
      Key: lockItemKey(job),
      UpdateExpression: write.update,
      ...(write.condition && { ConditionExpression: write.condition.expression }),
      ExpressionAttributeValues: mergeValues(write.values, write.condition?.values ?? {}),
      ...(returnValues && { ReturnValues: returnValues }),
    }),
  );
}

/**
 * Takes the job's lease when it is free or expired, never waiting (I2). The fence rises by one
 * on every acquisition and is never reset. A retried acquire that finds its own token on the
 * item counts as acquired (its first attempt applied).
 */
export async function acquireLease(ctx: StoreContext, request: AcquireRequest): Promise<AcquireResult> {
  const nowMs = ctx.clock();
  const leaseUntilMs = nowMs + request.leaseMs;
  // expects:    the lease free or lapsed by our clock; not paused (unless a manual run or a backfill); a scheduled
  //             slot newer than lastSlotMs; the holder still the one we read (none, or the lapsed one)
  // sets:       holder = token with its instance, slot and trigger; leaseUntilMs = now + lease; fence + 1;
  //             lastSlotMs = slot (scheduled), and for a runtime job nextDueMs = its next slot (the slot is decided);
  //             a buffered slot left by a dead holder is removed (returned, for its fate)
  // fails when: a live holder, a pause, the slot already taken on the lock, or another took the lock since we read it
  //             (means: decide again on the lock as it is now; our own token on it means a retry that applied);
  //             a runtime job's definition changed since we read it (means: decide again under the new one)
  // defends:    I1 (lastSlotMs), I2 (one holder, a larger fence), I3 (a lapsed lease can be taken),
  //             I4 (the expected holder: its slot's fate is recorded before its trace is overwritten)
  const condition = allOf(
    leaseFree(nowMs),
    ...(request.ignorePause ? [] : [notPaused]),
    ...(request.claimOnLock ? [slotNewOnLock(request.slotMs)] : []),
    ...(request.expectHolder !== undefined ? [holderStill(request.expectHolder)] : []),
    ...definitionStill(request.definitionVersion),
  );
  const withTrigger = request.trigger !== undefined;
  const set = [
    'holder = :token',
    'holderInstance = :instance',
    'holderSlotMs = :slot',
    ...(withTrigger ? ['holderTrigger = :trigger'] : []),
    'leaseUntilMs = :until',
    'acquiredAtMs = :now',
    ...(request.claimOnLock ? ['lastSlotMs = :slot'] : []),
    ...(withNextDue(request) ? ['nextDueMs = :nextDue'] : []),
  ];
  const removed = ['pendingSlotMs', 'pendingToken', 'takenOverBy', ...(withTrigger ? [] : ['holderTrigger'])];
  const values = {
    ':token': request.token,
    ':instance': request.instance,
    ':slot': request.slotMs,
    ':until': leaseUntilMs,
    ':now': nowMs,
    ':one': 1,
    ...(withTrigger && { ':trigger': request.trigger }),
    ...(withNextDue(request) && { ':nextDue': request.nextDueMs }),
  };
  try {
    const update = `SET ${set.join(', ')} ADD fence :one REMOVE ${removed.join(', ')}`;
    const result = await lockUpdate(ctx, request.job, { update, values, condition }, 'ALL_OLD');
    const old = result.Attributes as LockItem | undefined;
    const expired = old?.holder ? { holder: old.holder, ...(old.holderSlotMs !== undefined && { slotMs: old.holderSlotMs }) } : undefined;
    // A slot buffered behind a holder that died without handing over: the caller records its fate.
    const stalePending = bufferedOnLock(old);
    return {
      acquired: true,
      fence: (old?.fence ?? 0) + 1,
      leaseUntilMs,
      failureStreak: failureStreakOf(old),
      ...(expired && { expired }),
      ...(stalePending && { stalePending }),
    };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const lock = await getLock(ctx, request.job);
    const retried = leaseHeldBy(lock, request.token);
    return retried ? { acquired: true, ...retried, failureStreak: failureStreakOf(lock) } : { acquired: false, lock };
  }
}

/**
 * True when a write claiming a scheduled slot on the lock also moves the due index on: only
 * under the definition version read (its condition), so the next slot is that definition's.
 */
export function withNextDue(request: { claimOnLock?: boolean; definitionVersion?: number; nextDueMs?: number }): boolean {
  return request.claimOnLock === true && request.definitionVersion !== undefined && request.nextDueMs !== undefined;
}

/**
 * Extends the lease to `leaseUntilMs` if the caller still holds it. Repeating it is harmless.
 * Returns the current lock item when the caller no longer holds it.
 */
export async function renewLease(
  ctx: StoreContext,
  job: string,
  token: string,
  leaseUntilMs: number,
): Promise<{ renewed: true; lock: LockItem } | { renewed: false; lock: LockItem | undefined }> {
  // expects:    we hold the lease (holder = token)
  // sets:       leaseUntilMs = now + lease; the item comes back, so the holder sees a buffered slot or a pause early
  // fails when: another holder took over (means: our lease is lost; the run's signals fire, its writes are fenced)
  // defends:    I2 (a holder that lost the lease cannot extend its successor's)
  try {
    const result = await lockUpdate(
      ctx,
      job,
      { update: 'SET leaseUntilMs = :until', values: { ':until': leaseUntilMs }, condition: heldBy(token) },
      'ALL_NEW',
    );
    return { renewed: true, lock: result.Attributes as LockItem };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { renewed: false, lock: await getLock(ctx, job) };
  }
}

/**
 * Releases the lease if the caller still holds it and no slot is buffered behind it; a lapsed
 * holder cannot release its successor's lease (ShedLock's bug). The fence is kept. A retried
 * release whose first attempt applied is recognised by `lastReleasedBy`. Refused with the lock
 * item (still held by the caller) when a slot is pending: the caller hands over instead.
 */
export async function releaseLease(
  ctx: StoreContext,
  job: string,
  token: string,
  options: { dropPending?: boolean; streak?: StreakWrite } = {},
): Promise<{ released: true } | { released: false; lock: LockItem | undefined }> {
  // expects:    we hold the lease, and nothing is buffered behind it (unless dropPending: its slot already has a fate)
  // sets:       no holder, leaseUntilMs = 0, lastReleasedBy = token; the fence stays; pauseAfterFailures: the
  //             failure streak, and the self-pause with its reason when the streak reached the limit
  // fails when: a successor holds the lease (means: we lost it; the successor is untouched), or a slot is buffered
  //             (means: hand the lease over to it instead); lastReleasedBy = token means a retry that applied
  // defends:    I2 (a lapsed holder cannot free its successor's lease), I4 (a buffered slot is never stranded)
  const removed = `holder, holderInstance, holderSlotMs, holderTrigger, takenOverBy${options.dropPending ? ', pendingSlotMs, pendingToken' : ''}`;
  const condition = options.dropPending ? heldBy(token) : allOf(heldBy(token), nothingPending);
  const nowMs = ctx.clock();
  const streak = streakClauses(options.streak, nowMs);
  const set = ['leaseUntilMs = :zero', 'lastReleasedBy = :token', 'releasedAtMs = :now', ...streak.set];
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: lockItemKey(job),
        UpdateExpression: `REMOVE ${[removed, ...streak.remove].join(', ')} SET ${set.join(', ')}`,
        ConditionExpression: condition.expression,
        ExpressionAttributeValues: mergeValues({ ':zero': 0, ':now': nowMs }, streak.values, condition.values),
        // DynamoDB returns the item with the refusal (no read before a hand-over); dynalite does not.
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { released: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const lock = refusedItem<LockItem>(error) ?? (await getLock(ctx, job));
    // Only this token's own release writes it there: the first attempt applied, even if a
    // successor has taken the lease since.
    if (lock?.lastReleasedBy === token) return { released: true };
    return { released: false, lock };
  }
}

/** Pauses or resumes a job; the lease and fence are untouched. A resume also clears the failure streak (pauseAfterFailures). */
export async function setPaused(ctx: StoreContext, job: string, paused: boolean, note?: string): Promise<LockItem> {
  // Unconditional: an operator's switch. A holder reads it on its next renewal and hands nothing over.
  // An operator's pause replaces a self-pause's reason; a resume starts the count of failures afresh.
  const selfPauseFields = `pausedReason, pausedAfterSlotMs, pausedError${paused ? '' : ', failureStreak'}`;
  const update =
    note !== undefined
      ? `SET paused = :paused, pausedAtMs = :now, pausedNote = :note REMOVE ${selfPauseFields}`
      : `SET paused = :paused, pausedAtMs = :now REMOVE pausedNote, ${selfPauseFields}`;
  const values = { ':paused': paused, ':now': ctx.clock(), ...(note !== undefined && { ':note': note }) };
  const result = await lockUpdate(ctx, job, { update, values }, 'ALL_NEW');
  return result.Attributes as LockItem;
}

/**
 * overlap `allow`: a run takes no lease, but still a fence from the same counter, so downstream
 * stores can order its writes. One update, unconditional but for a runtime job's definition version.
 */
export async function nextFence(ctx: StoreContext, job: string, definitionVersion?: number): Promise<number | undefined> {
  // A runtime job's: refused (undefined) once its definition changed since the caller read it.
  const [condition] = definitionStill(definitionVersion);
  try {
    const result = await lockUpdate(
      ctx,
      job,
      { update: 'ADD fence :one', values: { ':one': 1 }, ...(condition && { condition }) },
      'UPDATED_NEW',
    );
    return Number(result.Attributes?.fence);
  } catch (error) {
    if (condition && isConditionFailure(error)) return undefined;
    throw error;
  }
}

/**
 * The writes of a slot item that follow a claim: the claim itself (a conditional put), and the
 * fates its claimant, or whoever finds it abandoned, records on it (skipped, buffered, started,
 * lost). A run's outcome, and the writes that may create the item of a run claimed on the lock,
 * are in run-records.ts. The slot item's states and which condition defends which invariant:
 * docs/protocol.md.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  allOf,
  type Condition,
  claimedBy,
  isConditionFailure,
  mergeValues,
  notARun,
  notClaimed,
  refusedItem,
  statusIs,
} from './conditions.js';
import { getSlot } from './reads.js';
import { jobKey, type SkipReason, type SlotItem, SlotStatus, type StoreContext, slotItemKey, slotKey } from './table-keys.js';
import { toEpochSec, toIso } from './time.js';
import type { Trigger } from './types.js';

/** One slot of a job, and the token that claimed it: what every write after the claim names. */
export interface SlotRef {
  job: string;
  slotMs: number;
  /** The claimant's token; the write applies only to its claim. */
  token: string;
}

/** The attribute names the slot writes use, sent only when the expression uses them (DynamoDB refuses unused ones). */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = { '#status': 'status', '#error': 'error', '#trigger': 'trigger' };

/** One conditional update of a slot item: true when it applied, false when its condition refused it. */
export async function updateSlot(
  ctx: StoreContext,
  slot: { job: string; slotMs: number },
  write: { update: string; values: Record<string, unknown>; condition: Condition },
): Promise<boolean> {
  const expressions = `${write.update} ${write.condition.expression}`;
  const names = Object.fromEntries(Object.entries(ATTRIBUTE_NAMES).filter(([name]) => expressions.includes(name)));
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: slotItemKey(slot.job, slot.slotMs),
        UpdateExpression: write.update,
        ConditionExpression: write.condition.expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: mergeValues(write.values, write.condition.values),
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The slot record a claim writes; status `claimed` for a run, `skipped` when decided at once. */
export interface SlotClaim {
  job: string;
  slotMs: number;
  token: string;
  instance: string;
  trigger: Trigger;
  retentionMs: number;
  status?: typeof SlotStatus.claimed | typeof SlotStatus.skipped | typeof SlotStatus.buffered;
  reason?: SkipReason;
  heldBy?: string;
  heldFence?: number;
  overlap?: string;
}

/**
 * Claims a slot: a conditional put on the run-slot key (I1). A lost response followed by a
 * retry finds its own token on the item and still counts as won.
 */
export async function claimSlot(
  ctx: StoreContext,
  claim: SlotClaim,
): Promise<{ won: true; item: SlotItem } | { won: false; existing?: SlotItem }> {
  const nowMs = ctx.clock();
  const item: SlotItem = {
    pk: jobKey(claim.job),
    sk: slotKey(claim.slotMs),
    job: claim.job,
    slot: toIso(claim.slotMs),
    slotMs: claim.slotMs,
    status: claim.status ?? SlotStatus.claimed,
    trigger: claim.trigger,
    claimedBy: claim.token,
    instance: claim.instance,
    claimedAtMs: nowMs,
    ttlEpochSec: toEpochSec(Math.max(claim.slotMs, nowMs) + claim.retentionMs),
    ...(claim.reason !== undefined && { reason: claim.reason }),
    ...(claim.heldBy !== undefined && { heldBy: claim.heldBy }),
    ...(claim.heldFence !== undefined && { heldFence: claim.heldFence }),
    ...(claim.overlap !== undefined && { overlap: claim.overlap }),
  };
  // expects:    no item under the slot's key
  // sets:       the whole item: claimed, or decided at once (skipped with why, buffered behind the holder)
  // fails when: the slot is already claimed (means: a duplicate, unless the item carries our own token: a retry
  //             whose first attempt applied)
  // defends:    I1 (one claim per slot not claimed on the lock), I4 (a skip is recorded in the claim itself)
  try {
    await ctx.client.send(
      new PutCommand({
        TableName: ctx.tableName,
        Item: item,
        ConditionExpression: notClaimed.expression,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { won: true, item };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const existing = refusedItem<SlotItem>(error) ?? (await getSlot(ctx, claim.job, claim.slotMs));
    if (existing?.claimedBy === claim.token) return { won: true, item: existing };
    return { won: false, ...(existing && { existing }) };
  }
}

/** Why a claimed slot did not run, as its skip records it. */
export interface Skip {
  reason: SkipReason;
  heldBy?: string;
  heldFence?: number;
  /** A dropped slot: the buffered slot it found in the way. */
  bufferedSlotMs?: number;
}

/** Records that a claimed slot was skipped (lease held, paused, or dropped behind a buffered one), only for the claimant (I4). */
export async function recordSkip(ctx: StoreContext, request: SlotRef & Skip): Promise<boolean> {
  // expects:    our claim on the item, with no run's outcome on it
  // sets:       skipped, with why (the holder and its fence, or the buffered slot in the way)
  // fails when: the item is not our claim (means: another instance recorded the slot; nothing to do), or a run under
  //             our claim token recorded its outcome (a buffered slot handed the lease while we decided: it ran)
  // defends:    I4 (the skip's reason, by its claimant; never over the run's outcome)
  const set = ['#status = :status', 'reason = :reason'];
  const values: Record<string, unknown> = { ':status': SlotStatus.skipped, ':reason': request.reason };
  if (request.bufferedSlotMs !== undefined) {
    set.push('bufferedSlotMs = :buffered');
    values[':buffered'] = request.bufferedSlotMs;
  }
  if (request.heldBy !== undefined) {
    set.push('heldBy = :heldBy');
    values[':heldBy'] = request.heldBy;
  }
  if (request.heldFence !== undefined) {
    set.push('heldFence = :heldFence');
    values[':heldFence'] = request.heldFence;
  }
  return updateSlot(ctx, request, { update: `SET ${set.join(', ')}`, values, condition: allOf(claimedBy(request.token), notARun) });
}

/**
 * Marks a claimed slot whose claimant vanished without an outcome as `lost`, so every claimed
 * slot has a recorded fate (I4): its lease lapsed, or it never took one. Does nothing when the
 * claimant recorded its outcome after all; a claimant that comes back later overwrites it.
 */
export async function recordLost(ctx: StoreContext, request: SlotRef & { why: string }): Promise<boolean> {
  // expects:    the claim of `token` still waiting (claimed or buffered), with no outcome
  // sets:       lost, with why
  // fails when: the claimant recorded an outcome after all, or another claim is on the item (means: nothing to do)
  // defends:    I4 (a claim without an outcome gets one; a recorded outcome is never overwritten)
  return updateSlot(ctx, request, {
    update: 'SET #status = :lost, #error = :why',
    values: { ':lost': SlotStatus.lost, ':why': request.why },
    condition: allOf(claimedBy(request.token), statusIs(SlotStatus.claimed, SlotStatus.buffered)),
  });
}

/** A claimed slot that ended up waiting for the lease (bufferOne, after a race): mark it so in its history. */
export async function markBuffered(ctx: StoreContext, slot: SlotRef): Promise<boolean> {
  // expects:    our claim, still `claimed` (its acquire was refused and bufferSlot parked it on the lock)
  // sets:       buffered
  // fails when: not our claim, or no longer claimed (means: its fate is already recorded; the history keeps it)
  // defends:    I4 (the history shows the slot waits)
  return updateSlot(ctx, slot, {
    update: 'SET #status = :buffered',
    values: { ':buffered': SlotStatus.buffered },
    condition: allOf(claimedBy(slot.token), statusIs(SlotStatus.claimed)),
  });
}

/**
 * A handed-over slot is started once: `buffered` -> `claimed` for its token. A second delivery
 * of the same continuation (Lambda's async invocation is at-least-once) is refused.
 */
export async function startBufferedSlot(ctx: StoreContext, slot: SlotRef): Promise<boolean> {
  // expects:    our claim, still `buffered` (the lease was handed to it, its run has not started)
  // sets:       claimed
  // fails when: it was started already (means: a second delivery of the same hand-off: a duplicate)
  // defends:    I1 (a handed-off run starts once however often its payload is delivered)
  return updateSlot(ctx, slot, {
    update: 'SET #status = :claimed',
    values: { ':claimed': SlotStatus.claimed },
    condition: allOf(claimedBy(slot.token), statusIs(SlotStatus.buffered)),
  });
}

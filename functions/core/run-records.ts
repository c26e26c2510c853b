/**
 * The writes of a run's fate on its slot item, which may create the item: a run claimed on the
 * lock (a scheduled slot, see slot-decision.ts) has no slot item until its outcome is recorded,
 * and a lapsed holder's run has none until the next acquirer records it lost. The slot item's
 * states and which condition defends which invariant: docs/protocol.md.
 */
import { anyOf, claimedBy, notARun, notClaimed } from './conditions.js';
import { type SlotRef, updateSlot } from './slot-writes.js';
import { type AttemptRecord, type LockItem, SlotStatus, type StoreContext } from './table-keys.js';
import { toEpochSec, toIso } from './time.js';
import { Trigger } from './types.js';

/** The outcome of a run, as written to its slot item. */
export interface RunRecord {
  status: typeof SlotStatus.succeeded | typeof SlotStatus.failed | typeof SlotStatus.timedOut;
  fence: number;
  startedAtMs: number;
  finishedAtMs: number;
  error?: string;
  leaseLost: boolean;
  /** Set when the run's reason changed since the claim (a scheduled slot that ran from the buffer). */
  trigger?: Trigger;
  /** What its retries add (attempts.ts): every attempt, and why attempts left were not made. */
  retries?: RetriesRecord;
}

/** A retried or timed-out run's share of its record: each attempt, and what stopped the rest. */
export interface RetriesRecord {
  /** Every attempt, oldest first; written when there was more than one. */
  attempts?: AttemptRecord[];
  attemptsLeft?: number;
  retryStopped?: string;
  cutOff?: boolean;
}

/** Who a slot item belongs to, for a run claimed on the lock: its item is first written with the outcome. */
export interface SlotIdentity {
  trigger: Trigger;
  instance: string;
  claimedAtMs: number;
  retentionMs: number;
  overlap?: string;
}

/**
 * The SET clauses (and values) that write a slot item's identity, for writes that may create the
 * item. `keepExisting` leaves attributes the item already has (a claim's trigger and times).
 */
function identityClauses(
  slot: { job: string; slotMs: number },
  identity: SlotIdentity,
  keepExisting: boolean,
): { set: string[]; values: Record<string, unknown> } {
  const attributes: Record<string, unknown> = {
    job: slot.job,
    slot: toIso(slot.slotMs),
    slotMs: slot.slotMs,
    '#trigger': identity.trigger,
    instance: identity.instance,
    claimedAtMs: identity.claimedAtMs,
    ttlEpochSec: toEpochSec(Math.max(slot.slotMs, identity.claimedAtMs) + identity.retentionMs),
    ...(identity.overlap !== undefined && { overlap: identity.overlap }),
  };
  const set: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const placeholder = `:${name.replace('#', '')}`;
    set.push(keepExisting ? `${name} = if_not_exists(${name}, ${placeholder})` : `${name} = ${placeholder}`);
    values[placeholder] = value;
  }
  return { set, values };
}

/** A run's outcome to record: `identity` given for a run claimed on the lock, whose item this write may create. */
export interface RunRecordRequest extends SlotRef {
  run: RunRecord;
  identity?: SlotIdentity | undefined;
}

/**
 * Records a run's outcome on its slot item, only for the claimant (I4). A run claimed on the lock
 * (`identity` given) creates the item here; it may replace a skip, a buffered or a lost mark
 * that another instance wrote for the slot meanwhile, never another run's outcome.
 */
export async function recordRun(ctx: StoreContext, request: RunRecordRequest): Promise<boolean> {
  const { run, identity } = request;
  // Claimed on the lock (identity given), the create-or-replace path:
  //   expects:    no item; or our own (a retry, or the record again with leaseLost); or a mark that is no run's
  //               outcome (a skip or buffered mark that lost its race to the lock, a lost mark of a successor
  //               that found our lease lapsed)
  //   sets:       the whole item: outcome, fence, times, claimedBy = token, the slot's identity; removes a replaced
  //               mark's reason, holder and buffered slot
  //   fails when: another run's outcome is on the item (means: I1 was broken elsewhere; nothing is overwritten)
  //   defends:    I4 (recorded before the lease goes), I1 (never over another run's outcome)
  // Claimed on the item:
  //   expects:    our claim (claimed, buffered, or lost by a successor that gave up on us)
  //   sets:       outcome, fence, times (and trigger `buffer` for a slot that ran from the buffer)
  //   fails when: not our claim (means: another claimant's item; nothing is written)
  //   defends:    I4 (only the claimant writes the outcome)
  const set = [
    '#status = :status',
    'fence = :fence',
    'startedAtMs = :started',
    'finishedAtMs = :finished',
    'durationMs = :duration',
    'leaseLost = :leaseLost',
  ];
  let values: Record<string, unknown> = {
    ':status': run.status,
    ':fence': run.fence,
    ':started': run.startedAtMs,
    ':finished': run.finishedAtMs,
    ':duration': run.finishedAtMs - run.startedAtMs,
    ':leaseLost': run.leaseLost,
  };
  if (identity) {
    const written = identityClauses(request, identity, false);
    set.push(...written.set, 'claimedBy = :token');
    values = { ...values, ...written.values, ':token': request.token };
  } else if (run.trigger !== undefined) {
    set.push('#trigger = :trigger');
    values[':trigger'] = run.trigger;
  }
  // A skip or buffered mark this record replaces leaves none of its own attributes behind.
  const removed = identity ? ['reason', 'heldBy', 'heldFence', 'bufferedSlotMs'] : [];
  for (const [name, value] of Object.entries(run.retries ?? {})) {
    if (value === undefined) continue;
    set.push(`${name} = :${name}`);
    values[`:${name}`] = name === 'attempts' ? (value as AttemptRecord[]).map(shortError) : value;
  }
  if (run.error !== undefined) {
    set.push('#error = :error');
    values[':error'] = run.error.slice(0, 4_000);
  } else {
    // A successor that took over a lapsed lease may have marked this slot lost (with an error)
    // while the run was still going; a run that then succeeds must not keep that error.
    removed.push('#error');
  }
  const update = `SET ${set.join(', ')}${removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : ''}`;
  const condition = identity ? anyOf(notClaimed, claimedBy(request.token), notARun) : claimedBy(request.token);
  return updateSlot(ctx, request, { update, values, condition });
}

/** An attempt with its error cut to the length a slot item keeps (a run may make many). */
function shortError(attempt: AttemptRecord): AttemptRecord {
  return attempt.error === undefined ? attempt : { ...attempt, error: attempt.error.slice(0, 1_000) };
}

/** The lapsed lock whose holder's slot gets its fate, why, and how long the history keeps it. */
export interface LostRunRequest {
  job: string;
  /** The lock as read, its holder's lease lapsed. */
  lapsedLock: LockItem;
  why: string;
  retentionMs: number;
}

/**
 * The fate of a lapsed holder's slot, written before its lease is taken over: the lock's holder
 * fields are the only trace of a run claimed on the lock, and the acquisition overwrites them
 * (I4). Creates the item if the run never wrote one; leaves a recorded outcome alone.
 */
export async function recordLostRun(ctx: StoreContext, request: LostRunRequest): Promise<boolean> {
  const lock = request.lapsedLock;
  if (lock.holder === undefined || lock.holderSlotMs === undefined) return false;
  const slot = { job: request.job, slotMs: lock.holderSlotMs };
  const identity: SlotIdentity = {
    trigger: lock.holderTrigger ?? Trigger.schedule,
    instance: lock.holderInstance ?? '?',
    claimedAtMs: lock.acquiredAtMs ?? ctx.clock(),
    retentionMs: request.retentionMs,
  };
  // expects:    no item (a run claimed on the lock that never recorded), or one that is no run's outcome
  // sets:       lost, with why; claimedBy = the dead holder and its fence (its late writes downstream carry it);
  //             the slot's identity where the item has none (a claim already on it keeps its trigger and times)
  // fails when: the dead run recorded its outcome after all (means: nothing to do)
  // defends:    I4 (the fate of a run claimed on the lock whose holder died)
  const set = ['#status = :lost', '#error = :why', 'claimedBy = :token'];
  const values: Record<string, unknown> = { ':lost': SlotStatus.lost, ':why': request.why, ':token': lock.holder };
  if (lock.fence !== undefined) {
    set.push('fence = :fence');
    values[':fence'] = lock.fence;
  }
  const written = identityClauses(slot, identity, true);
  return updateSlot(ctx, slot, {
    update: `SET ${[...set, ...written.set].join(', ')}`,
    values: { ...values, ...written.values },
    condition: anyOf(notClaimed, notARun),
  });
}

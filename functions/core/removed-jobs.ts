/**
 * A removed runtime job's wind-down: it starts no new slot, but what was already under way still
 * gets its fate (I4). Its tombstone stays in the runtime-jobs index until then, and each tick
 * settles it as it settles a live job: a claim abandoned before its lease was taken, and a holder
 * that died mid-run, are recorded lost after a lease. Once nothing can still be under way, one
 * conditional write takes the tombstone out of the index. docs/protocol.md, "Runtime jobs".
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { settleAbandonedClaims } from './abandoned-claims.js';
import { isConditionFailure } from './conditions.js';
import { RUNTIME_INDEX } from './job-definitions.js';
import { retentionMs, skewMs, type TickDeps } from './run.js';
import { getLock, type LockItem, lapsedHolder, liveHolder, readJobWindow, recordLost, recordLostRun, SlotStatus } from './store.js';
import { lockItemKey } from './table-keys.js';
import { parseDurationMs } from './time.js';
import type { JobDefinition } from './types.js';

/**
 * The removed job's lease and catch-up window, from its last definition (the defaults if this
 * deployment cannot read it). The validator is loaded on first use, as for the live jobs.
 */
async function windDownJob(
  name: string,
  compiled: string | undefined,
): Promise<Pick<JobDefinition, 'name' | 'leaseMs' | 'catchupWindowMs'>> {
  try {
    const job = JSON.parse(compiled ?? '') as JobDefinition;
    return { name, leaseMs: job.leaseMs, catchupWindowMs: job.catchupWindowMs + (job.jitterMs ?? 0) };
  } catch {
    return { name, leaseMs: parseDurationMs('60s') ?? 60_000, catchupWindowMs: parseDurationMs('90s') ?? 90_000 };
  }
}

/**
 * One tick's look at a removed job: records what its dead holder or claimants left without a
 * fate, and leaves the index once every claim a tick could still make under its last definition
 * (at most a catch-up window after the removal) is settled and no holder is live.
 */
export async function settleRemovedJob(deps: TickDeps, name: string): Promise<void> {
  const lock = await getLock(deps, name);
  if (lock?.removedAtMs === undefined || lock.definitionVersion === undefined) return;
  const job = await windDownJob(name, lock.compiled);
  const nowMs = deps.clock();
  if (liveHolder(lock, nowMs)) return; // a run in progress finishes, records and releases
  const removedAtMs = lock.removedAtMs;
  const { waiting } = await settleLeftovers(
    deps,
    job,
    lock,
    removedAtMs - job.catchupWindowMs - job.leaseMs - skewMs(deps),
    'after the job was removed',
  );
  // A tick that read the definition before the removal may still claim a slot up to a catch-up window after it.
  const quietFromMs = removedAtMs + job.catchupWindowMs + job.leaseMs + 2 * skewMs(deps);
  if (waiting || nowMs < quietFromMs) return;
  // expects:    still removed at the version read; no holder, or the lapsed one whose slot was just recorded
  // sets:       leaves the index (runtimeShard); a lapsed holder's fields go (its fate is on its slot item)
  // fails when: re-created or changed since (means: the next tick judges it afresh), or a holder came back
  // defends:    I4 (a removed job leaves the index only once every slot it claimed has a fate)
  await windDownWrite(deps, name, lock, {
    remove: [RUNTIME_INDEX.partitionKey],
    condition: 'definitionVersion = :version AND attribute_exists(removedAtMs)',
    values: { ':version': lock.definitionVersion },
  });
}

/**
 * What a job that starts no new slot (removed, or past its last slot: ended-jobs.ts) left
 * without a fate: claims abandoned before their lease was taken, and a holder that died mid-run
 * (with the slot buffered behind it), recorded lost. `waiting`: a claim is still too young to judge.
 */
export async function settleLeftovers(
  deps: TickDeps,
  job: Pick<JobDefinition, 'name' | 'leaseMs' | 'catchupWindowMs'>,
  lock: LockItem,
  readFromMs: number,
  when: string,
): Promise<{ waiting: boolean }> {
  const name = job.name;
  const { claimed } = await readJobWindow(deps, name, readFromMs);
  await settleAbandonedClaims(deps, job as JobDefinition, claimed, lock);
  if (lapsedHolder(lock, deps.clock())) {
    const why = `lease lapsed without an outcome (held by ${lock.holder}) ${when}; found by ${deps.instance}`;
    await recordLostRun(deps, { job: name, lapsedLock: lock, why, retentionMs: retentionMs(deps) });
    if (lock.pendingSlotMs !== undefined && lock.pendingToken !== undefined)
      await recordLost(deps, {
        job: name,
        slotMs: lock.pendingSlotMs,
        token: lock.pendingToken,
        why: `buffered behind ${lock.holder}, which died`,
      });
  }
  return { waiting: [...claimed.values()].some((claim) => claim.status === SlotStatus.claimed || claim.status === SlotStatus.buffered) };
}

/**
 * The write that ends a wind-down: `remove` goes from the lock item, with a lapsed holder's
 * fields (its fate is on its slot item by now), if the lock still has no holder, or the same
 * lapsed one; a condition that fails means another tick or a new run got there first.
 */
export async function windDownWrite(
  deps: TickDeps,
  name: string,
  lock: LockItem,
  write: { remove: readonly string[]; condition: string; values: Record<string, unknown> },
): Promise<void> {
  const lapsed = lock.holder !== undefined;
  const remove = [
    ...write.remove,
    ...(lapsed ? ['holder', 'holderInstance', 'holderSlotMs', 'holderTrigger', 'pendingSlotMs', 'pendingToken'] : []),
  ];
  if (remove.length === 0) return;
  try {
    await deps.client.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: lockItemKey(name),
        UpdateExpression: `REMOVE ${remove.join(', ')}`,
        ConditionExpression: [write.condition, lapsed ? 'holder = :holder AND leaseUntilMs < :now' : 'attribute_not_exists(holder)']
          .filter(Boolean)
          .join(' AND '),
        ...((lapsed || Object.keys(write.values).length > 0) && {
          ExpressionAttributeValues: { ...write.values, ...(lapsed && { ':holder': lock.holder, ':now': deps.clock() }) },
        }),
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

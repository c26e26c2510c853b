/**
 * The tick's advance of the due index after it decided a runtime job's latest due slot in a way
 * that did not move it already: a skip (locked, paused, dropped), a slot found missed, or a slot
 * another instance decided without moving it (it died between its record and its advance, or
 * an older version decided it). The acquire and the parking of a scheduled slot move it in
 * their own write (lock-writes.ts withNextDue). The rule it keeps: due-times.ts.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './conditions.js';
import { dueAfterMs, dueKeyMs } from './due-times.js';
import type { TickDeps } from './run.js';
import type { CronSchedule } from './slots.js';
import { type LockItem, lockItemKey } from './table-keys.js';
import { toIso } from './time.js';
import type { JobDefinition, TickOutcome } from './types.js';

/** Outcomes of a slot whose own write (an acquire or a parking on the lock) moved the due index on. */
const MOVED_BY_ITS_WRITE: ReadonlySet<string> = new Set(['ran', 'failed', 'self-paused', 'buffered']);
/** Outcomes that leave a slot undecided for the index (the tick failed, or the definition changed: its write listed the job afresh). */
const NOT_DECIDED: ReadonlySet<string> = new Set(['error', 'redefined', 'not-due']);

/**
 * Moves `nextDueMs` past the job's latest due slot once it is decided (`taken` before this tick,
 * or by one of `outcomes`), unless the write that decided it did. One conditional write, only
 * when the lock read this tick shows the index still listing the slot.
 */
export async function advanceDue(
  deps: TickDeps,
  job: JobDefinition,
  decided: { cron: CronSchedule; lock: LockItem | undefined; latestMs: number; taken: boolean; outcomes: readonly TickOutcome[] },
): Promise<void> {
  const { cron, lock, latestMs, taken, outcomes } = decided;
  if (job.definitionVersion === undefined || lock?.nextDueMs === undefined) return;
  const latestIso = toIso(latestMs);
  const ofLatest = outcomes.filter((outcome) => 'slot' in outcome && outcome.slot === latestIso);
  if (ofLatest.some((outcome) => NOT_DECIDED.has(outcome.outcome))) return;
  if (!taken && ofLatest.length === 0) return;
  if (ofLatest.some((outcome) => MOVED_BY_ITS_WRITE.has(outcome.outcome))) return;
  const dueMs = dueAfterMs(job, latestMs, cron);
  if (dueMs === undefined) return;
  const nextDueMs = dueKeyMs(job.name, dueMs);
  if (lock.nextDueMs >= nextDueMs) return;
  // expects:    the definition read; nextDueMs still before the slot after the latest decided one (absent: the job
  //             left the index, its wind-down done: it is not brought back)
  // sets:       nextDueMs = the slot after the latest decided one (or the job's end, for its wind-down)
  // fails when: the definition changed (its write listed the job afresh) or another tick moved it on (means: done)
  // defends:    the due index's rule (a slot is passed only once decided); a decided slot is not read again each tick
  try {
    await deps.client.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: lockItemKey(job.name),
        UpdateExpression: 'SET nextDueMs = :next',
        ConditionExpression: 'definitionVersion = :version AND nextDueMs < :next',
        ExpressionAttributeValues: { ':next': nextDueMs, ':version': job.definitionVersion },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

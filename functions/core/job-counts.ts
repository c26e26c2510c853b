/**
 * The status page's counts over every job, not only the page in view: how many jobs there are,
 * how many are overdue (a slot passed its catch-up window and no tick decided it), and how many
 * are failing (their latest run failed: `failureStreak > 0`, failure-streak.ts).
 *
 * Cost: for runtime jobs the counts read the whole due index once (the failing count: a
 * `Select: COUNT` Query per shard, which DynamoDB bills for every entry it reads, not for the
 * count it returns) and the whole runtime-jobs index once (the total), each entry about 1 KB
 * (the projected definition), plus the due part of the due index (the overdue test, entry by
 * entry). At 10,000 jobs that is about 20 MB, some 2,500 read units (eventually consistent,
 * 0.5 per 4 KB) per count: why the page's server caches the counts
 * (functions/ui/job-counts-cache.ts) instead of counting on every refresh.
 */

import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { isMissingIndex } from './due-jobs.js';
import { isOverdueListing } from './due-times.js';
import { failureStreakOf } from './failure-streak.js';
import { DUE_INDEX, RUNTIME_INDEX, RUNTIME_SHARD_COUNT } from './job-definitions.js';
import { eachPage, getLock, type ReadPage, recentSlots } from './reads.js';
import { cronOf, previousSlot } from './slots.js';
import type { LockItem, StoreContext } from './table-keys.js';
import { type JobDefinition, Trigger } from './types.js';

/** Counts over a set of jobs. */
export interface JobCounts {
  /** Jobs defined (removed runtime jobs winding down are not counted). */
  total: number;
  /** Jobs with a slot past its catch-up window (and jitter) that no tick decided. */
  overdue: number;
  /** Jobs whose latest run failed or timed out (a failure streak above 0). */
  failing: number;
}

/** The part of a due-index entry the overdue test reads. */
export interface DueEntry {
  nextDueMs: number;
  /** The definition validated at write time (JSON of a JobDefinition): its window and jitter. */
  compiled?: string;
  removedAtMs?: number;
}

/**
 * True when a due-index entry's slot is past its window: `nextDueMs` is a lower bound on the
 * job's first undecided slot, so once `nextDueMs + catchupWindowMs + jitterMs` is behind now,
 * a slot went by that a tick should have decided and did not. A removed job is never overdue.
 */
export function isOverdueEntry(entry: DueEntry, nowMs: number): boolean {
  if (entry.removedAtMs !== undefined) return false;
  return isOverdueListing(windowOf(entry.compiled), entry.nextDueMs, nowMs);
}

function windowOf(compiled: string | undefined): Pick<JobDefinition, 'catchupWindowMs' | 'jitterMs' | 'atMs' | 'endAtMs'> {
  try {
    const job = JSON.parse(compiled ?? '{}') as Partial<JobDefinition>;
    return {
      catchupWindowMs: Number(job.catchupWindowMs ?? 0) || 0,
      jitterMs: Number(job.jitterMs ?? 0) || 0,
      ...(typeof job.atMs === 'number' && { atMs: job.atMs }),
      ...(typeof job.endAtMs === 'number' && { endAtMs: job.endAtMs }),
    };
  } catch {
    // A definition the tick cannot read either: judged by its slot alone.
    return { catchupWindowMs: 0, jitterMs: 0 };
  }
}

/** Runs a Query to its end, page by page, and hands each page to `onPage`. */
function queryAll(
  ctx: StoreContext,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  onPage: (page: ReadPage) => void,
): Promise<void> {
  return eachPage(
    (startKey) => ctx.client.send(new QueryCommand({ TableName: ctx.tableName, ...input, ExclusiveStartKey: startKey })),
    onPage,
  );
}

const shards = (): number[] => Array.from({ length: RUNTIME_SHARD_COUNT }, (_, shard) => shard);

async function sumOverShards(count: (shard: number) => Promise<number>): Promise<number> {
  try {
    return (await Promise.all(shards().map(count))).reduce((sum, value) => sum + value, 0);
  } catch (error) {
    if (isMissingIndex(error)) return 0;
    throw error;
  }
}

/** Runtime jobs overdue: the due entries with `nextDueMs <= now` (a range of the index, not all of it) past their window. */
export async function countOverdueRuntimeJobs(ctx: StoreContext, nowMs: number): Promise<number> {
  return sumOverShards(async (shard) => {
    let overdue = 0;
    await queryAll(
      ctx,
      {
        IndexName: DUE_INDEX.name,
        KeyConditionExpression: '#shard = :shard AND #due <= :now',
        ProjectionExpression: '#due, compiled, removedAtMs',
        ExpressionAttributeNames: { '#shard': DUE_INDEX.partitionKey, '#due': DUE_INDEX.sortKey },
        ExpressionAttributeValues: { ':shard': shard, ':now': nowMs },
      },
      (page) => {
        for (const item of page.Items ?? []) if (isOverdueEntry(item as unknown as DueEntry, nowMs)) overdue += 1;
      },
    );
    return overdue;
  });
}

/** Runtime jobs failing: due entries with a failure streak, counted by the server (`Select: COUNT`); reads the whole due index. */
export async function countFailingRuntimeJobs(ctx: StoreContext): Promise<number> {
  return sumOverShards(async (shard) => {
    let failing = 0;
    await queryAll(
      ctx,
      {
        IndexName: DUE_INDEX.name,
        KeyConditionExpression: '#shard = :shard',
        FilterExpression: 'failureStreak > :zero AND attribute_not_exists(removedAtMs)',
        ExpressionAttributeNames: { '#shard': DUE_INDEX.partitionKey },
        ExpressionAttributeValues: { ':shard': shard, ':zero': 0 },
        Select: 'COUNT',
      },
      (page) => {
        failing += page.Count ?? 0;
      },
    );
    return failing;
  });
}

/**
 * Runtime jobs defined, or only those whose names start with `prefix`: a `Select: COUNT` Query
 * per shard of the runtime-jobs index (without a prefix, all of it; with one, its names only).
 */
export async function countRuntimeJobs(ctx: StoreContext, prefix = ''): Promise<number> {
  const { partitionKey, sortKey } = RUNTIME_INDEX;
  return sumOverShards(async (shard) => {
    let total = 0;
    await queryAll(
      ctx,
      {
        IndexName: RUNTIME_INDEX.name,
        KeyConditionExpression: prefix === '' ? '#shard = :shard' : '#shard = :shard AND begins_with(#name, :prefix)',
        FilterExpression: 'attribute_not_exists(removedAtMs)',
        ExpressionAttributeNames: { '#shard': partitionKey, ...(prefix !== '' && { '#name': sortKey }) },
        ExpressionAttributeValues: { ':shard': shard, ...(prefix !== '' && { ':prefix': prefix }) },
        Select: 'COUNT',
      },
      (page) => {
        total += page.Count ?? 0;
      },
    );
    return total;
  });
}

/** The runtime jobs' counts: the three reads above, at once. */
export async function runtimeJobCounts(ctx: StoreContext, nowMs: number): Promise<JobCounts> {
  const [total, overdue, failing] = await Promise.all([
    countRuntimeJobs(ctx),
    countOverdueRuntimeJobs(ctx, nowMs),
    countFailingRuntimeJobs(ctx),
  ]);
  return { total, overdue, failing };
}

/** How many of the newest slot items a file job's overdue test looks at: enough to step over a few manual runs. */
const RECENT_FOR_OVERDUE = 5;

/**
 * True when a file job's latest slot before its window closed was decided by no tick: neither
 * claimed on the lock (`lastSlotMs`, the holder's slot) nor recorded as a slot item, nor any
 * newer scheduled slot. A job no tick ever took (no lock item) is not counted: it may be new
 * in this deployment, and its first slot is still to come.
 */
export function fileJobOverdue(
  job: JobDefinition,
  lock: Pick<LockItem, 'lastSlotMs' | 'holderSlotMs'> | undefined,
  recent: readonly { slotMs: number; trigger?: string }[],
  nowMs: number,
): boolean {
  if (!job.enabled || !lock) return false;
  const slotMs = previousSlot(cronOf(job), nowMs - job.catchupWindowMs - (job.jitterMs ?? 0));
  if (slotMs === undefined) return false;
  const scheduled = recent.filter((item) => item.trigger !== Trigger.manual && item.trigger !== Trigger.continuation);
  const decidedMs = Math.max(
    lock.lastSlotMs ?? Number.NEGATIVE_INFINITY,
    lock.holderSlotMs ?? Number.NEGATIVE_INFINITY,
    ...scheduled.map((item) => item.slotMs),
  );
  return decidedMs < slotMs;
}

/** The file jobs' counts, from each one's lock item and newest slot items (a read and a small Query each: they are few). */
export async function fileJobCounts(ctx: StoreContext, jobs: readonly JobDefinition[], nowMs: number): Promise<JobCounts> {
  const judged = await Promise.all(
    jobs.map(async (job) => {
      const [lock, recent] = await Promise.all([getLock(ctx, job.name), recentSlots(ctx, job.name, RECENT_FOR_OVERDUE)]);
      return { overdue: fileJobOverdue(job, lock, recent, nowMs), failing: failureStreakOf(lock) > 0 };
    }),
  );
  return {
    total: jobs.length,
    overdue: judged.filter((job) => job.overdue).length,
    failing: judged.filter((job) => job.failing).length,
  };
}

/** Two sets of counts as one. */
export function addCounts(a: JobCounts, b: JobCounts): JobCounts {
  return { total: a.total + b.total, overdue: a.overdue + b.overdue, failing: a.failing + b.failing };
}

/**
 * The times the due index lists a runtime job at (`nextDueMs`, DUE_INDEX). The rule every write
 * keeps: `nextDueMs` is never later than the job's first slot no one has decided. Listed early,
 * a job costs a tick one read that finds nothing to do; listed late, a slot would go unseen.
 * So a definition write lists the job from the first slot a tick could still start, and only a
 * write that decided a slot (its acquire, its parking, or the tick's advance after it) moves
 * `nextDueMs` past it, to the slot after. The map: docs/protocol.md, "The due index".
 */
import { nameHash } from './job-definitions.js';
import { type CronSchedule, cronOf, nextSlots } from './slots.js';
import { toIso } from './time.js';
import type { JobDefinition, TickOutcome } from './types.js';

/**
 * The value stored in `nextDueMs` for a job listed from `ms`: a little earlier, by a fraction of
 * a millisecond that the job's name decides (k / 4096, exact in a double at these magnitudes),
 * so jobs due at the same moment have distinct index keys. DynamoDB keeps entries with equal
 * keys apart, but dynalite tells them apart by 24 bits of a hash only and drops the rest
 * (thousands of jobs share a due minute): a job would vanish from the index. Earlier is safe.
 */
export function dueKeyMs(name: string, ms: number): number {
  // FNV's low bits are weak for names that differ at the end (tenant-1, tenant-2): mix them in.
  let hash = nameHash(name);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash ^= hash >>> 13;
  return ms - ((hash >>> 0) % 4096) / 4096;
}

/** The slot time an entry's `nextDueMs` lists (dueKeyMs undone). */
export function listedSlotMs(nextDueMs: number): number {
  return Math.ceil(nextDueMs);
}

type DueJob = Pick<JobDefinition, 'enabled' | 'atMs' | 'endAtMs' | 'catchupWindowMs' | 'jitterMs'> & Parameters<typeof cronOf>[0];

/** When a job past its last slot counts as ended (ended-jobs.ts hasEnded): its wind-down is due then. */
export function endedAtMs(job: Pick<JobDefinition, 'atMs' | 'endAtMs' | 'catchupWindowMs' | 'jitterMs'>): number | undefined {
  const lastMs = job.atMs ?? job.endAtMs;
  return lastMs === undefined ? undefined : lastMs + job.catchupWindowMs + (job.jitterMs ?? 0) + 1;
}

/**
 * The first time the index should list `job` for a slot strictly after `afterMs`: that slot, or,
 * when none comes (a one-time or bounded job), the moment it has ended, so a tick winds it down.
 * Undefined for a disabled job (no tick starts it: it leaves the index).
 */
export function dueAfterMs(job: DueJob, afterMs: number, cron: CronSchedule = cronOf(job)): number | undefined {
  if (!job.enabled) return undefined;
  const [nextMs] = nextSlots(cron, afterMs, 1);
  return nextMs ?? endedAtMs(job);
}

/**
 * Where a definition write lists the job: from the first slot a tick could still start, one
 * within its catch-up window (and jitter) and, for a job created at `createdAtMs`, after its
 * creation, as the tick reads its slots (tick.ts): a change keeps the slots not yet decided.
 */
export function dueOnWriteMs(job: DueJob, nowMs: number, createdAtMs: number): number | undefined {
  const windowStartMs = nowMs - job.catchupWindowMs - (job.jitterMs ?? 0);
  // A one-time job's time is its own: one created just after it (within its window) still runs.
  const fromMs = job.atMs === undefined ? Math.max(windowStartMs, createdAtMs - 1) : windowStartMs;
  return dueAfterMs(job, fromMs);
}

/**
 * The latest `nextDueMs` a healthy entry may hold at `nowMs`: the job's first slot after now
 * (after `skewMs` more, for a writer whose clock ran ahead). A later one, or none for a job that
 * has one, hides a slot: the repair (due-repair.ts) lists the job again.
 */
export function latestHealthyDueMs(job: DueJob, nowMs: number, skewMs: number): number | undefined {
  return dueAfterMs(job, nowMs + skewMs);
}

/**
 * The listed jobs no tick decided in time: listed for a slot whose catch-up window (and jitter)
 * has passed at `asOfMs`, so the slot had no run within it (the OverdueJobs metric counts them;
 * the tick then reports the slot missed and moves the index on). An ended job's listing is its wind-down, not overdue.
 */
export function overdueOutcomes(jobs: readonly JobDefinition[], dueMs: ReadonlyMap<string, number>, asOfMs: number): TickOutcome[] {
  const overdue: TickOutcome[] = [];
  for (const job of jobs) {
    const listedMs = dueMs.get(job.name);
    if (listedMs === undefined || !job.enabled || !isOverdueListing(job, listedMs, asOfMs)) continue;
    const slotMs = listedSlotMs(listedMs);
    overdue.push({ outcome: 'overdue', job: job.name, slot: toIso(slotMs), lateMs: asOfMs - slotMs });
  }
  return overdue;
}

/**
 * True when a job listed at `listedMs` is overdue at `nowMs`: its slot's catch-up window (and
 * jitter) has passed with no tick deciding it. An ended job's listing is its wind-down, not a
 * slot. The one rule of the tick's OverdueJobs and the page's count (job-counts.ts).
 */
export function isOverdueListing(
  job: Pick<JobDefinition, 'catchupWindowMs' | 'jitterMs' | 'atMs' | 'endAtMs'>,
  listedMs: number,
  nowMs: number,
): boolean {
  // Ended (ended-jobs.ts hasEnded): from endedAtMs on, no slot of it may start.
  const endMs = endedAtMs(job);
  if (endMs !== undefined && nowMs >= endMs) return false;
  return nowMs - listedSlotMs(listedMs) > job.catchupWindowMs + (job.jitterMs ?? 0);
}

/**
 * A Temporal-style description of one job: its lock, its last runs, its next fire times and
 * counters over its recorded history. Read-only: two queries and one read.
 */
import { cronOf, nextSlots, slotsBetween } from './slots.js';
import {
  getLock,
  holderRun,
  type LockItem,
  liveHolder,
  recentSlots,
  SkipReason,
  type SlotItem,
  SlotStatus,
  type StoreContext,
  withoutSupersededMarks,
} from './store.js';
import { type JobDefinition, Trigger } from './types.js';

/** Counters over the slots a job has recorded (at most `historyLimit` of the newest). */
export interface JobCounters {
  /** Slots looked at, and the oldest of them. */
  slots: number;
  sinceMs?: number;
  runs: number;
  succeeded: number;
  failures: number;
  /** Runs whose last attempt passed the job's timeout (`timed-out`; not counted in `failures`). */
  timedOut: number;
  /** Runs that took more than one attempt (the job's `retry`), whatever their outcome. */
  retried: number;
  /** Skipped because a run held the lease (skip). */
  skippedByOverlap: number;
  /** bufferOne: dropped because one slot was already buffered. */
  dropped: number;
  paused: number;
  /** Slots that waited for the lease and ran right after the holder (bufferOne). */
  buffered: number;
  lost: number;
  /** Cron slots since the oldest recorded one that have no record at all (no tick came in time, or over the catch-up limit). */
  missed: number;
}

/** Everything `status JOB` shows. */
export interface JobStatus {
  job: JobDefinition;
  lock: LockItem | undefined;
  /** The newest runs and skips, newest first. */
  recent: SlotItem[];
  nextMs: number[];
  counters: JobCounters;
  /** A one-time job (`at`) or one past its `endAt` that will start no slot again, and runs none now (jobDone). */
  done: boolean;
}

/**
 * Reads a job's state. `recent` holds the last `runs` slot items; counters cover the newest
 * `historyLimit` items, and missed slots are the cron slots in that span with no item, up to
 * the catch-up window before `nowMs` (newer ones may still be started).
 */
export async function jobStatus(
  ctx: StoreContext,
  job: JobDefinition,
  nowMs: number,
  options: { runs?: number; next?: number; historyLimit?: number } = {},
): Promise<JobStatus> {
  const [lock, items] = await Promise.all([getLock(ctx, job.name), recentSlots(ctx, job.name, options.historyLimit ?? 1_000)]);
  const history = withoutSupersededMarks(items, lock);
  const cron = cronOf(job);
  const nextMs = nextSlots(cron, nowMs, options.next ?? 10);
  return {
    job,
    lock,
    recent: history.slice(0, options.runs ?? 10),
    nextMs,
    counters: countSlots(job, history, nowMs, holderRun(lock)?.slotMs),
    done: jobDone(job, lock, nowMs),
  };
}

/**
 * True when a one-time job (`at`) or a bounded one (`endAt`) will start no slot again: its last
 * slot is more than its catch-up window ago (so no tick may still start it) and no run of it
 * holds the lease (a run in progress, or a continuation chain, is not done). Its history stays.
 */
export function jobDone(job: JobDefinition, lock: LockItem | undefined, nowMs: number): boolean {
  const lastMs = job.atMs ?? job.endAtMs;
  if (lastMs === undefined || nowMs - job.catchupWindowMs - (job.jitterMs ?? 0) <= lastMs) return false;
  return !liveHolder(lock, nowMs);
}

/** Counts a job's slot items by fate; pure, so it is unit tested on its own. */
export function countSlots(job: JobDefinition, items: readonly SlotItem[], nowMs: number, runningSlotMs?: number): JobCounters {
  const counters: JobCounters = {
    slots: items.length,
    runs: 0,
    succeeded: 0,
    failures: 0,
    timedOut: 0,
    retried: 0,
    skippedByOverlap: 0,
    dropped: 0,
    paused: 0,
    buffered: 0,
    lost: 0,
    missed: 0,
  };
  for (const item of items) {
    if (item.status === SlotStatus.succeeded || item.status === SlotStatus.failed || item.status === SlotStatus.timedOut)
      counters.runs += 1;
    if (item.status === SlotStatus.timedOut) counters.timedOut += 1;
    if ((item.attempts?.length ?? 0) > 1) counters.retried += 1;
    if (item.status === SlotStatus.succeeded) counters.succeeded += 1;
    if (item.status === SlotStatus.failed) counters.failures += 1;
    if (item.status === SlotStatus.lost) counters.lost += 1;
    if (item.status === SlotStatus.skipped && item.reason === SkipReason.locked) counters.skippedByOverlap += 1;
    if (item.status === SlotStatus.skipped && item.reason === SkipReason.dropped) counters.dropped += 1;
    if (item.status === SlotStatus.skipped && item.reason === SkipReason.paused) counters.paused += 1;
    if (item.trigger === Trigger.buffer || item.status === SlotStatus.buffered) counters.buffered += 1;
  }
  const scheduled = items.filter((item) => item.trigger !== Trigger.manual && item.trigger !== Trigger.continuation);
  if (scheduled.length > 0) {
    const oldestMs = Math.min(...scheduled.map((item) => item.slotMs));
    counters.sinceMs = oldestMs;
    // A scheduled run in progress has no item until its outcome (claimed on the lock: slot-decision.ts).
    counters.missed = missedSlots(job, runningSlotMs === undefined ? items : [...items, { slotMs: runningSlotMs }], oldestMs, nowMs).length;
  }
  return counters;
}

/**
 * The cron slots after `fromMs` and at least one catch-up window before `nowMs` (newer ones may
 * still start) that have no item among `items`, ascending. Pure; `items` must cover the span.
 */
export function missedSlots(job: JobDefinition, items: readonly { slotMs: number }[], fromMs: number, nowMs: number): number[] {
  const settledBeforeMs = nowMs - job.catchupWindowMs;
  // A runtime job's cron may have changed: its slots from before this version are not its missed ones.
  const sinceMs = Math.max(fromMs, (job.definedAtMs ?? Number.NEGATIVE_INFINITY) - 1);
  if (settledBeforeMs <= sinceMs) return [];
  const recorded = new Set(items.map((item) => item.slotMs));
  return slotsBetween(cronOf(job), sinceMs, settledBeforeMs).filter((slotMs) => !recorded.has(slotMs));
}

/**
 * A job's count of consecutive failed slots, kept on its lock item (`failureStreak`) for every
 * job and written by the holder's last write of a run (the release or the hand-over, both
 * conditioned on the holder token), so it costs no write of its own. It is how the status page
 * counts failing jobs (job-counts.ts). For a job with pauseAfterFailures, the write that makes
 * the count reach the limit also pauses the job, with the reason beside the pause. `resume`
 * clears the count (setPaused). The writes: docs/protocol.md.
 */
import { errorMessage } from './errors.js';
import type { LockItem } from './table-keys.js';
import { toIso } from './time.js';
import type { JobDefinition, TickOutcome } from './types.js';

/**
 * The final statuses of a slot that count as a failure: `failed`, and `timed-out` (a run
 * stopped by its time limit). The one place that says which outcomes break a streak of successes.
 */
export const FAILING_STATUSES: ReadonlySet<string> = new Set(['failed', 'timed-out']);

/** True when a slot's final status counts as a failure (FAILING_STATUSES). */
export function isFailingStatus(status: string): boolean {
  return FAILING_STATUSES.has(status);
}

/** Who paused a job: an operator (`pause`), or the job itself after too many failures. */
export const PausedReason = { operator: 'operator', failures: 'failures' } as const;
export type PausedReason = (typeof PausedReason)[keyof typeof PausedReason];

/** The self-pause a run's last write carries: why, after which slot, with which error. */
export interface SelfPause {
  note: string;
  afterSlotMs: number;
  error: string;
}

/** What a run's last write sets on the lock for the streak: the new count, and a self-pause when it reached the limit. */
export interface StreakWrite {
  failureStreak: number;
  selfPause?: SelfPause;
}

/** The count of consecutive failed slots a lock item holds (0 when it holds none). */
export function failureStreakOf(lock: Pick<LockItem, 'failureStreak'> | undefined): number {
  const streak = Number(lock?.failureStreak ?? 0);
  return Number.isFinite(streak) && streak > 0 ? streak : 0;
}

/**
 * The streak after one run's final outcome, from the count the holder last saw on the lock
 * (only holders write it, one at a time, so that count is the current one): a failure adds one,
 * anything else clears it. Every job's streak is kept (the page's failing count reads it); only
 * a job with pauseAfterFailures pauses itself when it reaches the limit.
 */
export function streakAfterRun(
  job: Pick<JobDefinition, 'name' | 'pauseAfterFailures'>,
  knownStreak: number,
  run: { slotMs: number; status: string; error?: string | undefined },
): StreakWrite {
  const limit = job.pauseAfterFailures;
  if (!isFailingStatus(run.status)) return { failureStreak: 0 };
  const failureStreak = knownStreak + 1;
  if (limit === undefined || failureStreak < limit) return { failureStreak };
  const error = run.error ?? run.status;
  const note =
    `paused itself after ${failureStreak} consecutive failed slots (pauseAfterFailures: ${limit}); ` +
    `the last, ${toIso(run.slotMs)}: ${error}. Fix the cause, then resume the job`;
  return { failureStreak, selfPause: { note, afterSlotMs: run.slotMs, error } };
}

/**
 * The SET and REMOVE clauses (with their placeholder values) that carry a StreakWrite in a lock
 * update: the count (removed at 0), and a self-pause with its reason. Empty for no write.
 */
export function streakClauses(
  write: StreakWrite | undefined,
  nowMs: number,
): { set: string[]; remove: string[]; values: Record<string, unknown> } {
  if (!write) return { set: [], remove: [], values: {} };
  const counted =
    write.failureStreak > 0
      ? { set: ['failureStreak = :failureStreak'], remove: [], values: { ':failureStreak': write.failureStreak } }
      : { set: [], remove: ['failureStreak'], values: {} };
  const pause = write.selfPause;
  if (!pause) return counted;
  return {
    set: [
      ...counted.set,
      'paused = :selfPaused',
      'pausedAtMs = :selfPausedAtMs',
      'pausedNote = :selfPausedNote',
      'pausedReason = :selfPausedReason',
      'pausedAfterSlotMs = :selfPausedAfterMs',
      'pausedError = :selfPausedError',
    ],
    remove: counted.remove,
    values: {
      ...counted.values,
      ':selfPaused': true,
      ':selfPausedAtMs': nowMs,
      ':selfPausedNote': pause.note,
      ':selfPausedReason': PausedReason.failures,
      ':selfPausedAfterMs': pause.afterSlotMs,
      ':selfPausedError': pause.error.slice(0, 1_000),
    },
  };
}

/** A job's self-pause as its lock shows it (for `status`, the API and the page); undefined when it did not pause itself. */
export function selfPauseOf(lock: LockItem | undefined): { note: string; atMs?: number; afterSlotMs?: number; error?: string } | undefined {
  if (lock?.paused !== true || lock.pausedReason !== PausedReason.failures) return undefined;
  return {
    note: lock.pausedNote ?? 'paused itself after consecutive failed slots',
    ...(lock.pausedAtMs !== undefined && { atMs: lock.pausedAtMs }),
    ...(lock.pausedAfterSlotMs !== undefined && { afterSlotMs: lock.pausedAfterSlotMs }),
    ...(lock.pausedError !== undefined && { error: lock.pausedError }),
  };
}

/** The log line of a self-pause: what an operator paged about it needs to act. */
export function selfPauseLog(job: string, fence: number, write: StreakWrite & { selfPause: SelfPause }): Record<string, unknown> {
  return {
    job,
    fence,
    failureStreak: write.failureStreak,
    afterSlot: toIso(write.selfPause.afterSlotMs),
    error: errorMessage(write.selfPause.error),
    note: write.selfPause.note,
    todo: `find the cause in the failed runs (cluster-cron history "${job}"), fix it, then cluster-cron resume "${job}"`,
  };
}

/** The outcome a tick reports beside a run whose last write paused its job. */
export function selfPausedOutcome(job: string, slotMs: number, write: StreakWrite & { selfPause: SelfPause }): TickOutcome {
  return { outcome: 'self-paused', job, slot: toIso(slotMs), failureStreak: write.failureStreak, error: write.selfPause.error };
}

/**
 * The status page's JSON: one JobView per job, built from the same read the CLI's `status` does
 * (jobStatus), with times in epoch ms so a script or the page can draw them on one axis.
 */
import { failureStreakOf, PausedReason, selfPauseOf } from '../core/failure-streak.js';
import { type JobCounters, type JobStatus, jobStatus, missedSlots } from '../core/job-status.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import { cronOf, slotsBetween } from '../core/slots.js';
import {
  type AttemptRecord,
  holderRun,
  type LockItem,
  liveHolder,
  pausedFor,
  SkipReason,
  type SlotItem,
  SlotStatus,
  type StoreContext,
} from '../core/store.js';
import { toIso } from '../core/time.js';
import { type JobDefinition, type OverlapPolicy, Trigger } from '../core/types.js';
import { describeCron } from '../describe-cron.js';

/** Runs a JobView shows unless asked otherwise (`?runs=N`). */
export const RUNS_DEFAULT = 50;
/** The most runs a JobView shows: half the history read, so the counters still cover more. */
export const RUNS_MAX = 500;

/** How many slot items the counters and the last outcome look at (the CLI's `status` reads as many). */
const HISTORY_LIMIT = 1_000;

/** What a run's status may be on the page: a slot item's status, or `running` while it holds the lease. */
export type RunStatus = SlotStatus | 'running';

/** One (job, slot) as the page shows it: the slot item's fields, in ms. */
export interface RunView {
  slotMs: number;
  /** The slot as ISO-8601 UTC. */
  slot: string;
  trigger: string;
  status: RunStatus;
  reason?: string;
  instance?: string;
  fence?: number;
  claimedAtMs?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  durationMs?: number;
  error?: string;
  /** A skipped slot, in words: what held the lease, or why else it did not run. */
  skippedBecause?: string;
  heldBy?: string;
  heldFence?: number;
  /** A dropped slot: the buffered slot that was in the way. */
  bufferedSlotMs?: number;
  leaseLost?: boolean;
  /** A run its job's `retry` tried more than once: every attempt, oldest first. */
  attempts?: AttemptRecord[];
  /** Attempts the retry policy had left, and why they were not made (deadline, stopped, non-retriable, cut-off). */
  attemptsLeft?: number;
  retryStopped?: string;
  /** A timed-out handler that ignored its signal and was cut off from the lease. */
  cutOff?: boolean;
}

/** The lease while someone holds it. */
export interface LockView {
  holder: string;
  holderInstance?: string;
  holderSlotMs?: number;
  acquiredAtMs?: number;
  leaseUntilMs: number;
  /** bufferOne: the slot waiting to run when the holder finishes. */
  pendingSlotMs?: number;
}

/** Everything the page shows of one job. */
export interface JobView {
  name: string;
  /** sidekiq-cron's namespace, when the job names one (none is sidekiq-cron's "default"). */
  namespace?: string;
  description?: string;
  cron: string;
  cronInWords: string;
  /** A one-time job's (`at`) only slot; `cron` is then that second's cron. */
  atMs?: number;
  /** The job's bounds (`startAt`, `endAt`). */
  startAtMs?: number;
  endAtMs?: number;
  /** A one-time or bounded job that will start no slot again (job-status.ts `jobDone`); its history stays. */
  done: boolean;
  timezone: string;
  handler: string;
  enabled: boolean;
  overlap: OverlapPolicy;
  continuous: boolean;
  leaseMs: number;
  catchupWindowMs: number;
  catchupLimit: number;
  /** The job's retry policy, when it makes more than one attempt. */
  retry?: RetryPolicy;
  /** The job's per-attempt timeout, when it has one. */
  timeoutMs?: number;
  paused: boolean;
  pausedNote?: string;
  pausedAtMs?: number;
  /** `failures` when the job paused itself (pauseAfterFailures), with the slot and error it paused after. */
  pausedReason?: string;
  pausedAfterSlotMs?: number;
  pausedError?: string;
  /** A runtime job's (stored in the table, not the config): the version of its definition. */
  runtimeVersion?: number;
  /** The job's pauseAfterFailures, when it has one. */
  pauseAfterFailures?: number;
  /** Consecutive failed slots so far, kept for every job (left out at 0). */
  failureStreak?: number;
  /** The fence of the latest acquisition (0: never ran under a lease). */
  fence: number;
  /** Null when no one holds a live lease. */
  lock: LockView | null;
  /** The newest settled slot (succeeded, failed, lost or skipped) in the history read. */
  lastOutcome: RunView | null;
  /** The next 10 fire times. */
  nextMs: number[];
  /** The oldest slot among `runs` (now when there are none): the start of the timeline. */
  windowStartMs: number;
  /** The newest `runs`, newest first, and the run holding the lease even when it is older. */
  runs: RunView[];
  /** Cron slots after `windowStartMs` and a catch-up window before now that have no record. */
  missedMs: number[];
  counters: JobCounters;
}

const SETTLED: ReadonlySet<string> = new Set([
  SlotStatus.succeeded,
  SlotStatus.failed,
  SlotStatus.timedOut,
  SlotStatus.lost,
  SlotStatus.skipped,
]);

function skippedBecause(item: SlotItem): string | undefined {
  if (item.status !== SlotStatus.skipped) return undefined;
  if (item.reason === SkipReason.locked) return `the lease was held by ${item.heldBy ?? 'another run'} (fence ${item.heldFence ?? '?'})`;
  if (item.reason === SkipReason.dropped)
    return item.bufferedSlotMs !== undefined ? `slot ${toIso(item.bufferedSlotMs)} was already buffered` : 'a slot was already buffered';
  if (item.reason === SkipReason.paused) return 'the job was paused';
  return item.reason;
}

/** A slot item as the page shows it; `running` when the live holder is its claimant or its slot. */
export function toRunView(item: SlotItem, lock: LockItem | undefined, nowMs: number): RunView {
  const waiting = item.status === SlotStatus.claimed || item.status === SlotStatus.buffered;
  const holding = waiting && liveHolder(lock, nowMs) && (lock.holder === item.claimedBy || lock.holderSlotMs === item.slotMs);
  const startedAtMs = item.startedAtMs ?? (holding ? lock?.acquiredAtMs : undefined);
  const because = skippedBecause(item);
  return {
    slotMs: item.slotMs,
    slot: item.slot,
    trigger: item.trigger,
    status: holding ? 'running' : item.status,
    ...(item.reason !== undefined && { reason: item.reason }),
    instance: item.instance,
    ...((item.fence ?? (holding ? lock?.fence : undefined)) !== undefined && { fence: item.fence ?? lock?.fence }),
    claimedAtMs: item.claimedAtMs,
    ...(startedAtMs !== undefined && { startedAtMs }),
    ...(item.finishedAtMs !== undefined && { finishedAtMs: item.finishedAtMs }),
    ...(item.durationMs !== undefined && { durationMs: item.durationMs }),
    ...(item.error !== undefined && { error: item.error }),
    ...(because !== undefined && { skippedBecause: because }),
    ...(item.heldBy !== undefined && { heldBy: item.heldBy }),
    ...(item.heldFence !== undefined && { heldFence: item.heldFence }),
    ...(item.bufferedSlotMs !== undefined && { bufferedSlotMs: item.bufferedSlotMs }),
    ...(item.leaseLost !== undefined && { leaseLost: item.leaseLost }),
    ...(item.attempts !== undefined && { attempts: item.attempts }),
    ...(item.attemptsLeft !== undefined && { attemptsLeft: item.attemptsLeft }),
    ...(item.retryStopped !== undefined && { retryStopped: item.retryStopped }),
    ...(item.cutOff !== undefined && { cutOff: item.cutOff }),
  };
}

/**
 * The run on the lock item with no slot item yet: a scheduled run lives on the lock only until
 * its record creates its item (why: core/slot-decision.ts). Once its lease has lapsed without
 * an outcome it is shown lost, as the next acquirer will record it.
 */
function runOnLock(job: JobDefinition, lock: LockItem & { holder: string }, slotMs: number, live: boolean): RunView {
  // A lock written before holderTrigger existed: judged by whether the slot is on the cron.
  const onSchedule = (): boolean => slotsBetween(cronOf(job), slotMs - 1, slotMs).includes(slotMs);
  return {
    slotMs,
    slot: toIso(slotMs),
    trigger: lock.holderTrigger ?? (onSchedule() ? Trigger.schedule : Trigger.manual),
    status: live ? 'running' : SlotStatus.lost,
    ...(lock.holderInstance !== undefined && { instance: lock.holderInstance }),
    ...(lock.fence !== undefined && { fence: lock.fence }),
    ...(lock.acquiredAtMs !== undefined && { startedAtMs: lock.acquiredAtMs }),
    ...(!live && { error: `lease lapsed without an outcome (held by ${lock.holder}); recorded lost when the next run takes the lease` }),
  };
}

/** Builds a JobView from what jobStatus read; pure, so it is unit tested on its own. */
export function buildJobView(status: JobStatus, nowMs: number, runs: number): JobView {
  const { job, lock } = status;
  const history = status.recent.map((item) => toRunView(item, lock, nowMs));
  const live = liveHolder(lock, nowMs);
  const onLock = holderRun(lock);
  if (lock && onLock && !history.some((run) => run.slotMs === onLock.slotMs)) {
    const run = runOnLock(job, { ...lock, holder: onLock.holder }, onLock.slotMs, live);
    // Newest first: slot items sort by slot time, so the lock's run goes where its slot falls.
    const at = history.findIndex((other) => other.slotMs < run.slotMs);
    history.splice(at === -1 ? history.length : at, 0, run);
  }
  // The run holding the lease is shown even when newer slots (skipped behind it) fill `runs`:
  // a timeline without the long run that explains them would be a puzzle.
  const shown = history.filter((run, index) => index < runs || run.status === 'running');
  const windowStartMs = shown.length > 0 ? Math.min(...shown.map((run) => run.slotMs)) : nowMs;
  return {
    name: job.name,
    ...(job.namespace !== undefined && { namespace: job.namespace }),
    ...(job.description !== undefined && { description: job.description }),
    cron: job.cron,
    cronInWords: describeCron(job.cron),
    ...(job.atMs !== undefined && { atMs: job.atMs }),
    ...(job.startAtMs !== undefined && { startAtMs: job.startAtMs }),
    ...(job.endAtMs !== undefined && { endAtMs: job.endAtMs }),
    done: status.done,
    timezone: job.timezone,
    handler: job.handler,
    enabled: job.enabled,
    overlap: job.overlap,
    continuous: job.continuous,
    leaseMs: job.leaseMs,
    catchupWindowMs: job.catchupWindowMs,
    catchupLimit: job.catchupLimit,
    ...(job.retry && job.retry.attempts > 1 && { retry: job.retry }),
    ...(job.timeoutMs !== undefined && { timeoutMs: job.timeoutMs }),
    ...(job.pauseAfterFailures !== undefined && { pauseAfterFailures: job.pauseAfterFailures }),
    ...(job.definitionVersion !== undefined && { runtimeVersion: job.definitionVersion }),
    paused: pausedFor(lock),
    ...(lock?.pausedNote !== undefined && { pausedNote: lock.pausedNote }),
    ...(lock?.pausedAtMs !== undefined && { pausedAtMs: lock.pausedAtMs }),
    ...selfPauseView(lock),
    ...(failureStreakOf(lock) > 0 && { failureStreak: failureStreakOf(lock) }),
    fence: lock?.fence ?? 0,
    lock: live
      ? {
          holder: lock.holder,
          ...(lock.holderInstance !== undefined && { holderInstance: lock.holderInstance }),
          ...(lock.holderSlotMs !== undefined && { holderSlotMs: lock.holderSlotMs }),
          ...(lock.acquiredAtMs !== undefined && { acquiredAtMs: lock.acquiredAtMs }),
          leaseUntilMs: lock.leaseUntilMs,
          ...(lock.pendingSlotMs !== undefined && { pendingSlotMs: lock.pendingSlotMs }),
        }
      : null,
    lastOutcome: history.find((run) => SETTLED.has(run.status)) ?? null,
    nextMs: status.nextMs,
    windowStartMs,
    runs: shown,
    // Judged against everything read, not only what is shown: a slot past `runs` is not missed.
    missedMs: missedSlots(job, history, windowStartMs, nowMs),
    counters: status.counters,
  };
}

/** Reads one job's view: its lock and history (one read, one query), as `status JOB` does. */
export async function readJobView(store: StoreContext, job: JobDefinition, nowMs: number, runs = RUNS_DEFAULT): Promise<JobView> {
  const status = await jobStatus(store, job, nowMs, { runs: HISTORY_LIMIT, next: 10, historyLimit: HISTORY_LIMIT });
  return buildJobView(status, nowMs, runs);
}

/** A self-pause's reason, slot and error as the view names them; empty when the job did not pause itself. */
function selfPauseView(lock: LockItem | undefined): Pick<JobView, 'pausedReason' | 'pausedAfterSlotMs' | 'pausedError'> {
  const selfPause = selfPauseOf(lock);
  if (!selfPause) return {};
  return {
    pausedReason: PausedReason.failures,
    ...(selfPause.afterSlotMs !== undefined && { pausedAfterSlotMs: selfPause.afterSlotMs }),
    ...(selfPause.error !== undefined && { pausedError: selfPause.error }),
  };
}

/**
 * The JSON the status page reads: the contract of `GET /api/jobs` (see the README's "Status page"
 * section). The server may add fields; the page only relies on these.
 */

/** One recorded (job, slot): a run, a skip, a buffered or lost slot; times in epoch ms. */
export interface RunView {
  slotMs: number;
  slot: string;
  trigger: string;
  status: string;
  reason?: string;
  instance?: string;
  fence?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  durationMs?: number;
  error?: string;
  skippedBecause?: string;
}

/** The live lock of a job; null in JobView when nobody holds a live lease. */
export interface LockView {
  holder: string;
  holderInstance?: string;
  holderSlotMs?: number;
  leaseUntilMs: number;
  pendingSlotMs?: number;
}

/** Counters over a job's recorded history (core `JobCounters`). */
export interface JobCounters {
  slots: number;
  sinceMs?: number;
  runs: number;
  succeeded: number;
  failures: number;
  skippedByOverlap: number;
  dropped: number;
  paused: number;
  buffered: number;
  lost: number;
  missed: number;
}

/** Everything the page shows about one job. */
export interface JobView {
  name: string;
  description?: string;
  cron: string;
  cronInWords: string;
  timezone: string;
  handler: string;
  enabled: boolean;
  overlap: string;
  continuous: boolean;
  leaseMs: number;
  catchupWindowMs: number;
  paused: boolean;
  pausedNote?: string;
  fence: number;
  lock: LockView | null;
  lastOutcome: RunView | null;
  nextMs: number[];
  windowStartMs: number;
  runs: RunView[];
  missedMs: number[];
  counters: JobCounters;
}

/** `GET /api/jobs`. */
export interface JobsResponse {
  nowMs: number;
  table: string;
  jobs: JobView[];
}

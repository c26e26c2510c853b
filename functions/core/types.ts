/** Shared shapes of the core: job definitions, handler contract, tick outcomes. */
import type { RetryPolicy } from './retry-policy.js';

/**
 * What a slot that finds the lease held does (the names Temporal Schedules use): `skip` records
 * it as skipped (the seed's behaviour); `bufferOne` keeps at most one, started by the holder the
 * moment it releases, under a fresh fence; `allow` runs it anyway (slot dedupe only, no lease).
 */
export const OverlapPolicy = { skip: 'skip', bufferOne: 'bufferOne', allow: 'allow' } as const;
export type OverlapPolicy = (typeof OverlapPolicy)[keyof typeof OverlapPolicy];

/**
 * Why a run started: its cron slot, an operator, a later tick catching up a missed slot, a slot
 * buffered while the lease was held, the next link of a continuous job, or `backfill`.
 */
export const Trigger = {
  schedule: 'schedule',
  manual: 'manual',
  catchUp: 'catch-up',
  buffer: 'buffer',
  continuation: 'continuation',
  backfill: 'backfill',
} as const;
export type Trigger = (typeof Trigger)[keyof typeof Trigger];

/**
 * The key of the config's `onFailure` among the failure hooks by job name, for runtime jobs
 * (stored in the table, unknown when the config loads): `#` is in no job name (schedule.ts), so
 * no job can shadow it.
 */
export const RUNTIME_JOBS_FAILURE_HOOK = '#runtime-jobs';

/** A job's args as written: a mapping, or (sidekiq's `perform(*args)`) a list. */
export type JobArgs = readonly unknown[] | Record<string, unknown>;

/** One validated job of the schedule file. */
export interface JobDefinition {
  name: string;
  /**
   * The cron expression without its zone: 5 fields, or 6 with seconds first. A one-time job's
   * (`atMs`) is the cron of that one second, only to describe it ("at 09:00 on day 3 of December").
   */
  cron: string;
  /** A one-time job's (`at`) only slot, epoch ms on a whole second; it is done once that slot is settled. */
  atMs?: number;
  /** No slot before this (`startAt`), epoch ms. */
  startAtMs?: number;
  /** No slot after this (`endAt`), epoch ms; the job is done after it. */
  endAtMs?: number;
  /** The cron as written in words ("every day at five"), when it was; `cron` is what it means. */
  naturalCron?: string;
  /** IANA zone the cron is read in. */
  timezone: string;
  /** Name of the registered handler (sidekiq-cron's `class`). */
  handler: string;
  /** Passed to the handler as `ctx.args` as written (see job-args.ts for `dateAsArgument`). */
  args: JobArgs;
  /** sidekiq-cron's group of jobs: shown by `status`, the API and the page, and filtered on. */
  namespace?: string;
  /** sidekiq-cron's `date_as_argument`: the slot's time in epoch seconds ends `ctx.args`. */
  dateAsArgument?: boolean;
  description?: string;
  enabled: boolean;
  /** How long a run holds the lock without a heartbeat; a dead holder blocks at most this long. */
  leaseMs: number;
  /** How late a slot may still start. */
  catchupWindowMs: number;
  overlap: OverlapPolicy;
  /** How many open slots one tick may run for this job, newest first; older ones are missed. */
  catchupLimit: number;
  /** Run again at once after each run, under the same lease chain, until the handler says done. */
  continuous: boolean;
  /** True when the cron has a seconds field. */
  hasSeconds: boolean;
  /** How a failed run is tried again under its lease; absent: one attempt (retry-policy.ts). */
  retry?: RetryPolicy;
  /** The longest one attempt may take before its signal fires with a TimeoutError; absent: no limit. */
  timeoutMs?: number;
  /** Pause the job after this many consecutive failed slots (failure-streak.ts); unset: never. */
  pauseAfterFailures?: number;
  /** Start each slot up to this long after its time, fixed per (job, slot) (start-jitter.ts); unset: on time. */
  jitterMs?: number;
  /**
   * A runtime job's (stored in the table, job-definitions.ts): the version of its definition this
   * copy was read at. Every acquisition of its lease is conditioned on it; undefined for the file's jobs.
   */
  definitionVersion?: number;
  /** A runtime job's: when it was created (or created again after a removal), epoch ms; its first slot is after it. */
  createdAtMs?: number;
  /** A runtime job's: when this version was written, epoch ms; slots of its cron before it are no missed slots of it. */
  definedAtMs?: number;
}

/** A logger the core writes structured events to; Powertools Logger fits it. */
export interface EventLog {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** What a job handler receives for one run; `Args` is the type of the job's `args`. */
export interface RunContext<Args extends object = Record<string, unknown>> {
  job: string;
  /** The slot's own time (I5): not when the tick arrived. */
  slot: Date;
  /** Rises by one on every acquisition of this job's lease: pass it to downstream writes. */
  fence: number;
  args: Args;
  /** Fires when the lease is lost, the invocation is about to time out, or the node shuts down. */
  signal: AbortSignal;
  /**
   * Fires only when the lease is lost (a LeaseLostError), even if `signal` already fired for a
   * deadline or shutdown: a successor may run from then on, so stop writing at once.
   */
  leaseLostSignal: AbortSignal;
  log: EventLog;
  trigger: Trigger;
  /** This attempt's number, from 1; above 1 when the job's `retry` tries a failed run again. */
  attempt: number;
  /** What the previous link of a continuous chain returned as `state`; undefined otherwise. */
  state?: unknown;
}

/**
 * What a handler may return: `{ continue: true, state }` asks for another run at once, handed
 * over under the lease with a new fence, receiving `state`; `{ continue: false }` ends a
 * continuous job's chain. Anything else is a plain result.
 */
export interface ContinueResult {
  continue: boolean;
  state?: unknown;
}

/** A job handler: resolves when done, rejects on failure. */
export type JobHandler<Args extends object = Record<string, unknown>> = (context: RunContext<Args>) => Promise<unknown> | unknown;

/**
 * What a run's outcome adds when its job retries or times out: how many attempts it made (when
 * more than one) and `timedOut` when its last attempt passed the job's timeout (recorded `timed-out`).
 */
export interface RetriedRun {
  attempts?: number;
  timedOut?: boolean;
}

/** The fate of one (job, slot) in one tick, returned as data. */
export type TickOutcome =
  | ({ outcome: 'ran'; job: string; slot: string; trigger: Trigger; fence: number; durationMs: number; leaseLost: boolean } & RetriedRun)
  | ({
      outcome: 'failed';
      job: string;
      slot: string;
      trigger: Trigger;
      fence: number;
      durationMs: number;
      error: string;
      leaseLost: boolean;
    } & RetriedRun)
  | { outcome: 'duplicate'; job: string; slot: string; claimedBy?: string }
  | { outcome: 'locked'; job: string; slot: string; heldBy?: string; heldFence?: number; leaseUntil?: string }
  | { outcome: 'buffered'; job: string; slot: string; heldBy?: string; heldFence?: number }
  | { outcome: 'dropped'; job: string; slot: string; bufferedSlot?: string }
  | { outcome: 'handed-off'; job: string; slot: string; fence: number; trigger: Trigger }
  | { outcome: 'paused'; job: string; slot: string }
  | { outcome: 'self-paused'; job: string; slot: string; failureStreak: number; error: string }
  | { outcome: 'missed'; job: string; slot: string; lateMs: number; why?: 'late' | 'limit'; count?: number }
  | { outcome: 'not-due'; job: string; nextSlot?: string }
  | { outcome: 'disabled'; job: string }
  | { outcome: 'removed'; job: string }
  | { outcome: 'redefined'; job: string; slot: string }
  /**
   * A runtime job the due index listed with its slot past the catch-up window: no tick decided
   * it in time (the OverdueJobs metric counts these; the slot itself is then reported `missed`).
   */
  | { outcome: 'overdue'; job: string; slot: string; lateMs: number }
  /** A fanned-out tick sent parts 1 to parts - 1 to other invocations (fan-out.ts); `due`: runtime jobs due in all parts. */
  | { outcome: 'fanned-out'; job: '*'; parts: number; due: number }
  | { outcome: 'error'; job: string; slot?: string; error: string };

/**
 * What every step of a run is given: the tick's deps and their defaults, the options of one
 * slot's run, the continuation that carries a chain from run to run, and the lease a run holds
 * (built here, so every step holds it alike). A run's steps: slot-decision.ts (what the slot
 * does), lease-taking.ts (claim, acquire, buffer), run-once.ts (the handler under the lease),
 * after-run.ts and chain.ts (record, then release or hand over). The writes: docs/protocol.md.
 */
import { randomUUID } from 'node:crypto';
import type { FailureHook, FailurePublisher } from './failure-hook.js';
import type { FanOutRequest } from './fan-out.js';
import { HeldLease, type LeaseSettings, type Scheduler } from './lease.js';
import type { SlotMemory } from './slot-memory.js';
import type { LockItem, SlotIdentity, StoreContext } from './store.js';
import type { Timers } from './time.js';
import type { EventLog, JobDefinition, JobHandler, OverlapPolicy, Trigger } from './types.js';

/** Defaults of the tick's settings. */
export const TICK_DEFAULTS = {
  maxClockSkewMs: 1_000,
  historyRetentionMs: 30 * 86_400_000,
  deadlineMarginMs: 10_000,
  maxConcurrentJobs: 50,
} as const;

/**
 * The next run of a chain, already holding the lease under `token` with `fence`: a buffered
 * slot or a continuous job's next link. On AWS it travels to a fresh invocation as a payload.
 */
export interface Continuation {
  job: string;
  slotMs: number;
  token: string;
  fence: number;
  trigger: Trigger;
  /** A continuous job's state from the link before; must survive JSON. */
  state?: unknown;
  /** A run claimed on the lock (slot-decision.ts): its slot item is created by its record. */
  identity?: SlotIdentity;
  /** A runtime job's definition version the lease was handed over under: the run starts only under that one. */
  definitionVersion?: number;
}

/** Everything a tick needs, built once by the caller (handler, CLI, node). */
export interface TickDeps extends StoreContext {
  /** Names this process in lock holders and logs (host:pid, or the Lambda log stream). */
  instance: string;
  log: EventLog;
  handlers: Readonly<Record<string, JobHandler>>;
  maxClockSkewMs?: number;
  historyRetentionMs?: number;
  deadlineMarginMs?: number;
  /** How many jobs of one tick may talk to the table at once (default 50, the SDK's socket pool). */
  maxConcurrentJobs?: number;
  scheduler?: Scheduler;
  /** The timers of the lease (watchdog, deadline, heartbeats) and of the node's loop. @default systemTimers */
  timers?: Timers;
  /** The random source of the retries' jitter, in [0, 1). @default Math.random */
  random?: () => number;
  /** How long a handler past its `timeout` may go on before it is cut off from the lease. @default 5000 */
  timeoutGraceMs?: number;
  /** Fires every running handler's signal (Ctrl-C of a local node). */
  shutdown?: AbortSignal;
  /**
   * Sends a chain's next run to a fresh invocation (AWS: an asynchronous invoke of the tick
   * function). Used only once the invocation's deadline is near; without it the chain goes on
   * in this process, as a local node does.
   */
  handOff?: (continuation: Continuation) => Promise<void>;
  /** Each job's `onFailure` hook by job name, called once per slot that fails for good (failure-hook.ts). */
  failureHooks?: Readonly<Record<string, FailureHook>>;
  /** Sends each slot that fails for good to the deployment's SNS topic or EventBridge bus (AWS). */
  publishFailure?: FailurePublisher;
  /**
   * Starts parts 1 to `parts` - 1 of a tick whose due runtime jobs are more than `maxJobsPerTick`
   * (AWS: asynchronous invokes of the tick function with a `part` payload; fan-out.ts). Without
   * it, one process runs them all (a local node).
   */
  fanOut?: (request: FanOutRequest) => Promise<void>;
  /** How many due runtime jobs one invocation starts before it fans out. @default DEFAULT_MAX_JOBS_PER_TICK */
  maxJobsPerTick?: number;
  /** The due index's repair sweep (due-repair.ts): one page of `pageSize` definitions every `everyMs`. @default DUE_REPAIR_DEFAULTS */
  dueRepair?: { everyMs?: number; pageSize?: number; off?: boolean };
}

/** Extra knobs of a single run. */
export interface RunOptions {
  trigger: Trigger;
  ignorePause?: boolean;
  deadlineMs?: number;
  /** Overrides the job's overlap policy for this run (`trigger --overlap`). */
  overlap?: OverlapPolicy;
  /** Called once, just before the first handler of this slot starts (the tick frees its permit). */
  onStart?: () => void;
  /** A node's memory: the chain notes its lease there, so the node's ticks show it the lock they read. */
  memory?: SlotMemory;
  /** The clock slots are judged by (a tick `--at` a past time runs ahead of the real one). */
  slotClock?: () => number;
  /** The job's lock as the caller just read it (the tick reads it beside its Query). */
  lock?: LockItem | undefined;
}

/** A slot this process decided to run, under its fresh token. */
export interface SlotToRun {
  job: JobDefinition;
  slotMs: number;
  token: string;
  options: RunOptions;
}

/** The clock skew the deps assume. */
export function skewMs(deps: TickDeps): number {
  return deps.maxClockSkewMs ?? TICK_DEFAULTS.maxClockSkewMs;
}

/** How long slot items are kept (their TTL). */
export function retentionMs(deps: TickDeps): number {
  return deps.historyRetentionMs ?? TICK_DEFAULTS.historyRetentionMs;
}

/** A fresh lease and claim token: this process's name and a random suffix. */
export function newToken(deps: TickDeps): string {
  return `${deps.instance}#${randomUUID().slice(0, 8)}`;
}

/** The lease a run of `job` holds under `run.token` with `run.fence`, until `leaseUntilMs` (renewed by its heartbeats once started). */
export function heldLease(
  deps: TickDeps,
  lease: {
    job: JobDefinition;
    run: { token: string; slotMs: number; fence: number; trigger: Trigger };
    leaseUntilMs: number;
    settings: LeaseSettings;
  },
): HeldLease {
  const { job, run } = lease;
  return new HeldLease(
    deps,
    {
      job: job.name,
      token: run.token,
      instance: deps.instance,
      slotMs: run.slotMs,
      leaseMs: job.leaseMs,
      trigger: run.trigger,
      ...(job.definitionVersion !== undefined && { definitionVersion: job.definitionVersion }),
    },
    run.fence,
    lease.leaseUntilMs,
    lease.settings,
  );
}

export function leaseSettings(deps: TickDeps, options: { deadlineMs?: number }, unleased = false): LeaseSettings {
  return {
    log: deps.log,
    maxClockSkewMs: skewMs(deps),
    deadlineMarginMs: deps.deadlineMarginMs ?? TICK_DEFAULTS.deadlineMarginMs,
    ...(options.deadlineMs !== undefined && { deadlineMs: options.deadlineMs }),
    ...(deps.shutdown && { shutdown: deps.shutdown }),
    ...(deps.scheduler && { scheduler: deps.scheduler }),
    ...(deps.timers && { timers: deps.timers }),
    ...(unleased && { unleased: true }),
  };
}

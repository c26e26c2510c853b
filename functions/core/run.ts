/**
 * One slot's run: read the lock, claim the slot, take the lease (or buffer, skip, or run
 * unleased, by the job's overlap policy), run the handler under it, record the outcome, then
 * release the lease or hand it straight to the next run (a buffered slot, a continuation).
 * Every step is one conditional write (store.ts).
 */
import { randomUUID } from 'node:crypto';
import { errorMessage } from './errors.js';
import { HeldLease, type LeaseSettings, type Scheduler, tryAcquire } from './lease.js';
import { offSchedule } from './slots.js';
import {
  type AcquireResult,
  bufferSlot,
  claimantOnLock,
  claimSlot,
  getLock,
  getSlot,
  type LockItem,
  markBuffered,
  nextFence,
  type RunRecord,
  recordLost,
  recordLostRun,
  recordRun,
  recordSkip,
  renewLease,
  SkipReason,
  type SlotIdentity,
  SlotStatus,
  type StoreContext,
  startBufferedSlot,
} from './store.js';
import { type Timers, toIso } from './time.js';
import {
  type ContinueResult,
  type EventLog,
  type JobDefinition,
  type JobHandler,
  OverlapPolicy,
  type RunContext,
  type TickOutcome,
  Trigger,
} from './types.js';

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
  /** A run claimed on the lock (a scheduled slot): its slot item is created by its record. */
  identity?: SlotIdentity;
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
  /** Fires every running handler's signal (Ctrl-C of a local node). */
  shutdown?: AbortSignal;
  /**
   * Sends a chain's next run to a fresh invocation (AWS: an asynchronous invoke of the tick
   * function). Used only once the invocation's deadline is near; without it the chain goes on
   * in this process, as a local node does.
   */
  handOff?: (continuation: Continuation) => Promise<void>;
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
  /** The clock slots are judged by (a tick `--at` a past time runs ahead of the real one). */
  slotClock?: () => number;
  /** The job's lock as the caller just read it (the tick reads it beside its Query). */
  lock?: LockItem | undefined;
}

/** The clock skew the deps assume. */
export function skewMs(deps: TickDeps): number {
  return deps.maxClockSkewMs ?? TICK_DEFAULTS.maxClockSkewMs;
}

function newToken(deps: TickDeps): string {
  return `${deps.instance}#${randomUUID().slice(0, 8)}`;
}

/** The lease a run of `job` holds under `token` with `fence`, until `leaseUntilMs` (renewed by its heartbeats once started). */
function heldLease(
  deps: TickDeps,
  job: JobDefinition,
  held: { token: string; slotMs: number; fence: number; trigger: Trigger },
  leaseUntilMs: number,
  settings: LeaseSettings,
): HeldLease {
  return new HeldLease(
    deps,
    { job: job.name, token: held.token, instance: deps.instance, slotMs: held.slotMs, leaseMs: job.leaseMs, trigger: held.trigger },
    held.fence,
    leaseUntilMs,
    settings,
  );
}

function leaseSettings(deps: TickDeps, options: { deadlineMs?: number }, unleased = false): LeaseSettings {
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

/** Scheduled slots are claimed on the lock (`lastSlotMs`), in the acquire itself. */
function claimsOnLock(trigger: Trigger): boolean {
  return trigger === Trigger.schedule || trigger === Trigger.catchUp;
}

/** Whether the lock as read lets this slot take the lease: no live holder, not paused (unless ignored), not taken on the lock. */
function mayTake(deps: TickDeps, lock: LockItem | undefined, slotMs: number, options: RunOptions): boolean {
  const held = lock?.holder !== undefined && (lock.leaseUntilMs ?? 0) >= deps.clock();
  const paused = lock?.paused === true && !options.ignorePause;
  const taken = claimsOnLock(options.trigger) && (lock?.lastSlotMs ?? -Infinity) >= slotMs;
  return !held && !paused && !taken;
}

/** How often a scheduled slot re-reads the lock when others keep changing it under its acquire. */
const MAX_ACQUIRE_ATTEMPTS = 4;

/**
 * Claims one slot and, if it wins the slot and the lease, runs the handler and records it;
 * then runs whatever the lease is handed to (a buffered slot, a continuation) in this process,
 * or hands it off. Returns every outcome, the slot's own first.
 *
 * A scheduled slot that finds the lease free is claimed on the lock by the acquire itself, and
 * its slot item is written once, with the outcome: three writes a run (acquire, record,
 * release). Every other case claims the slot item first (a skip, a buffered slot, a manual run).
 */
export async function runSlot(deps: TickDeps, job: JobDefinition, slotMs: number, options: RunOptions): Promise<TickOutcome[]> {
  const overlap = options.overlap ?? job.overlap;
  const slot = toIso(slotMs);
  const token = newToken(deps);
  const retentionMs = deps.historyRetentionMs ?? TICK_DEFAULTS.historyRetentionMs;
  const base = { job: job.name, slotMs, token, instance: deps.instance, trigger: options.trigger, retentionMs, overlap };
  const scheduled = claimsOnLock(options.trigger);

  // A visibly paused or held job is decided in the claim itself: one write.
  let lock = 'lock' in options ? options.lock : await getLock(deps, job.name);
  // Checked again right before the claim: a process that stalled since the tick looked at the
  // slot must not claim it after its catch-up window (claims stay findable by their slot time).
  const lateMs = (options.slotClock ?? deps.clock)() - slotMs;
  if (scheduled && lateMs > job.catchupWindowMs) {
    deps.log.warn('slot.missed', { job: job.name, slot, lateMs, why: 'outside the catch-up window', instance: deps.instance });
    return [{ outcome: 'missed', job: job.name, slot, lateMs, why: 'late' }];
  }
  // The fast path, for a scheduled slot under a lease: claim and lease in one write.
  for (let attempt = 1; scheduled && overlap !== OverlapPolicy.allow; attempt++) {
    if ((lock?.lastSlotMs ?? -Infinity) >= slotMs || lock?.holderSlotMs === slotMs) {
      // Taken on the lock already: running, ran, or parked behind the holder.
      return [duplicate(deps, job.name, slot, claimantOnLock(lock, slotMs))];
    }
    // Held or paused: decided below, by a claim of the slot item.
    if (!mayTake(deps, lock, slotMs, options) || attempt > MAX_ACQUIRE_ATTEMPTS) break;
    const identity: SlotIdentity = { trigger: options.trigger, instance: deps.instance, claimedAtMs: deps.clock(), retentionMs, overlap };
    const acquired = await acquireOver(deps, job, slotMs, token, lock, options, true);
    if ('lease' in acquired)
      return startRun(
        deps,
        job,
        { job: job.name, slotMs, token, fence: acquired.lease.fence, trigger: options.trigger, identity },
        acquired,
        options,
      );
    lock = acquired.lock;
  }

  const pausedNow = lock?.paused === true && !options.ignorePause;
  const heldNow = lock?.holder !== undefined && (lock.leaseUntilMs ?? 0) >= deps.clock();
  if (pausedNow || (heldNow && overlap === OverlapPolicy.skip)) {
    const reason = pausedNow ? SkipReason.paused : SkipReason.locked;
    const held = reason === SkipReason.locked ? { heldBy: lock!.holder!, heldFence: lock!.fence ?? 0 } : {};
    const claim = await claimSlot(deps, { ...base, status: SlotStatus.skipped, reason, ...held });
    if (!claim.won) return [duplicate(deps, job.name, slot, claim.existing?.claimedBy)];
    return [skipped(deps, job.name, slot, reason, held.heldBy, held.heldFence, lock?.leaseUntilMs)];
  }
  if (heldNow && overlap === OverlapPolicy.bufferOne) {
    const claim = await claimSlot(deps, { ...base, status: SlotStatus.buffered, heldBy: lock!.holder!, heldFence: lock!.fence ?? 0 });
    if (!claim.won) return [duplicate(deps, job.name, slot, claim.existing?.claimedBy)];
    return bufferOrDrop(deps, job, slotMs, token, options, 'buffered');
  }

  const claim = await claimSlot(deps, base);
  if (!claim.won) return [duplicate(deps, job.name, slot, claim.existing?.claimedBy)];
  if (overlap === OverlapPolicy.allow) return runUnleased(deps, job, slotMs, token, options);
  return acquireAndRun(deps, job, slotMs, token, overlap, options, lock);
}

/**
 * Takes the lease as the caller last saw the lock. A lapsed holder's slot gets its fate first:
 * the lock's holder fields are the only trace of a run claimed on the lock, and the acquisition
 * overwrites them (I4). If the write does not apply, the fate is still true: that lease lapsed.
 */
async function acquireOver(
  deps: TickDeps,
  job: JobDefinition,
  slotMs: number,
  token: string,
  lock: LockItem | undefined,
  options: RunOptions,
  claimOnLock: boolean,
) {
  if (lock?.holder !== undefined && (lock.leaseUntilMs ?? 0) < deps.clock()) {
    await recordLostRun(
      deps,
      job.name,
      lock,
      `lease lapsed without an outcome (held by ${lock.holder}); taken over by ${token}`,
      deps.historyRetentionMs ?? TICK_DEFAULTS.historyRetentionMs,
    );
  }
  return tryAcquire(
    deps,
    {
      job: job.name,
      token,
      instance: deps.instance,
      slotMs,
      leaseMs: job.leaseMs,
      trigger: options.trigger,
      expectHolder: lock?.holder ?? null,
      ...(claimOnLock && { claimOnLock: true }),
      ...(options.ignorePause && { ignorePause: true }),
    },
    leaseSettings(deps, options),
  );
}

async function acquireAndRun(
  deps: TickDeps,
  job: JobDefinition,
  slotMs: number,
  token: string,
  overlap: OverlapPolicy,
  options: RunOptions,
  seen: LockItem | undefined,
): Promise<TickOutcome[]> {
  const slot = toIso(slotMs);
  let acquired = await acquireOver(deps, job, slotMs, token, seen, options, claimsOnLock(options.trigger));
  // Refused because the lock changed since it was read (a holder left or lapsed): decide again on the new one.
  for (
    let attempt = 1;
    !('lease' in acquired) && attempt < MAX_ACQUIRE_ATTEMPTS && mayTake(deps, acquired.lock, slotMs, options);
    attempt++
  ) {
    acquired = await acquireOver(deps, job, slotMs, token, acquired.lock, options, claimsOnLock(options.trigger));
  }
  if (!('lease' in acquired)) {
    const current = acquired.lock;
    const reason = current?.paused && !options.ignorePause && !current.holder ? SkipReason.paused : SkipReason.locked;
    if (reason === SkipReason.locked && overlap === OverlapPolicy.bufferOne && current?.holderSlotMs !== slotMs)
      return bufferOrDrop(deps, job, slotMs, token, options, 'claimed');
    const held = reason === SkipReason.locked && current?.holder ? { heldBy: current.holder, heldFence: current.fence ?? 0 } : {};
    await recordSkip(deps, job.name, slotMs, token, { reason, ...held });
    return [skipped(deps, job.name, slot, reason, held.heldBy, held.heldFence, current?.leaseUntilMs)];
  }
  // A slot claimed by its item (a backfill) whose run a scheduled tick took meanwhile: that
  // tick's record replaced the claim. Start nothing; let the lease go.
  if (options.trigger === Trigger.backfill) {
    const item = await getSlot(deps, job.name, slotMs);
    if (item?.claimedBy !== token) {
      await acquired.lease.release();
      return [duplicate(deps, job.name, slot, item?.claimedBy)];
    }
  }
  return startRun(deps, job, { job: job.name, slotMs, token, fence: acquired.lease.fence, trigger: options.trigger }, acquired, options);
}

/** Logs a takeover, records a slot that was buffered behind the dead holder as lost, and runs the chain. */
async function startRun(
  deps: TickDeps,
  job: JobDefinition,
  run: Continuation,
  acquired: { lease: HeldLease; result: Extract<AcquireResult, { acquired: true }> },
  options: RunOptions,
): Promise<TickOutcome[]> {
  const { lease, result } = acquired;
  if (result.expired) {
    deps.log.warn('lease.takeover', {
      job: job.name,
      slot: toIso(run.slotMs),
      instance: deps.instance,
      fence: lease.fence,
      previousHolder: result.expired.holder,
      previousSlot: result.expired.slotMs !== undefined ? toIso(result.expired.slotMs) : undefined,
    });
  }
  if (result.stalePending) {
    await bestEffortLost(
      deps,
      job,
      result.stalePending.slotMs,
      result.stalePending.token,
      `buffered behind ${result.expired?.holder ?? 'a holder'}, which died before handing over; taken over by ${run.token}`,
    );
  }
  return runChain(deps, job, run, lease, options);
}

/**
 * Records a dead holder's slot as lost without failing the new run: the lease is ours now, and a
 * run that never starts would block the job for a lease. A tick's look-back settles it later.
 */
async function bestEffortLost(deps: TickDeps, job: JobDefinition, slotMs: number, holder: string, why: string): Promise<void> {
  await recordLost(deps, job.name, slotMs, holder, why).catch((error: unknown) =>
    deps.log.warn('slot.lost.error', {
      job: job.name,
      slot: toIso(slotMs),
      holder,
      error: errorMessage(error),
      note: 'a later tick records it',
    }),
  );
}

/**
 * bufferOne, the lease held: park this (already claimed) slot on the lock for the holder to
 * start when it finishes. If a slot is already parked, this one is dropped; if the lease came
 * free meanwhile, it runs now.
 */
async function bufferOrDrop(
  deps: TickDeps,
  job: JobDefinition,
  slotMs: number,
  token: string,
  options: RunOptions,
  claimedAs: 'claimed' | 'buffered',
): Promise<TickOutcome[]> {
  const slot = toIso(slotMs);
  const parked = await bufferSlot(deps, job.name, slotMs, token, { claimOnLock: claimsOnLock(options.trigger) });
  if (parked.buffered) {
    if (claimedAs === 'claimed') await markBuffered(deps, job.name, slotMs, token);
    deps.log.info('slot.buffered', { job: job.name, slot, instance: deps.instance });
    return [{ outcome: 'buffered', job: job.name, slot }];
  }
  const lock = parked.lock;
  if (lock?.pendingSlotMs !== undefined) {
    await recordSkip(deps, job.name, slotMs, token, { reason: SkipReason.dropped, bufferedSlotMs: lock.pendingSlotMs });
    deps.log.info('slot.dropped', { job: job.name, slot, instance: deps.instance, bufferedSlot: toIso(lock.pendingSlotMs) });
    return [{ outcome: 'dropped', job: job.name, slot, bufferedSlot: toIso(lock.pendingSlotMs) }];
  }
  if (lock?.paused && !options.ignorePause) {
    await recordSkip(deps, job.name, slotMs, token, { reason: SkipReason.paused });
    return [skipped(deps, job.name, slot, SkipReason.paused, undefined, undefined, undefined)];
  }
  // The holder released between our read and our write: the lease is free, so take it. A
  // second refusal means another slot got it first; this one then counts as locked.
  return acquireAndRun(deps, job, slotMs, token, OverlapPolicy.skip, options, lock);
}

/** overlap `allow`: a fence from the counter, no lease; the slot claim alone prevents a second run of it. */
async function runUnleased(deps: TickDeps, job: JobDefinition, slotMs: number, token: string, options: RunOptions): Promise<TickOutcome[]> {
  const fence = await nextFence(deps, job.name);
  const lease = heldLease(
    deps,
    job,
    { token, slotMs, fence, trigger: options.trigger },
    Number.POSITIVE_INFINITY,
    leaseSettings(deps, options, true),
  );
  const run = { job: job.name, slotMs, token, fence, trigger: options.trigger };
  const { outcome, record } = await runOnce(deps, job, run, lease, options.onStart);
  await lease.release();
  await recordRun(deps, job.name, slotMs, token, record);
  return [outcome];
}

/**
 * Starts a continuation delivered to this invocation: flips its slot from `buffered` to
 * `claimed` (a second delivery of the same payload is refused there), confirms the lease is
 * still its own, and runs the chain on.
 */
export async function resumeContinuation(
  deps: TickDeps,
  job: JobDefinition,
  continuation: Continuation,
  options: { deadlineMs?: number } = {},
): Promise<TickOutcome[]> {
  const slot = toIso(continuation.slotMs);
  if (!(await startBufferedSlot(deps, job.name, continuation.slotMs, continuation.token))) {
    return [duplicate(deps, job.name, slot, continuation.token)];
  }
  const leaseUntilMs = deps.clock() + job.leaseMs;
  const renewed = await renewLease(deps, job.name, continuation.token, leaseUntilMs);
  if (!renewed.renewed) {
    await recordLost(deps, job.name, continuation.slotMs, continuation.token, 'the lease was taken over before the handed-off run started');
    deps.log.error('lease.lost', {
      job: job.name,
      slot,
      holder: continuation.token,
      fence: continuation.fence,
      reason: 'taken over before the hand-off arrived',
      currentHolder: renewed.lock?.holder,
    });
    return [skipped(deps, job.name, slot, SkipReason.locked, renewed.lock?.holder, renewed.lock?.fence, renewed.lock?.leaseUntilMs)];
  }
  const lease = heldLease(deps, job, continuation, leaseUntilMs, leaseSettings(deps, options));
  return runChain(deps, job, continuation, lease, options);
}

/**
 * Runs a leased run, then whatever the lease is handed to next, until the chain ends: the
 * handler is done and nothing is buffered, the lease is lost, the job is paused, or the node
 * stops. Near the invocation's deadline the next link is handed off instead of run here.
 */
async function runChain(
  deps: TickDeps,
  job: JobDefinition,
  first: Continuation,
  firstLease: HeldLease,
  options: { deadlineMs?: number; onStart?: () => void },
): Promise<TickOutcome[]> {
  const outcomes: TickOutcome[] = [];
  let run = first;
  let lease = firstLease;
  for (;;) {
    const { outcome, result, record } = await runOnce(deps, job, run, lease, options.onStart);
    outcomes.push(outcome);
    const next = await passOn(deps, job, run, lease, record, continueRequest(job, outcome, result, lease, deps));
    if (lease.leaseLost && !record.leaseLost) {
      // Letting go found a successor: the run outlived its lease without a heartbeat noticing.
      // The record (written before, so a crash cannot lose it) must say so.
      (outcome as { leaseLost: boolean }).leaseLost = true;
      await recordRun(deps, job.name, run.slotMs, run.token, { ...record, leaseLost: true }, run.identity).catch((recordError: unknown) =>
        deps.log.warn('run.record.error', {
          job: job.name,
          slot: toIso(run.slotMs),
          fence: run.fence,
          error: errorMessage(recordError),
          note: 'the slot does not show that the lease was lost',
        }),
      );
    }
    if (!next) break;
    const handOffNow =
      deps.handOff !== undefined &&
      options.deadlineMs !== undefined &&
      deps.clock() >= options.deadlineMs - (deps.deadlineMarginMs ?? TICK_DEFAULTS.deadlineMarginMs);
    if (handOffNow) {
      outcomes.push(await handOffContinuation(deps, job, next));
      break;
    }
    run = next.continuation;
    lease = heldLease(deps, job, run, next.leaseUntilMs, leaseSettings(deps, options));
  }
  return outcomes;
}

async function handOffContinuation(deps: TickDeps, job: JobDefinition, next: { continuation: Continuation }): Promise<TickOutcome> {
  const { continuation } = next;
  const slot = toIso(continuation.slotMs);
  try {
    await deps.handOff!(continuation);
    deps.log.info('run.handed-off', {
      job: job.name,
      slot,
      fence: continuation.fence,
      holder: continuation.token,
      trigger: continuation.trigger,
    });
    return { outcome: 'handed-off', job: job.name, slot, fence: continuation.fence, trigger: continuation.trigger };
  } catch (error) {
    // Nobody will run it: free the lease at once rather than block the job for a lease.
    deps.log.error('run.hand-off.error', { job: job.name, slot, error: errorMessage(error) });
    await recordLost(deps, job.name, continuation.slotMs, continuation.token, `hand-off failed: ${errorMessage(error)}`);
    await heldLease(deps, job, continuation, 0, leaseSettings(deps, {})).release();
    return { outcome: 'error', job: job.name, slot, error: `hand-off failed: ${errorMessage(error)}` };
  }
}

/** Whether a run's handler asked for another run at once, and with which state. */
function continueRequest(
  job: JobDefinition,
  outcome: TickOutcome,
  result: unknown,
  lease: HeldLease,
  deps: TickDeps,
): { state?: unknown } | undefined {
  if (outcome.outcome !== 'ran' || lease.leaseLost || deps.shutdown?.aborted) return undefined;
  const asked =
    typeof result === 'object' && result !== null && typeof (result as ContinueResult).continue === 'boolean'
      ? (result as ContinueResult)
      : undefined;
  if (asked) return asked.continue ? ('state' in asked ? { state: asked.state } : {}) : undefined;
  return job.continuous ? {} : undefined;
}

/**
 * After a run: record it, and release the lease or hand it over. A continuation goes first
 * (its slot item is written alongside the record), then a buffered slot; a pause ends both.
 * Returns the next run, already holding the lease, or undefined when the chain ends.
 */
async function passOn(
  deps: TickDeps,
  job: JobDefinition,
  run: Continuation,
  lease: HeldLease,
  record: RunRecord,
  wanted: { state?: unknown } | undefined,
): Promise<{ continuation: Continuation; leaseUntilMs: number } | undefined> {
  const runAttrs = { job: job.name, slot: toIso(run.slotMs), fence: run.fence, holder: run.token };
  const stopping = deps.shutdown?.aborted === true;
  const seen = lease.lastSeenLock;

  if (wanted) {
    // Record this run, claim the next link's slot and hand the lease over, all at once: one
    // round trip between two links. A claim that fails after the hand-over ends the chain.
    const nextToken = newToken(deps);
    const nextSlotMs = offSchedule(Math.max(deps.clock(), run.slotMs + 1));
    const retentionMs = deps.historyRetentionMs ?? TICK_DEFAULTS.historyRetentionMs;
    const claimed = claimSlot(deps, {
      job: job.name,
      slotMs: nextSlotMs,
      token: nextToken,
      instance: deps.instance,
      trigger: Trigger.continuation,
      retentionMs,
      status: SlotStatus.buffered,
      overlap: job.overlap,
    });
    const [, claim, handed] = await Promise.all([
      recordOrAbandon(deps, job, run, lease, record),
      claimed.catch((error: unknown) => ({ won: false as const, error })),
      lease.handOver({ token: nextToken, slotMs: nextSlotMs, trigger: Trigger.continuation }),
    ]);
    if (handed.handedOver && claim.won) {
      return {
        continuation: {
          job: job.name,
          slotMs: nextSlotMs,
          token: nextToken,
          fence: handed.fence,
          trigger: Trigger.continuation,
          ...('state' in wanted && { state: wanted.state }),
        },
        leaseUntilMs: handed.leaseUntilMs,
      };
    }
    if (handed.handedOver) {
      // The next link has the lease but no slot item: let the lease go rather than run unrecorded.
      deps.log.error('chain.end', {
        ...runAttrs,
        reason: `the next link's slot could not be claimed: ${'error' in claim ? errorMessage(claim.error) : 'taken'}`,
      });
      await heldLease(
        deps,
        job,
        { token: nextToken, slotMs: nextSlotMs, fence: handed.fence, trigger: Trigger.continuation },
        handed.leaseUntilMs,
        leaseSettings(deps, {}),
      ).release({ dropPending: true });
      return undefined;
    }
    const lostIt = handed.lock?.holder !== run.token;
    if (claim.won)
      await recordSkip(deps, job.name, nextSlotMs, nextToken, {
        reason: lostIt ? SkipReason.locked : SkipReason.paused,
        ...(lostIt && handed.lock?.holder && { heldBy: handed.lock.holder }),
      });
    deps.log.info('chain.end', { ...runAttrs, reason: lostIt ? 'the lease was lost' : 'the job is paused' });
    if (lostIt) return undefined;
    return releaseOrHandOver(deps, job, run, lease, handed.lock);
  }

  // A buffered slot the last heartbeat already showed is handed over with the record in parallel.
  if (seen?.pendingSlotMs !== undefined && seen.pendingToken && !lease.leaseLost && !stopping && !seen.paused) {
    const [, next] = await Promise.all([recordOrAbandon(deps, job, run, lease, record), handOverToPending(deps, job, run, lease, seen)]);
    return next;
  }
  await recordOrAbandon(deps, job, run, lease, record);
  return releaseOrHandOver(deps, job, run, lease, undefined);
}

/** Releases the lease; if a slot is buffered behind it, hands the lease to that slot instead. */
async function releaseOrHandOver(
  deps: TickDeps,
  job: JobDefinition,
  run: Continuation,
  lease: HeldLease,
  known: LockItem | undefined,
): Promise<{ continuation: Continuation; leaseUntilMs: number } | undefined> {
  const stopping = deps.shutdown?.aborted === true;
  if (known?.pendingSlotMs !== undefined && known.pendingToken && !stopping && !known.paused)
    return handOverToPending(deps, job, run, lease, known);
  const released = await lease.release();
  if (released.released) return undefined;
  const lock = released.lock;
  if (lock?.holder !== run.token) return undefined; // lost; the lease logged it
  if (lock.pendingSlotMs !== undefined && lock.pendingToken) {
    if (!lock.paused && !stopping) return handOverToPending(deps, job, run, lease, lock);
    // Paused, or this node is stopping: the buffered slot gets its fate here, and the lease goes free.
    if (lock.paused) await recordSkip(deps, job.name, lock.pendingSlotMs, lock.pendingToken, { reason: SkipReason.paused });
    else
      await recordLost(
        deps,
        job.name,
        lock.pendingSlotMs,
        lock.pendingToken,
        `buffered behind ${run.token}, whose node stopped before starting it`,
      );
  }
  await lease.release({ dropPending: true });
  return undefined;
}

async function handOverToPending(
  deps: TickDeps,
  job: JobDefinition,
  run: Continuation,
  lease: HeldLease,
  lock: LockItem,
): Promise<{ continuation: Continuation; leaseUntilMs: number } | undefined> {
  const pendingSlotMs = lock.pendingSlotMs!;
  const token = lock.pendingToken!;
  const handed = await lease.handOver({ token, slotMs: pendingSlotMs, trigger: Trigger.buffer, pendingSlotMs });
  if (handed.handedOver)
    return {
      continuation: { job: job.name, slotMs: pendingSlotMs, token, fence: handed.fence, trigger: Trigger.buffer },
      leaseUntilMs: handed.leaseUntilMs,
    };
  const now = handed.lock;
  if (now?.holder !== run.token) return undefined;
  // Still ours, but the pending slot changed or the job was paused: decide again from the item.
  return releaseOrHandOver(deps, job, run, lease, undefined);
}

/** Records a run; if that fails, keeps the lease to lapse so the next holder marks the slot lost (I4). */
async function recordOrAbandon(deps: TickDeps, job: JobDefinition, run: Continuation, lease: HeldLease, record: RunRecord): Promise<void> {
  try {
    await recordRun(deps, job.name, run.slotMs, run.token, record, run.identity);
  } catch (recordError) {
    lease.abandon();
    deps.log.error('run.record.error', {
      job: job.name,
      slot: toIso(run.slotMs),
      fence: run.fence,
      holder: run.token,
      error: errorMessage(recordError),
      note: 'the lease will lapse and the slot be marked lost',
    });
    throw recordError;
  }
}

/** Runs the handler once under `lease` (started here) and logs it: the outcome, what the handler returned, and the record to write. */
async function runOnce(
  deps: TickDeps,
  job: JobDefinition,
  run: Continuation,
  lease: HeldLease,
  onStart?: () => void,
): Promise<{ outcome: TickOutcome; result: unknown; record: RunRecord }> {
  const slot = toIso(run.slotMs);
  const runAttrs = { job: job.name, slot, instance: deps.instance, trigger: run.trigger, fence: run.fence, holder: run.token };
  const handler = deps.handlers[job.handler];
  lease.start();
  const startedAtMs = deps.clock();
  let error: string | undefined;
  let result: unknown;
  if (!lease.stillValid()) {
    // Never call the handler on a lease that may already be someone else's (I2).
    error = errorMessage(lease.signal.reason);
    deps.log.warn('run.not-started', { ...runAttrs, error });
    const record: RunRecord = {
      status: SlotStatus.failed,
      fence: run.fence,
      startedAtMs,
      finishedAtMs: startedAtMs,
      leaseLost: true,
      error,
    };
    return {
      outcome: { outcome: 'failed', job: job.name, slot, trigger: run.trigger, fence: run.fence, durationMs: 0, error, leaseLost: true },
      result,
      record,
    };
  }
  deps.log.info('run.start', { ...runAttrs, lagMs: startedAtMs - run.slotMs });
  onStart?.();
  try {
    if (!handler) throw new Error(`no handler registered as "${job.handler}" (job "${job.name}")`);
    const context: RunContext = {
      job: job.name,
      slot: new Date(run.slotMs),
      fence: run.fence,
      args: job.args,
      signal: lease.signal,
      leaseLostSignal: lease.leaseLostSignal,
      log: withAttributes(deps.log, runAttrs),
      trigger: run.trigger,
      ...(run.state !== undefined && { state: run.state }),
    };
    result = await handler(context);
  } catch (thrown) {
    // A handler stopped by its signal usually rethrows a bare AbortError; say why it fired.
    const aborted = lease.signal.aborted && (thrown === lease.signal.reason || (thrown as Error)?.name === 'AbortError');
    error = errorMessage(aborted ? lease.signal.reason : thrown);
  }
  const finishedAtMs = deps.clock();
  const durationMs = finishedAtMs - startedAtMs;
  const status = error === undefined ? SlotStatus.succeeded : SlotStatus.failed;
  // Logged while the lease is still held, so run.start..run.end of two runs never overlap.
  deps.log.info('run.end', { ...runAttrs, status, durationMs, leaseLost: lease.leaseLost, ...(error !== undefined && { error }) });
  const record: RunRecord = {
    status,
    fence: run.fence,
    startedAtMs,
    finishedAtMs,
    leaseLost: lease.leaseLost,
    ...(error !== undefined && { error }),
    ...(run.trigger === Trigger.buffer && { trigger: Trigger.buffer }),
  };
  const outcome: TickOutcome =
    error === undefined
      ? { outcome: 'ran', job: job.name, slot, trigger: run.trigger, fence: run.fence, durationMs, leaseLost: lease.leaseLost }
      : { outcome: 'failed', job: job.name, slot, trigger: run.trigger, fence: run.fence, durationMs, error, leaseLost: lease.leaseLost };
  return { outcome, result, record };
}

export function duplicate(deps: TickDeps, job: string, slot: string, claimedBy: string | undefined): TickOutcome {
  deps.log.debug('slot.duplicate', { job, slot, instance: deps.instance, claimedBy });
  return { outcome: 'duplicate', job, slot, ...(claimedBy !== undefined && { claimedBy }) };
}

function skipped(
  deps: TickDeps,
  job: string,
  slot: string,
  reason: SkipReason,
  heldBy: string | undefined,
  heldFence: number | undefined,
  leaseUntilMs: number | undefined,
): TickOutcome {
  if (reason === SkipReason.paused) {
    deps.log.info('slot.paused', { job, slot, instance: deps.instance });
    return { outcome: 'paused', job, slot };
  }
  const leaseUntil = leaseUntilMs ? toIso(leaseUntilMs) : undefined;
  deps.log.info('slot.locked', { job, slot, instance: deps.instance, heldBy, heldFence, leaseUntil });
  return {
    outcome: 'locked',
    job,
    slot,
    ...(heldBy !== undefined && { heldBy }),
    ...(heldFence !== undefined && { heldFence }),
    ...(leaseUntil && { leaseUntil }),
  };
}

/** Wraps a log so every line of a run carries its job, slot and fence. */
function withAttributes(log: EventLog, attributes: Record<string, unknown>): EventLog {
  return {
    debug: (message, extra) => log.debug(message, { ...attributes, ...extra }),
    info: (message, extra) => log.info(message, { ...attributes, ...extra }),
    warn: (message, extra) => log.warn(message, { ...attributes, ...extra }),
    error: (message, extra) => log.error(message, { ...attributes, ...extra }),
  };
}

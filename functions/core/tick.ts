/**
 * tick(): for each job, every due slot in its catch-up window -> claim -> lease -> run ->
 * record -> release. Any number of instances may tick at once; outcomes come back as data.
 */
import { randomUUID } from 'node:crypto';
import { UnknownJobError, errorMessage } from './errors.js';
import type { TickCommand } from './payload.js';
import { tryAcquire, type HeldLease, type LeaseSettings, type Scheduler } from './lease.js';
import { parseCron, slotsBetween, nextSlots } from './slots.js';
import { SlotMemory } from './slot-memory.js';
import {
  SkipReason,
  SlotStatus,
  claimSlot,
  claimedSlotsAfter,
  getLock,
  getSlot,
  recordLost,
  recordRun,
  recordSkip,
  type RunRecord,
  type ClaimSummary,
  type StoreContext,
} from './store.js';
import { toIso } from './time.js';
import { Trigger, type EventLog, type JobDefinition, type JobHandler, type RunContext, type TickOutcome } from './types.js';

/** Defaults of the tick's settings. */
export const TICK_DEFAULTS = {
  maxClockSkewMs: 1_000,
  historyRetentionMs: 30 * 86_400_000,
  deadlineMarginMs: 10_000,
} as const;

/** Everything a tick needs, built once by the caller (handler, CLI, node). */
export interface TickDeps extends StoreContext {
  /** Names this process in lock holders and logs (host:pid, or the Lambda log stream). */
  instance: string;
  log: EventLog;
  handlers: Readonly<Record<string, JobHandler>>;
  maxClockSkewMs?: number;
  historyRetentionMs?: number;
  deadlineMarginMs?: number;
  scheduler?: Scheduler;
  /** Fires every running handler's signal (Ctrl-C of a local node). */
  shutdown?: AbortSignal;
}

/** What one tick should do. */
export interface TickRequest {
  jobs: readonly JobDefinition[];
  /** Tick as if at this time (epoch ms); slots are computed from it, leases use the real clock. */
  atMs?: number;
  /** Only these jobs (names); default all. */
  only?: readonly string[];
  /** Epoch ms when the invocation ends; runs get their signal `deadlineMarginMs` before. */
  deadlineMs?: number;
  /** Slots this process already knows are claimed (local nodes keep one across ticks). */
  memory?: SlotMemory;
}

/** Extra knobs of a single run. */
interface RunOptions {
  trigger: Trigger;
  ignorePause?: boolean;
  deadlineMs?: number;
}

/**
 * Runs one tick. Jobs are handled concurrently; the due slots of one job in order, each run
 * awaited before the next slot is considered. Never throws for one job's trouble: a store
 * error becomes an `error` outcome after the other jobs are done.
 */
export async function tick(deps: TickDeps, request: TickRequest): Promise<TickOutcome[]> {
  const startMs = deps.clock();
  const offsetMs = (request.atMs ?? startMs) - startMs;
  const slotClock = (): number => deps.clock() + offsetMs;
  const jobs = request.only ? request.jobs.filter((job) => request.only!.includes(job.name)) : request.jobs;
  const perJob = await Promise.all(jobs.map((job) => tickJob(deps, job, slotClock, request)));
  return perJob.flat();
}

async function tickJob(deps: TickDeps, job: JobDefinition, slotClock: () => number, request: TickRequest): Promise<TickOutcome[]> {
  if (!job.enabled) return [{ outcome: 'disabled', job: job.name }];
  const outcomes: TickOutcome[] = [];
  try {
    const asOfMs = slotClock();
    const cron = parseCron(job.cron, job.timezone);
    const windowStartMs = asOfMs - job.catchupWindowMs;
    const dueMs = slotsBetween(cron, windowStartMs, asOfMs);
    const notDue = (): TickOutcome[] => {
      const [nextMs] = nextSlots(cron, asOfMs, 1);
      return [{ outcome: 'not-due', job: job.name, ...(nextMs !== undefined && { nextSlot: toIso(nextMs) }) }];
    };
    if (dueMs.length === 0 || request.memory?.allKnown(job.name, dueMs)) return notDue();

    // The Query looks back one lease further than the window, to find abandoned claims.
    const claimed = await claimedSlotsAfter(deps, job.name, windowStartMs - job.leaseMs - skewMs(deps));
    await settleAbandonedClaims(deps, job, claimed);
    const latestMs = dueMs[dueMs.length - 1]!;
    // The current slot already taken by another tick is a duplicate delivery; older taken
    // slots are history, not news (unless this process has not seen them: it reports them once).
    const latestClaimedBy = claimed.get(latestMs)?.claimedBy;
    const latestSeen = request.memory?.allKnown(job.name, [latestMs]) ?? false;
    request.memory?.remember(job.name, claimed.keys(), windowStartMs);
    let open = dueMs.filter((slotMs) => !claimed.has(slotMs));
    if (latestClaimedBy !== undefined && !latestSeen) outcomes.push(duplicate(deps, job.name, toIso(latestMs), latestClaimedBy));
    // A job that has never run has nothing to catch up: slots from before it existed are not
    // its missed runs. Only then is the lock read here (it holds the fence of any past run).
    if (open.some((slotMs) => slotMs !== latestMs) && (await getLock(deps, job.name))?.fence === undefined) {
      open = open.filter((slotMs) => slotMs === latestMs);
    }
    if (open.length === 0) return outcomes.length > 0 ? outcomes : notDue();
    for (const slotMs of open) {
      const lateMs = slotClock() - slotMs;
      if (lateMs > job.catchupWindowMs) {
        // An earlier run of this tick took so long that the slot's turn came too late. Another
        // instance may have decided it meanwhile: then it is theirs, not missed.
        const existing = await getSlot(deps, job.name, slotMs);
        if (existing) {
          outcomes.push(duplicate(deps, job.name, toIso(slotMs), existing.claimedBy));
          continue;
        }
        outcomes.push({ outcome: 'missed', job: job.name, slot: toIso(slotMs), lateMs });
        deps.log.warn('slot.missed', { job: job.name, slot: toIso(slotMs), lateMs, instance: deps.instance });
        continue;
      }
      const trigger = slotMs === latestMs ? Trigger.schedule : Trigger.catchUp;
      outcomes.push(await runSlot(deps, job, slotMs, { trigger, ...(request.deadlineMs !== undefined && { deadlineMs: request.deadlineMs }) }));
      request.memory?.remember(job.name, [slotMs], windowStartMs);
    }
  } catch (error) {
    deps.log.error('tick.error', { job: job.name, instance: deps.instance, error: errorMessage(error) });
    outcomes.push({ outcome: 'error', job: job.name, error: errorMessage(error) });
  }
  return outcomes;
}

function skewMs(deps: TickDeps): number {
  return deps.maxClockSkewMs ?? TICK_DEFAULTS.maxClockSkewMs;
}

/**
 * A claim still `claimed` a full lease after it was made, whose claimant does not hold the
 * lease, lost its claimant between claim and acquire (crash, lost connection): record it as
 * lost (I4). The lock is read only when such a claim exists.
 */
async function settleAbandonedClaims(deps: TickDeps, job: JobDefinition, claimed: Map<number, ClaimSummary>): Promise<void> {
  const staleBeforeMs = deps.clock() - job.leaseMs - skewMs(deps);
  const stale = [...claimed].filter(([, claim]) => claim.status === SlotStatus.claimed && claim.claimedAtMs < staleBeforeMs);
  if (stale.length === 0) return;
  const lock = await getLock(deps, job.name);
  for (const [slotMs, claim] of stale) {
    if (lock?.holder === claim.claimedBy) continue; // a long run, still heartbeating
    const why = `claimed by ${claim.claimedBy}, which never ran it and is gone; found by ${deps.instance}`;
    if (await recordLost(deps, job.name, slotMs, claim.claimedBy, why)) {
      deps.log.warn('slot.abandoned', { job: job.name, slot: toIso(slotMs), claimedBy: claim.claimedBy, instance: deps.instance });
      claim.status = SlotStatus.lost;
    }
  }
}

/**
 * Runs a job now, outside its schedule (`trigger`), still under the lease: if a run holds it,
 * the outcome is `locked`. Runs even while the job is paused: an operator asked for it.
 */
export async function triggerJob(deps: TickDeps, job: JobDefinition, options: { deadlineMs?: number } = {}): Promise<TickOutcome> {
  try {
    return await runSlot(deps, job, deps.clock(), { trigger: Trigger.manual, ignorePause: true, ...options });
  } catch (error) {
    deps.log.error('tick.error', { job: job.name, instance: deps.instance, error: errorMessage(error) });
    return { outcome: 'error', job: job.name, error: errorMessage(error) };
  }
}

/** Claims one slot and, if it wins the slot and the lease, runs the handler and records it. */
async function runSlot(deps: TickDeps, job: JobDefinition, slotMs: number, options: RunOptions): Promise<TickOutcome> {
  const slot = toIso(slotMs);
  const token = `${deps.instance}#${randomUUID().slice(0, 8)}`;
  const base = { job: job.name, slotMs, token, instance: deps.instance, trigger: options.trigger, retentionMs: deps.historyRetentionMs ?? TICK_DEFAULTS.historyRetentionMs };
  const attrs = { job: job.name, slot, instance: deps.instance, trigger: options.trigger };

  // A visibly paused or held job is recorded as skipped in the claim itself: one write.
  const lock = await getLock(deps, job.name);
  const heldNow = lock?.holder !== undefined && (lock.leaseUntilMs ?? 0) >= deps.clock();
  if ((lock?.paused && !options.ignorePause) || heldNow) {
    const reason = lock?.paused && !options.ignorePause ? SkipReason.paused : SkipReason.locked;
    const held = reason === SkipReason.locked ? { heldBy: lock!.holder!, heldFence: lock!.fence ?? 0 } : {};
    const claim = await claimSlot(deps, { ...base, status: SlotStatus.skipped, reason, ...held });
    if (!claim.won) return duplicate(deps, job.name, slot, claim.existing?.claimedBy);
    return skipped(deps, job.name, slot, reason, held.heldBy, held.heldFence, lock?.leaseUntilMs);
  }

  const claim = await claimSlot(deps, base);
  if (!claim.won) return duplicate(deps, job.name, slot, claim.existing?.claimedBy);

  const settings: LeaseSettings = {
    log: deps.log,
    maxClockSkewMs: deps.maxClockSkewMs ?? TICK_DEFAULTS.maxClockSkewMs,
    deadlineMarginMs: deps.deadlineMarginMs ?? TICK_DEFAULTS.deadlineMarginMs,
    ...(options.deadlineMs !== undefined && { deadlineMs: options.deadlineMs }),
    ...(deps.shutdown && { shutdown: deps.shutdown }),
    ...(deps.scheduler && { scheduler: deps.scheduler }),
  };
  const acquired = await tryAcquire(
    deps,
    { job: job.name, token, instance: deps.instance, slotMs, leaseMs: job.leaseMs, ...(options.ignorePause && { ignorePause: true }) },
    settings,
  );
  if (!('lease' in acquired)) {
    const current = acquired.lock;
    const reason = current?.paused && !options.ignorePause && !current.holder ? SkipReason.paused : SkipReason.locked;
    const held = reason === SkipReason.locked && current?.holder ? { heldBy: current.holder, heldFence: current.fence ?? 0 } : {};
    await recordSkip(deps, job.name, slotMs, token, { reason, ...held });
    return skipped(deps, job.name, slot, reason, held.heldBy, held.heldFence, current?.leaseUntilMs);
  }

  const { lease, result } = acquired;
  if (result.expired) {
    deps.log.warn('lease.takeover', { ...attrs, fence: lease.fence, previousHolder: result.expired.holder, previousSlot: result.expired.slotMs !== undefined ? toIso(result.expired.slotMs) : undefined });
    if (result.expired.slotMs !== undefined) {
      await recordLost(deps, job.name, result.expired.slotMs, result.expired.holder, `lease lapsed without an outcome; taken over by ${token}`);
    }
  }
  return runUnderLease(deps, job, slotMs, token, lease, options.trigger, attrs);
}

async function runUnderLease(
  deps: TickDeps,
  job: JobDefinition,
  slotMs: number,
  token: string,
  lease: HeldLease,
  trigger: Trigger,
  attrs: Record<string, unknown>,
): Promise<TickOutcome> {
  const runAttrs = { ...attrs, fence: lease.fence, holder: token };
  const handler = deps.handlers[job.handler];
  lease.start();
  const startedAtMs = deps.clock();
  deps.log.info('run.start', { ...runAttrs, lagMs: startedAtMs - slotMs });
  let error: string | undefined;
  try {
    if (!handler) throw new Error(`no handler registered as "${job.handler}" (job "${job.name}")`);
    const context: RunContext = { job: job.name, slot: new Date(slotMs), fence: lease.fence, args: job.args, signal: lease.signal, log: withAttributes(deps.log, runAttrs), trigger };
    await handler(context);
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
  const run: RunRecord = { status, fence: lease.fence, startedAtMs, finishedAtMs, leaseLost: lease.leaseLost, ...(error !== undefined && { error }) };
  try {
    await recordRun(deps, job.name, slotMs, token, run);
  } catch (recordError) {
    // Keep the lease: when it lapses, the next holder records this slot as lost (I4), which a
    // clean release would prevent.
    lease.abandon();
    deps.log.error('run.record.error', { ...runAttrs, error: errorMessage(recordError), note: 'the lease will lapse and the slot be marked lost' });
    throw recordError;
  }
  await lease.release().catch((releaseError: unknown) =>
    deps.log.warn('lease.release.error', { ...runAttrs, error: errorMessage(releaseError), note: 'the lease will lapse on its own' }),
  );
  if (lease.leaseLost && !run.leaseLost) {
    // The release found a successor: the run outlived its lease without a heartbeat noticing.
    // The record (written before the release, so a crash cannot lose it) must say so.
    await recordRun(deps, job.name, slotMs, token, { ...run, leaseLost: true }).catch((recordError: unknown) =>
      deps.log.warn('run.record.error', { ...runAttrs, error: errorMessage(recordError), note: 'the slot does not show that the lease was lost' }),
    );
  }
  const slot = toIso(slotMs);
  return error === undefined
    ? { outcome: 'ran', job: job.name, slot, trigger, fence: lease.fence, durationMs, leaseLost: lease.leaseLost }
    : { outcome: 'failed', job: job.name, slot, trigger, fence: lease.fence, durationMs, error, leaseLost: lease.leaseLost };
}

function duplicate(deps: TickDeps, job: string, slot: string, claimedBy: string | undefined): TickOutcome {
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
  return { outcome: 'locked', job, slot, ...(heldBy !== undefined && { heldBy }), ...(heldFence !== undefined && { heldFence }), ...(leaseUntil && { leaseUntil }) };
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

/**
 * Carries out a validated tick payload: a tick (now, as of a time, or for some jobs) or a
 * manual trigger. The one core call of the Lambda handler.
 */
export async function runTickCommand(
  deps: TickDeps,
  jobs: readonly JobDefinition[],
  command: TickCommand,
  options: { deadlineMs?: number } = {},
): Promise<TickOutcome[]> {
  if (command.kind === 'trigger') {
    const job = jobs.find((candidate) => candidate.name === command.job);
    if (!job) throw new UnknownJobError(command.job, jobs.map((candidate) => candidate.name));
    return [await triggerJob(deps, job, options)];
  }
  return tick(deps, {
    jobs,
    ...(command.atMs !== undefined && { atMs: command.atMs }),
    ...(command.only && { only: command.only }),
    ...(options.deadlineMs !== undefined && { deadlineMs: options.deadlineMs }),
  });
}

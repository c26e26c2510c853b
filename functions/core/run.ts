/**
 * One slot's run: read the lock, claim the slot, take the lease, run the handler under it,
 * record the outcome, release. Every step is one conditional write (store.ts).
 */
import { randomUUID } from 'node:crypto';
import { errorMessage } from './errors.js';
import { tryAcquire, type HeldLease, type LeaseSettings, type Scheduler } from './lease.js';
import { SkipReason, SlotStatus, claimSlot, getLock, recordLost, recordRun, recordSkip, type RunRecord, type StoreContext } from './store.js';
import { toIso } from './time.js';
import type { EventLog, JobDefinition, JobHandler, RunContext, TickOutcome, Trigger } from './types.js';

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

/** Extra knobs of a single run. */
export interface RunOptions {
  trigger: Trigger;
  ignorePause?: boolean;
  deadlineMs?: number;
}

/** The clock skew the deps assume. */
export function skewMs(deps: TickDeps): number {
  return deps.maxClockSkewMs ?? TICK_DEFAULTS.maxClockSkewMs;
}

/** Claims one slot and, if it wins the slot and the lease, runs the handler and records it. */
export async function runSlot(deps: TickDeps, job: JobDefinition, slotMs: number, options: RunOptions): Promise<TickOutcome> {
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
    maxClockSkewMs: skewMs(deps),
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

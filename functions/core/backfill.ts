/**
 * backfill(): runs the missed slots of a job in a past range, oldest first, one at a time under
 * the lease. A slot that already has an item (ran, skipped, buffered, lost) is left alone, so a
 * backfill can be repeated and two backfills of one range start each slot at most once (I1).
 */
import { ClusterCronError, errorMessage } from './errors.js';
import type { TickDeps } from './run.js';
import { runSlot } from './slot-decision.js';
import { cronOf, MAX_SLOTS_PER_WINDOW, slotsBetween } from './slots.js';
import { claimedSlotsAfter, getLock, liveHolder } from './store.js';
import { sleepMs, systemTimers, toIso } from './time.js';
import { type JobDefinition, OverlapPolicy, type TickOutcome, Trigger } from './types.js';

/** What to backfill: slots in `(fromMs, toMs]`, and how long to wait for a held lease before each. */
export interface BackfillRequest {
  fromMs: number;
  toMs: number;
  /** How long to wait for a running holder to let go before a slot; then the policy decides. */
  waitForLeaseMs?: number;
  /** Waits between lock reads; injectable so tests need not sleep. @default a timer on `deps.timers` */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs each slot of `job` in the range that has no record, in order, awaiting each run before
 * the next. Before each slot it waits (up to `waitForLeaseMs`) for a scheduled run holding the
 * lease to finish; a slot that still finds it held is decided by the job's overlap policy.
 * @throws ClusterCronError for a range that is empty, reversed, in the future, or too long.
 */
export async function backfill(deps: TickDeps, job: JobDefinition, request: BackfillRequest): Promise<TickOutcome[]> {
  const { fromMs, toMs } = request;
  const nowMs = deps.clock();
  if (!(fromMs < toMs))
    throw new ClusterCronError(`backfill of job "${job.name}": --from ${toIso(fromMs)} must be before --to ${toIso(toMs)}`);
  if (toMs > nowMs)
    throw new ClusterCronError(
      `backfill of job "${job.name}": --to ${toIso(toMs)} is in the future; a slot is backfilled only once it has passed`,
    );
  const slots = slotsBetween(cronOf(job), fromMs, toMs);
  // slotsBetween keeps the newest MAX slots: more exist if one lies between `fromMs` and the first kept.
  const firstKeptMs = slots[0];
  if (firstKeptMs !== undefined && slots.length >= MAX_SLOTS_PER_WINDOW && slotsBetween(cronOf(job), fromMs, firstKeptMs - 1).length > 0) {
    throw new ClusterCronError(
      `backfill of job "${job.name}": the range ${toIso(fromMs)} .. ${toIso(toMs)} holds more than ${MAX_SLOTS_PER_WINDOW} slots; backfill it in parts`,
    );
  }
  const recorded = await claimedSlotsAfter(deps, job.name, fromMs);
  const missing = slots.filter((slotMs) => !recorded.has(slotMs));
  deps.log.info('backfill.start', {
    job: job.name,
    from: toIso(fromMs),
    to: toIso(toMs),
    slots: slots.length,
    missing: missing.length,
    instance: deps.instance,
  });
  const sleep = request.sleep ?? ((ms: number) => sleepMs(deps.timers ?? systemTimers, ms));
  const outcomes: TickOutcome[] = [];
  for (const slotMs of missing) {
    if (deps.shutdown?.aborted) break;
    if (job.overlap !== OverlapPolicy.allow) await waitForFreeLease(deps, job, request.waitForLeaseMs ?? job.leaseMs, sleep);
    try {
      outcomes.push(...(await runSlot(deps, job, slotMs, { trigger: Trigger.backfill, ignorePause: true })));
    } catch (error) {
      // A store error stops the backfill: the next slot would meet the same trouble, and the
      // remaining ones are still missing, so running the same command again resumes it.
      deps.log.error('backfill.error', { job: job.name, slot: toIso(slotMs), error: errorMessage(error) });
      outcomes.push({ outcome: 'error', job: job.name, slot: toIso(slotMs), error: errorMessage(error) });
      break;
    }
  }
  deps.log.info('backfill.end', {
    job: job.name,
    ran: outcomes.filter((o) => o.outcome === 'ran').length,
    outcomes: outcomes.length,
    instance: deps.instance,
  });
  return outcomes;
}

async function waitForFreeLease(deps: TickDeps, job: JobDefinition, waitMs: number, sleep: (ms: number) => Promise<void>): Promise<void> {
  const untilMs = deps.clock() + waitMs;
  for (;;) {
    const lock = await getLock(deps, job.name);
    if (!liveHolder(lock, deps.clock()) || deps.clock() >= untilMs || deps.shutdown?.aborted) return;
    await sleep(Math.min(250, Math.max(10, untilMs - deps.clock())));
  }
}

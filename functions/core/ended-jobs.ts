/**
 * A job past its last slot (a one-time job after its `at`, a bounded one after its `endAt`)
 * starts no new slot, so no next slot's tick will find what its last run left: a holder that
 * died mid-run, a claim abandoned before its lease. Its wind-down settles those as a removed
 * job's does (removed-jobs.ts), so every slot it claimed gets a fate (I4). A runtime job then
 * drops `nextDueMs` from its lock item, and ticks pass over it without a read (runtime-jobs.ts);
 * a file job is read once a tick (a node: once a lease), about $0.005 a month at one tick a minute.
 */
import { RUNTIME_INDEX } from './job-definitions.js';
import { settleLeftovers, windDownWrite } from './removed-jobs.js';
import { skewMs, type TickDeps } from './run.js';
import type { SlotMemory } from './slot-memory.js';
import { type CronSchedule, previousSlot } from './slots.js';
import { getLock, liveHolder } from './store.js';
import type { JobDefinition } from './types.js';

/** A one-time job's time, or a bounded job's end: after it (and its catch-up window) no slot of it starts again. */
function endMs(job: Pick<JobDefinition, 'atMs' | 'endAtMs'>): number | undefined {
  return job.atMs ?? job.endAtMs;
}

/** True when the job's end is past its catch-up window (and jitter) at `asOfMs`: no tick may start a slot of it again. */
export function hasEnded(job: Pick<JobDefinition, 'atMs' | 'endAtMs' | 'catchupWindowMs' | 'jitterMs'>, asOfMs: number): boolean {
  const lastMs = endMs(job);
  return lastMs !== undefined && asOfMs - lastMs > job.catchupWindowMs + (job.jitterMs ?? 0);
}

/** A runtime job whose wind-down is done: ended, and its lock item without `nextDueMs` (ticks skip it). */
export function windDownDone(job: JobDefinition, nextDueMs: number | undefined, asOfMs: number): boolean {
  return job.definitionVersion !== undefined && nextDueMs === undefined && hasEnded(job, asOfMs);
}

/**
 * One tick's look at an ended job: reads its lock and recent claims (a node: once a lease),
 * records what was left without a fate, and once no run of it holds the lease (a long run, a
 * continuation chain, finish first) clears a lapsed holder and, for a runtime job, `nextDueMs`.
 */
export async function settleEndedJob(deps: TickDeps, job: JobDefinition, cron: CronSchedule, memory?: SlotMemory): Promise<void> {
  const nowMs = deps.clock();
  if (memory && nowMs - memory.lastQueryMs(job.name) < job.leaseMs) return;
  const lock = await getLock(deps, job.name);
  memory?.queried(job.name, nowMs);
  if (!lock || liveHolder(lock, nowMs)) return; // never ran; or a run in progress finishes, records and releases
  const lastMs = job.atMs ?? previousSlot(cron, job.endAtMs ?? nowMs) ?? nowMs;
  const readFromMs = lastMs - job.catchupWindowMs - 2 * job.leaseMs - skewMs(deps);
  const { waiting } = await settleLeftovers(deps, job, lock, readFromMs, 'after its last slot');
  if (waiting) return;
  const runtime = job.definitionVersion !== undefined;
  // expects:    the definition read (a runtime job); no holder, or the lapsed one whose slot was just recorded
  // sets:       a runtime job's nextDueMs goes (ticks skip it from then on); a lapsed holder's fields go
  // fails when: the job was changed or removed since, or a run holds the lease again (the next tick judges afresh)
  // defends:    I4 (an ended job's last claims get a fate before ticks stop looking at it)
  await windDownWrite(deps, job.name, lock, {
    remove: runtime ? ['nextDueMs'] : [],
    condition: runtime
      ? `definitionVersion = :version AND attribute_not_exists(removedAtMs) AND attribute_exists(${RUNTIME_INDEX.partitionKey})`
      : '',
    values: runtime ? { ':version': job.definitionVersion } : {},
  });
}

/**
 * A continuation (a chain's next run, handed off to a fresh invocation) of a runtime job whose
 * definition changed or was removed after the lease was handed over: it must not start under a
 * definition it was not handed (nor under none). Its slot, and a slot buffered behind it, are
 * recorded skipped (`redefined`, I4) and the lease is let go. docs/protocol.md, "Runtime jobs".
 */

import type { Continuation, TickDeps } from './run.js';
import { duplicate, skipped } from './run-outcomes.js';
import { jobFromLock, validationFor } from './runtime-jobs.js';
import { getLock, recordSkip, releaseLease, SkipReason, startBufferedSlot } from './store.js';
import { toIso } from './time.js';
import type { JobDefinition, TickOutcome } from './types.js';

/**
 * The job a continuation runs under: the file's, or the runtime job's stored definition when it
 * is still the version the lease was handed over under; undefined when that version is gone.
 */
export async function continuationJob(
  deps: TickDeps,
  fileJobs: readonly JobDefinition[],
  continuation: Continuation,
): Promise<JobDefinition | undefined> {
  const fileJob = fileJobs.find((job) => job.name === continuation.job);
  if (fileJob && continuation.definitionVersion === undefined) return fileJob;
  const stored = jobFromLock(await getLock(deps, continuation.job), continuation.job, await validationFor(deps, fileJobs));
  return stored && stored.definitionVersion === continuation.definitionVersion ? stored : undefined;
}

/** Ends a continuation whose definition is gone: its slot (and one buffered behind it) skipped `redefined`, the lease released. */
export async function endRedefinedContinuation(deps: TickDeps, continuation: Continuation): Promise<TickOutcome[]> {
  const { job, slotMs, token } = continuation;
  const slot = toIso(slotMs);
  if (!(await startBufferedSlot(deps, { job, slotMs, token }))) return [duplicate(deps, job, slot, token)];
  await recordSkip(deps, { job, slotMs, token, reason: SkipReason.redefined });
  const lock = await getLock(deps, job);
  if (lock?.holder === token && lock.pendingSlotMs !== undefined && lock.pendingToken !== undefined)
    await recordSkip(deps, { job, slotMs: lock.pendingSlotMs, token: lock.pendingToken, reason: SkipReason.redefined });
  await releaseLease(deps, job, token, { dropPending: true });
  deps.log.info('chain.end', { job, slot, holder: token, reason: 'the job was changed or removed', instance: deps.instance });
  return [skipped(deps, { job, slot, reason: SkipReason.redefined })];
}

/**
 * A slot buffered behind a holder that died: whoever reads the lock once the holder's lease has
 * lapsed passes the lease to the buffered slot (takeOverLease, one conditional write: the
 * hand-over the dead holder never made) and runs it, instead of waiting for the job's next slot
 * and recording the buffered slot lost. A tick finds it in its read of the job's window; a node
 * also reads the lock at the lapse it saw coming (SlotMemory.lapseDue). The writes:
 * docs/protocol.md ("A holder that dies with a slot buffered").
 */
import { logTakeover, runChain } from './chain.js';
import { errorMessage } from './errors.js';
import { failureStreakOf } from './failure-streak.js';
import { type Continuation, heldLease, leaseSettings, newToken, type RunOptions, retentionMs, type TickDeps } from './run.js';
import { bufferedOnLock, type LockItem, lapsedHolder, recordLostRun, takeOverLease } from './store.js';
import { toIso } from './time.js';
import { type JobDefinition, type TickOutcome, Trigger } from './types.js';

/**
 * If `lock` (just read) shows a lapsed holder with a slot buffered behind it, records the dead
 * holder's slot lost, hands the buffered slot the lease and starts its chain. Returns the chain
 * (its outcomes to come) for the caller to await after deciding its own due slots (they buffer behind
 * the run or are dropped, as behind any holder); the lock as the refusal found it when another
 * instance took it first (the caller decides on that, not on the lapsed lock it read); undefined
 * when there was nothing to take over.
 */
export async function takeOverBuffered(
  deps: TickDeps,
  job: JobDefinition,
  lock: LockItem | undefined,
  options: Pick<RunOptions, 'deadlineMs' | 'onStart' | 'memory'>,
): Promise<{ chain: Promise<TickOutcome[]> } | { lockAfterRefusal: LockItem | undefined } | undefined> {
  const buffered = bufferedOnLock(lock);
  if (!buffered || !lapsedHolder(lock, deps.clock()) || lock.paused === true) return undefined;
  const deadHolder = lock.holder;
  const why = `lease lapsed without an outcome (held by ${deadHolder}); the slot buffered behind it took the lease (${buffered.token})`;
  await recordLostRun(deps, { job: job.name, lapsedLock: lock, why, retentionMs: retentionMs(deps) });
  const taken = await takeOverLease(deps, {
    job: job.name,
    lapsedHolder: deadHolder,
    pendingSlotMs: buffered.slotMs,
    pendingToken: buffered.token,
    takerToken: newToken(deps),
    instance: deps.instance,
    leaseMs: job.leaseMs,
    ...(job.definitionVersion !== undefined && { definitionVersion: job.definitionVersion }),
  });
  if (!taken.takenOver) return { lockAfterRefusal: taken.lock };
  const previous = {
    holder: deadHolder,
    ...(lock.holderSlotMs !== undefined && { slotMs: lock.holderSlotMs }),
    ...(lock.holderInstance !== undefined && { instance: lock.holderInstance }),
  };
  logTakeover(deps, { job: job.name, slotMs: buffered.slotMs, fence: taken.fence, previous, buffered: true });
  const first: Continuation = {
    job: job.name,
    slotMs: buffered.slotMs,
    token: buffered.token,
    fence: taken.fence,
    trigger: Trigger.buffer,
    ...(job.definitionVersion !== undefined && { definitionVersion: job.definitionVersion }),
  };
  const firstLease = heldLease(deps, { job, run: first, leaseUntilMs: taken.leaseUntilMs, settings: leaseSettings(deps, options) });
  firstLease.failureStreakSeen = failureStreakOf(lock);
  // Awaited later by the caller: a failure of the chain becomes the job's error outcome, as in a tick.
  const chain = runChain(deps, { job, first, firstLease, options }).catch((error: unknown): TickOutcome[] => {
    deps.log.error('tick.error', { job: job.name, instance: deps.instance, error: errorMessage(error) });
    return [{ outcome: 'error', job: job.name, slot: toIso(buffered.slotMs), error: errorMessage(error) }];
  });
  return { chain };
}

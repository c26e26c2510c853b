/**
 * The outcomes of a slot that did not run, as data and one log line each: a duplicate (another
 * instance has the slot) and a skip (the lease held, or the job paused). Where they are decided:
 * slot-decision.ts; what they record on the slot item: docs/protocol.md.
 */
import type { SlotToRun, TickDeps } from './run.js';
import { recordSkip, SkipReason } from './store.js';
import { toIso } from './time.js';
import type { TickOutcome } from './types.js';

/** A slot another instance (or an earlier delivery) already has: nothing is written. */
export function duplicate(deps: TickDeps, job: string, slot: string, claimedBy: string | undefined): TickOutcome {
  deps.log.debug('slot.duplicate', { job, slot, instance: deps.instance, claimedBy });
  return { outcome: 'duplicate', job, slot, ...(claimedBy !== undefined && { claimedBy }) };
}

/** A slot skipped, as recorded: paused, or locked by the holder in its way (and when that lease ends). */
export interface Skipped {
  job: string;
  slot: string;
  reason: SkipReason;
  heldBy?: string | undefined;
  heldFence?: number | undefined;
  leaseUntilMs?: number | undefined;
}

/** The outcome (and log line) of a skipped slot. */
export function skipped(deps: TickDeps, skip: Skipped): TickOutcome {
  const { job, slot, heldBy, heldFence } = skip;
  if (skip.reason === SkipReason.paused) {
    deps.log.info('slot.paused', { job, slot, instance: deps.instance });
    return { outcome: 'paused', job, slot };
  }
  if (skip.reason === SkipReason.redefined) {
    deps.log.info('slot.redefined', { job, slot, instance: deps.instance });
    return { outcome: 'redefined', job, slot };
  }
  const leaseUntil = skip.leaseUntilMs ? toIso(skip.leaseUntilMs) : undefined;
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

/** A slot claimed on its item whose runtime job changed or was removed before it ran: recorded skipped, `redefined` (I4). */
export async function skipRedefined(deps: TickDeps, slot: SlotToRun): Promise<TickOutcome[]> {
  const { job, slotMs, token } = slot;
  await recordSkip(deps, { job: job.name, slotMs, token, reason: SkipReason.redefined });
  return [skipped(deps, { job: job.name, slot: toIso(slotMs), reason: SkipReason.redefined })];
}

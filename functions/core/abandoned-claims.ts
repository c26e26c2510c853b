/**
 * Settling claims abandoned before their lease was taken: a tick that finds a claim still
 * `claimed` (or `buffered`) a lease after it was made, its claimant neither holding nor waiting
 * on the lease, records it lost (I4). Step 1a of docs/protocol.md.
 */
import { skewMs, type TickDeps } from './run.js';
import { type ClaimSummary, type LockItem, liveHolder, recordLost, SlotStatus } from './store.js';
import { toIso } from './time.js';
import type { JobDefinition } from './types.js';

/**
 * A claim still `claimed` (or `buffered`) a full lease after it was made, whose claimant does
 * not hold the lease nor wait on it, lost its claimant between claim and acquire (crash, lost
 * connection, a hand-over that never happened): record it as lost (I4).
 */
export async function settleAbandonedClaims(
  deps: TickDeps,
  job: JobDefinition,
  claimed: Map<number, ClaimSummary>,
  lock: LockItem | undefined,
): Promise<void> {
  const staleBeforeMs = deps.clock() - job.leaseMs - skewMs(deps);
  const waiting = (status: SlotStatus): boolean => status === SlotStatus.claimed || status === SlotStatus.buffered;
  const stale = [...claimed].filter(([, claim]) => waiting(claim.status) && claim.claimedAtMs < staleBeforeMs);
  if (stale.length === 0) return;
  for (const [slotMs, claim] of stale) {
    // A long run still heartbeating, or the slot buffered behind it; a holder whose lease lapsed is gone.
    const holding = liveHolder(lock, deps.clock()) && lock.holder === claim.claimedBy;
    if (holding || lock?.pendingToken === claim.claimedBy) continue;
    const why =
      lock?.holder === claim.claimedBy
        ? `lease lapsed without an outcome (held by ${claim.claimedBy}); found by ${deps.instance}`
        : `claimed by ${claim.claimedBy}, which never ran it and is gone; found by ${deps.instance}`;
    if (await recordLost(deps, { job: job.name, slotMs, token: claim.claimedBy, why })) {
      deps.log.warn('slot.abandoned', { job: job.name, slot: toIso(slotMs), claimedBy: claim.claimedBy, instance: deps.instance });
      claim.status = SlotStatus.lost;
    }
  }
}

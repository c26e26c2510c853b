/** A slot item of the job `print` for pure-logic tests: by default a succeeded scheduled run, claimed at its slot. */
import type { SlotItem } from '../../functions/core/store.js';

export function slotItem(slotMs: number, extra: Partial<SlotItem> = {}): SlotItem {
  const slot = new Date(slotMs).toISOString();
  return {
    pk: 'JOB#print',
    sk: `SLOT#${slot}`,
    job: 'print',
    slot,
    slotMs,
    status: 'succeeded',
    trigger: 'schedule',
    claimedBy: `a#${slotMs}`,
    instance: 'a',
    claimedAtMs: slotMs,
    ttlEpochSec: 0,
    ...extra,
  };
}

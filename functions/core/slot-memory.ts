/**
 * What one long-lived process already knows was claimed, so a node that ticks every second
 * does not re-read slots it has seen decided. Only an optimisation: the table stays the truth.
 */
import type { LockItem } from './table-keys.js';

/** What a held lease takes from the tick's reads of its lock (HeldLease). */
export interface LockWatcher {
  readonly token: string;
  sawLock(lock: LockItem | undefined): void;
}

export class SlotMemory {
  readonly #known = new Map<string, Set<number>>();
  readonly #queriedAtMs = new Map<string, number>();
  readonly #holding = new Map<string, LockWatcher>();
  readonly #lapseAtMs = new Map<string, number>();

  /** When this process last asked whether the due index's repair sweep was its turn (due-repair.ts). */
  repairCheckedAtMs = Number.NEGATIVE_INFINITY;

  /** `onLapseWatch` is told each lease end the memory starts watching (a node wakes for it). */
  constructor(private readonly onLapseWatch?: (job: string, lapseAtMs: number) => void) {}

  /** Notes the lease this process holds for `job` now (a chain's current link). */
  holding(job: string, lease: LockWatcher): void {
    this.#holding.set(job, lease);
  }

  /** Forgets `lease` when it is still the one noted for `job`. */
  letGo(job: string, lease: LockWatcher): void {
    if (this.#holding.get(job) === lease) this.#holding.delete(job);
  }

  /**
   * Shows the job's lock, as a tick of this process just read it, to the lease it holds: a slot
   * buffered behind a run shows there every second, a heartbeat only every lease/3.
   */
  sawLock(job: string, lock: LockItem | undefined): void {
    const held = this.#holding.get(job);
    held?.sawLock(lock);
    // Another process holds the lease with a slot buffered behind it: if that holder dies, the
    // slot takes the lease the moment it lapses (buffered-takeover.ts), so read the lock again then.
    const watch = lock?.holder !== undefined && lock.pendingSlotMs !== undefined && held?.token !== lock.holder;
    if (!watch || lock.leaseUntilMs === undefined) {
      this.#lapseAtMs.delete(job);
    } else if (this.#lapseAtMs.get(job) !== lock.leaseUntilMs) {
      this.#lapseAtMs.set(job, lock.leaseUntilMs);
      this.onLapseWatch?.(job, lock.leaseUntilMs);
    }
  }

  /** Whether the lease last seen with a slot buffered behind it has lapsed by `nowMs`: the tick then reads the lock, whatever it knows of the slots. */
  lapseDue(job: string, nowMs: number): boolean {
    const lapseAtMs = this.#lapseAtMs.get(job);
    return lapseAtMs !== undefined && nowMs > lapseAtMs;
  }

  /** When this process last read the job's claims from the table (-Infinity: never). */
  lastQueryMs(job: string): number {
    return this.#queriedAtMs.get(job) ?? Number.NEGATIVE_INFINITY;
  }

  /** Notes that the job's claims were just read. */
  queried(job: string, atMs: number): void {
    this.#queriedAtMs.set(job, atMs);
  }

  /** True when every slot in `slotsMs` is known to be claimed already. */
  allKnown(job: string, slotsMs: readonly number[]): boolean {
    const known = this.#known.get(job);
    return slotsMs.every((slotMs) => known?.has(slotMs));
  }

  /** Remembers claimed slots; forgets those at or before `forgetBeforeMs`. */
  remember(job: string, slotsMs: Iterable<number>, forgetBeforeMs: number): void {
    let known = this.#known.get(job);
    if (!known) {
      known = new Set();
      this.#known.set(job, known);
    }
    for (const slotMs of slotsMs) known.add(slotMs);
    for (const slotMs of known) if (slotMs <= forgetBeforeMs) known.delete(slotMs);
  }
}

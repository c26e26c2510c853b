/**
 * What one long-lived process already knows was claimed, so a node that ticks every second
 * does not re-read slots it has seen decided. Only an optimisation: the table stays the truth.
 */
export class SlotMemory {
  readonly #known = new Map<string, Set<number>>();
  readonly #queriedAtMs = new Map<string, number>();

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

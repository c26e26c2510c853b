/**
 * The status page's counts, kept for a while: counting reads the whole due index and the
 * runtime-jobs index (about 1 KB a job each, core/job-counts.ts), and the page asks every 2 s,
 * from every open tab. So each server counts at most once per COUNTS_CACHE_MS, and tabs that
 * ask at the same time share one count.
 */

/** How long a count is served before it is counted again: the counts on the page may be this old. */
export const COUNTS_CACHE_MS = 30_000;

/** The most prefixes whose match counts are kept (a filter typed letter by letter asks for each). */
const MAX_ENTRIES = 64;

/** A value and when it was counted (epoch ms, from the store's clock). */
export interface Counted<T> {
  value: T;
  countedAtMs: number;
}

/** A cache of counts by key, each counted at most once per `ttlMs`; a count that fails is not kept. */
export class CountsCache {
  private readonly entries = new Map<string, { atMs: number; counted: Promise<Counted<unknown>> }>();

  constructor(private readonly ttlMs: number = COUNTS_CACHE_MS) {}

  /** The value under `key` counted at most `ttlMs` before `nowMs`, or counted now by `count`. */
  get<T>(key: string, nowMs: number, count: () => Promise<T>): Promise<Counted<T>> {
    const entry = this.entries.get(key);
    if (entry && nowMs - entry.atMs < this.ttlMs && nowMs >= entry.atMs) return entry.counted as Promise<Counted<T>>;
    const counted = count().then((value) => ({ value, countedAtMs: nowMs }));
    this.entries.delete(key);
    this.entries.set(key, { atMs: nowMs, counted });
    // The oldest first in a Map: drop it once there are too many.
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    counted.catch(() => {
      if (this.entries.get(key)?.counted === counted) this.entries.delete(key);
    });
    return counted;
  }
}

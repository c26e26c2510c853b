/**
 * How long a job may go without starting a run before its "not started" alarm fires: the
 * longest gap between two of its slots, plus the longest a run can block the next slots (the
 * function's timeout), plus a minute for the minute tick. Expressed as CloudWatch periods.
 */
import { cronOf, nextSlots } from '../functions/core/slots.js';
import type { JobDefinition } from '../functions/core/types.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** A fixed Monday, so the same schedule always synthesizes the same alarms. */
const REFERENCE_MS = Date.UTC(2026, 0, 5);
/** Cron patterns repeat at most weekly (a longer cycle, e.g. monthly, has gaps past the limit anyway). */
const WEEK_MS = 7 * DAY_MS;
/**
 * Enough for a per-minute job's week (10,081 slots). A job with seconds is cut short: its longest
 * gap is taken from its first 11,000 slots (three hours of a per-second job).
 */
const MAX_SLOTS = 11_000;

const gapCache = new Map<string, number>();

/**
 * The longest gap between consecutive slots of `job`. Cron patterns repeat weekly, so the gaps
 * from its first slot after a fixed Monday up to the first slot a week later are all of them
 * (DST shifts aside); infinite for a job with fewer than two slots (never in practice).
 */
export function longestGapMs(job: JobDefinition): number {
  // `H` in a cron is seeded by the job's name, so the name is part of the key.
  const key = `${job.name}\n${job.cron}\n${job.timezone}`;
  const cached = gapCache.get(key);
  if (cached !== undefined) return cached;
  const cron = cronOf(job);
  let longestMs = Number.POSITIVE_INFINITY;
  let firstMs: number | undefined;
  let previousMs: number | undefined;
  let seen = 0;
  let fromMs = REFERENCE_MS;
  search: while (seen < MAX_SLOTS) {
    const batch = nextSlots(cron, fromMs, 1_000);
    for (const slotMs of batch) {
      if (previousMs !== undefined) longestMs = seen === 1 ? slotMs - previousMs : Math.max(longestMs, slotMs - previousMs);
      firstMs ??= slotMs;
      previousMs = slotMs;
      seen += 1;
      if (slotMs >= firstMs + WEEK_MS) break search;
    }
    const lastMs = batch.at(-1);
    if (batch.length < 1_000 || lastMs === undefined) break;
    fromMs = lastMs;
  }
  gapCache.set(key, longestMs);
  return longestMs;
}

/** The alarm's shape: this many consecutive periods of this length without a start. */
export interface NotStartedWindow {
  windowMs: number;
  periodSec: number;
  evaluationPeriods: number;
}

/**
 * The window for `job` given the function's timeout, or undefined when it is longer than
 * CloudWatch can look back (1 day with minute periods, 7 days with hourly ones).
 */
export function notStartedWindow(job: JobDefinition, timeoutMs: number): NotStartedWindow | undefined {
  const windowMs = longestGapMs(job) + timeoutMs + MINUTE_MS;
  if (windowMs <= DAY_MS) return { windowMs, periodSec: 60, evaluationPeriods: Math.ceil(windowMs / MINUTE_MS) };
  if (windowMs <= 7 * DAY_MS) return { windowMs, periodSec: 3_600, evaluationPeriods: Math.ceil(windowMs / HOUR_MS) };
  return undefined;
}

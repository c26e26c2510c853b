/** The spans of time the timeline can show, the one chosen automatically, and the one remembered for the browser. */
import type { JobView } from './api-types.js';

/** Where the chosen span is kept (localStorage). */
export const WINDOW_KEY = 'cluster-cron.windowMs';
/** The window choice meaning "fit the fastest job". */
export const AUTO = 0;
/** The spans of time the timeline can show, up to now. */
export const WINDOWS = [
  { label: '1 min', ms: 60_000 },
  { label: '2 min', ms: 120_000 },
  { label: '5 min', ms: 300_000 },
  { label: '15 min', ms: 900_000 },
  { label: '1 h', ms: 3_600_000 },
  { label: '6 h', ms: 21_600_000 },
  { label: '24 h', ms: 86_400_000 },
] as const;
/** The longest of them: what a job slower than every span gets. */
const LONGEST_WINDOW_MS = Math.max(...WINDOWS.map((choice) => choice.ms));

export function storedWindowMs(): number {
  try {
    const stored = Number(localStorage.getItem(WINDOW_KEY));
    if (WINDOWS.some((choice) => choice.ms === stored)) return stored;
  } catch {
    // No storage: the default.
  }
  return AUTO;
}

/** The window chosen automatically: the shortest span that holds about `slots` slots of the fastest job. */
export function autoWindowMs(jobs: readonly JobView[], slots: number): number {
  const periodsMs = jobs.map((job) => (job.nextMs[1] ?? 0) - (job.nextMs[0] ?? 0)).filter((periodMs) => periodMs > 0);
  const fastestMs = periodsMs.length > 0 ? Math.min(...periodsMs) : 60_000;
  return WINDOWS.find((choice) => choice.ms >= fastestMs * slots)?.ms ?? LONGEST_WINDOW_MS;
}

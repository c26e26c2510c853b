/**
 * Time as the core sees it: the clock and the timers, both injected (never the globals), and
 * the unit helpers (every duration in the core is a number of milliseconds named `...Ms`).
 *
 * The clock and the timers are one seam: whoever gives the core a clock gives it the timers
 * that go with it (`clock` and `timers` in TickDeps, hence in the lease settings and the
 * node). The simulation hands every process a skewed virtual clock and virtual timers, so it
 * drives a cluster on simulated time without patching `globalThis.setTimeout`; unit tests
 * advance fake timers instead of sleeping. Production uses `systemClock` and `systemTimers`.
 */

/** A clock returns epoch milliseconds; injected so tests advance time instead of sleeping. */
export type Clock = () => number;

/** The wall clock, for production use. */
export const systemClock: Clock = () => Date.now();

/** A pending timer, as the Timers that made it returned it (Node's Timeout, or a fake one). */
export interface TimerHandle {
  /** Lets the process exit while the timer is pending (Node's `unref`); a no-op on fake time. */
  unref(): unknown;
}

/** The timers the core schedules with: the globals' shape, so a fake-timers clock fits too. */
export interface Timers {
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, intervalMs: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

/** The process's own timers, for production use; each call reaches the global as it stands then. */
export const systemTimers: Timers = {
  // Typed through the globals' own signatures: the page's build (DOM types, no NodeJS namespace)
  // compiles this file too, and there a timer is a number.
  setTimeout: (fn, delayMs) => setTimeout(fn, delayMs) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as Parameters<typeof clearTimeout>[0]),
  setInterval: (fn, intervalMs) => setInterval(fn, intervalMs) as unknown as TimerHandle,
  clearInterval: (handle) => clearInterval(handle as unknown as Parameters<typeof clearInterval>[0]),
};

/** Resolves after `delayMs` on `timers`. */
export function sleepMs(timers: Timers, delayMs: number): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, delayMs));
}

/**
 * The longest delay Node's timers wait (2^31-1 ms, about 24.8 days): a longer one fires at once.
 * A duration a timer waits for (a lease's heartbeat and watchdog, a timeout, a retry's wait) is at most this.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** What a duration that must be positive is refused with (after "expected "). */
export const POSITIVE_DURATION_TEXT = 'a positive duration such as 30s, 5m or 1h';

/** What a duration too long for a timer is refused with (after "expected "). */
export const AT_MOST_A_TIMER_TEXT = `at most 24d (the longest a timer waits is ${MAX_TIMER_MS} ms, about 24.8 days)`;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Parses a duration such as `90s`, `5m`, `1.5h`, `250ms` or a bare number of seconds into
 * milliseconds. Returns undefined for anything else (the caller names the job and key).
 */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1_000 : undefined;
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Formats milliseconds the way a schedule file writes them (`90s`, `5m`, `1h`). */
export function formatDurationMs(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** Epoch milliseconds to epoch seconds, as DynamoDB's TTL attribute wants them. */
export function toEpochSec(ms: number): number {
  return Math.floor(ms / 1_000);
}

/** Epoch milliseconds to the ISO-8601 UTC string used in slot keys and logs. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

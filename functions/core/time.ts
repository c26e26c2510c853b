/** Unit helpers: every duration in the core is a number of milliseconds named `...Ms`. */

/** A clock returns epoch milliseconds; injected so tests advance time instead of sleeping. */
export type Clock = () => number;

/** The wall clock, for production use. */
export const systemClock: Clock = () => Date.now();

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

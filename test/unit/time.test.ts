import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs, systemClock, toEpochSec, toIso } from '../../functions/core/time.js';

describe('parseDurationMs', () => {
  it('reads every unit a schedule file may use', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('90s')).toBe(90_000);
    expect(parseDurationMs('5m')).toBe(300_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    expect(parseDurationMs('2d')).toBe(172_800_000);
  });

  it('reads fractions and tolerates spaces around and before the unit', () => {
    expect(parseDurationMs('1.5h')).toBe(5_400_000);
    expect(parseDurationMs('0.5s')).toBe(500);
    expect(parseDurationMs(' 30 s ')).toBe(30_000);
  });

  it('reads a bare number as seconds', () => {
    expect(parseDurationMs(30)).toBe(30_000);
    expect(parseDurationMs(0.25)).toBe(250);
    expect(parseDurationMs(0)).toBe(0);
  });

  it('returns undefined for text that is not a duration, so the caller can name the job and key', () => {
    for (const value of ['abc', '', '5', '-5s', '5 minutes', '1e3s', 's', '5M', '5x', '1h30m']) {
      expect(parseDurationMs(value), JSON.stringify(value)).toBeUndefined();
    }
  });

  it('returns undefined for values that are neither strings nor finite numbers', () => {
    for (const value of [null, undefined, true, {}, [], Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(parseDurationMs(value), String(value)).toBeUndefined();
    }
  });

  it('passes a negative number through for the caller to reject', () => {
    expect(parseDurationMs(-5)).toBe(-5_000);
  });
});

describe('formatDurationMs', () => {
  it('uses the largest unit that divides the duration exactly', () => {
    expect(formatDurationMs(86_400_000)).toBe('1d');
    expect(formatDurationMs(3_600_000)).toBe('1h');
    expect(formatDurationMs(300_000)).toBe('5m');
    expect(formatDurationMs(90_000)).toBe('90s');
    expect(formatDurationMs(5_400_000)).toBe('90m');
    expect(formatDurationMs(90_000_000)).toBe('25h');
  });

  it('falls back to milliseconds for durations below a second or not a whole number of seconds', () => {
    expect(formatDurationMs(250)).toBe('250ms');
    expect(formatDurationMs(1_500)).toBe('1500ms');
    expect(formatDurationMs(0)).toBe('0ms');
  });

  it('formats durations that parseDurationMs reads back to the same value', () => {
    for (const ms of [1, 999, 1_000, 61_000, 60_000, 3_600_000, 86_400_000, 129_600_000]) {
      expect(parseDurationMs(formatDurationMs(ms))).toBe(ms);
    }
  });
});

describe('unit conversions', () => {
  it('turns epoch milliseconds into whole epoch seconds, rounding down', () => {
    expect(toEpochSec(1_764_151_200_999)).toBe(1_764_151_200);
    expect(toEpochSec(1_000)).toBe(1);
    expect(toEpochSec(999)).toBe(0);
  });

  it('renders epoch milliseconds as ISO-8601 UTC with milliseconds', () => {
    expect(toIso(Date.UTC(2026, 10, 26, 10, 0, 0, 5))).toBe('2026-11-26T10:00:00.005Z');
  });

  it('throws for a time that is not a number of milliseconds', () => {
    expect(() => toIso(Number.NaN)).toThrow(RangeError);
  });

  it('has a system clock that reads the wall clock', () => {
    const before = Date.now();
    const now = systemClock();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

import { describe, expect, it } from 'vitest';
import { CronExpressionError } from '../../functions/core/errors.js';
import {
  cronOf,
  isValidTimeZone,
  MAX_SLOTS_PER_WINDOW,
  nextSlots,
  parseCron,
  slotsBetween,
  splitZone,
  wallClockToInstantMs,
} from '../../functions/core/slots.js';

const at = (iso: string): number => Date.parse(iso);
const isos = (slots: number[]): string[] => slots.map((ms) => new Date(ms).toISOString());
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

function cronError(expression: string, timezone = 'UTC'): CronExpressionError {
  try {
    parseCron(expression, timezone);
  } catch (error) {
    expect(error).toBeInstanceOf(CronExpressionError);
    return error as CronExpressionError;
  }
  throw new Error(`parseCron accepted ${JSON.stringify(expression)} in ${timezone}`);
}

describe('splitZone', () => {
  it('splits a trailing IANA zone off a sidekiq-cron style expression', () => {
    expect(splitZone('0 22 * * 1-5 America/Chicago')).toEqual({ expression: '0 22 * * 1-5', zone: 'America/Chicago' });
    expect(splitZone('*/10 * * * * * Europe/Berlin')).toEqual({ expression: '*/10 * * * * *', zone: 'Europe/Berlin' });
  });

  it('splits zones without a slash that the runtime knows', () => {
    expect(splitZone('0 22 * * 1-5 UTC')).toEqual({ expression: '0 22 * * 1-5', zone: 'UTC' });
  });

  it('leaves an expression without a zone alone, normalising its spaces', () => {
    expect(splitZone('  0   22 * *  1-5 ')).toEqual({ expression: '0 22 * * 1-5' });
  });

  it('does not mistake weekday or month names for a zone', () => {
    expect(splitZone('0 22 * * MON')).toEqual({ expression: '0 22 * * MON' });
    expect(splitZone('0 22 * * sun')).toEqual({ expression: '0 22 * * sun' });
    expect(splitZone('0 22 * DEC *')).toEqual({ expression: '0 22 * DEC *' });
  });

  it('splits an unknown Area/City name as a zone, so the zone is what gets reported', () => {
    expect(splitZone('* * * * * Mars/Olympus')).toEqual({ expression: '* * * * *', zone: 'Mars/Olympus' });
  });

  it('never turns a lone token into a zone', () => {
    expect(splitZone('Europe/Berlin')).toEqual({ expression: 'Europe/Berlin' });
  });
});

describe('isValidTimeZone', () => {
  it('knows IANA zones and UTC', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('America/Chicago')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
  });

  it('rejects names that are not zones', () => {
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('MON')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('parseCron', () => {
  it('parses a 5-field cron', () => {
    expect(parseCron('*/5 * * * *', 'UTC')).toEqual({
      expression: '*/5 * * * *',
      timezone: 'UTC',
      hasSeconds: false,
      everyHour: true,
      hashSeed: '',
    });
  });

  it('needs per-second ticks only for a 6-field cron that fires at other seconds than :00', () => {
    expect(parseCron('0 */5 * * * *', 'UTC').hasSeconds).toBe(false);
    expect(parseCron('30 */5 * * * *', 'UTC').hasSeconds).toBe(true);
  });

  it('accepts the @ shorthands sidekiq-cron users write, and names the known ones for a typo', () => {
    expect(nextSlots(parseCron('@daily', 'Europe/Berlin'), at('2026-11-26T10:00:00Z'), 1)).toEqual([at('2026-11-26T23:00:00Z')]);
    expect(nextSlots(parseCron('@hourly', 'UTC'), at('2026-11-26T10:00:00Z'), 1)).toEqual([at('2026-11-26T11:00:00Z')]);
    expect(parseCron('@secondly', 'UTC').hasSeconds).toBe(true);
    expect(() => parseCron('@every', 'UTC')).toThrow(
      'cron "@every" is not a known shorthand (known: @yearly, @annually, @monthly, @weekly, @daily, @hourly, @minutely, @secondly, @weekdays, @weekends)',
    );
  });

  it('gives H the same value on every instance for the same job, so all compute the same slots', () => {
    const first = nextSlots(parseCron('H * * * *', 'UTC', 'print'), at('2026-11-26T10:00:00Z'), 3);
    const again = nextSlots(parseCron('H * * * *', 'UTC', 'print'), at('2026-11-26T10:00:00Z'), 3);
    expect(again).toEqual(first);
    expect(first.every((ms, i) => i === 0 || ms - first[i - 1]! === 3_600_000)).toBe(true);
    expect(cronOf({ name: 'print', cron: 'H * * * *', timezone: 'UTC' }).hashSeed).toBe('print');
  });

  it('parses a 6-field cron with seconds first', () => {
    expect(parseCron('*/10 * * * * *', 'Europe/Berlin')).toMatchObject({ hasSeconds: true, everyHour: true, timezone: 'Europe/Berlin' });
  });

  it('marks a cron with fixed hours as following the wall clock', () => {
    expect(parseCron('30 2 * * *', 'Europe/Berlin').everyHour).toBe(false);
    expect(parseCron('0 */2 * * *', 'Europe/Berlin').everyHour).toBe(false);
    expect(parseCron('0 0-23 * * *', 'Europe/Berlin').everyHour).toBe(true);
  });

  it('counts the fields itself: empty, 4-field and 7-field crons are rejected', () => {
    expect(cronError('').message).toBe('cron "" has 0 fields; expected 5 (minute hour day month weekday) or 6 (second first)');
    expect(cronError('* * * *').message).toBe(
      'cron "* * * *" has 4 fields; expected 5 (minute hour day month weekday) or 6 (second first)',
    );
    expect(cronError('* * * * * * *').message).toBe(
      'cron "* * * * * * *" has 7 fields; expected 5 (minute hour day month weekday) or 6 (second first)',
    );
    expect(cronError('*').message).toBe('cron "*" has 1 field; expected 5 (minute hour day month weekday) or 6 (second first)');
  });

  it('wraps cron-parser errors with the expression', () => {
    const error = cronError('61 * * * *');
    expect(error.message).toBe('cron "61 * * * *" is invalid: Constraint error, got value 61 expected range 0-59');
    expect(error.details).toEqual({ value: '61 * * * *' });
    expect(error.cause).toBeInstanceOf(Error);
    expect(cronError('abc * * * *').message).toBe('cron "abc * * * *" is invalid: Invalid characters, got value: abc');
  });

  it('checks the zone before cron-parser sees it', () => {
    const error = cronError('* * * * *', 'Mars/Olympus');
    expect(error.message).toBe('unknown time zone "Mars/Olympus" (use an IANA name such as Europe/Berlin or UTC)');
    expect(error.details).toEqual({ value: 'Mars/Olympus' });
  });
});

describe('slotsBetween', () => {
  const everyMinute = parseCron('* * * * *', 'UTC');

  it('includes a slot exactly at the end of the window and excludes one at its start', () => {
    const t = at('2026-11-26T10:00:00Z');
    expect(isos(slotsBetween(everyMinute, t - 2 * MINUTE_MS, t))).toEqual(['2026-11-26T09:59:00.000Z', '2026-11-26T10:00:00.000Z']);
  });

  it('finds the slot a tick one millisecond after it falls on', () => {
    const t = at('2026-11-26T10:00:00Z');
    expect(isos(slotsBetween(everyMinute, t + 1 - 30_000, t + 1))).toEqual(['2026-11-26T10:00:00.000Z']);
  });

  it('is empty for an empty or reversed window', () => {
    const t = at('2026-11-26T10:00:00Z');
    expect(slotsBetween(everyMinute, t, t)).toEqual([]);
    expect(slotsBetween(everyMinute, t, t - MINUTE_MS)).toEqual([]);
    expect(slotsBetween(everyMinute, t + 1, t + 30_000)).toEqual([]);
  });

  it('lists seconds slots of a 6-field cron', () => {
    const cron = parseCron('*/15 * * * * *', 'UTC');
    const t = at('2026-01-01T00:00:00Z');
    expect(isos(slotsBetween(cron, t, t + MINUTE_MS))).toEqual([
      '2026-01-01T00:00:15.000Z',
      '2026-01-01T00:00:30.000Z',
      '2026-01-01T00:00:45.000Z',
      '2026-01-01T00:01:00.000Z',
    ]);
  });

  it('reads a 6-field cron with fixed hours in its zone', () => {
    const cron = parseCron('30 15 9 * * *', 'Europe/Berlin');
    expect(isos(nextSlots(cron, at('2026-07-01T00:00:00Z'), 2))).toEqual(['2026-07-01T07:15:30.000Z', '2026-07-02T07:15:30.000Z']);
  });

  it('reads weekdays on the wall clock of the zone, not of UTC', () => {
    const { expression, zone } = splitZone('0 22 * * 1-5 America/Chicago');
    const cron = parseCron(expression, zone!);
    // Friday 22:00 CST is Saturday 04:00Z; the next run is Monday 22:00 CST.
    expect(isos(nextSlots(cron, at('2026-11-27T12:00:00Z'), 3))).toEqual([
      '2026-11-28T04:00:00.000Z',
      '2026-12-01T04:00:00.000Z',
      '2026-12-02T04:00:00.000Z',
    ]);
  });

  it('returns at most MAX_SLOTS_PER_WINDOW slots, ascending, for a window that holds more', () => {
    const cron = parseCron('* * * * * *', 'UTC');
    const slots = slotsBetween(cron, 0, 4 * 3_600_000);
    expect(slots).toHaveLength(MAX_SLOTS_PER_WINDOW);
    expect(slots.every((slot, i) => i === 0 || slot - slots[i - 1]! === 1_000)).toBe(true);
  });

  it('keeps the latest slots of an oversized window, ending at its end', () => {
    const cron = parseCron('* * * * * *', 'Europe/Berlin');
    const endMs = at('2026-11-28T00:00:00Z');
    const slots = slotsBetween(cron, endMs - 2 * DAY_MS, endMs);
    expect(slots).toHaveLength(MAX_SLOTS_PER_WINDOW);
    expect(slots.at(-1)).toBe(endMs);
    expect(slots[0]).toBe(endMs - (MAX_SLOTS_PER_WINDOW - 1) * 1_000);
  });
});

describe('daylight saving time', () => {
  describe('a daily job at a fixed hour follows the wall clock and runs once every day', () => {
    const daily = parseCron('30 2 * * *', 'Europe/Berlin');

    it('runs 02:30 of the spring-forward day at 03:30 CEST (01:30Z), shifted forward by the gap', () => {
      expect(isos(slotsBetween(daily, at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z')))).toEqual(['2026-03-29T01:30:00.000Z']);
    });

    it('runs the repeated 02:30 of the fall-back day once, at its first occurrence (00:30Z)', () => {
      expect(isos(slotsBetween(daily, at('2026-10-24T12:00:00Z'), at('2026-10-25T12:00:00Z')))).toEqual(['2026-10-25T00:30:00.000Z']);
    });

    it('runs at 02:30 local on the days around each change', () => {
      expect(isos(slotsBetween(daily, at('2026-03-27T12:00:00Z'), at('2026-03-30T12:00:00Z')))).toEqual([
        '2026-03-28T01:30:00.000Z',
        '2026-03-29T01:30:00.000Z',
        '2026-03-30T00:30:00.000Z',
      ]);
      expect(isos(slotsBetween(daily, at('2026-10-23T12:00:00Z'), at('2026-10-26T12:00:00Z')))).toEqual([
        '2026-10-24T00:30:00.000Z',
        '2026-10-25T00:30:00.000Z',
        '2026-10-26T01:30:00.000Z',
      ]);
    });

    it('gives the same answer from nextSlots as from slotsBetween across the gap', () => {
      expect(isos(nextSlots(daily, at('2026-03-28T12:00:00Z'), 2))).toEqual(['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
      expect(isos(nextSlots(daily, at('2026-03-29T01:30:00Z'), 1))).toEqual(['2026-03-30T00:30:00.000Z']);
    });

    it('applies the same rules in America/Chicago', () => {
      const chicago = parseCron('30 2 * * *', 'America/Chicago');
      expect(isos(slotsBetween(chicago, at('2026-03-08T00:00:00Z'), at('2026-03-09T00:00:00Z')))).toEqual(['2026-03-08T08:30:00.000Z']);
      const repeated = parseCron('30 1 * * *', 'America/Chicago');
      expect(isos(slotsBetween(repeated, at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z')))).toEqual(['2026-11-01T06:30:00.000Z']);
    });

    it('shifts by the gap where it is 30 minutes (Lord Howe Island)', () => {
      const cron = parseCron('15 2 * * *', 'Australia/Lord_Howe');
      // 02:15 on 2026-10-04 does not exist (02:00 -> 02:30): it runs at 02:45 (+11), 15:45Z the day before.
      expect(isos(slotsBetween(cron, at('2026-10-02T12:00:00Z'), at('2026-10-05T12:00:00Z')))).toEqual([
        '2026-10-02T15:45:00.000Z',
        '2026-10-03T15:45:00.000Z',
        '2026-10-04T15:15:00.000Z',
      ]);
    });
  });

  describe('a job whose hour field is every hour follows real time', () => {
    const hourly = parseCron('30 * * * *', 'Europe/Berlin');

    it('runs in both repeated hours on the fall-back day', () => {
      expect(isos(slotsBetween(hourly, at('2026-10-24T22:00:00Z'), at('2026-10-25T03:00:00Z')))).toEqual([
        '2026-10-24T22:30:00.000Z',
        '2026-10-24T23:30:00.000Z',
        '2026-10-25T00:30:00.000Z', // 02:30 CEST
        '2026-10-25T01:30:00.000Z', // 02:30 CET
        '2026-10-25T02:30:00.000Z',
      ]);
    });

    it('has no 02:30 local on the spring-forward day: one hour apart in real time throughout', () => {
      const slots = slotsBetween(hourly, at('2026-03-28T22:00:00Z'), at('2026-03-29T03:00:00Z'));
      expect(isos(slots)).toEqual([
        '2026-03-28T22:30:00.000Z', // 23:30 CET
        '2026-03-28T23:30:00.000Z', // 00:30 CET
        '2026-03-29T00:30:00.000Z', // 01:30 CET
        '2026-03-29T01:30:00.000Z', // 03:30 CEST
        '2026-03-29T02:30:00.000Z', // 04:30 CEST
      ]);
      const localTimes = slots.map((ms) =>
        new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(ms),
      );
      expect(localTimes).not.toContain('02:30');
    });

    it('does the same for a seconds cron', () => {
      const cron = parseCron('0 30 * * * *', 'Europe/Berlin');
      expect(isos(slotsBetween(cron, at('2026-10-24T23:00:00Z'), at('2026-10-25T02:00:00Z')))).toEqual([
        '2026-10-24T23:30:00.000Z',
        '2026-10-25T00:30:00.000Z',
        '2026-10-25T01:30:00.000Z',
      ]);
    });
  });
});

describe('wallClockToInstantMs', () => {
  it('reads an ordinary wall time with the offset in force', () => {
    expect(new Date(wallClockToInstantMs(at('2026-07-01T12:00:00Z'), 'Europe/Berlin')).toISOString()).toBe('2026-07-01T10:00:00.000Z');
    expect(new Date(wallClockToInstantMs(at('2026-01-01T12:00:00Z'), 'Europe/Berlin')).toISOString()).toBe('2026-01-01T11:00:00.000Z');
  });

  it('shifts a wall time in the gap forward by the gap', () => {
    expect(new Date(wallClockToInstantMs(at('2026-03-29T02:30:00Z'), 'Europe/Berlin')).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('maps a repeated wall time to its first occurrence', () => {
    expect(new Date(wallClockToInstantMs(at('2026-10-25T02:30:00Z'), 'Europe/Berlin')).toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('is the identity in UTC', () => {
    const t = at('2026-03-29T02:30:00Z');
    expect(wallClockToInstantMs(t, 'UTC')).toBe(t);
  });
});

describe('nextSlots', () => {
  it('returns the requested number of slots strictly after the given time', () => {
    const cron = parseCron('*/5 * * * *', 'UTC');
    expect(isos(nextSlots(cron, at('2026-11-26T10:00:00Z'), 3))).toEqual([
      '2026-11-26T10:05:00.000Z',
      '2026-11-26T10:10:00.000Z',
      '2026-11-26T10:15:00.000Z',
    ]);
  });

  it('finds 29 February years ahead', () => {
    const cron = parseCron('0 0 29 2 *', 'UTC');
    expect(isos(nextSlots(cron, at('2026-03-01T00:00:00Z'), 2))).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
  });

  it('skips 2100, which is not a leap year', () => {
    const cron = parseCron('0 0 29 2 *', 'UTC');
    expect(isos(nextSlots(cron, at('2096-03-01T00:00:00Z'), 1))).toEqual(['2104-02-29T00:00:00.000Z']);
  });

  it('finds 29 February at local midnight in a zone ahead of UTC', () => {
    const cron = parseCron('0 0 29 2 *', 'Europe/Berlin');
    expect(isos(nextSlots(cron, at('2026-01-01T00:00:00Z'), 2))).toEqual(['2028-02-28T23:00:00.000Z', '2032-02-28T23:00:00.000Z']);
  });

  it('finds the last day of February', () => {
    const cron = parseCron('0 0 L 2 *', 'UTC');
    expect(isos(nextSlots(cron, at('2026-01-01T00:00:00Z'), 3))).toEqual([
      '2026-02-28T00:00:00.000Z',
      '2027-02-28T00:00:00.000Z',
      '2028-02-29T00:00:00.000Z',
    ]);
  });

  it('finds a yearly slot', () => {
    const cron = parseCron('0 0 1 1 *', 'UTC');
    expect(isos(nextSlots(cron, at('2026-11-26T10:00:00Z'), 2))).toEqual(['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']);
  });

  it('spaces daily slots 24 hours apart away from DST changes', () => {
    const slots = nextSlots(parseCron('0 9 * * *', 'Asia/Kolkata'), at('2026-01-01T00:00:00Z'), 3);
    expect(isos(slots)[0]).toBe('2026-01-01T03:30:00.000Z');
    expect(slots[2]! - slots[0]!).toBe(2 * DAY_MS);
  });
});

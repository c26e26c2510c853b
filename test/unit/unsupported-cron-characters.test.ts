/**
 * Quartz's `W` (the weekday nearest a day of the month: `15W`, `LW`) is not a character
 * cron-parser knows. A user who writes it is told so, and what to write instead, not only
 * cron-parser's "Invalid characters".
 */
import { describe, expect, it } from 'vitest';
import { ScheduleError } from '../../functions/core/errors.js';
import { parseSchedule } from '../../functions/core/schedule.js';

function rejection(cron: string): ScheduleError {
  try {
    parseSchedule(`report:\n  cron: "${cron}"\n  class: Report\n`, { handlers: ['Report'] });
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleError);
    return error as ScheduleError;
  }
  throw new Error(`accepted: ${cron}`);
}

const W_HINT =
  '; "W" (the weekday nearest a day of the month) is not supported: give the days (1-5 in the weekday field), L (the last day) or # (1#1: the first Monday)';

describe('W in the day of the month', () => {
  it.each(['0 9 15W * *', '0 9 LW * *', '0 0 9 1w * *'])('%s is refused, saying W is not supported', (cron) => {
    const error = rejection(cron);
    expect(error.message.startsWith(`schedule: job "report": key "cron": cron "${cron}" is invalid: Invalid characters, got value: `)).toBe(
      true,
    );
    expect(error.message.endsWith(W_HINT)).toBe(true);
    expect(error.details).toMatchObject({ job: 'report', key: 'cron', value: cron });
  });

  it('another invalid character gets no such hint', () => {
    expect(rejection('0 9 15X * *').message).not.toContain('"W"');
  });
});

import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../functions/core/schedule.js';
import { longestGapMs, notStartedWindow } from '../../infra/not-started-window.js';

const job = (cron: string, extra = '') => parseSchedule(`job:\n  cron: "${cron}"\n  class: X\n${extra}`)[0]!;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('the not-started window', () => {
  it.each([
    ['* * * * *', MINUTE],
    ['*/15 * * * *', 15 * MINUTE],
    ['0 9-17 * * *', 16 * HOUR],
    ['30 2 * * 1-5', 72 * HOUR],
    ['0 0 * * 0', 7 * 24 * HOUR],
    ['*/2 * * * * *', 2_000],
  ])('finds the longest gap between slots of "%s"', (cron, gapMs) => {
    expect(longestGapMs(job(cron))).toBe(gapMs);
  });

  it('follows the zone: weekdays at 22:00 in Chicago are Tuesday to Saturday in UTC, still a 72 h weekend', () => {
    expect(longestGapMs(job('0 22 * * 1-5', '  timezone: America/Chicago\n'))).toBe(72 * HOUR);
  });

  it('counts minutes up to a day, hours up to a week, and gives up beyond', () => {
    expect(notStartedWindow(job('* * * * *'), 150_000)).toEqual({ windowMs: 270_000, periodSec: 60, evaluationPeriods: 5 });
    expect(notStartedWindow(job('0 9 * * *'), 60_000)).toEqual({
      windowMs: 24 * HOUR + 2 * MINUTE,
      periodSec: 3_600,
      evaluationPeriods: 25,
    });
    expect(notStartedWindow(job('0 0 * * 0'), 60_000)).toBeUndefined();
    expect(notStartedWindow(job('0 0 1 * *'), 60_000)).toBeUndefined();
  });
});

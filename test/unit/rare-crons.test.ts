/**
 * A cron whose slots are years apart is valid; only one with no slot at all (within its bounds)
 * "never fires". The fifth Thursday of February is 29 February when that is a Thursday: 2024,
 * then 2052, 28 years apart, longer than the ten years one search of the next slot looks ahead.
 */
import { describe, expect, it } from 'vitest';
import { ScheduleError } from '../../functions/core/errors.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { cronOf, nextSlots } from '../../functions/core/slots.js';
import type { JobDefinition } from '../../functions/core/types.js';

const HANDLERS = { handlers: ['Report'] };

function parsed(...lines: string[]): JobDefinition[] {
  return parseSchedule(`${['report:', '  class: Report', ...lines.map((line) => `  ${line}`)].join('\n')}\n`, HANDLERS);
}

function rejection(...lines: string[]): ScheduleError {
  try {
    parsed(...lines);
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleError);
    return error as ScheduleError;
  }
  throw new Error(`accepted: ${lines.join(', ')}`);
}

describe('a cron that fires once in decades', () => {
  it.each([
    ['0 0 * 2 4#5', Date.UTC(2052, 1, 29)], // Thursdays: 2024, 2052
    ['0 0 * 2 6#5', Date.UTC(2048, 1, 29)], // Saturdays: 2020, 2048
    ['0 0 * 2 1#5', Date.UTC(2044, 1, 29)], // Mondays: 2016, 2044
  ])('%s is accepted, and its next slot is a 29 February', (cron, slotMs) => {
    const [job] = parsed(`cron: "${cron}"`);
    expect(job?.cron).toBe(cron);
    if (!job) throw new Error('no job');
    expect(nextSlots(cronOf(job), slotMs - 5 * 365 * 86_400_000, 1)).toEqual([slotMs]);
  });

  it('is accepted between bounds that hold its slot, however far apart', () => {
    const [job] = parsed('cron: "0 0 * 2 4#5"', 'startAt: "2030-01-01"', 'endAt: "2060-01-01"');
    expect(job?.startAtMs).toBe(Date.UTC(2030, 0, 1));
  });

  it('is refused between bounds that hold none of its slots', () => {
    expect(rejection('cron: "0 0 * 2 4#5"', 'startAt: "2030-01-01"', 'endAt: "2050-01-01"')).toMatchObject({
      message: 'schedule: job "report": key "cron" has value "0 0 * 2 4#5", which never fires between "2030-01-01" and "2050-01-01"',
      details: { key: 'cron', value: '0 0 * 2 4#5' },
    });
    expect(rejection('cron: "0 0 29 2 *"', 'startAt: "2027-01-01"', 'endAt: "2027-12-31"').details).toMatchObject({ key: 'cron' });
  });
});

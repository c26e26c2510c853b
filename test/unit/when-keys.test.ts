import { describe, expect, it } from 'vitest';
import { ScheduleError } from '../../functions/core/errors.js';
import { describeJob, parseSchedule } from '../../functions/core/schedule.js';
import { cronOf, nextSlots, previousSlot, slotsBetween } from '../../functions/core/slots.js';
import type { JobDefinition } from '../../functions/core/types.js';
import { parseInstantMs } from '../../functions/core/when-keys.js';

const HANDLERS = { handlers: ['Remind', 'Report'] };
const MINUTE_MS = 60_000;

/** The one job of a schedule named `report` with the given lines. */
function only(...lines: string[]): JobDefinition {
  const [job] = parseSchedule(`${['report:', ...lines.map((line) => `  ${line}`)].join('\n')}\n`, HANDLERS);
  if (!job) throw new Error('no job');
  return job;
}

function rejection(...lines: string[]): ScheduleError {
  try {
    only(...lines);
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleError);
    return error as ScheduleError;
  }
  throw new Error(`accepted: ${lines.join(', ')}`);
}

describe('at: a job that runs once', () => {
  it('reads the time with its offset, or in the job timezone without one', () => {
    expect(only('at: "2026-12-03T08:00:00Z"', 'class: Remind').atMs).toBe(Date.UTC(2026, 11, 3, 8));
    expect(only('at: "2026-12-03T09:00"', 'class: Remind', 'timezone: Europe/Berlin').atMs).toBe(Date.UTC(2026, 11, 3, 8));
    expect(only('at: "2026-12-03T09:00:00+01:00"', 'class: Remind', 'timezone: America/Chicago').atMs).toBe(Date.UTC(2026, 11, 3, 8));
  });

  it('moves a time between seconds up to the next whole second (slots fall on whole seconds)', () => {
    expect(parseInstantMs('2026-12-03T08:00:00.250Z', 'UTC')).toBe(Date.UTC(2026, 11, 3, 8, 0, 1));
    expect(parseInstantMs('2026-12-03T08:00:00.000Z', 'UTC')).toBe(Date.UTC(2026, 11, 3, 8, 0, 0));
  });

  it('has exactly one slot, in any window that holds it, and none after', () => {
    const job = only('at: "2026-12-03T08:00:30Z"', 'class: Remind');
    const atMs = Date.UTC(2026, 11, 3, 8, 0, 30);
    const cron = cronOf(job);
    expect(slotsBetween(cron, atMs - 365 * 24 * 60 * MINUTE_MS, atMs + 365 * 24 * 60 * MINUTE_MS)).toEqual([atMs]);
    expect(slotsBetween(cron, atMs, atMs + MINUTE_MS)).toEqual([]);
    expect(nextSlots(cron, atMs - 1, 5)).toEqual([atMs]);
    expect(nextSlots(cron, atMs, 5)).toEqual([]);
    expect(previousSlot(cron, atMs + 10 * MINUTE_MS)).toBe(atMs);
    expect(previousSlot(cron, atMs - 1)).toBeUndefined();
    // Its time has seconds: a node must tick every second to start it on time.
    expect(job.hasSeconds).toBe(true);
  });

  it('runs at an instant a fall-back hour holds twice, the one its offset names', () => {
    // 02:30 happens twice in Berlin on 25 October 2026: +02:00 first, then +01:00.
    const second = only('at: "2026-10-25T02:30:00+01:00"', 'class: Remind', 'timezone: Europe/Berlin');
    expect(second.atMs).toBe(Date.UTC(2026, 9, 25, 1, 30));
    expect(nextSlots(cronOf(second), Date.UTC(2026, 9, 25), 2)).toEqual([Date.UTC(2026, 9, 25, 1, 30)]);
  });

  it('is described by its time', () => {
    const job = only('at: "2026-12-03T09:00"', 'class: Remind', 'timezone: Europe/Berlin');
    expect(describeJob(job)).toMatch(/^report: once at 2026-12-03T09:00:00\+01:00 Europe\/Berlin -> Remind \(/);
    expect(job.cron).toBe('0 0 9 3 12 *');
  });

  it('refuses cron and at together, neither, bounds beside at, and a time that is not one', () => {
    expect(rejection('cron: "0 9 * * *"', 'at: "2026-12-03T09:00"', 'class: Remind')).toMatchObject({
      message: 'schedule: job "report": give key "cron" (a schedule) or key "at" (one time), not both; "at" has value "2026-12-03T09:00"',
      details: { job: 'report', key: 'at', value: '2026-12-03T09:00' },
    });
    expect(rejection('class: Remind').details).toMatchObject({ job: 'report', key: 'cron' });
    expect(rejection('at: "2026-12-03T09:00"', 'endAt: "2027-01-01"', 'class: Remind')).toMatchObject({
      message: 'schedule: job "report": key "endAt" has value "2027-01-01"; a one-time job ("at") has no endAt',
      details: { key: 'endAt', value: '2027-01-01' },
    });
    // A number (epoch seconds, as YAML reads it unquoted) is described by what is expected too.
    expect(rejection('at: 1733216400', 'class: Remind').message).toBe(
      'schedule: job "report": key "at" has value 1733216400; expected an ISO 8601 date and time such as "2026-12-03T09:00" (read in the job\'s timezone) or "2026-12-03T08:00:00Z" (with its offset)',
    );
    for (const bad of ['tomorrow', '2026-13-01T09:00', '2026-12-03T25:00', '1733216400']) {
      const error = rejection(`at: "${bad}"`, 'class: Remind');
      expect(error.message).toContain(`key "at" has value "${bad}"; expected an ISO 8601 date and time`);
      expect(error.details).toMatchObject({ job: 'report', key: 'at', value: bad });
    }
    expect(rejection('at: "2026-12-03T09:00"', 'class: Remind', 'timezone: Mars/Olympus').details).toMatchObject({ key: 'timezone' });
  });
});

describe('startAt and endAt: no slot before or after', () => {
  const bounded = (): JobDefinition => only('cron: "0 9 * * *"', 'class: Report', 'startAt: "2027-03-01"', 'endAt: "2027-03-03T09:00:00Z"');

  it('cut the cron to its bounds, the end included', () => {
    const cron = cronOf(bounded());
    const day = (date: number): number => Date.UTC(2027, 2, date, 9);
    expect(slotsBetween(cron, Date.UTC(2027, 1, 20), Date.UTC(2027, 2, 10))).toEqual([day(1), day(2), day(3)]);
    // The first slot is found from far before the start without walking the years between.
    expect(nextSlots(cron, Date.UTC(2020, 0, 1), 5)).toEqual([day(1), day(2), day(3)]);
    expect(nextSlots(cron, day(3), 5)).toEqual([]);
    expect(previousSlot(cron, Date.UTC(2030, 0, 1))).toBe(day(3));
    expect(previousSlot(cron, day(1) - 1)).toBeUndefined();
  });

  it('read a date without a time as midnight in the job timezone', () => {
    const job = only('cron: "0 9 * * *"', 'class: Report', 'timezone: Europe/Berlin', 'startAt: "2027-03-01"');
    expect(job.startAtMs).toBe(Date.UTC(2027, 1, 28, 23));
  });

  it('are described with the cron', () => {
    expect(describeJob(bounded())).toMatch(/^report: "0 9 \* \* \*" UTC, from 2027-03-01T00:00:00Z, until 2027-03-03T09:00:00Z -> Report/);
  });

  it('refuse an end not after the start, and bounds no slot falls within', () => {
    expect(rejection('cron: "0 9 * * *"', 'class: Report', 'startAt: "2027-03-02"', 'endAt: "2027-03-01"')).toMatchObject({
      message: 'schedule: job "report": key "endAt" has value "2027-03-01", which is not after key "startAt" ("2027-03-02")',
      details: { key: 'endAt', value: '2027-03-01' },
    });
    expect(rejection('cron: "0 9 * * *"', 'class: Report', 'startAt: "2027-03-02T10:00Z"', 'endAt: "2027-03-02T11:00Z"')).toMatchObject({
      message:
        'schedule: job "report": key "cron" has value "0 9 * * *", which never fires between "2027-03-02T10:00Z" and "2027-03-02T11:00Z"',
      details: { key: 'cron', value: '0 9 * * *' },
    });
    expect(rejection('cron: "0 9 * * *"', 'class: Report', 'startAt: "soon"').details).toMatchObject({ key: 'startAt', value: 'soon' });
  });
});

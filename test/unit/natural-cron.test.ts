import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isNaturalCron, naturalCron } from '../../functions/core/natural-cron.js';
import { describeJob, parseSchedule } from '../../functions/core/schedule.js';

const FUGIT = JSON.parse(readFileSync('test/fixtures/sidekiq-cron/fugit-nat.json', 'utf8')) as {
  read: Record<string, string>;
  differs: Record<string, [string, string]>;
  refused: Record<string, string>;
};

describe("naturalCron reads the crons in words of Fugit's spec", () => {
  it.each(Object.entries(FUGIT.read))('%j is %j', (text, cron) => {
    expect(isNaturalCron(text)).toBe(true);
    expect(naturalCron(text)).toEqual({ cron });
  });

  it.each(Object.entries(FUGIT.differs))('%j is %j where Fugit differs', (text, [cron]) => {
    expect(naturalCron(text)).toEqual({ cron });
  });
});

describe('naturalCron refuses what is not exactly one cron, saying what it understood', () => {
  it.each(Object.entries(FUGIT.refused))('%j', (text, problem) => {
    expect(naturalCron(text)).toEqual({ problem });
  });
});

describe('a schedule with a cron in words', () => {
  it('runs on the expression it means and keeps the words for validate', () => {
    const [job] = parseSchedule('report:\n  cron: "every weekday at 9am in Europe/Berlin"\n  class: Report\n', { handlers: ['Report'] });
    expect(job).toMatchObject({ cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', naturalCron: 'every weekday at 9am in Europe/Berlin' });
  });

  it.each(Object.keys(FUGIT.read))('%j validates as a job, which cron-parser reads', (text) => {
    const [job] = parseSchedule(`report:\n  cron: ${JSON.stringify(text)}\n  class: Report\n`, { handlers: ['Report'] });
    expect(job?.naturalCron).toBe(text);
    expect(describeJob(job!)).toContain(`(from ${JSON.stringify(text)})`);
  });

  it('refuses an ambiguous one naming the job, the key and the value, with what was understood', () => {
    expect(() => parseSchedule('report:\n  cron: "every day at 18:15 and 20:45"\n  class: Report\n', { handlers: ['Report'] })).toThrow(
      'schedule: job "report": key "cron" has value "every day at 18:15 and 20:45"; understood "every day at 18:15 and 20:45", then the times make 2 crons',
    );
  });

  it('leaves cron fields and shorthands to cron-parser', () => {
    expect(isNaturalCron('*/5 * * * *')).toBe(false);
    expect(isNaturalCron('@hourly')).toBe(false);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CronExpressionError, ScheduleError } from '../../functions/core/errors.js';
import {
  checkLeasesAgainstSkew,
  describeJob,
  JOB_DEFAULTS,
  loadScheduleFile,
  MAX_SCHEDULE_BYTES,
  parseSchedule,
  parseScheduleObject,
  type ScheduleOptions,
} from '../../functions/core/schedule.js';

const HANDLERS = { handlers: ['PrintWorker', 'Report'] } satisfies ScheduleOptions;

/** The ScheduleError that parsing `text` throws; fails the test when it parses. */
function rejection(text: string, options: ScheduleOptions = HANDLERS): ScheduleError {
  try {
    parseSchedule(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleError);
    return error as ScheduleError;
  }
  throw new Error(`parseSchedule accepted:\n${text}`);
}

/** A one-job schedule named `report` with the given extra lines. */
const job = (...lines: string[]): string => `${['report:', ...lines.map((line) => `  ${line}`)].join('\n')}\n`;

describe('parseSchedule accepts', () => {
  it("the sidekiq-cron seed schedule, with sidekiq-cron's queue key", () => {
    const jobs = parseSchedule('print:\n  cron: "*/1 * * * *"\n  class: PrintWorker\n  queue: default\n', HANDLERS);
    expect(jobs).toEqual([
      {
        name: 'print',
        cron: '*/1 * * * *',
        timezone: 'UTC',
        handler: 'PrintWorker',
        args: {},
        enabled: true,
        leaseMs: 60_000,
        catchupWindowMs: 90_000,
        overlap: 'skip',
        catchupLimit: 1,
        continuous: false,
        hasSeconds: false,
      },
    ]);
  });

  it("job names as sidekiq-cron's README writes them: spaces, dashes, letters of any script", () => {
    const names = ['Hard worker - every 5min', 'My super iber cool job', 'Überweisungen (täglich)', "customer's sync @ 9", 'a'];
    const text = names.map((name) => `${JSON.stringify(name)}:\n  cron: "0 9 * * *"\n  class: Report\n`).join('');
    expect(parseSchedule(text, HANDLERS).map((job) => job.name)).toEqual(names);
  });

  it("sidekiq-cron's list form, with a name on each job", () => {
    const jobs = parseSchedule(
      '- name: print\n  cron: "*/1 * * * *"\n  class: PrintWorker\n  queue: default\n- name: report\n  cron: "0 9 * * *"\n  class: Report\n',
      HANDLERS,
    );
    expect(jobs.map((j) => [j.name, j.cron, j.handler])).toEqual([
      ['print', '*/1 * * * *', 'PrintWorker'],
      ['report', '0 9 * * *', 'Report'],
    ]);
  });

  it('every optional key', () => {
    const [report] = parseSchedule(
      job(
        'cron: "0 9 * * 1-5"',
        'class: Report',
        'args: { to: ops@example.com, retries: 2 }',
        'description: Daily report',
        'status: disabled',
        'timezone: Europe/Berlin',
        'lease: 5m',
        'catchupWindow: 1h',
        'overlap: skip',
      ),
      HANDLERS,
    );
    expect(report).toEqual({
      name: 'report',
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Berlin',
      handler: 'Report',
      args: { to: 'ops@example.com', retries: 2 },
      description: 'Daily report',
      enabled: false,
      leaseMs: 300_000,
      catchupWindowMs: 3_600_000,
      overlap: 'skip',
      catchupLimit: 1,
      continuous: false,
      hasSeconds: false,
    });
  });

  it('the documented defaults', () => {
    const [report] = parseSchedule(job('cron: "0 9 * * *"', 'class: Report'), HANDLERS);
    expect(JOB_DEFAULTS).toEqual({ timezone: 'UTC', lease: '60s', catchupWindow: '90s', overlap: 'skip', catchupLimit: 1 });
    expect(report).toMatchObject({ timezone: 'UTC', leaseMs: 60_000, catchupWindowMs: 90_000, overlap: 'skip', enabled: true, args: {} });
    expect(report).not.toHaveProperty('description');
  });

  it('a trailing zone on the cron, split into the timezone', () => {
    const [report] = parseSchedule(job('cron: "0 22 * * 1-5 America/Chicago"', 'class: Report'), HANDLERS);
    expect(report).toMatchObject({ cron: '0 22 * * 1-5', timezone: 'America/Chicago' });
  });

  it('the same zone given in both places', () => {
    const [report] = parseSchedule(job('cron: "0 22 * * * Europe/Berlin"', 'timezone: Europe/Berlin', 'class: Report'), HANDLERS);
    expect(report).toMatchObject({ cron: '0 22 * * *', timezone: 'Europe/Berlin' });
  });

  it('a 6-field cron with seconds', () => {
    const [report] = parseSchedule(job('cron: "*/10 * * * * *"', 'class: Report'), HANDLERS);
    expect(report).toMatchObject({ cron: '*/10 * * * * *', hasSeconds: true });
  });

  it('a lease given as a bare number of seconds', () => {
    const [report] = parseSchedule(job('cron: "* * * * *"', 'class: Report', 'lease: 30'), HANDLERS);
    expect(report!.leaseMs).toBe(30_000);
  });

  it('any handler name when no handler list is given', () => {
    const [report] = parseSchedule(job('cron: "* * * * *"', 'class: NotRegisteredAnywhere'));
    expect(report!.handler).toBe('NotRegisteredAnywhere');
  });

  it('a catch-up limit, from 1 up to 1000', () => {
    const [low] = parseSchedule(job('cron: "* * * * *"', 'class: Report', 'catchupLimit: 1'), HANDLERS);
    const [some] = parseSchedule(job('cron: "* * * * *"', 'class: Report', 'catchupLimit: 5'), HANDLERS);
    const [high] = parseSchedule(job('cron: "* * * * *"', 'class: Report', 'catchupLimit: 1000'), HANDLERS);
    expect([low!.catchupLimit, some!.catchupLimit, high!.catchupLimit]).toEqual([1, 5, 1000]);
  });

  it('a catch-up limit of 1 (run only the latest open slot) when none is given', () => {
    const [report] = parseSchedule(job('cron: "* * * * *"', 'class: Report'), HANDLERS);
    expect(report!.catchupLimit).toBe(JOB_DEFAULTS.catchupLimit);
    expect(report!.catchupLimit).toBe(1);
  });

  it('a continuous job, and a job that is not continuous unless it says so', () => {
    const [on] = parseSchedule(job('cron: "* * * * *"', 'class: Report', 'continuous: true'), HANDLERS);
    const [off] = parseSchedule(job('cron: "* * * * *"', 'class: Report', 'continuous: false'), HANDLERS);
    const [unset] = parseSchedule(job('cron: "* * * * *"', 'class: Report'), HANDLERS);
    expect([on!.continuous, off!.continuous, unset!.continuous]).toEqual([true, false, false]);
  });

  it.each(['skip', 'bufferOne', 'allow'])('overlap %s', (overlap) => {
    const [report] = parseSchedule(job('cron: "* * * * *"', 'class: Report', `overlap: ${overlap}`), HANDLERS);
    expect(report!.overlap).toBe(overlap);
  });

  it('a continuous job with overlap skip or bufferOne', () => {
    const [skip] = parseSchedule(job('cron: "* * * * *"', 'class: Report', 'continuous: true', 'overlap: skip'), HANDLERS);
    const [buffer] = parseSchedule(
      job('cron: "* * * * *"', 'class: Report', 'continuous: true', 'overlap: bufferOne', 'catchupLimit: 3'),
      HANDLERS,
    );
    expect(skip).toMatchObject({ continuous: true, overlap: 'skip' });
    expect(buffer).toMatchObject({ continuous: true, overlap: 'bufferOne', catchupLimit: 3 });
  });

  it('overlap allow on a job that says continuous: false', () => {
    const [report] = parseSchedule(job('cron: "* * * * *"', 'class: Report', 'continuous: false', 'overlap: allow'), HANDLERS);
    expect(report).toMatchObject({ continuous: false, overlap: 'allow' });
  });

  it('JSON text', () => {
    const jobs = parseSchedule('{"report": {"cron": "0 9 * * *", "class": "Report"}}', HANDLERS);
    expect(jobs.map((j) => j.name)).toEqual(['report']);
  });

  it('an already parsed object', () => {
    const jobs = parseScheduleObject({ report: { cron: '0 9 * * *', class: 'Report' } }, HANDLERS);
    expect(jobs[0]).toMatchObject({ name: 'report', handler: 'Report' });
  });
});

describe('parseSchedule rejects, naming the job, the key and the value', () => {
  it('a cron cron-parser cannot read', () => {
    const error = rejection(job('cron: "61 * * * *"', 'class: Report'));
    expect(error.message).toBe(
      'schedule: job "report": key "cron": cron "61 * * * *" is invalid: Constraint error, got value 61 expected range 0-59',
    );
    expect(error.details).toEqual({ source: 'schedule', job: 'report', key: 'cron', value: '61 * * * *' });
    expect(error.cause).toBeInstanceOf(CronExpressionError);
  });

  it('a 4-field cron', () => {
    const error = rejection(job('cron: "* * * *"', 'class: Report'));
    expect(error.message).toBe(
      'schedule: job "report": key "cron": cron "* * * *" has 4 fields; expected 5 (minute hour day month weekday) or 6 (second first)',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'cron', value: '* * * *' });
  });

  it('a 7-field cron', () => {
    const error = rejection(job('cron: "0 * * * * * 2026"', 'class: Report'));
    expect(error.message).toBe(
      'schedule: job "report": key "cron": cron "0 * * * * * 2026" has 7 fields; expected 5 (minute hour day month weekday) or 6 (second first)',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'cron', value: '0 * * * * * 2026' });
  });

  it('an empty cron', () => {
    const error = rejection(job('cron: ""', 'class: Report'));
    expect(error.message).toBe(
      'schedule: job "report": key "cron": cron "" has 0 fields; expected 5 (minute hour day month weekday) or 6 (second first)',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'cron', value: '' });
  });

  it('an unknown zone in the timezone key', () => {
    const error = rejection(job('cron: "0 9 * * *"', 'timezone: Mars/Olympus', 'class: Report'));
    expect(error.message).toBe(
      'schedule: job "report": key "timezone": unknown time zone "Mars/Olympus" (use an IANA name such as Europe/Berlin or UTC)',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'timezone', value: 'Mars/Olympus' });
  });

  it('an unknown zone trailing the cron', () => {
    const error = rejection(job('cron: "0 9 * * * Mars/Olympus"', 'class: Report'));
    expect(error.message).toBe(
      'schedule: job "report": key "cron": unknown time zone "Mars/Olympus" (use an IANA name such as Europe/Berlin or UTC)',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'cron', value: '0 9 * * * Mars/Olympus' });
  });

  it('two different zones, one trailing the cron and one in the timezone key', () => {
    const error = rejection(job('cron: "0 9 * * * Europe/Berlin"', 'timezone: America/Chicago', 'class: Report'));
    expect(error.message).toBe(
      'schedule: job "report": key "cron" names zone "Europe/Berlin" but key "timezone" is "America/Chicago"; give one',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'timezone', value: 'America/Chicago' });
  });

  it('a class that is not a registered handler', () => {
    const error = rejection(job('cron: "0 9 * * *"', 'class: Nope'));
    expect(error.message).toBe(
      'schedule: job "report": key "class" has value "Nope", which is not a registered handler (registered: PrintWorker, Report)',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'class', value: 'Nope' });
  });

  it('a job defined twice in the mapping, with the line of the second', () => {
    const error = rejection(job('cron: "0 9 * * *"', 'class: Report') + job('cron: "0 10 * * *"', 'class: Report'));
    expect(error.message).toBe('schedule: job "report" is defined twice at line 4, column 1');
    expect(error.details).toMatchObject({ job: 'report' });
  });

  it('a job defined twice in the list form', () => {
    const error = rejection(
      '- name: report\n  cron: "0 9 * * *"\n  class: Report\n- name: report\n  cron: "0 10 * * *"\n  class: Report\n',
    );
    expect(error.message).toBe('schedule: job "report" is defined twice');
    expect(error.details).toMatchObject({ job: 'report' });
  });

  it('a key defined twice inside a job', () => {
    const error = rejection(job('cron: "0 9 * * *"', 'cron: "0 10 * * *"', 'class: Report'));
    expect(error.message).toBe('schedule: job "report": key "cron" is defined twice at line 3, column 3');
    expect(error.details).toMatchObject({ job: 'report', key: 'cron' });
  });

  it('a job without cron', () => {
    const error = rejection(job('class: Report'));
    expect(error.message).toBe('schedule: job "report": missing key "cron" (or key "at", for a job that runs once)');
    expect(error.details).toEqual({ source: 'schedule', job: 'report', key: 'cron' });
  });

  it('a job without class', () => {
    const error = rejection(job('cron: "0 9 * * *"'));
    expect(error.message).toBe('schedule: job "report": missing key "class"');
    expect(error.details).toEqual({ source: 'schedule', job: 'report', key: 'class' });
  });

  it('a list entry without a name', () => {
    const error = rejection('- name: print\n  cron: "* * * * *"\n  class: PrintWorker\n- cron: "* * * * *"\n  class: PrintWorker\n');
    expect(error.message).toBe('schedule: job #2 in the list has no "name"');
    expect(error.details).toMatchObject({ key: 'name' });
  });

  it.each([
    ['-5s', '"-5s"', '-5s'],
    ['0', '0', 0],
    ['0s', '"0s"', '0s'],
    ['abc', '"abc"', 'abc'],
    ['-5', '-5', -5],
  ])('a lease of %s, which is not a positive duration', (written, shown, value) => {
    const error = rejection(job('cron: "0 9 * * *"', 'class: Report', `lease: ${written}`));
    expect(error.message).toBe(
      `schedule: job "report": key "lease" has value ${shown}; expected a positive duration such as 30s, 5m or 1h`,
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'lease', value });
  });

  it('a lease shorter than a second, which heartbeats could not keep', () => {
    const error = rejection(job('cron: "0 9 * * *"', 'class: Report', 'lease: 500ms'));
    expect(error.message).toBe(
      'schedule: job "report": key "lease" has value "500ms"; a lease must be at least 1s so heartbeats can keep it',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'lease', value: '500ms' });
  });

  it('a catch-up window that is not a positive duration', () => {
    const error = rejection(job('cron: "0 9 * * *"', 'class: Report', 'catchupWindow: 0s'));
    expect(error.message).toBe(
      'schedule: job "report": key "catchupWindow" has value "0s"; expected a positive duration such as 30s, 5m or 1h',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'catchupWindow', value: '0s' });
  });

  // The limit is a count of slots: a whole number from 1 to 1000, said so in plain words.
  it.each([
    ['0', 0],
    ['1.5', 1.5],
    ['1001', 1001],
    ['-1', -1],
  ])('a catch-up limit of %s, outside the whole numbers 1..1000', (written, value) => {
    const error = rejection(job('cron: "* * * * *"', 'class: Report', `catchupLimit: ${written}`));
    expect(error.message).toBe(`schedule: job "report": key "catchupLimit" has value ${written}; expected a whole number from 1 to 1000`);
    expect(error.details).toMatchObject({ job: 'report', key: 'catchupLimit', value });
  });

  it.each([
    ['x', '"x"', 'x'],
    ['"3"', '"3"', '3'],
  ])('a catch-up limit of %s, which is not a number', (written, shown, value) => {
    const error = rejection(job('cron: "* * * * *"', 'class: Report', `catchupLimit: ${written}`));
    expect(error.message).toBe(`schedule: job "report": key "catchupLimit" has value ${shown}; expected a number`);
    expect(error.details).toMatchObject({ job: 'report', key: 'catchupLimit', value });
  });

  it.each([
    ['yes', '"yes"', 'yes'],
    ['"true"', '"true"', 'true'],
    ['1', '1', 1],
  ])('continuous: %s, which is not true or false', (written, shown, value) => {
    const error = rejection(job('cron: "* * * * *"', 'class: Report', `continuous: ${written}`));
    expect(error.message).toBe(`schedule: job "report": key "continuous" has value ${shown}; expected a boolean`);
    expect(error.details).toMatchObject({ job: 'report', key: 'continuous', value });
  });

  it.each([
    ['before', ['continuous: true', 'overlap: allow']],
    ['after', ['overlap: allow', 'continuous: true']],
  ])('a continuous job with overlap allow (continuous written %s overlap), naming the job and the key', (_order, lines) => {
    const error = rejection(job('cron: "* * * * *"', 'class: Report', ...lines));
    expect(error.message).toBe(
      'schedule: job "report" is continuous: overlap "allow" would run it beside its chain, which hands its lease from run to run; use overlap skip or bufferOne',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'continuous', value: true });
  });

  it('an overlap that is not one of the policies, listing them', () => {
    const error = rejection(job('cron: "* * * * *"', 'class: Report', 'overlap: buffer'));
    expect(error.message).toBe('schedule: job "report": key "overlap" has value "buffer"; expected one of "skip", "bufferOne", "allow"');
    expect(error.details).toMatchObject({ job: 'report', key: 'overlap', value: 'buffer' });
  });

  it('an unknown key, listing the allowed ones', () => {
    const error = rejection(job('cron: "0 9 * * *"', 'class: Report', 'retries: 3'));
    expect(error.message).toBe(
      'schedule: job "report": unknown key "retries" with value 3 (allowed: name, cron, class, at, startAt, endAt, timezone, args, description, status, queue, lease, catchupWindow, overlap, catchupLimit, continuous, retry, timeout, pauseAfterFailures, jitter, namespace, date_as_argument, source, active_job, queue_name_prefix, queue_name_delimiter, symbolize_args, lock, unique, on_conflict, lock_ttl, lock_timeout, lock_limit, lock_info, lock_prefix, lock_args_method, unique_across_queues, unique_across_workers)',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'retries', value: 3 });
  });

  it('several unknown keys, one message per key with its own value', () => {
    const error = rejection(job('cron: "0 9 * * *"', 'class: Report', 'colour: blue', 'size: 3'));
    const [colour, size, ...rest] = error.message.split('\n');
    expect(colour).toMatch(/^schedule: job "report": unknown key "colour" with value "blue" \(allowed: name, cron, class, /);
    expect(size).toMatch(/^schedule: job "report": unknown key "size" with value 3 \(allowed: name, cron, class, /);
    expect(rest).toEqual([]);
    expect(error.details).toMatchObject({ job: 'report', key: 'colour', value: 'blue' });
  });

  it('a key of the wrong type', () => {
    const error = rejection(job('cron: 5', 'class: Report'));
    expect(error.message).toBe('schedule: job "report": key "cron" has value 5; expected a string');
    expect(error.details).toMatchObject({ job: 'report', key: 'cron', value: 5 });
  });

  it('args that are neither an array nor a mapping', () => {
    const error = rejection(job('cron: "0 9 * * *"', 'class: Report', 'args: 5'));
    expect(error.message).toBe(
      'schedule: job "report": key "args" has value 5; expected an array or a mapping of name to value (sidekiq-cron wraps a single value in an array: write [value])',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'args', value: 5 });
  });

  it('a value outside an enumeration', () => {
    const error = rejection(job('cron: "0 9 * * *"', 'class: Report', 'status: paused'));
    expect(error.message).toBe('schedule: job "report": key "status" has value "paused"; expected one of "enabled", "disabled"');
    expect(error.details).toMatchObject({ job: 'report', key: 'status', value: 'paused' });
  });

  it('a job that is not a mapping', () => {
    const error = rejection('report: 5\n');
    expect(error.message).toBe('schedule: job "report" must be a mapping with at least "cron" and "class", got 5');
    expect(error.details).toMatchObject({ job: 'report', value: 5 });
  });

  it.each([
    ['a slash, which would end a path segment', 'daily/report'],
    ['a comma, which would split a list of jobs', 'daily, weekly'],
    ['a "#", the key\'s separator', 'report#2'],
    ['a leading space', ' report'],
    ['a trailing space', 'report '],
    ['a double quote', 'the "big" one'],
  ])('a job name with %s', (_why, name) => {
    const error = rejection(`${JSON.stringify(name)}:\n  cron: "0 9 * * *"\n  class: Report\n`);
    expect(error.message).toBe(
      `schedule: job name ${JSON.stringify(name)} is invalid: use letters, digits, spaces and "_", "-", ".", ":", "(", ")", "@", "+", "&", "'" (at most 100, starting with a letter or digit, not ending with a space)`,
    );
    expect(error.details).toMatchObject({ job: name });
  });

  it('a job name of over 100 characters (100 is the most)', () => {
    const longest = `r${'e'.repeat(99)}`;
    expect(parseSchedule(`${longest}:\n  cron: "0 9 * * *"\n  class: Report\n`, HANDLERS).map((job) => job.name)).toEqual([longest]);
    const error = rejection(`${longest}e:\n  cron: "0 9 * * *"\n  class: Report\n`);
    expect(error.message).toMatch(/^schedule: job name "re+\.\.\. is invalid: use letters, .* \(at most 100, /);
    expect(error.details).toMatchObject({ job: `${longest}e` });
  });

  it.each([
    ['an empty file', ''],
    ['a file of comments only', '# no jobs yet\n'],
    ['an empty mapping', '{}\n'],
    ['an empty list', '[]\n'],
  ])('%s', (_, text) => {
    expect(rejection(text).message).toBe('schedule: the schedule is empty; define at least one job');
  });

  it('a schedule that is a scalar', () => {
    expect(rejection('hello\n').message).toBe('schedule: the schedule must be a mapping of job name to job, got "hello"');
  });

  it('a YAML syntax error, with its line and column', () => {
    const error = rejection('report:\n  cron: "0 9 * * *"\n   class: Report\n');
    expect(error.message).toBe('schedule: invalid YAML at line 3, column 1: All mapping items must start at the same column');
    expect(error.details).toEqual({ source: 'schedule' });
  });

  it('an unclosed quote, reported where the parser gives up', () => {
    const error = rejection('report:\n  cron: "0 9 * * *\n  class: Report\n');
    expect(error.message).toMatch(/^schedule: invalid YAML at line \d+, column \d+: Missing closing "quote$/);
  });

  it('a cron that never fires (30 February)', () => {
    const error = rejection(job('cron: "0 0 30 2 *"', 'class: Report'));
    expect(error.message).toBe(
      'schedule: job "report": key "cron": cron "0 0 30 2 *" is invalid: Invalid explicit day of month definition',
    );
    expect(error.details).toMatchObject({ job: 'report', key: 'cron', value: '0 0 30 2 *' });
  });

  it('a file larger than the limit, before parsing it', () => {
    const text = `# ${'x'.repeat(MAX_SCHEDULE_BYTES)}\n`;
    expect(rejection(text).message).toBe(`schedule: the schedule is ${MAX_SCHEDULE_BYTES + 3} bytes; the limit is ${MAX_SCHEDULE_BYTES}`);
  });

  it('names the source it was given in every message', () => {
    const error = rejection(job('cron: "0 9 * * *"'), { ...HANDLERS, source: 'config/schedule.yml' });
    expect(error.message).toBe('config/schedule.yml: job "report": missing key "class"');
    expect(error.details.source).toBe('config/schedule.yml');
  });
});

describe('loadScheduleFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cluster-cron-schedule-'));

  it('reads and validates a file, naming the file in errors', () => {
    const good = join(dir, 'good.yml');
    writeFileSync(good, job('cron: "0 9 * * *"', 'class: Report'));
    expect(loadScheduleFile(good, HANDLERS).map((j) => j.name)).toEqual(['report']);

    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, job('cron: "0 9 * * *"', 'class: Nope'));
    expect(() => loadScheduleFile(bad, HANDLERS)).toThrow(`${bad}: job "report": key "class" has value "Nope"`);
  });

  it('reports a missing file with its path and error code', () => {
    const missing = join(dir, 'missing.yml');
    expect(() => loadScheduleFile(missing)).toThrow(
      new ScheduleError(`${missing}: cannot read the schedule file (ENOENT)`, { source: missing }),
    );
  });
});

describe('describeJob', () => {
  it('summarises a job on one line', () => {
    const [report] = parseSchedule(
      job('cron: "0 9 * * *"', 'timezone: Europe/Berlin', 'class: Report', 'lease: 90s', 'status: disabled'),
      HANDLERS,
    );
    expect(describeJob(report!)).toBe('report: "0 9 * * *" Europe/Berlin -> Report (lease 90s, catch-up 90s, overlap skip, disabled)');
  });

  it('mentions a catch-up limit above the default, and a continuous job', () => {
    const [report] = parseSchedule(
      job('cron: "0 9 * * *"', 'class: Report', 'overlap: bufferOne', 'catchupLimit: 3', 'continuous: true'),
      HANDLERS,
    );
    expect(describeJob(report!)).toBe(
      'report: "0 9 * * *" UTC -> Report (lease 1m, catch-up 90s, overlap bufferOne, catch-up limit 3, continuous)',
    );
  });

  it('says overlap allow, and leaves out the default limit and continuous: false', () => {
    const [report] = parseSchedule(
      job('cron: "0 9 * * *"', 'class: Report', 'overlap: allow', 'catchupLimit: 1', 'continuous: false'),
      HANDLERS,
    );
    expect(describeJob(report!)).toBe('report: "0 9 * * *" UTC -> Report (lease 1m, catch-up 90s, overlap allow)');
  });
});

describe('checkLeasesAgainstSkew', () => {
  const [job] = parseSchedule('print:\n  cron: "* * * * *"\n  class: PrintWorker\n  lease: 2s\n', { handlers: ['PrintWorker'] });

  it('refuses a lease no longer than twice the clock skew, naming the job, lease and skew', () => {
    expect(() => checkLeasesAgainstSkew([job!], 1_000, 'config/schedule.yml')).toThrow(
      'config/schedule.yml: job "print": key "lease" has value 2s; with a maximum clock skew of 1s (MAX_CLOCK_SKEW_MS) a lease must be longer than 2s',
    );
  });

  it('accepts the same lease with a smaller skew', () => {
    expect(() => checkLeasesAgainstSkew([job!], 900)).not.toThrow();
  });
});

describe('files that are not schedules at all', () => {
  it('refuses a YAML alias bomb instead of expanding it', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [name, previous] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
    ])
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    expect(rejection(levels.join('\n')).message).toBe(
      'schedule: invalid YAML: Excessive alias count indicates a resource exhaustion attack',
    );
  });

  it('refuses a binary file by name, without printing its bytes', () => {
    expect(rejection('\u0000\u0001garbage\uFFFD').message).toBe('schedule: is not a UTF-8 text file (is it the right file?)');
  });
});

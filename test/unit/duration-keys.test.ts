/**
 * The duration keys as a new user gets them wrong: a value of the wrong type (a boolean, a list),
 * a number YAML reads as infinite, and a duration longer than a timer can wait. Each is refused
 * naming the job, the key and the value, and saying what a duration is.
 */
import { describe, expect, it } from 'vitest';
import { ScheduleError } from '../../functions/core/errors.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { MAX_TIMER_MS } from '../../functions/core/time.js';

const HANDLERS = { handlers: ['Report'] };

/** The ScheduleError of a one-job schedule named `report` with these lines; fails the test when it parses. */
function rejection(...lines: string[]): ScheduleError {
  const text = `${['report:', '  cron: "0 9 * * *"', '  class: Report', ...lines.map((line) => `  ${line}`)].join('\n')}\n`;
  try {
    parseSchedule(text, HANDLERS);
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleError);
    return error as ScheduleError;
  }
  throw new Error(`parseSchedule accepted:\n${text}`);
}

const POSITIVE = 'a positive duration such as 30s, 5m or 1h';

describe('a duration key of the wrong type is refused with what a duration is', () => {
  it.each([
    ['lease: true', 'lease', true, POSITIVE],
    ['lease: [1]', 'lease', [1], POSITIVE],
    ['catchupWindow: {a: 1}', 'catchupWindow', { a: 1 }, POSITIVE],
    ['timeout: true', 'timeout', true, POSITIVE],
    ['lock_ttl: false', 'lock_ttl', false, POSITIVE],
    ['jitter: [2m]', 'jitter', ['2m'], 'a duration such as 30s or 2m, or 0 for none'],
  ])('%s', (line, key, value, expected) => {
    const error = rejection(line);
    expect(error.message).toBe(`schedule: job "report": key "${key}" has value ${JSON.stringify(value)}; expected ${expected}`);
    expect(error.message).not.toContain('Invalid input');
    expect(error.details).toMatchObject({ job: 'report', key, value });
  });

  it('another key of two types says both, not "Invalid input"', () => {
    const error = rejection('unique: 5');
    expect(error.message).toBe('schedule: job "report": key "unique" has value 5; expected a boolean or a string');
  });
});

describe('a number YAML reads as infinite', () => {
  it('is shown as Infinity, not null', () => {
    const error = rejection('lease: 1e400');
    expect(error.message).toBe(`schedule: job "report": key "lease" has value Infinity; expected ${POSITIVE}`);
    expect(error.details).toMatchObject({ key: 'lease', value: Number.POSITIVE_INFINITY });
  });
});

// Node's timers wait at most 2^31-1 ms (about 24.8 days): a longer delay fires at once. A lease
// that long made its watchdog and heartbeats fire every millisecond, a longer one overflowed the
// lock's number (every tick failed), and a timeout that long timed the first attempt out at once.
describe('a duration longer than a timer can wait is refused', () => {
  const TOO_LONG = `at most 24d (the longest a timer waits is ${MAX_TIMER_MS} ms, about 24.8 days)`;

  it.each([
    ['lease: 25d', 'lease', '25d'],
    ['lease: 99999999999d', 'lease', '99999999999d'],
    ['lock_ttl: 30d', 'lock_ttl', '30d'],
    ['timeout: 25d', 'timeout', '25d'],
    ['retry: { attempts: 2, maxBackoff: 30d }', 'retry.maxBackoff', '30d'],
    ['retry: { attempts: 2, backoff: 30d, maxBackoff: 30d }', 'retry.backoff', '30d'],
  ])('%s', (line, key, value) => {
    const error = rejection(line);
    expect(error.message).toBe(`schedule: job "report": key "${key}" has value ${JSON.stringify(value)}; expected ${TOO_LONG}`);
    expect(error.details).toMatchObject({ job: 'report', key, value });
  });

  it('accepts 24 days, and a catch-up window longer than that (no timer waits for it)', () => {
    const [job] = parseSchedule(
      'report:\n  cron: "0 9 * * *"\n  class: Report\n  lease: 24d\n  timeout: 24d\n  catchupWindow: 400d\n  retry: { attempts: 2, maxBackoff: 24d }\n',
      HANDLERS,
    );
    expect(job).toMatchObject({ leaseMs: 24 * 86_400_000, timeoutMs: 24 * 86_400_000, catchupWindowMs: 400 * 86_400_000 });
  });

  it('reads a bare number as seconds', () => {
    const [job] = parseSchedule('report:\n  cron: "0 9 * * *"\n  class: Report\n  lease: 30\n', HANDLERS);
    expect(job?.leaseMs).toBe(30_000);
  });
});

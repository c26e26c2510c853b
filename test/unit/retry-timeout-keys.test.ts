import { describe, expect, it } from 'vitest';
import { ScheduleError } from '../../functions/core/errors.js';
import { describeJob } from '../../functions/core/schedule.js';
import { defineJob } from '../../functions/define.js';
import { resolveConfig } from '../../functions/resolve-config.js';
import { jobFromKeys, refusalOfKeys } from '../support/one-job.js';

const oneJob = (keys: Record<string, unknown>) => jobFromKeys('report', 'Work', keys);
const refusal = (keys: Record<string, unknown>) => refusalOfKeys('report', 'Work', keys).message;

describe('the retry key', () => {
  it('takes attempts, backoff, maxBackoff and factor, each with its default', () => {
    expect(oneJob({ retry: { attempts: 4, backoff: '500ms', maxBackoff: '1m', factor: 3 } }).retry).toEqual({
      attempts: 4,
      backoffMs: 500,
      maxBackoffMs: 60_000,
      factor: 3,
    });
    expect(oneJob({ retry: { attempts: 3 } }).retry).toEqual({ attempts: 3, backoffMs: 1_000, maxBackoffMs: 300_000, factor: 2 });
  });

  it('is absent by default: one attempt, as before', () => {
    expect(oneJob({})).not.toHaveProperty('retry');
    expect(oneJob({})).not.toHaveProperty('timeoutMs');
  });

  it.each([
    [{ attempts: 0 }, 'key "retry.attempts" has value 0; expected a whole number from 1 to 1000 (the tries in all, the first included)'],
    [{ attempts: 2.5 }, 'key "retry.attempts" has value 2.5; expected a whole number from 1 to 1000'],
    [{ backoff: 'soon' }, 'key "retry.backoff" has value "soon"; expected a positive duration such as 500ms, 30s or 5m'],
    [{ maxBackoff: 0 }, 'key "retry.maxBackoff" has value 0; expected a positive duration'],
    [{ factor: 0.5 }, 'key "retry.factor" has value 0.5; expected a number from 1 to 10'],
    [{ tries: 3 }, 'key "retry.tries" has value 3; expected no such key (allowed: attempts, backoff, maxBackoff, factor)'],
    [{ backoff: '10m' }, 'key "retry.backoff" has value "10m"; expected a backoff no longer than maxBackoff (5m here; backoff 10m)'],
    [{ backoff: '10s', maxBackoff: '5s' }, 'key "retry.maxBackoff" has value "5s"; expected a backoff no longer than maxBackoff'],
  ])('refuses %j naming the job, the key and the value', (retry, message) => {
    const error = refusalOfKeys('report', 'Work', { retry });
    expect(error.message).toContain(`schedule: job "report": ${message}`);
    expect(error.details.job).toBe('report');
    expect(error.details.key).toMatch(/^retry\./);
  });
});

describe('the timeout key', () => {
  it('takes a duration', () => {
    expect(oneJob({ timeout: '90s' }).timeoutMs).toBe(90_000);
    expect(oneJob({ timeout: 2 }).timeoutMs).toBe(2_000);
  });

  it.each(['0s', 'forever', -3])('refuses %j', (timeout) => {
    expect(refusal({ timeout })).toBe(
      `schedule: job "report": key "timeout" has value ${JSON.stringify(timeout)}; expected a positive duration such as 30s, 5m or 1h`,
    );
  });
});

describe('describeJob', () => {
  it('names the retries and the timeout', () => {
    expect(describeJob(oneJob({ retry: { attempts: 3 }, timeout: '5m' }))).toContain(
      ', 3 attempts, backoff 1s × 2^n up to 5m, timeout 5m)',
    );
  });
});

describe('retry and timeout in code (defineJob)', () => {
  const handler = async () => {};

  it('are read with the schedule file rules', () => {
    const config = resolveConfig(
      { jobs: { report: defineJob({ cron: '* * * * *', handler, retry: { attempts: 3, backoff: '2s' }, timeout: '1m' }) } },
      'cluster-cron.config.ts',
    );
    expect(config.jobs[0]).toMatchObject({ retry: { attempts: 3, backoffMs: 2_000 }, timeoutMs: 60_000 });
  });

  it('are refused with the same message', () => {
    const refused = () =>
      resolveConfig({ jobs: { report: defineJob({ cron: '* * * * *', handler, retry: { attempts: -1 } }) } }, 'cluster-cron.config.ts');
    expect(refused).toThrow(ScheduleError);
    expect(refused).toThrow(
      'cluster-cron.config.ts: job "report": key "retry.attempts" has value -1; expected a whole number from 1 to 1000',
    );
  });
});

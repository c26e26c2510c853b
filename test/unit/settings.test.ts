import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_JOBS_PER_TICK } from '../../functions/core/fan-out.js';
import { readMaxClockSkewMs, readMaxJobsPerTick } from '../../functions/settings.js';

describe('readMaxClockSkewMs', () => {
  it('defaults to one second', () => {
    expect(readMaxClockSkewMs({})).toBe(1_000);
    expect(readMaxClockSkewMs({ MAX_CLOCK_SKEW_MS: '' })).toBe(1_000);
  });

  it('reads milliseconds', () => {
    expect(readMaxClockSkewMs({ MAX_CLOCK_SKEW_MS: '250' })).toBe(250);
    expect(readMaxClockSkewMs({ MAX_CLOCK_SKEW_MS: '0' })).toBe(0);
  });

  it.each(['abc', '-1', 'Infinity', '1s'])('refuses %j, naming the variable and the value', (raw) => {
    expect(() => readMaxClockSkewMs({ MAX_CLOCK_SKEW_MS: raw })).toThrow(
      `environment variable MAX_CLOCK_SKEW_MS has value ${JSON.stringify(raw)}; expected a number of milliseconds >= 0`,
    );
  });
});

describe('readMaxJobsPerTick', () => {
  it('defaults to DEFAULT_MAX_JOBS_PER_TICK (250)', () => {
    expect(readMaxJobsPerTick({})).toBe(DEFAULT_MAX_JOBS_PER_TICK);
    expect(readMaxJobsPerTick({ CLUSTER_CRON_MAX_JOBS_PER_TICK: '' })).toBe(250);
  });

  it('reads a whole number of jobs', () => {
    expect(readMaxJobsPerTick({ CLUSTER_CRON_MAX_JOBS_PER_TICK: '1' })).toBe(1);
    expect(readMaxJobsPerTick({ CLUSTER_CRON_MAX_JOBS_PER_TICK: '1000' })).toBe(1_000);
  });

  it.each(['0', '-5', '2.5', 'many', 'Infinity'])('refuses %j, naming the variable and the value', (raw) => {
    expect(() => readMaxJobsPerTick({ CLUSTER_CRON_MAX_JOBS_PER_TICK: raw })).toThrow(
      `environment variable CLUSTER_CRON_MAX_JOBS_PER_TICK has value ${JSON.stringify(raw)}; expected a whole number from 1`,
    );
  });
});

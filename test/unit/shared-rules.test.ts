/** The small pure rules the schedule file, the CLI, the tick command and the status page share. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UnknownJobError } from '../../functions/core/errors.js';
import { findJob } from '../../functions/core/find-job.js';
import { continuousAllowError } from '../../functions/core/overlap-rules.js';
import { describeSchemaError, showValue } from '../../functions/core/schema-messages.js';
import { jobDefinition } from '../support/job-definition.js';

describe('continuousAllowError', () => {
  it('refuses only a continuous job with overlap allow, naming the job', () => {
    expect(continuousAllowError('report', true, 'allow')).toBe(
      'job "report" is continuous: overlap "allow" would run it beside its chain, which hands its lease from run to run; use overlap skip or bufferOne',
    );
    expect(continuousAllowError('report', false, 'allow')).toBeUndefined();
    expect(continuousAllowError('report', true, 'skip')).toBeUndefined();
    expect(continuousAllowError('report', true, undefined)).toBeUndefined();
  });
});

describe('findJob', () => {
  it('returns the job of that name, or an UnknownJobError listing the jobs there are', () => {
    const jobs = [jobDefinition(), jobDefinition({ name: 'report' })];
    expect(findJob(jobs, 'report').name).toBe('report');
    expect(() => findJob(jobs, 'nope')).toThrow(new UnknownJobError('nope', ['print', 'report']));
    expect(() => findJob([], 'nope')).toThrow('unknown job "nope" (the schedule defines: no jobs)');
  });
});

describe('describeSchemaError', () => {
  const schema = z.strictObject({ note: z.string().max(3).optional(), limit: z.number().max(9).optional(), name: z.string() });
  const problemOf = (input: Record<string, unknown>, ranged?: Record<string, string>) =>
    describeSchemaError(schema.safeParse(input).error as z.ZodError, input, {
      noun: 'field',
      allowed: 'takes: note, limit, name',
      ...(ranged && { ranged }),
    });

  it('names an unknown key with its value and what is allowed', () => {
    expect(problemOf({ name: 'a', extra: 1 })).toEqual({
      message: 'unknown field "extra" with value 1 (takes: note, limit, name)',
      key: 'extra',
      value: 1,
    });
  });
  it('names a missing key', () => {
    expect(problemOf({})).toEqual({ message: 'missing field "name"', key: 'name' });
  });
  it('names a wrong value with what was expected, by a range where one is given', () => {
    expect(problemOf({ name: 'a', note: 'long' }).message).toBe('field "note" has value "long"; expected a string of at most 3 characters');
    expect(problemOf({ name: 7 }).message).toBe('field "name" has value 7; expected a string');
    expect(problemOf({ name: 'a', limit: 10 }, { limit: 'a whole number from 1 to 9' }).message).toBe(
      'field "limit" has value 10; expected a whole number from 1 to 9',
    );
  });
  it('shows long values cut to 80 characters, and a function as such', () => {
    expect(showValue('x'.repeat(100))).toBe(`"${'x'.repeat(76)}...`);
    expect(showValue(() => 1)).toBe('a function');
  });
});

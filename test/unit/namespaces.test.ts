import { describe, expect, it } from 'vitest';
import { UnknownNamespaceError } from '../../functions/core/errors.js';
import { DEFAULT_NAMESPACE, jobsInNamespace, namespaceOf } from '../../functions/core/namespaces.js';
import { jobDefinition } from '../support/job-definition.js';

const jobs = [
  jobDefinition({ name: 'a' }),
  jobDefinition({ name: 'b', namespace: 'billing' }),
  jobDefinition({ name: 'c', namespace: 'default' }),
];

describe('namespaces', () => {
  it("puts a job that names none in sidekiq-cron's default", () => {
    expect(namespaceOf(jobs[0]!)).toBe(DEFAULT_NAMESPACE);
    expect(namespaceOf(jobs[1]!)).toBe('billing');
  });

  it('keeps the jobs of one namespace, in schedule order, and every job without one', () => {
    expect(jobsInNamespace(jobs, 'default').map((job) => job.name)).toEqual(['a', 'c']);
    expect(jobsInNamespace(jobs, 'billing').map((job) => job.name)).toEqual(['b']);
    expect(jobsInNamespace(jobs, undefined)).toHaveLength(3);
  });

  it('refuses a namespace no job has, listing those there are', () => {
    expect(() => jobsInNamespace(jobs, 'ops')).toThrow(new UnknownNamespaceError('ops', ['billing', 'default']));
    expect(() => jobsInNamespace(jobs, 'ops')).toThrow('no job is in namespace "ops" (the schedule\'s namespaces: billing, default)');
  });
});

/**
 * sidekiq-cron's namespaces: a label that groups jobs, shown and filtered on by `status`, the
 * JSON API and the page. A job that names none is in sidekiq-cron's `default`, so a filter on
 * `default` finds the jobs of a file that never used namespaces.
 */
import { UnknownNamespaceError } from './errors.js';
import type { JobDefinition } from './types.js';

/** sidekiq-cron's namespace of a job that names none. */
export const DEFAULT_NAMESPACE = 'default';

/** The namespace `job` is in. */
export function namespaceOf(job: Pick<JobDefinition, 'namespace'>): string {
  return job.namespace ?? DEFAULT_NAMESPACE;
}

/**
 * The jobs in `namespace`, in schedule order; every job when it is undefined.
 * @throws UnknownNamespaceError when no job is in it, listing the namespaces there are.
 */
export function jobsInNamespace(jobs: readonly JobDefinition[], namespace: string | undefined): JobDefinition[] {
  if (namespace === undefined) return [...jobs];
  const found = jobs.filter((job) => namespaceOf(job) === namespace);
  if (found.length === 0) throw new UnknownNamespaceError(namespace, [...new Set(jobs.map(namespaceOf))].sort());
  return found;
}

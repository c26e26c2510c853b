/**
 * Looking a job up by name: the one lookup of the CLI, the operations, the tick command and the
 * status page, so an unknown name reads the same everywhere (UnknownJobError lists the jobs).
 */
import { UnknownJobError } from './errors.js';
import type { JobDefinition } from './types.js';

/** The job named `name`. @throws UnknownJobError naming it and listing the jobs there are. */
export function findJob(jobs: readonly JobDefinition[], name: string): JobDefinition {
  const job = jobs.find((candidate) => candidate.name === name);
  if (!job)
    throw new UnknownJobError(
      name,
      jobs.map((candidate) => candidate.name),
    );
  return job;
}

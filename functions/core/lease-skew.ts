/** The check that a job's lease outlasts the clock skew margin, kept apart from the schedule parser so a deployed tick can run it without loading YAML or zod. */
import { ScheduleError } from './errors.js';
import { formatDurationMs } from './time.js';
import type { JobDefinition } from './types.js';

/**
 * A holder treats its lease as lost `maxClockSkewMs` before it ends, and renews it every third
 * of the lease: a lease of twice the skew or less would be lost before its first heartbeat.
 * @throws ScheduleError naming the job, its lease and the skew.
 */
export function checkLeasesAgainstSkew(jobs: readonly JobDefinition[], maxClockSkewMs: number, source = 'schedule'): void {
  for (const job of jobs) {
    if (job.leaseMs <= 2 * maxClockSkewMs) {
      throw new ScheduleError(
        `${source}: job "${job.name}": key "lease" has value ${formatDurationMs(job.leaseMs)}; with a maximum clock skew of ${formatDurationMs(maxClockSkewMs)} (MAX_CLOCK_SKEW_MS) a lease must be longer than ${formatDurationMs(2 * maxClockSkewMs)}`,
        { source, job: job.name, key: 'lease', value: formatDurationMs(job.leaseMs) },
      );
    }
  }
}

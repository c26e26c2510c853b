/** Settings read from the environment by the Lambda handler and the CLI alike. */
import { ClusterCronError } from './core/errors.js';
import { DEFAULT_MAX_JOBS_PER_TICK } from './core/fan-out.js';
import { TICK_DEFAULTS } from './core/tick.js';

/**
 * MAX_CLOCK_SKEW_MS: the largest difference between two instances' clocks (default 1000).
 * A typo would silently turn off the skew margin (NaN compares false), so it is refused.
 */
export function readMaxClockSkewMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MAX_CLOCK_SKEW_MS;
  if (raw === undefined || raw === '') return TICK_DEFAULTS.maxClockSkewMs;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new ClusterCronError(
      `environment variable MAX_CLOCK_SKEW_MS has value ${JSON.stringify(raw)}; expected a number of milliseconds >= 0`,
    );
  }
  return value;
}

/**
 * CLUSTER_CRON_MAX_JOBS_PER_TICK: how many due runtime jobs one invocation starts before the tick
 * fans out (the construct's `maxJobsPerTick`; default DEFAULT_MAX_JOBS_PER_TICK). A whole number
 * from 1: a typo would otherwise fan every tick out, or never.
 */
export function readMaxJobsPerTick(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CLUSTER_CRON_MAX_JOBS_PER_TICK;
  if (raw === undefined || raw === '') return DEFAULT_MAX_JOBS_PER_TICK;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new ClusterCronError(
      `environment variable CLUSTER_CRON_MAX_JOBS_PER_TICK has value ${JSON.stringify(raw)}; expected a whole number from 1`,
    );
  }
  return value;
}

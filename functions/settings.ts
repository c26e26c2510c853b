/** Settings read from the environment by the Lambda handler and the CLI alike. */
import { ClusterCronError } from './core/errors.js';
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

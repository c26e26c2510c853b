/**
 * A job's `timeout` against the tick function's own limit, at synth: one attempt, the grace
 * after its timeout and the deadline margin must fit in one invocation, or the Lambda would cut
 * the run off before the job's timeout could (and record nothing but a lost slot).
 */

import { TIMEOUT_GRACE_MS } from '../functions/core/run-timeout.js';
import { TICK_DEFAULTS } from '../functions/core/tick.js';
import { formatDurationMs } from '../functions/core/time.js';
import type { JobDefinition } from '../functions/core/types.js';

/** What an invocation needs beyond a job's timeout: the grace after it and the deadline margin. */
export const TIMEOUT_OVERHEAD_MS = TIMEOUT_GRACE_MS + TICK_DEFAULTS.deadlineMarginMs;

/** The shortest function timeout that fits the longest job timeout (0 when no job has one). */
export function timeoutFloorMs(jobs: readonly JobDefinition[]): number {
  const longestMs = Math.max(0, ...jobs.filter((job) => job.enabled).map((job) => job.timeoutMs ?? 0));
  return longestMs === 0 ? 0 : longestMs + TIMEOUT_OVERHEAD_MS;
}

/** The first enabled job whose timeout does not fit a `functionTimeoutMs` invocation, with the message to throw. */
export function runTimeoutProblem(construct: string, jobs: readonly JobDefinition[], functionTimeoutMs: number): string | undefined {
  const fitsMs = functionTimeoutMs - TIMEOUT_OVERHEAD_MS;
  const job = jobs.find((candidate) => candidate.enabled && candidate.timeoutMs !== undefined && candidate.timeoutMs > fitsMs);
  if (!job?.timeoutMs) return undefined;
  return `ClusterCron "${construct}": job "${job.name}": key "timeout" has value ${formatDurationMs(job.timeoutMs)}; the tick function's timeout is ${formatDurationMs(functionTimeoutMs)}, and one attempt plus ${formatDurationMs(TIMEOUT_GRACE_MS)} of grace and the ${formatDurationMs(TICK_DEFAULTS.deadlineMarginMs)} deadline margin must fit in it: give the job a timeout of at most ${formatDurationMs(Math.max(0, fitsMs))}, or the construct a longer timeout (at most 15 minutes)`;
}

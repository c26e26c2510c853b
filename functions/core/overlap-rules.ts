/**
 * The rules that pair a job's kind with an overlap policy, in one place for the schedule file,
 * a manual trigger and the status page. Pure: each returns the reason a pair is refused, and the
 * caller says where the pair came from (the file's key, the payload, the request field).
 */
import { OverlapPolicy } from './types.js';

/**
 * Why a continuous job may not run with overlap `allow`, or undefined when the pair is fine. Its
 * chain hands the lease from run to run; an unleased run beside it would overlap it.
 */
export function continuousAllowError(
  jobName: string,
  continuous: boolean | undefined,
  overlap: OverlapPolicy | undefined,
): string | undefined {
  if (continuous !== true || overlap !== OverlapPolicy.allow) return undefined;
  return `job ${JSON.stringify(jobName)} is continuous: overlap "allow" would run it beside its chain, which hands its lease from run to run; use overlap skip or bufferOne`;
}

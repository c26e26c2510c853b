/**
 * The tick function invoking itself: a chain's hand-off near the deadline (functions/hand-off.ts)
 * and the parts of a fanned-out tick (functions/fan-out-invoke.ts), both asynchronous invokes of
 * the same function. Granted to every deployment: runtime jobs (upsertJob) are added without a
 * deploy, so no synth can know that a tick will never have more due than `maxJobsPerTick`.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ClusterCronError } from '../functions/core/errors.js';
import { DEFAULT_MAX_JOBS_PER_TICK } from '../functions/core/fan-out.js';

/** The environment variable the tick reads `maxJobsPerTick` from (functions/settings.ts). */
export const MAX_JOBS_PER_TICK_ENV = 'CLUSTER_CRON_MAX_JOBS_PER_TICK';

/** The function's environment for the fan-out; refuses a `maxJobsPerTick` that is not a whole number from 1, naming the construct. */
export function fanOutEnvironment(id: string, maxJobsPerTick = DEFAULT_MAX_JOBS_PER_TICK): Record<string, string> {
  if (!Number.isInteger(maxJobsPerTick) || maxJobsPerTick < 1) {
    throw new ClusterCronError(`ClusterCron "${id}": maxJobsPerTick is ${maxJobsPerTick}; expected a whole number from 1`);
  }
  return { [MAX_JOBS_PER_TICK_ENV]: String(maxJobsPerTick) };
}

/**
 * Lets `role` invoke `fn` and nothing else. A policy of its own, not the role's default one:
 * the function depends on the default policy, and this one names the function's ARN.
 */
export function grantSelfInvoke(scope: Construct, role: iam.IRole, fn: lambda.IFunction): iam.Policy {
  return new iam.Policy(scope, 'SelfInvoke', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'InvokeItself',
        actions: ['lambda:InvokeFunction'],
        resources: [fn.functionArn],
      }),
    ],
  });
}

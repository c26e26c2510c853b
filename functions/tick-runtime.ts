/**
 * The tick Lambda handler for validated jobs and their handlers, configured once per container
 * from CLUSTER_CRON_TABLE and optional DYNAMODB_ENDPOINT, MAX_CLOCK_SKEW_MS and
 * CLUSTER_CRON_MAX_JOBS_PER_TICK. It loads no
 * schedule parser or schema library: the construct's bundle (infra/tick-entry.ts) ships the jobs
 * as data validated at synth; tick-handler.ts resolves them from a config, a schedule or the environment.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { ClusterCronError, PayloadError } from './core/errors.js';
import type { FailureHook } from './core/failure-hook.js';
import { checkLeasesAgainstSkew } from './core/lease-skew.js';
import { parseTickPayload, type TickCommand } from './core/payload.js';
import { runtimeNamesIn } from './core/runtime-jobs.js';
import { runTickCommand, type TickDeps } from './core/tick.js';
import { systemClock } from './core/time.js';
import type { JobDefinition, JobHandler, TickOutcome } from './core/types.js';
import { createDocumentClient } from './dynamo-client.js';
import { failurePublishing } from './failure-publish.js';
import { lambdaFanOut } from './fan-out-invoke.js';
import { lambdaHandOff } from './hand-off.js';
import { createEventLog } from './log.js';
import { createTickMetrics, recordOutcomes, TickMetric, withLagMetric } from './metrics.js';
import { fanOutSummary, logOverdueJobs } from './outcome-notes.js';
import { readMaxClockSkewMs, readMaxJobsPerTick } from './settings.js';

/** What one invocation returns: every outcome, and counts per kind for a quick look. */
export interface TickResponse {
  instance: string;
  outcomes: TickOutcome[];
  counts: Partial<Record<TickOutcome['outcome'], number>>;
}

/** The Lambda context fields the handler uses. */
export type TickContext = Pick<Context, 'getRemainingTimeInMillis' | 'logStreamName' | 'awsRequestId'>;

/** The handler Lambda calls: an EventBridge scheduled event or a manual payload. */
export type TickHandler = (event: unknown, context?: TickContext) => Promise<TickResponse>;

/** Validated jobs and the handlers they name. */
export interface JobsTickHandlerOptions {
  /** JobDefinition.handler -> function. */
  handlers: Readonly<Record<string, JobHandler>>;
  /** Each job's `onFailure` hook by job name. */
  failureHooks?: Readonly<Record<string, FailureHook>>;
  jobs: readonly JobDefinition[];
  /** The name errors give the jobs' origin (a file name). */
  source: string;
  env?: NodeJS.ProcessEnv;
}

function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ClusterCronError(`environment variable ${name} is not set`);
  return value;
}

/**
 * Reads the environment now (a missing table name or a lease too short for the skew fails the
 * cold start) and returns the handler. It throws a PayloadError for a bad payload, and an error
 * after all jobs were handled if any job hit a store error, so Lambda's retry (safe: the tick is
 * idempotent) and the error alarm see it.
 */
export function createJobsTickHandler(options: JobsTickHandlerOptions): TickHandler {
  const env = options.env ?? process.env;
  const { handlers, jobs, source } = options;
  const tableName = requireEnv(env, 'CLUSTER_CRON_TABLE');
  const client = createDocumentClient(env.DYNAMODB_ENDPOINT);
  const maxClockSkewMs = readMaxClockSkewMs(env);
  checkLeasesAgainstSkew(jobs, maxClockSkewMs, source);
  const metrics = createTickMetrics(env);
  // Set by the Lambda runtime: a continuous job's next link near the deadline goes to a fresh invocation.
  const handOff = lambdaHandOff(env.AWS_LAMBDA_FUNCTION_NAME);
  // More runtime jobs due than maxJobsPerTick: parts 1 to n - 1 go to fresh invocations of this function.
  const maxJobsPerTick = readMaxJobsPerTick(env);
  const fanOut = env.AWS_LAMBDA_FUNCTION_NAME ? lambdaFanOut(env.AWS_LAMBDA_FUNCTION_NAME) : undefined;
  // The construct's failureNotifications: an SNS topic and/or an EventBridge bus.
  const publishing = failurePublishing(env);
  // Per-job metrics for the schedule's jobs only: their not-started alarms read them; a runtime job's would be a metric a month each.
  const fileJobNames = new Set(jobs.map((job) => job.name));

  return async (event, context) => {
    metrics.captureColdStartMetric();
    const instance = `lambda:${(context?.logStreamName ?? 'local').split(']').pop()?.slice(0, 12) || 'local'}`;
    const log = createEventLog({ instance });
    const deps: TickDeps = {
      client,
      tableName,
      clock: systemClock,
      instance,
      log: withLagMetric(log, metrics),
      handlers,
      ...(options.failureHooks && { failureHooks: options.failureHooks }),
      maxClockSkewMs,
      ...(handOff && { handOff }),
      ...(fanOut && { fanOut }),
      maxJobsPerTick,
      ...publishing,
    };
    let command: TickCommand;
    try {
      const runtimeJobs = await runtimeNamesIn(deps, event, jobs);
      command = parseTickPayload(event, jobs, systemClock(), maxClockSkewMs, { runtimeJobs });
    } catch (error) {
      if (error instanceof PayloadError) log.error('tick.payload.invalid', { error: error.message, field: error.field });
      throw error;
    }
    const deadlineMs = context ? systemClock() + context.getRemainingTimeInMillis() : undefined;
    const startedMs = systemClock();
    let outcomes: TickOutcome[];
    try {
      outcomes = await runTickCommand(deps, jobs, command, deadlineMs !== undefined ? { deadlineMs } : {});
      recordOutcomes(metrics, outcomes, { perJob: (name) => fileJobNames.has(name) });
    } finally {
      metrics.addMetric(TickMetric.tickDuration, MetricUnit.Milliseconds, systemClock() - startedMs);
      metrics.publishStoredMetrics();
    }
    logOverdueJobs(log, outcomes);
    const counts: TickResponse['counts'] = {};
    for (const outcome of outcomes) counts[outcome.outcome] = (counts[outcome.outcome] ?? 0) + 1;
    // A continuation's state may be large: the log names it, without it.
    const logged =
      command.kind === 'continue'
        ? {
            ...command,
            continuation: { ...command.continuation, state: command.continuation.state === undefined ? undefined : '(omitted)' },
          }
        : command;
    const fannedOut = fanOutSummary(outcomes);
    log.info('tick.end', {
      command: logged,
      counts,
      ...(fannedOut && { fannedOut }),
      tickMs: systemClock() - startedMs,
      requestId: context?.awsRequestId,
    });
    const errors = outcomes.filter((outcome) => outcome.outcome === 'error');
    if (errors.length > 0) throw new ClusterCronError(`tick failed for ${errors.length} job(s): ${JSON.stringify(errors)}`);
    return { instance, outcomes, counts };
  };
}

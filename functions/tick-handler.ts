/**
 * Builds the tick Lambda handler from its configuration, read once per container: the handler
 * registry, the schedule (given, or CLUSTER_CRON_SCHEDULE inline, or CLUSTER_CRON_SCHEDULE_FILE),
 * CLUSTER_CRON_TABLE, and optional DYNAMODB_ENDPOINT and MAX_CLOCK_SKEW_MS.
 * `functions/tick.ts` builds it from the environment; the deployed bundle (infra/tick-entry.ts)
 * with the schedule compiled in, so a cold start reads nothing but its environment.
 */
import type { Context } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ClusterCronError, PayloadError } from './core/errors.js';
import { parseTickPayload } from './core/payload.js';
import { checkLeasesAgainstSkew, loadScheduleFile, parseSchedule } from './core/schedule.js';
import { runTickCommand, type TickDeps } from './core/tick.js';
import { systemClock } from './core/time.js';
import type { JobHandler, TickOutcome } from './core/types.js';
import { createDocumentClient } from './dynamo-client.js';
import { lambdaHandOff } from './hand-off.js';
import { createEventLog } from './log.js';
import { TickMetric, createTickMetrics, recordOutcomes, withLagMetric } from './metrics.js';
import { readMaxClockSkewMs } from './settings.js';

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

/** Where the handler's configuration comes from. */
export interface TickHandlerOptions {
  /** The registry a schedule's `class` names. */
  handlers: Readonly<Record<string, JobHandler>>;
  /** The schedule's text and the name its errors give (a file name); default: from the environment. */
  schedule?: { text: string; source: string };
  env?: NodeJS.ProcessEnv;
}

function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ClusterCronError(`environment variable ${name} is not set`);
  return value;
}

/**
 * Reads and validates the configuration now (a bad schedule fails the cold start, naming the
 * job and key) and returns the handler. It throws a PayloadError for a bad payload, and an error
 * after all jobs were handled if any job hit a store error, so Lambda's retry (safe: the tick is
 * idempotent) and the error alarm see it.
 */
export function createTickHandler(options: TickHandlerOptions): TickHandler {
  const env = options.env ?? process.env;
  const handlers = options.handlers;
  const handlerNames = Object.keys(handlers);
  const tableName = requireEnv(env, 'CLUSTER_CRON_TABLE');
  let source: string;
  let jobs;
  if (options.schedule) {
    source = options.schedule.source;
    jobs = parseSchedule(options.schedule.text, { handlers: handlerNames, source });
  } else if (env.CLUSTER_CRON_SCHEDULE) {
    source = 'CLUSTER_CRON_SCHEDULE';
    jobs = parseSchedule(env.CLUSTER_CRON_SCHEDULE, { handlers: handlerNames, source });
  } else {
    source = env.CLUSTER_CRON_SCHEDULE_FILE ?? 'config/schedule.yml';
    jobs = loadScheduleFile(source, { handlers: handlerNames });
  }
  const client = createDocumentClient(env.DYNAMODB_ENDPOINT);
  const maxClockSkewMs = readMaxClockSkewMs(env);
  checkLeasesAgainstSkew(jobs, maxClockSkewMs, source);
  const metrics = createTickMetrics(env);
  // Set by the Lambda runtime: a continuous job's next link near the deadline goes to a fresh invocation.
  const handOff = lambdaHandOff(env.AWS_LAMBDA_FUNCTION_NAME);

  return async (event, context) => {
    metrics.captureColdStartMetric();
    const instance = `lambda:${(context?.logStreamName ?? 'local').split(']').pop()?.slice(0, 12) || 'local'}`;
    const log = createEventLog({ instance });
    const deps: TickDeps = { client, tableName, clock: systemClock, instance, log: withLagMetric(log, metrics), handlers, maxClockSkewMs, ...(handOff && { handOff }) };
    let command;
    try {
      command = parseTickPayload(event, jobs, systemClock(), maxClockSkewMs);
    } catch (error) {
      if (error instanceof PayloadError) log.error('tick.payload.invalid', { error: error.message, field: error.field });
      throw error;
    }
    const deadlineMs = context ? systemClock() + context.getRemainingTimeInMillis() : undefined;
    const startedMs = systemClock();
    let outcomes: TickOutcome[];
    try {
      outcomes = await runTickCommand(deps, jobs, command, deadlineMs !== undefined ? { deadlineMs } : {});
      recordOutcomes(metrics, outcomes);
    } finally {
      metrics.addMetric(TickMetric.tickDuration, MetricUnit.Milliseconds, systemClock() - startedMs);
      metrics.publishStoredMetrics();
    }
    const counts: TickResponse['counts'] = {};
    for (const outcome of outcomes) counts[outcome.outcome] = (counts[outcome.outcome] ?? 0) + 1;
    // A continuation's state may be large: the log names it, without it.
    const logged = command.kind === 'continue' ? { ...command, continuation: { ...command.continuation, state: command.continuation.state === undefined ? undefined : '(omitted)' } } : command;
    log.info('tick.end', { command: logged, counts, tickMs: systemClock() - startedMs, requestId: context?.awsRequestId });
    const errors = outcomes.filter((outcome) => outcome.outcome === 'error');
    if (errors.length > 0) throw new ClusterCronError(`tick failed for ${errors.length} job(s): ${JSON.stringify(errors)}`);
    return { instance, outcomes, counts };
  };
}

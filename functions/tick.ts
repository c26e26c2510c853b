/**
 * The tick Lambda handler: an EventBridge scheduled event or a manual payload -> one core call.
 * Config is read once per container: CLUSTER_CRON_TABLE, the schedule (CLUSTER_CRON_SCHEDULE
 * inline, or CLUSTER_CRON_SCHEDULE_FILE), optional DYNAMODB_ENDPOINT and MAX_CLOCK_SKEW_MS.
 */
import type { Context } from 'aws-lambda';
import { ClusterCronError, PayloadError } from './core/errors.js';
import { parseTickPayload } from './core/payload.js';
import { checkLeasesAgainstSkew, loadScheduleFile, parseSchedule } from './core/schedule.js';
import { runTickCommand, type TickDeps } from './core/tick.js';
import { systemClock } from './core/time.js';
import type { TickOutcome } from './core/types.js';
import { createDocumentClient } from './dynamo-client.js';
import { lambdaHandOff } from './hand-off.js';
import { handlerNames, handlers } from './jobs/index.js';
import { createEventLog } from './log.js';
import { readMaxClockSkewMs } from './settings.js';

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new ClusterCronError(`environment variable ${name} is not set`);
  return value;
}

const tableName = requireEnv('CLUSTER_CRON_TABLE');
const inlineSchedule = process.env.CLUSTER_CRON_SCHEDULE;
const scheduleSource = inlineSchedule ? 'CLUSTER_CRON_SCHEDULE' : (process.env.CLUSTER_CRON_SCHEDULE_FILE ?? 'config/schedule.yml');
const jobs = inlineSchedule
  ? parseSchedule(inlineSchedule, { handlers: handlerNames, source: scheduleSource })
  : loadScheduleFile(scheduleSource, { handlers: handlerNames });
const client = createDocumentClient(process.env.DYNAMODB_ENDPOINT);
const maxClockSkewMs = readMaxClockSkewMs();
// Set by the Lambda runtime: a continuous job's next link near the deadline goes to a fresh invocation.
const handOff = lambdaHandOff(process.env.AWS_LAMBDA_FUNCTION_NAME);
checkLeasesAgainstSkew(jobs, maxClockSkewMs, scheduleSource);

/** What one invocation returns: every outcome, and counts per kind for a quick look. */
export interface TickResponse {
  instance: string;
  outcomes: TickOutcome[];
  counts: Partial<Record<TickOutcome['outcome'], number>>;
}

/**
 * Handles one tick. Throws a PayloadError for a bad payload, and an error after all jobs
 * were handled if any job hit a store error, so Lambda's retry (safe: the tick is idempotent)
 * and the error alarm see it.
 */
export async function handler(event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis' | 'logStreamName' | 'awsRequestId'>): Promise<TickResponse> {
  const instance = `lambda:${(context?.logStreamName ?? 'local').split(']').pop()?.slice(0, 12) || 'local'}`;
  const log = createEventLog({ instance });
  const deps: TickDeps = { client, tableName, clock: systemClock, instance, log, handlers, maxClockSkewMs, ...(handOff && { handOff }) };
  let command;
  try {
    command = parseTickPayload(event, jobs, systemClock(), maxClockSkewMs);
  } catch (error) {
    if (error instanceof PayloadError) log.error('tick.payload.invalid', { error: error.message, field: error.field });
    throw error;
  }
  const deadlineMs = context ? systemClock() + context.getRemainingTimeInMillis() : undefined;
  const startedMs = systemClock();
  const outcomes = await runTickCommand(deps, jobs, command, deadlineMs !== undefined ? { deadlineMs } : {});
  const counts: TickResponse['counts'] = {};
  for (const outcome of outcomes) counts[outcome.outcome] = (counts[outcome.outcome] ?? 0) + 1;
  // A continuation's state may be large: the log names it, without it.
  const logged = command.kind === 'continue' ? { ...command, continuation: { ...command.continuation, state: command.continuation.state === undefined ? undefined : '(omitted)' } } : command;
  log.info('tick.end', { command: logged, counts, tickMs: systemClock() - startedMs, requestId: context?.awsRequestId });
  const errors = outcomes.filter((outcome) => outcome.outcome === 'error');
  if (errors.length > 0) throw new ClusterCronError(`tick failed for ${errors.length} job(s): ${JSON.stringify(errors)}`);
  return { instance, outcomes, counts };
}

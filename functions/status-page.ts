/**
 * The status page on a Lambda function URL (IAM auth), built by the ClusterCron construct's
 * `statusPage` option: the same handleUiRequest as `cluster-cron ui`. Reads CLUSTER_CRON_TABLE,
 * CLUSTER_CRON_TICK_FUNCTION (triggers are asynchronous invokes of the tick function, so the
 * run happens there, under its timeout), CLUSTER_CRON_TOKEN_SECRET (the POST token, read from
 * Secrets Manager once per cold start) and optional DYNAMODB_ENDPOINT.
 */
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { ClusterCronError } from './core/errors.js';
import { parseSchedule } from './core/schedule.js';
import type { TickDeps } from './core/tick.js';
import { systemClock } from './core/time.js';
import type { EventLog, JobDefinition } from './core/types.js';
import { createDocumentClient } from './dynamo-client.js';
import { createEventLog } from './log.js';
import { handleUiRequest, type TriggerJob, type UiDeps } from './ui/api.js';
import { runtimeJobsAccess } from './ui/runtime-jobs-api.js';

/** Where the page's handler comes from; everything but the schedule has a default from the environment. */
export interface StatusPageOptions {
  /** The schedule's text, compiled into the bundle at synth (classes were checked there)... */
  schedule?: { text: string; source: string };
  /** ...or the jobs already validated at synth (a config's, as the construct ships them). */
  jobs?: readonly JobDefinition[];
  /**
   * The registered handler names (the construct ships them): with them the page lists runtime
   * jobs and creates, changes and removes them (PUT and DELETE /api/jobs/NAME), validating a
   * `class` against them; without, it shows the config's jobs only. The handlers run in the tick function.
   */
  handlerNames?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** @default `ui` beside the bundle (the construct copies dist/ui there) */
  assetsDir?: string;
  /** @default reads the secret CLUSTER_CRON_TOKEN_SECRET names */
  readToken?: () => Promise<string>;
  /** Sends a tick payload to the tick function. @default an asynchronous invoke of CLUSTER_CRON_TICK_FUNCTION */
  invokeTick?: (payload: string) => Promise<void>;
}

/** The handler Lambda calls with a function URL event (payload format 2.0); it always answers a structured result. */
export type StatusPageHandler = (event: LambdaFunctionURLEvent) => Promise<APIGatewayProxyStructuredResultV2>;

function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ClusterCronError(`environment variable ${name} is not set`);
  return value;
}

/** The secret's value, loaded with its SDK client on first use: GETs never need it. */
function secretReader(secretId: string): () => Promise<string> {
  return async () => {
    const sdk = await import('@aws-sdk/client-secrets-manager');
    const result = await new sdk.SecretsManagerClient({}).send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
    if (!result.SecretString) throw new ClusterCronError(`secret ${secretId} has no string value`);
    return result.SecretString;
  };
}

/** An asynchronous invoke of the tick function: Lambda answers 202 once it has queued the event. */
function tickInvoker(functionName: string): (payload: string) => Promise<void> {
  return async (payload) => {
    const sdk = await import('@aws-sdk/client-lambda');
    const result = await new sdk.LambdaClient({}).send(
      new sdk.InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(payload) }),
    );
    if (result.StatusCode !== 202)
      throw new ClusterCronError(`asynchronous invoke of ${functionName} returned status ${result.StatusCode}`);
  };
}

/**
 * What the runtime jobs' validation and writes need of a tick's deps: the table, and the handler
 * names. The page runs no handler (a trigger invokes the tick function), so each name stands for
 * a function that says so if it were ever called.
 */
function pageTickDeps(store: UiDeps['store'], log: EventLog, handlerNames: readonly string[]): TickDeps {
  const elsewhere = (): never => {
    throw new ClusterCronError('the status page runs no handler: a trigger invokes the tick function');
  };
  return { ...store, instance: 'status-page', log, handlers: Object.fromEntries(handlerNames.map((name) => [name, elsewhere])) };
}

/** Reads the configuration now (a bad one fails the cold start) and returns the handler. */
export function createStatusPageHandler(options: StatusPageOptions): StatusPageHandler {
  const env = options.env ?? process.env;
  const { schedule } = options;
  const jobs = options.jobs ?? (schedule && parseSchedule(schedule.text, { source: schedule.source }));
  if (!jobs) throw new ClusterCronError('createStatusPageHandler: give the jobs or the schedule');
  const log = createEventLog({ instance: 'status-page' });
  const invokeTick = options.invokeTick ?? tickInvoker(requireEnv(env, 'CLUSTER_CRON_TICK_FUNCTION'));
  const readToken = options.readToken ?? secretReader(requireEnv(env, 'CLUSTER_CRON_TOKEN_SECRET'));
  let token: Promise<string> | undefined;
  // The tick function runs the job with its existing `{"trigger": ...}` payload, under its own timeout.
  const trigger: TriggerJob = async (job, { overlap }) => {
    await invokeTick(JSON.stringify({ trigger: job.name, ...(overlap && { overlap }) }));
    return { started: true, invoked: true, outcomes: [] };
  };
  const deps: UiDeps = {
    store: { client: createDocumentClient(env.DYNAMODB_ENDPOINT), tableName: requireEnv(env, 'CLUSTER_CRON_TABLE'), clock: systemClock },
    jobs,
    // Read once per container; a failed read is tried again on the next POST.
    token: () => {
      token ??= readToken().catch((error: unknown) => {
        token = undefined;
        throw error;
      });
      return token;
    },
    trigger,
    assetsDir: options.assetsDir ?? join(import.meta.dirname, 'ui'),
    log,
  };
  if (options.handlerNames) deps.runtimeJobs = runtimeJobsAccess(pageTickDeps(deps.store, log, options.handlerNames), jobs);

  return async (event) => {
    const answer = await handleUiRequest(deps, {
      method: event.requestContext.http.method,
      path: event.rawPath,
      query: event.queryStringParameters ?? {},
      headers: event.headers ?? {},
      ...(event.body !== undefined && { body: event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body }),
    });
    const binary = Buffer.isBuffer(answer.body);
    return {
      statusCode: answer.status,
      headers: answer.headers,
      body: binary ? answer.body.toString('base64') : (answer.body as string),
      isBase64Encoded: binary,
    };
  };
}

/**
 * ClusterCron: the whole scheduler as one construct to drop into any CDK app. One DynamoDB table,
 * the tick function (bundled locally by esbuild, the schedule compiled in), a minute rule with a
 * dead-letter queue, and alarms on the tick's errors, failed runs and jobs that stopped starting.
 */
import { Annotations, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ClusterCronError } from '../functions/core/errors.js';
import { TABLE_SCHEMA } from '../functions/core/store.js';
import { TICK_DEFAULTS } from '../functions/core/tick.js';
import type { JobDefinition } from '../functions/core/types.js';
import { METRICS_NAMESPACE, TickMetric } from '../functions/metrics.js';
import { type TickAlarms, tickAlarms } from './alarms.js';
import { FAILURE_EVENT_PATTERN, type FailureNotificationsOptions, failureNotifications } from './failure-notifications.js';
import { runTimeoutProblem, timeoutFloorMs } from './run-timeouts.js';
import { addDueIndex, addRuntimeIndex, dueIndexArn, runtimeIndexArn } from './runtime-index.js';
import { fanOutEnvironment, grantSelfInvoke } from './self-invoke.js';
import { StatusPage, type StatusPageOptions } from './status-page.js';
import { TICK_ARCHITECTURE, TICK_RUNTIME, tickBundlingOptions } from './tick-bundling.js';
import { entryDirOf, writeTickEntry } from './tick-entry.js';
import { tickHeapOptions } from './tick-heap.js';
import { type HandlerRegistry, resolveTickJobs } from './tick-jobs.js';

/** The item actions the core sends (functions/core/store.ts): nothing else, on the table only. */
export const TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'] as const;

/** What the tick sends to the runtime-jobs index (core/runtime-jobs.ts): nothing else, on that index only. */
export const INDEX_ACTIONS = ['dynamodb:Query', 'dynamodb:Scan'] as const;

/** Lambda's limit on one invocation. */
export const MAX_TIMEOUT = Duration.minutes(15);

export { type HandlerRegistry, PROJECT_HANDLERS } from './tick-jobs.js';

/** Options of the table. */
export interface ClusterCronTableOptions {
  /** @default - a name CloudFormation generates (see the stack's TableName output) */
  readonly tableName?: string;
  /** The table keeps every job's fence and run history. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default true */
  readonly deletionProtection?: boolean;
}

/** Props of ClusterCron. */
export interface ClusterCronProps {
  /**
   * The user's config file (`cluster-cron.config.ts`, default export `defineConfig({...})`):
   * bundled with its handlers and what they import. Validated at synth. Give this or `schedule`.
   */
  readonly config?: string;
  /** Path of a schedule file, as given to `cluster-cron validate --schedule`, with `handlers`. Validated at synth. */
  readonly schedule?: string;
  /** Where a `schedule`'s handlers live. @default PROJECT_HANDLERS */
  readonly handlers?: HandlerRegistry;
  /** Where esbuild bundles from (`config` only). @default the nearest folder above the config with a lock file */
  readonly projectRoot?: string;
  /** The project's lock file (`config` only). @default the lock file in `projectRoot` */
  readonly depsLockFilePath?: string;
  /** Name, removal policy and deletion protection of the table. */
  readonly table?: ClusterCronTableOptions;
  /** Alarms (and their return to OK) are sent here. @default - alarms only, no actions */
  readonly alarmTopic?: sns.ITopic;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** The largest clock difference between instances (MAX_CLOCK_SKEW_MS). @default 1 second */
  readonly maxClockSkew?: Duration;
  /**
   * Longest a tick (and so a run) may take. @default twice the longest lease plus 30 seconds,
   * at least 1 minute, at most 15 minutes
   */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** The `service` of logs and metrics. @default `<stack name>-<construct id>` */
  readonly serviceName?: string;
  /**
   * The status page (`cluster-cron ui`) as a Lambda function URL with IAM auth; needs the page
   * built first (`npm run build:ui`). @default - none
   */
  readonly statusPage?: StatusPageOptions;
  /**
   * Each slot that fails for good (after its retries) published to an SNS topic and/or as an
   * EventBridge event, besides the log's `run.failed` line and the config's `onFailure` hook.
   * @default - none
   */
  readonly failureNotifications?: FailureNotificationsOptions;
  /**
   * How many due runtime jobs one invocation starts: a tick with more due splits them into parts
   * (at most 64), runs one and sends the others to fresh invocations of the tick function, which
   * count against the account's (unreserved) concurrency. @default 250
   */
  readonly maxJobsPerTick?: number;
}

/**
 * A run is given two leases of time (a lease is the run's expected length; twice leaves room for
 * a slow one) plus 30 s for the tick's own requests and the wind-down after the run's signal; at
 * least the longest job `timeout` with its grace and the deadline margin.
 */
export function defaultTimeout(jobs: readonly JobDefinition[]): Duration {
  const longestLeaseMs = Math.max(...jobs.map((job) => job.leaseMs));
  // A job's timeout, its grace and the deadline margin must fit too (run-timeouts.ts).
  const seconds = Math.ceil(Math.max(2 * longestLeaseMs + 30_000, timeoutFloorMs(jobs)) / 1_000);
  return Duration.seconds(Math.min(MAX_TIMEOUT.toSeconds(), Math.max(60, seconds)));
}

/** The scheduler: table, tick function, minute rule, dead-letter queue, alarms. */
export class ClusterCron extends Construct {
  /** The validated jobs of the schedule. */
  readonly jobs: readonly JobDefinition[];
  /** Slot and lock items of every job (functions/core/store.ts). */
  readonly table: dynamodb.Table;
  /** The tick Lambda function. */
  readonly tickFunction: NodejsFunction;
  /** The minute rule that invokes it. */
  readonly rule: events.Rule;
  /** Minute events EventBridge could not deliver to the tick function. */
  readonly deadLetterQueue: sqs.Queue;
  /** The `service` dimension of the metrics. */
  readonly serviceName: string;
  /** The status page, when `statusPage.enabled`. */
  readonly statusPage?: StatusPage;
  /** The alarms, to add actions of your own. */
  readonly alarms: TickAlarms;
  /** The EventBridge pattern of the failure events (`failureNotifications.eventBus`), for a rule of your own. */
  readonly failureEventPattern: events.EventPattern = FAILURE_EVENT_PATTERN;

  constructor(scope: Construct, id: string, props: ClusterCronProps) {
    super(scope, id);
    const maxClockSkewMs = props.maxClockSkew?.toMilliseconds() ?? TICK_DEFAULTS.maxClockSkewMs;
    const tickJobs = resolveTickJobs(id, props, maxClockSkewMs);
    const { source, project } = tickJobs;
    this.jobs = tickJobs.jobs;
    for (const job of this.jobs.filter((candidate) => candidate.hasSeconds && candidate.enabled)) {
      Annotations.of(this).addWarningV2(
        `cluster-cron:secondsOnAws:${job.name}`,
        `job "${job.name}" has a seconds field ("${job.cron}"), but on AWS the tick runs once a minute: its slots of each minute are caught up together within its catch-up window`,
      );
    }

    const stack = Stack.of(this);
    this.serviceName = props.serviceName ?? `${stack.stackName}-${id}`;
    const timeout = props.timeout ?? defaultTimeout(this.jobs);
    if (timeout.toSeconds() > MAX_TIMEOUT.toSeconds()) {
      throw new ClusterCronError(`ClusterCron "${id}": timeout is ${timeout.toHumanString()}; Lambda allows at most 15 minutes`);
    }
    const timeoutProblem = runTimeoutProblem(id, this.jobs, timeout.toMilliseconds());
    if (timeoutProblem) throw new ClusterCronError(timeoutProblem);

    this.table = new dynamodb.Table(this, 'Table', {
      ...(props.table?.tableName !== undefined && { tableName: props.table.tableName }),
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // Only run history carries it; the lock items (the fences) never expire.
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.table?.deletionProtection ?? true,
      removalPolicy: props.table?.removalPolicy ?? RemovalPolicy.RETAIN,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
    // Runtime jobs (upsertJob): a sparse index over their lock items, which the tick lists them by.
    addRuntimeIndex(this.table);
    // And the due-time index over the same items, which the tick Queries for the jobs due by now.
    addDueIndex(this.table);

    const logGroup = new logs.LogGroup(this, 'TickLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role, so it holds exactly what it uses: write its log group, and the table's items.
    const role = new iam.Role(this, 'TickRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cluster-cron tick: writes its own log group and the items of its table',
    });
    logGroup.grantWrite(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'TableItems', actions: [...TABLE_ACTIONS], resources: [this.table.tableArn] }),
    );
    role.addToPrincipalPolicy(
      // Query: the reconciliation pages through the runtime jobs by name; Scan: the tick's listing on a table
      // without the due index (core/due-jobs.ts).
      new iam.PolicyStatement({ sid: 'RuntimeJobsIndex', actions: [...INDEX_ACTIONS], resources: [runtimeIndexArn(this.table)] }),
    );
    role.addToPrincipalPolicy(
      // The tick lists the jobs due by now, one Query per shard (core/due-jobs.ts).
      new iam.PolicyStatement({ sid: 'DueJobsIndex', actions: ['dynamodb:Query'], resources: [dueIndexArn(this.table)] }),
    );

    const logLevel = props.logLevel ?? 'INFO';
    const fanOut = fanOutEnvironment(id, props.maxJobsPerTick);
    const notifications = failureNotifications(role, props.failureNotifications);
    const entry = writeTickEntry({ jobs: this.jobs, source, ...tickJobs.handlers }, entryDirOf(project.projectRoot));
    // Where an invocation Lambda or EventBridge gives up on goes: the minute rule's undelivered
    // ticks, and the function's own asynchronous invocations (a chain's hand-off, a fanned-out
    // tick's part, the page's trigger) that failed every retry. Nothing is dropped silently; the DeadLetters alarm watches it.
    this.deadLetterQueue = new sqs.Queue(this, 'TickDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the minute rule and the on-failure destination of the tick function; its messages are inspected by hand, and a DeadLetters alarm watches it.',
    });
    const memorySize = props.memorySize ?? 256;
    this.tickFunction = new NodejsFunction(this, 'Tick', {
      entry,
      handler: 'handler',
      projectRoot: project.projectRoot,
      depsLockFilePath: project.depsLockFilePath,
      bundling: tickBundlingOptions({
        // Any tick may invoke this function (a fan-out, a chain's hand-off): the Lambda client's file is always there.
        sdkClients: ['@aws-sdk/client-lambda', ...notifications.sdkClients],
      }),
      runtime: TICK_RUNTIME,
      architecture: TICK_ARCHITECTURE,
      memorySize,
      timeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      description: `cluster-cron tick: ${this.jobs.length} job(s) from ${source}`,
      environment: {
        CLUSTER_CRON_TABLE: this.table.tableName,
        MAX_CLOCK_SKEW_MS: String(maxClockSkewMs),
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        CLUSTER_CRON_LOG_LEVEL: logLevel,
        NODE_OPTIONS: `--enable-source-maps ${tickHeapOptions(memorySize)}`,
        ...fanOut,
        ...notifications.environment,
      },
      // A failed tick is retried; one older than 5 minutes has been overtaken by later ticks.
      retryAttempts: 2,
      maxEventAge: Duration.minutes(5),
      onFailure: new SqsDestination(this.deadLetterQueue),
    });
    // A fanned-out tick's parts and a chain's hand-off: this function may invoke itself, and only itself.
    grantSelfInvoke(this, role, this.tickFunction);

    if (props.statusPage?.enabled) {
      this.statusPage = new StatusPage(this, 'StatusPage', {
        table: this.table,
        tickFunction: this.tickFunction,
        jobs: this.jobs,
        handlerNames: tickJobs.handlerNames,
        project,
        ...(props.statusPage.assetsDir !== undefined && { assetsDir: props.statusPage.assetsDir }),
        serviceName: this.serviceName,
        logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
        logLevel,
      });
    }

    this.rule = new events.Rule(this, 'EveryMinute', {
      description: 'cluster-cron: one tick per minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      // The tick is idempotent, so a retry is safe; a tick lost anyway is caught up by the next one.
      targets: [
        new targets.LambdaFunction(this.tickFunction, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 3,
          maxEventAge: Duration.minutes(2),
        }),
      ],
    });

    this.alarms = tickAlarms(this, {
      serviceName: this.serviceName,
      jobs: this.jobs,
      tickErrors: this.tickFunction.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      deadLetters: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      metric: (name, dimensions, period) => this.metric(name, dimensions, period),
      timeoutMs: timeout.toMilliseconds(),
      ...(props.alarmTopic && { action: new SnsAction(props.alarmTopic) }),
    });
  }

  /**
   * One of the tick's metrics (functions/metrics.ts) per period: summed, the p99 of a time, the
   * maximum of a level (OverdueJobs, TickParts); per job with `{ job }`.
   */
  metric(
    name: (typeof TickMetric)[keyof typeof TickMetric],
    dimensions: Record<string, string> = {},
    period = Duration.minutes(5),
  ): cloudwatch.Metric {
    const isTime = name === TickMetric.tickDuration || name === TickMetric.startLag;
    const isLevel = name === TickMetric.overdueJobs || name === TickMetric.tickParts;
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { service: this.serviceName, ...dimensions },
      statistic: isTime ? cloudwatch.Stats.p(99) : isLevel ? cloudwatch.Stats.MAXIMUM : cloudwatch.Stats.SUM,
      period,
    });
  }
}

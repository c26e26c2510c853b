import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { ScheduleError } from '../../functions/core/errors.js';
import { DEFAULT_MAX_JOBS_PER_TICK } from '../../functions/core/fan-out.js';
import { DUE_INDEX, RUNTIME_INDEX } from '../../functions/core/job-definitions.js';
import { TABLE_SCHEMA } from '../../functions/core/store.js';
import { METRICS_NAMESPACE, TickMetric } from '../../functions/metrics.js';
import { ClusterCron, type ClusterCronProps, INDEX_ACTIONS, TABLE_ACTIONS } from '../../infra/cluster-cron.js';

const SCHEDULE = 'test/infra/fixtures/schedule.yml';

/** A fresh app and stack per test; bundling is skipped (the bundle has its own test). */
function synth(props: Partial<ClusterCronProps> = {}, extra?: (stack: Stack) => Partial<ClusterCronProps>) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const cron = new ClusterCron(stack, 'Cron', { schedule: SCHEDULE, ...props, ...extra?.(stack) });
  return { template: Template.fromStack(stack), cron, stack };
}

const scratch = mkdtempSync(join(tmpdir(), 'cluster-cron-infra-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes a schedule file for one test and returns its path. */
function scheduleFile(text: string): string {
  const path = join(scratch, `${randomUUID().slice(0, 8)}.yml`);
  writeFileSync(path, text);
  return path;
}

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }): string =>
  stack.getLogicalId(construct.node.defaultChild as never);

describe('the ClusterCron construct', () => {
  describe('its table', () => {
    it('has the key schema, TTL attribute and billing the core uses', () => {
      const { template } = synth();
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'runtimeShard', AttributeType: 'N' },
          { AttributeName: 'job', AttributeType: 'S' },
          { AttributeName: 'nextDueMs', AttributeType: 'N' },
        ],
        TimeToLiveSpecification: { AttributeName: 'ttlEpochSec', Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
      });
    });

    it('has the sparse runtime-jobs index (by name) and the due index (by nextDueMs), projecting only the definition', () => {
      const { template } = synth();
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: [
          {
            IndexName: RUNTIME_INDEX.name,
            KeySchema: [
              { AttributeName: 'runtimeShard', KeyType: 'HASH' },
              { AttributeName: 'job', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...RUNTIME_INDEX.projected] },
          },
          {
            IndexName: DUE_INDEX.name,
            KeySchema: [
              { AttributeName: 'runtimeShard', KeyType: 'HASH' },
              { AttributeName: 'nextDueMs', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...DUE_INDEX.projected] },
          },
        ],
      });
      // Lease writes (holder, leaseUntilMs, fence) are not projected: a heartbeat never writes to either index.
      for (const attribute of ['holder', 'leaseUntilMs', 'fence']) {
        expect(RUNTIME_INDEX.projected).not.toContain(attribute);
        expect(DUE_INDEX.projected).not.toContain(attribute);
      }
    });

    it('keeps its data: point-in-time recovery, deletion protection, encryption, retained on stack deletion', () => {
      const { template } = synth();
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
          SSESpecification: { SSEEnabled: true },
        }),
      });
    });
  });

  describe('its tick function', () => {
    it('runs Node.js 24 on ARM64 from an ESM bundle, with JSON logs and the table in its environment', () => {
      const { template, cron, stack } = synth();
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: Match.objectLike({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' }),
        Environment: {
          Variables: {
            CLUSTER_CRON_TABLE: { Ref: logicalId(stack, cron.table) },
            MAX_CLOCK_SKEW_MS: '1000',
            POWERTOOLS_SERVICE_NAME: 'Test-Cron',
            CLUSTER_CRON_LOG_LEVEL: 'INFO',
            NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=8 --max-old-space-size=192',
            CLUSTER_CRON_MAX_JOBS_PER_TICK: String(DEFAULT_MAX_JOBS_PER_TICK),
          },
        },
      });
      // The schedule is in the code, not in the environment.
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
      expect(JSON.stringify(fn)).not.toContain('CLUSTER_CRON_SCHEDULE');
    });

    it('gets a timeout of twice the longest lease plus 30 s (report: 5m lease -> 630 s)', () => {
      synth().template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 630 });
    });

    it('gives at least 1 minute and at most 15 minutes, and refuses a longer timeout given explicitly', () => {
      synth({ schedule: scheduleFile('quick:\n  cron: "* * * * *"\n  class: PrintWorker\n  lease: 10s\n') }).template.hasResourceProperties(
        'AWS::Lambda::Function',
        { Timeout: 60 },
      );
      synth({ schedule: scheduleFile('slow:\n  cron: "0 * * * *"\n  class: PrintWorker\n  lease: 10m\n') }).template.hasResourceProperties(
        'AWS::Lambda::Function',
        { Timeout: 900 },
      );
      expect(() => synth({ timeout: Duration.minutes(16) })).toThrow(
        'ClusterCron "Cron": timeout is 16 minutes; Lambda allows at most 15 minutes',
      );
      synth({ timeout: Duration.minutes(15) }).template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 900 });
    });

    it("fits the longest job timeout, its grace and the deadline margin in the function's timeout", () => {
      synth({
        schedule: scheduleFile('slow:\n  cron: "0 * * * *"\n  class: PrintWorker\n  lease: 10s\n  timeout: 4m\n'),
      }).template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 255 });
    });

    it("refuses a job timeout the function's timeout cannot hold, naming the job, the key and the value", () => {
      expect(() =>
        synth({
          schedule: scheduleFile('slow:\n  cron: "0 * * * *"\n  class: PrintWorker\n  lease: 10s\n  timeout: 5m\n'),
          timeout: Duration.minutes(5),
        }),
      ).toThrow(
        'ClusterCron "Cron": job "slow": key "timeout" has value 5m; the tick function\'s timeout is 5m, and one attempt plus 5s of grace and the 10s deadline margin must fit in it: give the job a timeout of at most 285s, or the construct a longer timeout (at most 15 minutes)',
      );
    });

    it('passes maxJobsPerTick to the function (CLUSTER_CRON_MAX_JOBS_PER_TICK), and refuses one that is not a whole number from 1', () => {
      synth({ maxJobsPerTick: 1_000 }).template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ CLUSTER_CRON_MAX_JOBS_PER_TICK: '1000' }) },
      });
      for (const bad of [0, -1, 2.5, Number.NaN]) {
        expect(() => synth({ maxJobsPerTick: bad })).toThrow(
          `ClusterCron "Cron": maxJobsPerTick is ${bad}; expected a whole number from 1`,
        );
      }
    });

    it("reserves no concurrency: the parts of a fanned-out tick share the account's unreserved pool", () => {
      const [fn] = Object.values(synth().template.findResources('AWS::Lambda::Function'));
      expect(fn!.Properties.ReservedConcurrentExecutions).toBeUndefined();
    });

    it('retries a failed asynchronous tick twice within 5 minutes', () => {
      synth().template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 });
    });

    it('sends an asynchronous invocation that failed every retry (a hand-off, the page trigger) to the dead-letter queue', () => {
      const { template, cron, stack } = synth();
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack, cron.deadLetterQueue), 'Arn'] } } },
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmDescription: Match.stringLikeRegexp('asynchronous invocation of the function .* failed every retry'),
      });
    });
  });

  describe('its IAM', () => {
    it('grants exactly the item actions the core sends, on this table only, and writing its own log group', () => {
      const { template, cron, stack } = synth();
      // The role's default policy, and the permission to invoke itself (below).
      template.resourceCountIs('AWS::IAM::Policy', 2);
      const policy = Object.values(template.findResources('AWS::IAM::Policy')).find(
        (candidate) => candidate.Properties.PolicyName !== undefined && JSON.stringify(candidate).includes('TableItems'),
      );
      const statements = policy!.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Effect: string }[];
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logicalId(stack, cron.node.findChild('TickLogs') as never), 'Arn'] },
        },
        {
          Sid: 'TableItems',
          Effect: 'Allow',
          Action: [...TABLE_ACTIONS],
          Resource: { 'Fn::GetAtt': [logicalId(stack, cron.table), 'Arn'] },
        },
        {
          // The runtime-jobs index only (a Query on the table's ARN does not reach an index).
          Sid: 'RuntimeJobsIndex',
          Effect: 'Allow',
          Action: ['dynamodb:Query', 'dynamodb:Scan'],
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack, cron.table), 'Arn'] }, `/index/${RUNTIME_INDEX.name}`]] },
        },
        {
          // The due index: Query only (the tick's listing of the jobs due).
          Sid: 'DueJobsIndex',
          Effect: 'Allow',
          Action: 'dynamodb:Query',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack, cron.table), 'Arn'] }, `/index/${DUE_INDEX.name}`]] },
        },
        {
          // The on-failure destination of its asynchronous invocations: this queue only.
          Effect: 'Allow',
          Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
          Resource: { 'Fn::GetAtt': [logicalId(stack, cron.deadLetterQueue), 'Arn'] },
        },
      ]);
      // No managed policies (AWSLambdaBasicExecutionRole would allow every log group).
      template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });

    it('may invoke the tick function itself, and only it, in every deployment: runtime jobs fan out, chains hand off', () => {
      // Neither continuous nor bufferOne: only runtime jobs, added without a deploy, could make it invoke itself.
      const plain = synth({ schedule: scheduleFile('print:\n  cron: "* * * * *"\n  class: PrintWorker\n') });
      const chained = synth({ schedule: scheduleFile('drain:\n  cron: "* * * * *"\n  class: PrintWorker\n  continuous: true\n') });
      for (const { template, stack, cron } of [plain, chained]) {
        template.resourceCountIs('AWS::IAM::Policy', 2);
        template.hasResourceProperties('AWS::IAM::Policy', {
          PolicyDocument: {
            Statement: [
              {
                Sid: 'InvokeItself',
                Effect: 'Allow',
                Action: 'lambda:InvokeFunction',
                Resource: { 'Fn::GetAtt': [logicalId(stack, cron.tickFunction), 'Arn'] },
              },
            ],
          },
          Roles: [{ Ref: logicalId(stack, cron.tickFunction.role as never) }],
        });
        // No other statement of the tick's names Lambda (no wildcard, no other function).
        const policies = Object.values(template.findResources('AWS::IAM::Policy'));
        const lambdaStatements = policies.flatMap((policy) =>
          (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).filter((statement) =>
            [statement.Action].flat().some((action) => action.startsWith('lambda:')),
          ),
        );
        expect(lambdaStatements).toHaveLength(1);
        // The policy is not the role's default one, so the function does not depend on its own ARN (no cycle).
        expect(() => template.toJSON()).not.toThrow();
      }
    });

    it('lists every command the core sends to the table (the table modules of functions/core)', () => {
      const core = readdirSync('functions/core').filter((file) => file.endsWith('.ts'));
      const source = core.map((file) => readFileSync(`functions/core/${file}`, 'utf8')).join('\n');
      const commands = [
        ...new Set([...source.matchAll(/new (\w+)Command\(/g)].map((match) => `dynamodb:${match[1]}Item`.replace('QueryItem', 'Query'))),
      ];
      // The Scan reaches the runtime-jobs index only (its own statement, INDEX_ACTIONS).
      const onTable = commands.filter((command) => command !== 'dynamodb:ScanItem');
      expect([...TABLE_ACTIONS].sort()).toEqual(onTable.sort());
      expect(INDEX_ACTIONS).toContain('dynamodb:Scan');
    });
  });

  describe('its minute rule', () => {
    it('invokes the tick function every minute with bounded retries and a dead-letter queue', () => {
      const { template, cron, stack } = synth();
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [
          {
            Id: Match.anyValue(),
            Arn: { 'Fn::GetAtt': [logicalId(stack, cron.tickFunction), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack, cron.deadLetterQueue), 'Arn'] } },
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 120 },
          },
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [logicalId(stack, cron.rule), 'Arn'] },
      });
    });

    it('lets only this rule send to the dead-letter queue, encrypted, over TLS only', () => {
      const { template, cron, stack } = synth();
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(stack, cron.rule), 'Arn'] } } },
            }),
          ]),
        },
      });
    });
  });

  describe('its alarms', () => {
    it('alarm on tick errors, failed runs and undelivered ticks', () => {
      const { template, cron, stack } = synth();
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, cron.tickFunction) } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS_NAMESPACE,
        MetricName: TickMetric.failedRuns,
        Dimensions: [{ Name: 'service', Value: 'Test-Cron' }],
        Statistic: 'Sum',
        Threshold: 1,
        TreatMissingData: 'notBreaching',
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack, cron.deadLetterQueue), 'QueueName'] } }],
      });
    });

    it('alarm on runtime jobs overdue two minutes in a row, over the service, with no job dimension', () => {
      const { template, cron } = synth();
      const overdue = template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { MetricName: TickMetric.overdueJobs, Statistic: 'Maximum' },
      });
      expect(Object.values(overdue).map((alarm) => alarm.Properties)).toEqual([
        expect.objectContaining({
          Namespace: METRICS_NAMESPACE,
          Dimensions: [{ Name: 'service', Value: 'Test-Cron' }],
          Statistic: 'Maximum',
          Period: 60,
          EvaluationPeriods: 2,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          // Emitted as 0 by every tick: no data is no tick, which other alarms cover, not an overdue job.
          TreatMissingData: 'notBreaching',
          AlarmDescription: expect.stringContaining('runtime jobs went overdue in 2 minutes in a row'),
        }),
      ]);
      expect(cron.alarms.overdueJobs).toBeDefined();
      // The file's jobs keep their own not-started alarms beside it.
      expect(Object.keys(cron.alarms.notStarted).sort()).toEqual(['print', 'report']);
    });

    it('alarm when no tick finishes for 10 minutes, counting the ticks by their OverdueJobs reports (no data: breaching)', () => {
      const { template, cron } = synth();
      const stopped = template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { MetricName: TickMetric.overdueJobs, Statistic: 'SampleCount' },
      });
      expect(Object.values(stopped).map((alarm) => alarm.Properties)).toEqual([
        expect.objectContaining({
          Dimensions: [{ Name: 'service', Value: 'Test-Cron' }],
          Period: 600,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          TreatMissingData: 'breaching',
          AlarmDescription: expect.stringContaining('no tick finished in 10 minutes'),
        }),
      ]);
      expect(cron.alarms.ticksStopped).toBeDefined();
    });

    it('alarm when an enabled job starts no run within its longest gap plus the timeout plus a minute', () => {
      const { template, cron } = synth();
      const notStarted = template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: TickMetric.runs } });
      const byJob = Object.fromEntries(
        Object.values(notStarted).map((alarm) => [
          (alarm.Properties.Dimensions as { Name: string; Value: string }[]).find((d) => d.Name === 'job')!.Value,
          alarm.Properties,
        ]),
      );
      expect(Object.keys(byJob).sort()).toEqual(['print', 'report']);
      // print: 1 min between slots + 630 s timeout + 1 min = 12.5 min -> 13 consecutive minutes.
      expect(byJob.print).toMatchObject({
        Period: 60,
        EvaluationPeriods: 13,
        DatapointsToAlarm: 13,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        Statistic: 'Sum',
      });
      // report: weekdays only, Friday 22:00 to Monday 22:00 is 72 h -> 73 consecutive hours.
      expect(byJob.report).toMatchObject({ Period: 3_600, EvaluationPeriods: 73, DatapointsToAlarm: 73 });
      expect(Object.keys(cron.alarms.notStarted).sort()).toEqual(['print', 'report']);
    });

    it("gives a job whose name has spaces, as sidekiq-cron's do, its not-started alarm on that name", () => {
      const name = 'Hard worker - every 5min';
      const { template, cron } = synth({
        schedule: scheduleFile(`${JSON.stringify(name)}:\n  cron: "*/5 * * * *"\n  class: PrintWorker\n`),
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: TickMetric.runs,
        Dimensions: Match.arrayWith([{ Name: 'job', Value: name }]),
      });
      expect(Object.keys(cron.alarms.notStarted)).toEqual([name]);
    });

    it('warns at synth about a job too rare for a not-started alarm', () => {
      const { stack } = synth();
      Annotations.fromStack(stack).hasWarning(
        '/Test/Cron',
        Match.stringLikeRegexp('job "new-year" \\("0 0 1 1 \\*"\\) fires less than weekly'),
      );
    });

    it('gives one-time and bounded jobs no not-started alarm (it would fire outside their bounds), and says so', () => {
      const { stack, cron } = synth({
        schedule: scheduleFile(
          'remind:\n  at: "2027-01-04T09:00Z"\n  class: PrintWorker\ncampaign:\n  cron: "*/5 * * * *"\n  class: PrintWorker\n  endAt: "2027-02-01"\nprint:\n  cron: "*/5 * * * *"\n  class: PrintWorker\n',
        ),
      });
      expect(Object.keys(cron.alarms.notStarted)).toEqual(['print']);
      Annotations.fromStack(stack).hasWarning(
        '/Test/Cron',
        Match.stringLikeRegexp('job "remind" is a one-time job \\("at"\\): it gets no not-started alarm'),
      );
      Annotations.fromStack(stack).hasWarning('/Test/Cron', Match.stringLikeRegexp('job "campaign" is bounded'));
    });

    it('warns at synth that a job with a seconds field is ticked once a minute on AWS', () => {
      const { stack } = synth({ schedule: scheduleFile('fast:\n  cron: "*/2 * * * * *"\n  class: PrintWorker\n') });
      Annotations.fromStack(stack).hasWarning(
        '/Test/Cron',
        Match.stringLikeRegexp('job "fast" has a seconds field \\("\\*/2 \\* \\* \\* \\* \\*"\\), but on AWS the tick runs once a minute'),
      );
    });

    it('send alarm and OK notifications to the alarm topic when one is given', () => {
      const { template, stack } = synth({}, (scope) => ({ alarmTopic: new sns.Topic(scope, 'Topic') }));
      const topicRef = { Ref: stack.getLogicalId(stack.node.findChild('Topic').node.defaultChild as never) };
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      expect(alarms).toHaveLength(7);
      for (const alarm of alarms) expect(alarm.Properties).toMatchObject({ AlarmActions: [topicRef], OKActions: [topicRef] });
    });

    it('include one for a job that paused itself, only when a job sets pauseAfterFailures', () => {
      const selfPausing = synth({
        schedule: scheduleFile('report:\n  cron: "*/5 * * * *"\n  class: PrintWorker\n  pauseAfterFailures: 3\n'),
      });
      selfPausing.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: TickMetric.selfPausedJobs,
        AlarmDescription: Match.stringLikeRegexp('paused itself'),
      });
      const plain = Object.values(synth().template.findResources('AWS::CloudWatch::Alarm'));
      expect(plain.map((alarm) => alarm.Properties.MetricName)).not.toContain(TickMetric.selfPausedJobs);
    });

    it('have no actions without a topic', () => {
      const alarms = Object.values(synth().template.findResources('AWS::CloudWatch::Alarm'));
      expect(alarms.length).toBeGreaterThan(0);
      for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toBeUndefined();
    });
  });

  describe('its schedule, validated at synth', () => {
    it('refuses a bad cron with the message cluster-cron validate gives', () => {
      const thrown = (() => {
        try {
          synth({ schedule: 'test/infra/fixtures/bad-cron.yml' });
        } catch (error) {
          return error;
        }
      })();
      expect(thrown).toBeInstanceOf(ScheduleError);
      expect((thrown as Error).message).toBe(
        'test/infra/fixtures/bad-cron.yml: job "print": key "cron": cron "61 * * * *" is invalid: Constraint error, got value 61 expected range 0-59',
      );
    });

    it('refuses a class the handler registry does not have, naming the registered ones', () => {
      expect(() => synth({ handlers: { entry: 'functions/jobs/index.ts', names: ['Other'] } })).toThrow(
        'test/infra/fixtures/schedule.yml: job "print": key "class" has value "PrintWorker", which is not a registered handler (registered: Other)',
      );
    });

    it('refuses a lease too short for the clock skew, naming MAX_CLOCK_SKEW_MS', () => {
      expect(() => synth({ maxClockSkew: Duration.seconds(40) })).toThrow(
        /job "print": key "lease" has value 1m; with a maximum clock skew of 40s \(MAX_CLOCK_SKEW_MS\)/,
      );
    });

    it('refuses a handlers module that does not exist', () => {
      expect(() => synth({ handlers: { entry: 'functions/jobs/nope.ts', names: ['PrintWorker'] } })).toThrow(
        'handlers module functions/jobs/nope.ts does not exist',
      );
    });
  });
});

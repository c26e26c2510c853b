/**
 * The deployed bundle with failureNotifications: the SNS and EventBridge clients are files of
 * their own in the asset, and the bundle, run in a plain Node process with the template's own
 * environment, publishes a failed run through them (to a local stand-in for both services).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../functions/local/table.js';
import { ClusterCron } from '../../infra/cluster-cron.js';
import { sdkClientChunkPath } from '../../infra/sdk-client-chunks.js';
import { type AwsRecorder, startAwsRecorder } from '../support/aws-recorder.js';
import { invokeBundle } from '../support/bundle-invoker.js';
import { useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:cron-failures';
const BUS_ARN = 'arn:aws:events:eu-west-1:123456789012:event-bus/ops';

describe('the tick bundle with failure notifications', () => {
  let outdir: string;
  let bundle: string;
  let environment: Record<string, string>;
  let aws: AwsRecorder;

  beforeAll(async () => {
    aws = await startAwsRecorder();
    outdir = mkdtempSync(join(tmpdir(), 'cluster-cron-notify-bundle-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'NotifyBundle');
    new ClusterCron(stack, 'Cron', {
      schedule: 'test/infra/fixtures/bundle-failing-schedule.yml',
      failureNotifications: {
        topic: sns.Topic.fromTopicArn(stack, 'Failures', TOPIC_ARN),
        eventBus: events.EventBus.fromEventBusArn(stack, 'Ops', BUS_ARN),
      },
    });
    const template = app.synth().getStackByName('NotifyBundle').template as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const fn = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function')!.Properties as {
      Code: { S3Key: string };
      Environment: { Variables: Record<string, string> };
    };
    bundle = join(outdir, `asset.${String(fn.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs');
    environment = fn.Environment.Variables;
  }, 180_000);

  afterAll(async () => {
    rmSync(outdir, { recursive: true, force: true });
    await aws.close();
  });

  it('carries the SNS and EventBridge clients as files of their own, beside the Lambda client every tick bundle has', () => {
    expect(readdirSync(join(dirname(bundle), 'node_modules', '@aws-sdk')).sort()).toEqual([
      'client-eventbridge',
      'client-lambda',
      'client-sns',
    ]);
    for (const client of ['@aws-sdk/client-sns', '@aws-sdk/client-eventbridge'] as const) {
      expect(existsSync(join(dirname(bundle), `${sdkClientChunkPath(client)}.map`))).toBe(true);
    }
    // The clients' own request code is not parsed at a cold start.
    expect(readFileSync(bundle, 'utf8')).not.toContain('AWSEvents.PutEvents');
  });

  it('publishes a run that failed to the topic and the bus through them', async () => {
    const tableName = `notify-${Math.random().toString(36).slice(2, 10)}`;
    await ensureTable(tables.client(), tableName, { create: true });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...environment,
      CLUSTER_CRON_TABLE: tableName,
      DYNAMODB_ENDPOINT: tables.endpoint(),
      AWS_ENDPOINT_URL_SNS: aws.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.endpoint,
    };
    const { results, errorLogs } = await invokeBundle(bundle, env, [{ trigger: 'broken' }]);
    expect(results[0]?.response?.counts).toEqual({ failed: 1 });
    expect(errorLogs.map((line) => line.message)).toContain('run.failed');
    expect(errorLogs.map((line) => line.message)).not.toContain('run.failure-publish.error');
    expect(aws.requests.map((request) => request.service).sort()).toEqual(['eventbridge', 'sns']);
    const published = aws.requests.find((request) => request.service === 'sns')!.body;
    expect(published).toMatchObject({ Action: 'Publish', TopicArn: TOPIC_ARN });
    expect(JSON.parse(String(published.Message))).toMatchObject({ job: 'broken', status: 'failed', trigger: 'manual' });
  });
});

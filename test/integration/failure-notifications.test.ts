/**
 * Failure notifications end to end: the tick Lambda handler, configured by the environment the
 * construct sets (CLUSTER_CRON_FAILURE_TOPIC_ARN, CLUSTER_CRON_FAILURE_EVENT_BUS), runs a job
 * that fails on the local DynamoDB, and the real SNS and EventBridge clients send one message and
 * one event to a local stand-in for the two services. A refused event is logged and changes
 * nothing of the slot's record; a run that succeeds publishes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunFailure } from '../../functions/core/failure-hook.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { recentSlots } from '../../functions/core/store.js';
import { FAILURE_EVENT_DETAIL_TYPE, FAILURE_EVENT_SOURCE, FailureTarget } from '../../functions/failure-publish.js';
import { createJobsTickHandler } from '../../functions/tick-runtime.js';
import { type AwsRecorder, startAwsRecorder } from '../support/aws-recorder.js';
import { captureLogs } from '../support/capture-logs.js';
import { useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
let aws: AwsRecorder;
beforeAll(async () => {
  aws = await startAwsRecorder();
});
afterAll(() => aws.close());

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:cron-failures';
const BUS_ARN = 'arn:aws:events:eu-west-1:123456789012:event-bus/ops';
const SCHEDULE = `
nightly-export:
  cron: "0 3 * * *"
  class: Export
  retry: { attempts: 2, backoff: 1ms }
healthy:
  cron: "0 3 * * *"
  class: Fine
`;
const CONTEXT = { getRemainingTimeInMillis: () => 60_000, logStreamName: '2026/12/02/[$LATEST]0123456789ab', awsRequestId: 'r1' };

async function handlerWithNotifications() {
  const tableName = await tables.newTable();
  const handler = createJobsTickHandler({
    handlers: {
      Export: async () => {
        throw new Error('export bucket is gone: s3://exports-ü');
      },
      Fine: async () => {},
    },
    jobs: parseSchedule(SCHEDULE, { handlers: ['Export', 'Fine'], source: 'schedule.yml' }),
    source: 'schedule.yml',
    env: {
      CLUSTER_CRON_TABLE: tableName,
      DYNAMODB_ENDPOINT: tables.endpoint(),
      [FailureTarget.topicArn]: TOPIC_ARN,
      [FailureTarget.eventBus]: BUS_ARN,
      AWS_ENDPOINT_URL_SNS: aws.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.endpoint,
    },
  });
  return { handler, store: { client: tables.client(), tableName, clock: Date.now } };
}

describe('failure notifications from the tick handler', () => {
  it('publishes a slot that failed for good once to the topic and once to the bus, after its last attempt', async () => {
    aws.requests.length = 0;
    const { handler } = await handlerWithNotifications();
    await handler({ trigger: 'nightly-export' }, CONTEXT);

    const sns = aws.requests.filter((request) => request.service === 'sns');
    expect(sns).toHaveLength(1);
    const published = sns[0]!.body;
    expect(published).toMatchObject({
      Action: 'Publish',
      TopicArn: TOPIC_ARN,
      'MessageAttributes.entry.1.Name': 'job',
      'MessageAttributes.entry.1.Value.StringValue': 'nightly-export',
      'MessageAttributes.entry.2.Name': 'status',
      'MessageAttributes.entry.2.Value.StringValue': 'failed',
    });
    // SNS allows only printable ASCII in a subject.
    expect(published.Subject).toMatch(/^cluster-cron: job "nightly-export" failed \(slot \d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
    const message = JSON.parse(String(published.Message)) as RunFailure;
    expect(message).toMatchObject({
      type: 'run.failed',
      job: 'nightly-export',
      status: 'failed',
      attempts: 2,
      trigger: 'manual',
      error: 'Error: export bucket is gone: s3://exports-ü',
      todo: expect.stringContaining('cluster-cron trigger "nightly-export"'),
    });

    const events = aws.requests.filter((request) => request.service === 'eventbridge');
    expect(events).toHaveLength(1);
    const [entry] = events[0]!.body.Entries as Record<string, string>[];
    expect(entry).toMatchObject({ EventBusName: BUS_ARN, Source: FAILURE_EVENT_SOURCE, DetailType: FAILURE_EVENT_DETAIL_TYPE });
    expect(JSON.parse(entry!.Detail!)).toEqual(message);
  });

  it('publishes nothing for a run that succeeds', async () => {
    aws.requests.length = 0;
    const { handler } = await handlerWithNotifications();
    const response = await handler({ trigger: 'healthy' }, CONTEXT);
    expect(response.counts).toEqual({ ran: 1 });
    expect(aws.requests).toEqual([]);
  });

  it('logs an event the bus refused, still sends the message, and records the slot failed as before', async () => {
    aws.requests.length = 0;
    aws.refuseEvents = true;
    try {
      const { handler, store } = await handlerWithNotifications();
      const { logs } = await captureLogs(() => handler({ trigger: 'nightly-export' }, CONTEXT), ['stderr']);
      expect(logs.find((line) => line.message === 'run.failure-publish.error')).toMatchObject({
        job: 'nightly-export',
        error: expect.stringContaining(`EventBridge refused the run.failed event on ${BUS_ARN}: AccessDeniedException not allowed`),
      });
      expect(aws.requests.filter((request) => request.service === 'sns')).toHaveLength(1);
      const [slot] = await recentSlots(store, 'nightly-export', 5);
      expect(slot).toMatchObject({ status: 'failed', error: 'Error: export bucket is gone: s3://exports-ü' });
    } finally {
      aws.refuseEvents = false;
    }
  });
});

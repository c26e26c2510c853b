/**
 * The deployment's failure publisher: each slot that fails for good (core/failure-hook.ts) as one
 * SNS message and/or one EventBridge event, so a team routes it to Slack or a pager with a
 * subscription or a rule, without code. Set by the construct's `failureNotifications`
 * (CLUSTER_CRON_FAILURE_TOPIC_ARN, CLUSTER_CRON_FAILURE_EVENT_BUS); a node reads the same variables.
 * Each client is loaded on the first failure, not at cold start (in the deployed bundle it is a
 * file of its own, infra/sdk-client-chunks.ts).
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { FailurePublisher, RunFailure } from './core/failure-hook.js';
import { endpointConfig } from './dynamo-client.js';

/** The environment variables that turn publishing on. */
export const FailureTarget = {
  topicArn: 'CLUSTER_CRON_FAILURE_TOPIC_ARN',
  eventBus: 'CLUSTER_CRON_FAILURE_EVENT_BUS',
} as const;

/** The EventBridge event's `source` and `detail-type`: a rule matches on these. */
export const FAILURE_EVENT_SOURCE = 'cluster-cron';
export const FAILURE_EVENT_DETAIL_TYPE = 'Run Failed';

/** SNS allows a subject of at most 100 printable ASCII characters. */
const SNS_SUBJECT_MAX = 100;

/** The e-mail subject of a failure: job and status, in ASCII (SNS refuses anything else). */
export function failureSubject(failure: RunFailure): string {
  const subject = `cluster-cron: job "${failure.job}" ${failure.status} (slot ${failure.slot})`;
  return subject.replace(/[^\x20-\x7e]/g, '?').slice(0, SNS_SUBJECT_MAX);
}

/** The publisher the environment asks for, or undefined when it names no topic and no bus. */
export function failurePublisherFromEnv(env: NodeJS.ProcessEnv): FailurePublisher | undefined {
  const topicArn = env[FailureTarget.topicArn];
  const eventBus = env[FailureTarget.eventBus];
  const publishers = [
    // The SDK's own service endpoint variables, read from `env` (a local server in tests).
    topicArn ? snsPublisher(topicArn, env.AWS_ENDPOINT_URL_SNS) : undefined,
    eventBus ? eventBridgePublisher(eventBus, env.AWS_ENDPOINT_URL_EVENTBRIDGE) : undefined,
  ].filter((publish): publish is FailurePublisher => publish !== undefined);
  if (publishers.length === 0) return undefined;
  // Both at once; one that fails does not stop the other (the hook logs what threw).
  return async (failure) => {
    const results = await Promise.allSettled(publishers.map((publish) => publish(failure)));
    const refused = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (refused) throw refused.reason;
  };
}

function snsPublisher(topicArn: string, endpoint: string | undefined): FailurePublisher {
  let client: SNSClient | undefined;
  return async (failure) => {
    const sdk = await import('@aws-sdk/client-sns');
    client ??= new sdk.SNSClient(endpointConfig(endpoint));
    await client.send(
      new sdk.PublishCommand({
        TopicArn: topicArn,
        Subject: failureSubject(failure),
        Message: JSON.stringify(failure, null, 2),
        // A subscription's filter policy can pick jobs or statuses.
        MessageAttributes: {
          job: { DataType: 'String', StringValue: failure.job },
          status: { DataType: 'String', StringValue: failure.status },
        },
      }),
    );
  };
}

function eventBridgePublisher(eventBus: string, endpoint: string | undefined): FailurePublisher {
  let client: EventBridgeClient | undefined;
  return async (failure) => {
    const sdk = await import('@aws-sdk/client-eventbridge');
    client ??= new sdk.EventBridgeClient(endpointConfig(endpoint));
    const result = await client.send(
      new sdk.PutEventsCommand({
        Entries: [
          {
            EventBusName: eventBus,
            Source: FAILURE_EVENT_SOURCE,
            DetailType: FAILURE_EVENT_DETAIL_TYPE,
            Detail: JSON.stringify(failure),
          },
        ],
      }),
    );
    // PutEvents answers 200 and reports a refused entry in the body.
    const refused = result.Entries?.find((entry) => entry.ErrorCode);
    if ((result.FailedEntryCount ?? 0) > 0 || refused) {
      throw new Error(
        `EventBridge refused the run.failed event on ${eventBus}: ${refused?.ErrorCode ?? '?'} ${refused?.ErrorMessage ?? ''}`.trim(),
      );
    }
  };
}

/** The tick dependency for the environment's publisher: spread into TickDeps (nothing when none is set). */
export function failurePublishing(env: NodeJS.ProcessEnv = process.env): { publishFailure?: FailurePublisher } {
  const publishFailure = failurePublisherFromEnv(env);
  return publishFailure ? { publishFailure } : {};
}

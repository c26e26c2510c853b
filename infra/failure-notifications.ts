/**
 * The construct's failure notifications: each slot that fails for good (after its retries) is
 * published to an SNS topic and/or as an EventBridge event (functions/failure-publish.ts), so a
 * team routes it to Slack, e-mail or a pager with a subscription or a rule, without code. The
 * tick's role may publish to exactly that topic and put events on exactly that bus.
 */
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { FAILURE_EVENT_DETAIL_TYPE, FAILURE_EVENT_SOURCE, FailureTarget } from '../functions/failure-publish.js';
import type { LazySdkClient } from './tick-bundling.js';

/** Where failed runs are published. Both may be given. */
export interface FailureNotificationsOptions {
  /** One message per failed slot: subject `cluster-cron: job "<name>" failed (slot ...)`, the body a JSON `run.failed` event; message attributes `job` and `status` for filter policies. */
  readonly topic?: sns.ITopic;
  /** One event per failed slot on this bus: source `cluster-cron`, detail-type `Run Failed`, the detail a `run.failed` event (match it with `ClusterCron.failureEventPattern`). */
  readonly eventBus?: events.IEventBus;
}

/** The pattern of the failure events, for a rule on the bus: `new events.Rule(this, 'Failed', { eventBus, eventPattern: FAILURE_EVENT_PATTERN, targets })`. */
export const FAILURE_EVENT_PATTERN: events.EventPattern = {
  source: [FAILURE_EVENT_SOURCE],
  detailType: [FAILURE_EVENT_DETAIL_TYPE],
};

/** Grants `role` what the options need; returns the tick's environment variables and the SDK clients its bundle needs for them. */
export function failureNotifications(
  role: iam.IRole,
  options: FailureNotificationsOptions | undefined,
): { environment: Record<string, string>; sdkClients: LazySdkClient[] } {
  const environment: Record<string, string> = {};
  const sdkClients: LazySdkClient[] = [];
  if (options?.topic) {
    options.topic.grantPublish(role);
    environment[FailureTarget.topicArn] = options.topic.topicArn;
    sdkClients.push('@aws-sdk/client-sns');
  }
  if (options?.eventBus) {
    options.eventBus.grantPutEventsTo(role);
    // The ARN, not the name: a bus of another account is named by its ARN.
    environment[FailureTarget.eventBus] = options.eventBus.eventBusArn;
    sdkClients.push('@aws-sdk/client-eventbridge');
  }
  return { environment, sdkClients };
}

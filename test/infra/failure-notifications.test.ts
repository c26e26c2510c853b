/**
 * The construct's failureNotifications: the tick learns the topic and bus from its environment,
 * its role may publish to exactly that topic and put events on exactly that bus, and nothing of
 * it is there without the option.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { FAILURE_EVENT_DETAIL_TYPE, FAILURE_EVENT_SOURCE, FailureTarget } from '../../functions/failure-publish.js';
import { ClusterCron, type ClusterCronProps } from '../../infra/cluster-cron.js';

const SCHEDULE = 'test/infra/fixtures/schedule.yml';

function synth(props: (stack: Stack) => Partial<ClusterCronProps>) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const cron = new ClusterCron(stack, 'Cron', { schedule: SCHEDULE, ...props(stack) });
  return { template: Template.fromStack(stack), cron, stack };
}

const logicalIdOf = (stack: Stack, construct: { node: { defaultChild?: unknown } }): string =>
  stack.getLogicalId(construct.node.defaultChild as never);

type Statement = { Action: string | string[]; Resource: unknown };

function statementsOf(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );
}

describe('failure notifications in the construct', () => {
  it('publishes to the topic and the bus given, and may reach only those', () => {
    let topic!: sns.Topic;
    let bus!: events.EventBus;
    const { template, stack } = synth((scope) => {
      topic = new sns.Topic(scope, 'Failures');
      bus = new events.EventBus(scope, 'Ops');
      return { failureNotifications: { topic, eventBus: bus } };
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [FailureTarget.topicArn]: { Ref: logicalIdOf(stack, topic) },
          [FailureTarget.eventBus]: { 'Fn::GetAtt': [logicalIdOf(stack, bus), 'Arn'] },
        }),
      },
    });
    const statements = statementsOf(template);
    expect(statements.filter((statement) => JSON.stringify(statement.Action).includes('sns:'))).toEqual([
      expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: logicalIdOf(stack, topic) } }),
    ]);
    expect(statements.filter((statement) => JSON.stringify(statement.Action).includes('events:'))).toEqual([
      expect.objectContaining({ Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [logicalIdOf(stack, bus), 'Arn'] } }),
    ]);
  });

  it('gives the pattern a rule on the bus matches the failure events with', () => {
    const { cron } = synth(() => ({}));
    expect(cron.failureEventPattern).toEqual({ source: [FAILURE_EVENT_SOURCE], detailType: [FAILURE_EVENT_DETAIL_TYPE] });
  });

  it('adds no variable and no permission without the option', () => {
    const { template } = synth(() => ({}));
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const variables = Object.keys(fn!.Properties.Environment.Variables as Record<string, unknown>);
    expect(variables).not.toContain(FailureTarget.topicArn);
    expect(variables).not.toContain(FailureTarget.eventBus);
    expect(JSON.stringify(statementsOf(template))).not.toMatch(/sns:|events:/);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ClusterCronStack } from '../../infra/cluster-cron-stack.js';

/** The project's stack with every optional part, under cdk-nag's AwsSolutions pack (v3: a validation plugin). */
function checkedApp(options: { alarmEmail?: string } = { alarmEmail: 'ops@example.com' }) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ClusterCronStack(app, 'ClusterCron', { schedule: 'test/infra/fixtures/schedule.yml', ...options });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

/** Every acknowledgement in the app: construct path and rule id to reason. */
function acknowledgements(app: App): Record<string, Record<string, string>> {
  const found: Record<string, Record<string, string>> = {};
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        found[construct.node.path] = { ...found[construct.node.path], ...(entry.data as Record<string, string>) };
    }
  }
  return found;
}

describe('the security review (cdk-nag AwsSolutions)', () => {
  it.each([
    ['with an alarm topic', { alarmEmail: 'ops@example.com' }],
    ['without one', {}],
  ])('finds nothing unacknowledged in the project stack %s', (_name, options) => {
    const { app } = checkedApp(options);
    // In-memory synthesis throws on any error-level finding; warnings land in the report.
    const assembly = app.synth();
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
  });

  it('is really checking: an unacknowledged finding fails the synth, naming the rule', () => {
    const { app, stack } = checkedApp();
    new sqs.Queue(stack, 'Careless');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  it('acknowledges exactly two findings, each with a reason a reviewer can check', () => {
    const { app } = checkedApp();
    const acknowledged = acknowledgements(app);
    expect(Object.keys(acknowledged).sort()).toEqual(['ClusterCron/Alarms', 'ClusterCron/Scheduler/TickDeadLetters']);
    expect(Object.keys(acknowledged['ClusterCron/Alarms']!)).toEqual([expect.stringMatching(/AwsSolutions-SNS2$/)]);
    expect(Object.keys(acknowledged['ClusterCron/Scheduler/TickDeadLetters']!)).toEqual([expect.stringMatching(/AwsSolutions-SQS3$/)]);
    // SNS2 (no KMS key on the topic): CloudWatch cannot publish to a topic under the AWS managed key.
    expect(Object.values(acknowledged['ClusterCron/Alarms']!)[0]).toMatch(
      /CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key/,
    );
    // SQS3 (a queue without its own DLQ): this queue is the dead-letter queue.
    expect(Object.values(acknowledged['ClusterCron/Scheduler/TickDeadLetters']!)[0]).toMatch(/itself the dead-letter queue/);
  });
});

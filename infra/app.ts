/**
 * The project's CDK app: `npx cdk deploy` deploys the ClusterCron stack for config/schedule.yml.
 * Context (`-c key=value`): schedule (default CLUSTER_CRON_SCHEDULE_FILE or config/schedule.yml),
 * stackName (default ClusterCron), alarmEmail (an SNS topic for the alarms, mailing this address),
 * statusPage (`true`: the status page as a Lambda function URL with IAM auth; run npm run build:ui first).
 * Every synth runs the cdk-nag AwsSolutions checks; a bad schedule fails it with the message
 * `cluster-cron validate` gives.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ClusterCronError } from '../functions/core/errors.js';
import { ClusterCronStack } from './cluster-cron-stack.js';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
};

try {
  const alarmEmail = context('alarmEmail');
  new ClusterCronStack(app, context('stackName') ?? 'ClusterCron', {
    schedule: context('schedule') ?? process.env.CLUSTER_CRON_SCHEDULE_FILE ?? 'config/schedule.yml',
    ...(alarmEmail && { alarmEmail }),
    ...(context('statusPage') === 'true' && { statusPage: { enabled: true } }),
    // Deploys to the account and region of the caller's credentials; synth needs neither.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: 'cluster-cron: a cluster-safe cron (DynamoDB table, tick function, minute rule, alarms)',
  });
} catch (error) {
  if (!(error instanceof ClusterCronError)) throw error;
  // The message alone, as the CLI prints it: a stack trace would bury the job, key and value.
  process.stderr.write(`cluster-cron: ${error.message}\n`);
  process.exit(1);
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();

/**
 * The project's own stack: one ClusterCron for the schedule file, an optional e-mail topic for
 * its alarms, and outputs that say how to reach the deployed table from the CLI.
 */
import { CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { ClusterCron, type ClusterCronProps } from './cluster-cron.js';

/** Props of the project's stack. */
export interface ClusterCronStackProps extends StackProps, Omit<ClusterCronProps, 'alarmTopic'> {
  /** Creates an SNS topic for the alarms with this e-mail subscribed (confirm the mail AWS sends). */
  readonly alarmEmail?: string;
}

/** Table, tick function, minute rule, dead-letter queue and alarms, with outputs for the CLI. */
export class ClusterCronStack extends Stack {
  readonly scheduler: ClusterCron;
  readonly alarmTopic?: sns.Topic;

  constructor(scope: Construct, id: string, props: ClusterCronStackProps) {
    super(scope, id, props);
    if (props.alarmEmail) {
      this.alarmTopic = new sns.Topic(this, 'Alarms', { displayName: 'cluster-cron alarms', enforceSSL: true });
      this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
      Validations.of(this.alarmTopic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key, and a customer managed key costs more than this stack; alarm messages carry alarm names and states, no data.',
      });
    }
    this.scheduler = new ClusterCron(this, 'Scheduler', { ...props, ...(this.alarmTopic && { alarmTopic: this.alarmTopic }) });

    const { table, tickFunction, deadLetterQueue } = this.scheduler;
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'The DynamoDB table (CLUSTER_CRON_TABLE for the CLI)' });
    new CfnOutput(this, 'TickFunctionName', { value: tickFunction.functionName, description: 'Invoke it by hand with aws lambda invoke' });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: deadLetterQueue.queueUrl,
      description: 'Minute ticks EventBridge could not deliver',
    });
    new CfnOutput(this, 'CliEnvironment', {
      value: `DYNAMODB_ENDPOINT=aws AWS_REGION=${this.region} CLUSTER_CRON_TABLE=${table.tableName}`,
      description: 'Prefix cluster-cron status/history/pause/resume/trigger with this to work on the deployed table',
    });
    const statusPage = this.scheduler.statusPage;
    if (statusPage) {
      new CfnOutput(this, 'StatusPageUrl', {
        value: statusPage.url.url,
        description: 'The status page (IAM auth: open it through a SigV4 signing proxy, see the README)',
      });
      new CfnOutput(this, 'StatusPageTokenCommand', {
        value: `aws secretsmanager get-secret-value --region ${this.region} --secret-id ${statusPage.tokenSecret.secretArn} --query SecretString --output text`,
        description: 'Prints the token that trigger, pause and resume need (open the page at <proxy>/#token=<token>)',
      });
    }
  }
}

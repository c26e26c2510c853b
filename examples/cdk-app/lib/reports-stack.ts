/** The app's own stack: its reports table, and cluster-cron running its job against it. */
import { fileURLToPath } from 'node:url';
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { ClusterCron } from 'cluster-cron/cdk';
import type { Construct } from 'constructs';

export class ReportsStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const reports = new dynamodb.Table(this, 'ReportsTable', {
      partitionKey: { name: 'report', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Bundles the config, its handler and what the handler imports into the tick function.
    const cron = new ClusterCron(this, 'Cron', {
      config: fileURLToPath(new URL('../cluster-cron.config.ts', import.meta.url)),
      table: { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false },
    });
    cron.tickFunction.addEnvironment('REPORTS_TABLE', reports.tableName);
    reports.grantReadWriteData(cron.tickFunction);
    new CfnOutput(this, 'SchedulerTable', { value: cron.table.tableName });
  }
}

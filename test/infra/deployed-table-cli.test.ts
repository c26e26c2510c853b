import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ensureTable } from '../../functions/local/table.js';
import { ClusterCron } from '../../infra/cluster-cron.js';
import { useLocalTables } from '../support/local-table.js';

const run = promisify(execFile);
const tables = useLocalTables();

/** The table exactly as the stack declares it, created on the local server. */
async function deployedTable(): Promise<string> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Cli');
  new ClusterCron(stack, 'Cron', { schedule: 'config/schedule.yml' });
  const [table] = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'));
  const tableName = `deployed-${Math.random().toString(36).slice(2, 10)}`;
  const { KeySchema, AttributeDefinitions, BillingMode, GlobalSecondaryIndexes } = table!.Properties;
  await tables
    .client()
    .send(new CreateTableCommand({ TableName: tableName, KeySchema, AttributeDefinitions, BillingMode, GlobalSecondaryIndexes }));
  await ensureTable(tables.client(), tableName, { create: false });
  return tableName;
}

/**
 * The CLI as an operator runs it on a deployed table: an endpoint that is not loopback (so the
 * CLI treats it as remote: real credentials chain, region from AWS_REGION, no table creation).
 * 0.0.0.0 reaches the local server on Linux while not counting as loopback for the CLI.
 */
async function cli(tableName: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    DYNAMODB_ENDPOINT: tables.endpoint().replace('127.0.0.1', '0.0.0.0'),
    CLUSTER_CRON_TABLE: tableName,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'operator',
    AWS_SECRET_ACCESS_KEY: 'operator',
  };
  return run(process.execPath, ['bin/cluster-cron.mjs', ...args], { env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('the CLI on a table shaped as the stack deploys it', () => {
  it('shows status, pauses and resumes a job, and reads its history', async () => {
    const tableName = await deployedTable();
    const paused = await cli(tableName, 'pause', 'print', '--note', 'maintenance');
    expect(paused).toMatchObject({ code: 0, stdout: 'print: paused (maintenance); fence 0\n' });
    const status = await cli(tableName, 'status', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({ job: 'print', paused: true, pausedNote: 'maintenance', fence: 0 }),
    ]);
    expect(await cli(tableName, 'resume', 'print')).toMatchObject({ code: 0, stdout: 'print: resumed; fence 0\n' });
    expect(await cli(tableName, 'history', 'print')).toMatchObject({ code: 0, stdout: 'print: no slots recorded yet\n' });
  }, 60_000);

  it('refuses a table that does not exist, and does not create it', async () => {
    const result = await cli('not-deployed', 'status');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'cluster-cron: table "not-deployed" does not exist (deploy the stack, or set CLUSTER_CRON_TABLE to the deployed table\'s name)',
    );
    await expect(tables.client().send(new DescribeTableCommand({ TableName: 'not-deployed' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  }, 60_000);
});

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScheduleFile } from '../../functions/core/schedule.js';
import { getLock, recentSlots } from '../../functions/core/store.js';
import { defineConfig } from '../../functions/define.js';
import { upsertJob } from '../../functions/job-operations.js';
import { handlerNames } from '../../functions/jobs/index.js';
import { printWorker } from '../../functions/jobs/print-worker.js';
import { ensureTable } from '../../functions/local/table.js';
import { METRICS_NAMESPACE, TickMetric } from '../../functions/metrics.js';
import { ClusterCron } from '../../infra/cluster-cron.js';
import { sdkClientChunkPath } from '../../infra/sdk-client-chunks.js';
import { TICK_ESBUILD_OPTIONS } from '../../infra/tick-bundling.js';
import { writeTickEntry } from '../../infra/tick-entry.js';
import { invokeBundle } from '../support/bundle-invoker.js';
import { useLocalTables } from '../support/local-table.js';

const run = promisify(execFile);
const tables = useLocalTables();

function scheduledEvent(timeMs: number) {
  return {
    version: '0',
    id: 'cdc73f9d-aea9-11e3-9d5a-835b769c0d9c',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date(timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'eu-west-1',
    resources: ['arn:aws:events:eu-west-1:123456789012:rule/ClusterCron-SchedulerEveryMinute'],
    detail: {},
  };
}

describe('the tick bundle of the synthesized asset', () => {
  let outdir: string;
  let bundle: string;
  let environment: Record<string, string>;
  let tableProperties: Record<string, unknown>;

  beforeAll(async () => {
    // Bundling takes seconds: once for the file, into a cloud assembly outside the project.
    outdir = mkdtempSync(join(tmpdir(), 'cluster-cron-bundle-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'BundleTest');
    new ClusterCron(stack, 'Cron', { schedule: 'test/infra/fixtures/bundle-schedule.yml' });
    const assembly = app.synth();
    const template = assembly.getStackByName('BundleTest').template as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const resources = Object.values(template.Resources);
    // The function's properties this test reads.
    const fn = resources.find((resource) => resource.Type === 'AWS::Lambda::Function')!.Properties as {
      Code: { S3Key: string };
      Environment: { Variables: Record<string, string> };
    };
    const assetHash = String(fn.Code.S3Key).replace(/\.zip$/, '');
    bundle = join(outdir, `asset.${assetHash}`, 'index.mjs');
    environment = fn.Environment.Variables;
    tableProperties = resources.find((resource) => resource.Type === 'AWS::DynamoDB::Table')!.Properties;
  }, 180_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  /** A table with the template's own key schema, and the function's environment from the template. */
  async function deployLocally(): Promise<{ tableName: string; env: NodeJS.ProcessEnv }> {
    const tableName = `bundle-${Math.random().toString(36).slice(2, 10)}`;
    await tables.client().send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: tableProperties.KeySchema as never,
        AttributeDefinitions: tableProperties.AttributeDefinitions as never,
        BillingMode: tableProperties.BillingMode as never,
        GlobalSecondaryIndexes: tableProperties.GlobalSecondaryIndexes as never,
      }),
    );
    // Waits until it is ACTIVE, and checks its key schema as the CLI does on a deployed table.
    await ensureTable(tables.client(), tableName, { create: false });
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    for (const [key, value] of Object.entries(environment)) env[key] = typeof value === 'string' ? value : '';
    env.CLUSTER_CRON_TABLE = tableName;
    env.DYNAMODB_ENDPOINT = tables.endpoint();
    return { tableName, env };
  }

  const invoke = (env: NodeJS.ProcessEnv, events: unknown[]) => invokeBundle(bundle, env, events);

  it('is one ESM file with its source map, outside the project (so it runs with no node_modules beside it)', () => {
    expect(existsSync(`${bundle}.map`)).toBe(true);
    expect(readFileSync(bundle, 'utf8').startsWith("import { createRequire as __clusterCronCreateRequire } from 'node:module';")).toBe(
      true,
    );
    expect(relative(process.cwd(), bundle).startsWith('..')).toBe(true);
    expect(statSync(bundle).size).toBeGreaterThan(0);
  });

  it('carries the Lambda client in a file of its own, whatever the schedule (any tick may fan out), which the bundle resolves on first use', async () => {
    // The bundle's schedule neither hands off nor buffers: the client is there for the fan-out of runtime jobs.
    expect(readdirSync(dirname(bundle)).sort()).toEqual(['index.mjs', 'index.mjs.map', 'node_modules']);
    // The Invoke command's header is the client's own code: not parsed at a cold start.
    expect(readFileSync(bundle, 'utf8')).not.toContain('X-Amz-Invocation-Type');
    const probe = `
      import { createRequire } from 'node:module';
      const resolved = createRequire(process.argv[1]).resolve('@aws-sdk/client-lambda');
      const { LambdaClient, InvokeCommand } = await import(resolved);
      process.stdout.write(JSON.stringify({ resolved, client: typeof LambdaClient, command: typeof InvokeCommand }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe, bundle], { cwd: tmpdir() });
    expect(JSON.parse(stdout)).toEqual({
      resolved: join(dirname(bundle), sdkClientChunkPath('@aws-sdk/client-lambda')),
      client: 'function',
      command: 'function',
    });
    expect(existsSync(join(dirname(bundle), `${sdkClientChunkPath('@aws-sdk/client-lambda')}.map`))).toBe(true);
  });

  it('is what esbuild builds from TICK_ESBUILD_OPTIONS, byte for byte (a benchmark measures the deployed bundle)', async () => {
    const source = 'test/infra/fixtures/bundle-schedule.yml';
    const entry = writeTickEntry({
      jobs: loadScheduleFile(source, { handlers: handlerNames }),
      source,
      handlersModule: resolve('functions/jobs/index.ts'),
    });
    const outfile = join(outdir, 'esbuild-api', 'index.mjs');
    await build({ ...TICK_ESBUILD_OPTIONS, entryPoints: [entry], outfile, logLevel: 'error' });
    expect(readFileSync(outfile).equals(readFileSync(bundle))).toBe(true);
  }, 60_000);

  it('runs the slot of an EventBridge scheduled event once; the same event again is a duplicate', async () => {
    const { tableName, env } = await deployLocally();
    const event = scheduledEvent(Date.now());
    const { results, logs } = await invoke(env, [event, event]);

    const [first, second] = results;
    expect(first?.response?.counts).toEqual({ ran: 1 });
    const slot = first!.response!.outcomes[0]!.slot as string;
    expect(first!.response!.outcomes).toEqual([
      { outcome: 'ran', job: 'print', slot, trigger: 'schedule', fence: 1, durationMs: expect.any(Number), leaseLost: false },
    ]);
    expect(second?.response?.counts).toEqual({ duplicate: 1 });
    expect(second!.response!.outcomes).toEqual([
      { outcome: 'duplicate', job: 'print', slot, claimedBy: expect.stringMatching(/^lambda:0123456789ab#/) },
    ]);

    const store = { client: tables.client(), tableName, clock: Date.now };
    const slots = await recentSlots(store, 'print', 10);
    expect(slots).toHaveLength(1);
    expect(slots[0]).toMatchObject({ slot, status: 'succeeded', fence: 1, trigger: 'schedule', instance: 'lambda:0123456789ab' });
    expect((await getLock(store, 'print'))?.fence).toBe(1);

    // Its logs: one run, the schedule compiled in under its file name, JSON from Powertools.
    expect(logs.filter((log) => log.message === 'run.start')).toEqual([
      expect.objectContaining({ level: 'INFO', job: 'print', slot, fence: 1, service: environment.POWERTOOLS_SERVICE_NAME }),
    ]);
    expect(logs.filter((log) => String(log.message).startsWith('I AM WORKING AT'))).toHaveLength(1);
    // Its metrics: EMF in the stack's namespace and service, one run, one duplicate.
    const emf = logs.filter((log) => log._aws?.CloudWatchMetrics?.[0]?.Namespace === METRICS_NAMESPACE);
    // Sums a metric over the EMF lines of the service (job: undefined) or of one job.
    const total = (name: string, job?: string): number =>
      emf
        .filter((log) => log.service === environment.POWERTOOLS_SERVICE_NAME && log.job === job)
        .reduce((sum, log) => sum + ([log[name] ?? []].flat() as number[]).reduce((a, b) => a + b, 0), 0);
    expect(total(TickMetric.runs)).toBe(1);
    expect(total(TickMetric.runs, 'print')).toBe(1);
    expect(total(TickMetric.duplicateSlots)).toBe(1);
    expect(total(TickMetric.failedRuns)).toBe(0);
    expect(emf.filter((log) => typeof log[TickMetric.tickDuration] === 'number')).toHaveLength(2);
    // OverdueJobs on every tick, 0 here: the alarm reads 0, not missing data, while jobs are on time.
    expect(emf.filter((log) => log[TickMetric.overdueJobs] === 0)).toHaveLength(2);
  }, 60_000);

  it('runs a runtime job from its stored, validated definition (no validator in the bundle)', async () => {
    const { tableName, env } = await deployLocally();
    await upsertJob({
      config: defineConfig({ schedule: 'test/infra/fixtures/bundle-schedule.yml', handlers: { PrintWorker: printWorker } }),
      client: tables.client(),
      tableName,
      job: { name: 'sync-acme', cron: '*/5 * * * *', class: 'PrintWorker', args: { sleepSeconds: 0, tenant: 'acme' } },
    });
    const { results, logs } = await invoke(env, [{ trigger: 'sync-acme' }]);
    expect(results[0]?.response?.outcomes).toEqual([
      expect.objectContaining({ outcome: 'ran', job: 'sync-acme', trigger: 'manual', fence: 1 }),
    ]);
    expect(logs.filter((log) => log.message === 'run.start').map((log) => log.job)).toEqual(['sync-acme']);
  }, 60_000);

  it('refuses a bad payload with a PayloadError by name (names survive minification) and writes nothing', async () => {
    const { tableName, env } = await deployLocally();
    const { results } = await invoke(env, [{ trigger: 'nope' }]);
    expect(results).toEqual([
      { errorType: 'PayloadError', errorMessage: 'payload field "trigger": unknown job "nope" (the schedule defines: print)' },
    ]);
    expect(await recentSlots({ client: tables.client(), tableName, clock: Date.now }, 'print', 10)).toEqual([]);
  }, 60_000);
});

/**
 * The package as a user gets it: packed, installed from the tarball into fresh copies of
 * examples/ outside this repository, typechecked, and run as compiled JavaScript (no tsx for
 * our code, no CLUSTER_CRON_FROM_SOURCE): the CDK app's synth and its bundled tick, the web
 * app's embedded nodes, the CLI and a plain `node` import from the fresh folder.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/dynamo-client.js';
import { type LocalDynamo, startLocalDynamo } from '../../functions/local/dynalite-server.js';
import { checkRuns, parseRuns } from '../../functions/local/run-log.js';
import { ensureTable } from '../../functions/local/table.js';
import { installExample, packedFiles, packPackage, sh, shResult, startProcess, userEnv } from '../support/packed-example.js';

const work = mkdtempSync(join(tmpdir(), 'cluster-cron-examples-'));
let db: LocalDynamo;
let cdkApp: string;
let webApp: string;
let tarball: string;

beforeAll(async () => {
  db = await startLocalDynamo();
  tarball = await packPackage(work);
  // Both installs at once: most of the time is npm unpacking from its cache.
  [cdkApp, webApp] = await Promise.all([
    installExample('cdk-app', join(work, 'cdk-app'), tarball),
    installExample('web-app', join(work, 'web-app'), tarball),
  ]);
}, 300_000);

afterAll(async () => {
  await db?.close();
  // Two installed examples are hundreds of MB, and deleting them took over 30 s on a busy disk:
  // a detached rm does it while the other test files run.
  spawn('rm', ['-rf', work], { detached: true, stdio: 'ignore' }).unref();
});

const bin = (dir: string, name: string): string => join(dir, 'node_modules', '.bin', name);

describe('the tarball', () => {
  it('holds the compiled package and its assets, and no tests, benchmarks or fixtures', async () => {
    const files = await packedFiles();
    for (const file of [
      'dist/functions/index.js',
      'dist/functions/index.d.ts',
      'dist/infra/index.js',
      'dist/functions/local/index.js',
      'dist/ui/index.html',
      'bin/cluster-cron.mjs',
      'config/schedule.yml',
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
    ]) {
      expect(files).toContain(file);
    }
    expect(
      files.filter(
        (file) =>
          /^(test|bench|examples|scripts|functions|infra)\//.test(file) || file.includes('fixtures') || file.endsWith('.tsbuildinfo'),
      ),
    ).toEqual([]);
  });
});

describe('examples/cdk-app from the tarball', () => {
  it('typechecks with tsc', async () => {
    await sh(cdkApp, bin(cdkApp, 'tsc'), ['-p', '.']);
  });

  it('cdk synth bundles its job, and the bundled tick runs the slot once; a second invocation is a duplicate', async () => {
    await sh(cdkApp, bin(cdkApp, 'cdk'), ['synth', '--no-notices', '--quiet']);
    const template = JSON.parse(readFileSync(join(cdkApp, 'cdk.out', 'Reports.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }>;
    };
    const tick = Object.values(template.Resources).find(
      (resource) => resource.Type === 'AWS::Lambda::Function' && String(resource.Properties.Description).startsWith('cluster-cron tick'),
    );
    expect(tick?.Properties.Description).toBe(`cluster-cron tick: 1 job(s) from ${join(cdkApp, 'cluster-cron.config.ts')}`);
    const assetDir = join(cdkApp, 'cdk.out', tick!.Metadata!['aws:asset:path']!);
    // The Lambda client is a file of its own beside the bundle (any tick may fan out runtime jobs), built from the tarball.
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map', 'node_modules']);
    expect(readdirSync(join(assetDir, 'node_modules', '@aws-sdk', 'client-lambda')).sort()).toEqual([
      'index.mjs',
      'index.mjs.map',
      'package.json',
    ]);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    // The job's own module is in it; the YAML parser and the schema library are not (the jobs
    // ship as validated data, runtime jobs are stored validated): their own error codes would be in it if they were.
    expect(bundle).toContain('attribute_not_exists(#report) OR #fence < :fence');
    expect(bundle).not.toContain('MULTILINE_IMPLICIT_KEY');
    expect(bundle).not.toContain('unrecognized_keys');

    const client = createDocumentClient(db.endpoint);
    await ensureTable(client, 'cdk-cron', { create: true });
    await client.send(
      new CreateTableCommand({
        TableName: 'cdk-reports',
        AttributeDefinitions: [{ AttributeName: 'report', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'report', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // the local server's CreateTable takes 20 ms
    const invoker = `
      const intoMinuteMs = Date.now() % 60000;
      if (intoMinuteMs > 50000) await new Promise((resolve) => setTimeout(resolve, 60000 - intoMinuteMs + 50));
      const { handler } = await import(${JSON.stringify(join(assetDir, 'index.mjs'))});
      const event = { 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date().toISOString().replace(/\\.\\d{3}Z$/, 'Z'), detail: {} };
      const context = { getRemainingTimeInMillis: () => 60000, logStreamName: '2026/11/26/[$LATEST]0123456789abcdef', awsRequestId: 'r' };
      const results = [await handler(event, context), await handler(event, context)];
      process.stderr.write(JSON.stringify(results));`;
    const env = userEnv({ DYNAMODB_ENDPOINT: db.endpoint, CLUSTER_CRON_TABLE: 'cdk-cron', REPORTS_TABLE: 'cdk-reports' });
    const { stderr } = await sh(work, process.execPath, ['--input-type=module', '-e', invoker], env);
    const [first, second] = JSON.parse(stderr.trim().split('\n').pop()!) as {
      counts: Record<string, number>;
      outcomes: { outcome: string; fence?: number; slot: string }[];
    }[];
    expect(first!.counts).toEqual({ ran: 1 });
    expect(second!.counts).toEqual({ duplicate: 1 });
    const report = await client.send(new GetCommand({ TableName: 'cdk-reports', Key: { report: 'minutes' } }));
    expect(report.Item).toEqual({ report: 'minutes', slot: first!.outcomes[0]!.slot, fence: 1 });
    client.destroy();
  }, 240_000);
});

describe('examples/web-app from the tarball', () => {
  it('builds with tsc', async () => {
    await sh(webApp, bin(webApp, 'tsc'), ['-p', '.']);
  });

  it('npx cluster-cron validate and tick --json work on its TypeScript config', async () => {
    const validate = await shResult(webApp, 'npx', ['--no-install', 'cluster-cron', 'validate']);
    expect(validate).toMatchObject({ code: 0 });
    expect(validate.stdout).toContain('sync-inventory: "* * * * * *" UTC -> sync-inventory (lease 3s');
    expect(validate.stdout).toContain('cluster-cron.config.ts: 1 job valid');
    const tick = await shResult(
      webApp,
      'npx',
      ['--no-install', 'cluster-cron', 'tick', '--json'],
      userEnv({ DYNAMODB_ENDPOINT: db.endpoint, CLUSTER_CRON_TABLE: 'web-cli' }),
    );
    expect(tick.code).toBe(0);
    const outcomes = tick.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { outcome: string; job: string });
    expect(outcomes.map((outcome) => [outcome.job, outcome.outcome])).toEqual([['sync-inventory', 'ran']]);
  }, 60_000);

  // `npm init -y` makes a CommonJS package (no "type"): tsx reads its .ts files as CommonJS.
  it('validate and tick load a TypeScript config of a CommonJS package, and its handler file', async () => {
    const app = join(webApp, 'commonjs-app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(join(app, 'package.json'), '{ "name": "commonjs-app", "version": "1.0.0" }\n');
    writeFileSync(
      join(app, 'src', 'greet.ts'),
      "import type { RunContext } from 'cluster-cron';\nexport const greet = ({ log }: RunContext) => log.info('greet.ran');\n",
    );
    writeFileSync(
      join(app, 'cluster-cron.config.ts'),
      "import { defineConfig, defineJob } from 'cluster-cron';\nimport { greet } from './src/greet';\nexport default defineConfig({ jobs: { greet: defineJob({ cron: '* * * * * *', handler: greet }) } });\n",
    );
    const cli = join(webApp, 'node_modules', 'cluster-cron', 'bin', 'cluster-cron.mjs');
    const validate = await shResult(app, process.execPath, [cli, 'validate']);
    expect(validate.stderr).toBe('');
    expect(validate).toMatchObject({ code: 0, stdout: expect.stringContaining('cluster-cron.config.ts: 1 job valid') });
    const tick = await shResult(
      app,
      process.execPath,
      [cli, 'tick', '--json'],
      userEnv({ DYNAMODB_ENDPOINT: db.endpoint, CLUSTER_CRON_TABLE: 'web-cjs' }),
    );
    expect(tick).toMatchObject({ code: 0, stdout: expect.stringContaining('"outcome":"ran"') });
    expect(tick.stderr).toContain('"greet.ran"');
  }, 60_000);

  it('cluster-cron start runs its job as a node until SIGINT, then exits 0', async () => {
    // The installed bin itself (what npx runs), so the signal reaches the real process.
    const node = startProcess(
      webApp,
      ['node_modules/cluster-cron/bin/cluster-cron.mjs', 'start'],
      userEnv({ DYNAMODB_ENDPOINT: db.endpoint, CLUSTER_CRON_TABLE: 'web-start' }),
    );
    for (let waitedMs = 0; !node.lines.some((line) => line.includes('"run.end"')) && waitedMs < 15_000; waitedMs += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    node.child.kill('SIGINT');
    expect(await node.exited).toBe(0);
    const runs = parseRuns(node.lines);
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((run) => run.job === 'sync-inventory')).toBe(true);
  }, 30_000);

  it('the public API imports in plain node', async () => {
    const script =
      "import { defineConfig, defineJob, startNode, createTickHandler } from 'cluster-cron'; import { ClusterCron } from 'cluster-cron/cdk'; import { startLocalDynamo } from 'cluster-cron/local'; console.log([defineConfig, defineJob, startNode, createTickHandler, ClusterCron, startLocalDynamo].map((f) => typeof f).join(' '));";
    const { stdout } = await sh(cdkApp, process.execPath, ['--input-type=module', '-e', script]);
    expect(stdout.trim()).toBe('function function function function function function');
  });

  it('two instances run each slot once and never overlap; one goes on when the other is killed', async () => {
    const env = (instance: string): NodeJS.ProcessEnv =>
      userEnv({ DYNAMODB_ENDPOINT: db.endpoint, CLUSTER_CRON_TABLE: 'web-nodes', PORT: '0', INSTANCE: instance });
    const a = startProcess(webApp, ['dist/src/server.js'], env('node-a'));
    const b = startProcess(webApp, ['dist/src/server.js'], env('node-b'));
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    a.child.kill('SIGKILL');
    const killedMs = Date.now();
    await a.exited;
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);

    const runs = parseRuns([...a.lines, ...b.lines]);
    const check = checkRuns(runs, killedMs);
    expect(check.overlaps).toEqual([]);
    expect(check.duplicateStarts).toEqual([]);
    expect(check.fenceOrder).toEqual([]);
    expect(new Set(runs.filter((run) => run.startMs < killedMs).map((run) => run.instance)).size).toBeGreaterThan(0);
    // node-b took the job over after node-a died: lease 3 s + skew margin, then runs again.
    const afterKill = runs.filter((run) => run.instance === 'node-b' && run.startMs > killedMs + 4_000);
    expect(afterKill.length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it("creates a tenant's job at run time through one instance's API; the nodes run it once a slot until it is removed", async () => {
    const env = (instance: string): NodeJS.ProcessEnv =>
      userEnv({ DYNAMODB_ENDPOINT: db.endpoint, CLUSTER_CRON_TABLE: 'web-tenants', PORT: '0', INSTANCE: instance });
    const a = startProcess(webApp, ['dist/src/server.js'], env('node-a'));
    const b = startProcess(webApp, ['dist/src/server.js'], env('node-b'));
    const portOf = async (lines: string[]): Promise<number> => {
      for (let waitedMs = 0; waitedMs < 15_000; waitedMs += 100) {
        const port = lines.map((line) => /^listening on (\d+)$/.exec(line)?.[1]).find(Boolean);
        if (port) return Number(port);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the web app did not print its port');
    };
    const [portA, portB] = await Promise.all([portOf(a.lines), portOf(b.lines)]);
    const created = await fetch(`http://127.0.0.1:${portA}/tenants/acme`, { method: 'PUT' });
    expect(await created.json()).toEqual({ name: 'sync-tenant-acme', version: 1, changed: true });
    const syncs = () => [...a.lines, ...b.lines].filter((line) => line.includes('"tenant.sync"') && line.includes('"tenant":"acme"'));
    for (let waitedMs = 0; syncs().length < 3 && waitedMs < 20_000; waitedMs += 200)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(syncs().length).toBeGreaterThanOrEqual(3);
    // A one-time reminder, a second from now, created through the other instance: it runs once, on one node.
    const reminder = await fetch(`http://127.0.0.1:${portB}/tenants/acme/reminders?in=1`, { method: 'POST' });
    expect(await reminder.json()).toMatchObject({ version: 1, changed: true, name: expect.stringMatching(/^remind-acme-\d+$/) });
    const reminders = () => [...a.lines, ...b.lines].filter((line) => line.includes('"tenant.reminder"'));
    for (let waitedMs = 0; reminders().length < 1 && waitedMs < 15_000; waitedMs += 200)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reminders()).toHaveLength(1);
    expect((await fetch(`http://127.0.0.1:${portB}/tenants/acme/reminders?in=soon`, { method: 'POST' })).status).toBe(400);
    const removed = await fetch(`http://127.0.0.1:${portB}/tenants/acme`, { method: 'DELETE' });
    expect(await removed.json()).toEqual({ removed: true });
    const removedMs = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
    const tenantRuns = parseRuns([...a.lines, ...b.lines]).filter((run) => run.job === 'sync-tenant-acme');
    const check = checkRuns(tenantRuns, Number.POSITIVE_INFINITY);
    expect(check.duplicateStarts).toEqual([]);
    expect(check.overlaps).toEqual([]);
    // Every node saw the removal within a tick: no slot after it (with a second of slack) started.
    expect(tenantRuns.filter((run) => Date.parse(run.slot) > removedMs + 1_000)).toEqual([]);
    // The reminder ran once in all, four seconds and more after it ran.
    expect(reminders()).toHaveLength(1);
  }, 90_000);
});

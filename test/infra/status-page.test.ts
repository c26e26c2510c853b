import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { upsertJob } from '../../functions/job-operations.js';
import { ClusterCron, type ClusterCronProps } from '../../infra/cluster-cron.js';
import { ClusterCronStack } from '../../infra/cluster-cron-stack.js';
import { STATUS_PAGE_TABLE_ACTIONS } from '../../infra/status-page.js';
import { useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
const run = promisify(execFile);

/** Loads the bundle in a plain Node process (as Lambda does: no tsx, no node_modules beside it) and answers two function URL events. */
const INVOKER = `
const { handler } = await import(process.argv[1]);
const event = (rawPath) => ({ version: '2.0', rawPath, rawQueryString: '', headers: { host: 'x.lambda-url.eu-west-1.on.aws' }, requestContext: { http: { method: 'GET', path: rawPath } }, isBase64Encoded: false });
const page = await handler(event('/'));
const jobs = await handler(event('/api/jobs'));
process.stdout.write(JSON.stringify({ page: { statusCode: page.statusCode, html: Buffer.from(page.body, 'base64').toString() }, jobs: { statusCode: jobs.statusCode, body: JSON.parse(jobs.body) } }));
`;

const SCHEDULE = 'test/infra/fixtures/schedule.yml';
const FIXTURE_UI = 'test/fixtures/ui';
const WITH_PAGE = { statusPage: { enabled: true, assetsDir: FIXTURE_UI } } as const;

/** A fresh app and stack; bundling is skipped unless a test asks for it. */
function synth(props: Partial<ClusterCronProps> = {}, options: { bundle?: boolean; outdir?: string } = {}) {
  const app = new App({
    ...(options.outdir && { outdir: options.outdir }),
    context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new Stack(app, 'Test');
  const cron = new ClusterCron(stack, 'Cron', { schedule: SCHEDULE, ...props });
  return { app, stack, cron, template: Template.fromStack(stack) };
}

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Effect: string };

/** The statements of the policies attached to the status page's role. */
function statusPageStatements(template: Template, stack: Stack, cron: ClusterCron): Statement[] {
  const roleId = stack.getLogicalId(cron.statusPage!.function.role!.node.defaultChild as never);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    JSON.stringify(policy.Properties.Roles).includes(roleId),
  );
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

describe('the status page option of ClusterCron', () => {
  it('is off by default: one function, no function URL, no secret', () => {
    const { template, cron } = synth();
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Lambda::Url', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(cron.statusPage).toBeUndefined();
  });

  it('creates a second function behind a function URL with IAM auth and no CORS', () => {
    const { template } = synth(WITH_PAGE);
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', Cors: Match.absent() });
    // No resource policy opens the URL to everyone (that is what auth type NONE would add).
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'cluster-cron status page (function URL, IAM auth)',
      Environment: {
        Variables: Match.objectLike({
          CLUSTER_CRON_TABLE: Match.anyValue(),
          CLUSTER_CRON_TICK_FUNCTION: Match.anyValue(),
          CLUSTER_CRON_TOKEN_SECRET: Match.anyValue(),
        }),
      },
    });
  });

  it('grants its role reads and UpdateItem on the table, the token secret, and invoking the tick function: nothing more', () => {
    const { template, stack, cron } = synth(WITH_PAGE);
    const statements = statusPageStatements(template, stack, cron);
    const bySid = Object.fromEntries(statements.filter((statement) => statement.Sid).map((statement) => [statement.Sid, statement]));
    const tableArn = { 'Fn::GetAtt': [stack.getLogicalId(cron.table.node.defaultChild as never), 'Arn'] };
    const tickArn = { 'Fn::GetAtt': [stack.getLogicalId(cron.tickFunction.node.defaultChild as never), 'Arn'] };
    expect(bySid.TableItems).toMatchObject({ Effect: 'Allow', Action: [...STATUS_PAGE_TABLE_ACTIONS], Resource: tableArn });
    expect(STATUS_PAGE_TABLE_ACTIONS).not.toContain('dynamodb:PutItem');
    expect(bySid.RuntimeJobsIndex).toMatchObject({
      Effect: 'Allow',
      Action: 'dynamodb:Query',
      Resource: { 'Fn::Join': ['', [tableArn, '/index/runtimeJobs']] },
    });
    expect(bySid.TriggerThroughTick).toMatchObject({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: tickArn });
    expect(bySid.ReadToken).toMatchObject({
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: { Ref: stack.getLogicalId(cron.statusPage!.tokenSecret.node.defaultChild as never) },
    });
    // The rest writes its own log group only.
    const others = statements.filter((statement) => !statement.Sid);
    expect(others.flatMap((statement) => [statement.Action].flat()).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(JSON.stringify(statements)).not.toContain('"*"');
  });

  it('generates the token into a Secrets Manager secret', () => {
    const { template } = synth(WITH_PAGE);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true, IncludeSpace: false },
    });
  });

  it('fails the synth with "run npm run build:ui" when the page is not built', () => {
    const empty = mkdtempSync(join(tmpdir(), 'cluster-cron-no-ui-'));
    try {
      expect(() => synth({ statusPage: { enabled: true, assetsDir: empty } })).toThrow(
        /statusPage: the page is not built \(no .*index\.html\): run npm run build:ui/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('passes cdk-nag with one acknowledgement (the token is not rotated automatically), and outputs the URL and the token command', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new ClusterCronStack(app, 'ClusterCron', { schedule: SCHEDULE, ...WITH_PAGE });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const assembly = app.synth();
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
    const acknowledged = app.node
      .findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .map((entry) => [construct.node.path, entry.data as Record<string, string>] as const),
      )
      .filter(([path]) => path.includes('StatusPage'));
    expect(acknowledged).toHaveLength(1);
    expect(acknowledged[0]![0]).toBe('ClusterCron/Scheduler/StatusPage/Token');
    expect(Object.keys(acknowledged[0]![1])).toEqual([expect.stringMatching(/AwsSolutions-SMG4$/)]);
    expect(Object.values(acknowledged[0]![1])[0]).toMatch(/rotating it is a manual step/);
    const template = Template.fromStack(stack);
    template.hasOutput('StatusPageUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('StatusPage'), 'FunctionUrl'] } });
    template.hasOutput('StatusPageTokenCommand', { Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
  });

  describe('its bundle', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cluster-cron-status-bundle-'));
    afterAll(() => rmSync(outdir, { recursive: true, force: true }));

    it('holds the handler and, beside it, the built page, and answers function URL events in a plain Node process', async () => {
      const { app, stack, cron } = synth(WITH_PAGE, { bundle: true, outdir });
      app.synth();
      // The function's code is the asset whose hash its S3 key names.
      const fn = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(cron.statusPage!.function.node.defaultChild as never)];
      const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
      const assetDir = join(outdir, `asset.${hash}`);
      expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map', 'ui']);
      expect(readFileSync(join(assetDir, 'ui', 'index.html'), 'utf8')).toContain('fixture page');
      expect(existsSync(join(assetDir, 'ui', 'assets', 'app.js'))).toBe(true);
      // The job handlers are the tick's business: the page's bundle does not carry them.
      expect(readFileSync(join(assetDir, 'index.mjs'), 'utf8')).not.toContain('I AM WORKING');

      // And it runs: the page from `ui/` beside it, the jobs from the table.
      const env = {
        PATH: process.env.PATH,
        CLUSTER_CRON_TABLE: await tables.newTable(),
        DYNAMODB_ENDPOINT: tables.endpoint(),
        CLUSTER_CRON_TICK_FUNCTION: 'tick',
        CLUSTER_CRON_TOKEN_SECRET: 'secret',
        AWS_REGION: 'eu-west-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      // A runtime job in the table: the page lists it only if the construct shipped the handler names it validates against.
      await upsertJob({
        config: { source: 'test', jobs: [], handlers: { PrintWorker: () => {} } },
        client: tables.client(),
        tableName: env.CLUSTER_CRON_TABLE,
        job: { name: 'sync-acme', cron: '*/15 * * * *', class: 'PrintWorker' },
      });
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', INVOKER, join(assetDir, 'index.mjs')], {
        cwd: tmpdir(),
        env,
      });
      const answers = JSON.parse(stdout.slice(stdout.indexOf('{"page"'))) as {
        page: { statusCode: number; html: string };
        jobs: { statusCode: number; body: { jobs: { name: string }[] } };
      };
      expect(answers.page).toEqual({ statusCode: 200, html: expect.stringContaining('fixture page') });
      expect(answers.jobs.statusCode).toBe(200);
      expect(answers.jobs.body.jobs.length).toBeGreaterThan(1);
      expect(answers.jobs.body.jobs.map((job) => job.name)).toContain('sync-acme');
    }, 120_000);
  });
});

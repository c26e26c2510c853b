import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** The environment of a machine with no AWS account: no credentials, no instance metadata. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  for (const key of Object.keys(env))
    if (/^(AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)|CDK_DEFAULT_)/.test(key)) delete env[key];
  return env;
}

/** `npx cdk synth` as the README says, with the project's own CLI, into a scratch cloud assembly. */
async function cdkSynth(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; outdir: string }> {
  const outdir = mkdtempSync(join(tmpdir(), 'cluster-cron-synth-'));
  outdirs.push(outdir);
  try {
    const { stdout, stderr } = await run('node_modules/.bin/cdk', ['synth', '--no-notices', '--quiet', '--output', outdir, ...args], {
      env: offlineEnv(),
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr, outdir };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr, outdir };
  }
}

describe('cdk synth of the project app', () => {
  it('succeeds offline with the project CLI, bundling the tick function for config/schedule.yml', async () => {
    const result = await cdkSynth();
    expect(result.code, result.stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(result.outdir, 'ClusterCron.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Description?: string; Code?: { S3Key?: string } } }>;
      Outputs: Record<string, unknown>;
    };
    const fn = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function')!;
    expect(fn.Properties.Description).toBe('cluster-cron tick: 1 job(s) from config/schedule.yml');
    const asset = join(result.outdir, `asset.${String(fn.Properties.Code?.S3Key).replace(/\.zip$/, '')}`);
    expect(existsSync(join(asset, 'index.mjs'))).toBe(true);
    // The schedule is compiled into the code (config/schedule.yml's cron), not read at run time.
    expect(readFileSync(join(asset, 'index.mjs'), 'utf8')).toContain('*/1 * * * *');
    expect(Object.keys(template.Outputs).sort()).toEqual(['CliEnvironment', 'DeadLetterQueueUrl', 'TableName', 'TickFunctionName']);
  }, 180_000);

  it('fails on a schedule with a bad cron, with the message cluster-cron validate gives', async () => {
    const schedule = 'test/infra/fixtures/bad-cron.yml';
    const validate = await run(process.execPath, ['bin/cluster-cron.mjs', 'validate', '--schedule', schedule]).then(
      () => ({ stderr: '' }),
      (error: { stderr: string }) => error,
    );
    const message = validate.stderr.trim();
    expect(message).toBe(
      'cluster-cron: test/infra/fixtures/bad-cron.yml: job "print": key "cron": cron "61 * * * *" is invalid: Constraint error, got value 61 expected range 0-59',
    );

    const result = await cdkSynth('--context', `schedule=${schedule}`);
    expect(result.code).not.toBe(0);
    expect(result.stderr.split('\n')).toContain(message);
    // The message, not a stack trace.
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 180_000);
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ClusterCron } from '../../infra/cluster-cron.js';
import { findProjectRoot } from '../../infra/synth-config.js';
import { entryDirOf, tickEntrySource } from '../../infra/tick-entry.js';

const FIXTURES = 'test/fixtures/config';
const CONFIG = join(FIXTURES, 'cluster-cron.config.ts');

/** A stack with the construct for `config`; bundling skipped (tick-bundle.test.ts bundles). */
function synth(config: string, props: { statusPage?: { enabled: boolean } } = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const cron = new ClusterCron(stack, 'Cron', { config, ...props });
  return { cron, template: Template.fromStack(stack) };
}

describe('ClusterCron with a config file', () => {
  it('validates the config at synth and sizes the function from its jobs', () => {
    const { cron, template } = synth(CONFIG);
    expect(cron.jobs.map((job) => job.name)).toEqual(['hourly-greeting', 'greet']);
    // Timeout: twice the longest lease (greet, 2 min) plus 30 s.
    template.hasResourceProperties('AWS::Lambda::Function', { Description: `cluster-cron tick: 2 job(s) from ${CONFIG}`, Timeout: 270 });
    expect(Object.keys(cron.alarms.notStarted).sort()).toEqual(['greet', 'hourly-greeting']);
  });

  it("adds the status page for the config's jobs", () => {
    const { cron, template } = synth(CONFIG, { statusPage: { enabled: true } });
    expect(cron.statusPage).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'cluster-cron status page (function URL, IAM auth)' });
  });

  it('fails synth with the message `cluster-cron validate` gives for a bad job', () => {
    expect(() => synth(join(FIXTURES, 'bad-lease.config.ts'))).toThrow(
      /^test\/fixtures\/config\/bad-lease\.config\.ts: job "nightly": key "lease" has value "500ms"/,
    );
  });

  it('refuses a config and a schedule together, and a config file that does not exist', () => {
    const stack = new Stack(new App(), 'Test');
    expect(() => new ClusterCron(stack, 'Both', { config: CONFIG, schedule: 'config/schedule.yml' })).toThrow('give exactly one of config');
    expect(() => new ClusterCron(stack, 'Missing', { config: 'nope.config.ts' })).toThrow('config file nope.config.ts does not exist');
  });

  it('generates the entry in the user project (node_modules/.cache/cluster-cron), importing their config and the jobs as data', () => {
    const { projectRoot } = findProjectRoot(CONFIG);
    expect(projectRoot).toBe(process.cwd());
    const entryDir = entryDirOf('/app');
    const source = tickEntrySource({ jobs: [], source: 'cluster-cron.config.ts', configModule: '/app/cluster-cron.config.ts' }, entryDir);
    expect(entryDir).toBe('/app/node_modules/.cache/cluster-cron');
    expect(source).toContain('import config from "../../../cluster-cron.config.ts";');
    expect(source).toContain('const jobs = [];');
    // Neither the schedule parser nor the config validation: the jobs were validated at synth.
    expect(source).not.toMatch(/schedule|resolve-config/);
    expect(readFileSync(join(import.meta.dirname, '../../infra/tick-entry.ts'), 'utf8')).toContain("ownModule('functions/tick-runtime')");
  });
});

/**
 * CLUSTER_CRON_SCHEDULE_FILE is, as `cluster-cron --help` says, the schedule file "when there is
 * no config file": a shell that exports it (for a schedule-only folder) does not make a command
 * in a project with a cluster-cron.config.ts silently run the schedule's PrintWorker jobs instead.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../functions/package-root.js';

const dir = mkdtempSync(join(tmpdir(), 'cluster-cron-schedule-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schedule = join(dir, 'other.yml');
writeFileSync(schedule, 'from-schedule:\n  cron: "0 9 * * *"\n  class: PrintWorker\n');

/** `cluster-cron validate` in `cwd` with CLUSTER_CRON_SCHEDULE_FILE set to the schedule above. */
function validateIn(cwd: string): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, CLUSTER_CRON_SCHEDULE_FILE: schedule };
  delete env.CLUSTER_CRON_CONFIG;
  const result = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin', 'cluster-cron.mjs'), 'validate'], { cwd, env, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('CLUSTER_CRON_SCHEDULE_FILE', () => {
  it('does not replace the config file of the working directory', () => {
    const project = mkdtempSync(join(dir, 'project-'));
    writeFileSync(
      join(project, 'cluster-cron.config.ts'),
      `import { defineConfig, defineJob } from ${JSON.stringify(join(PACKAGE_ROOT, 'functions', 'define.js'))};\nexport default defineConfig({ jobs: { 'from-config': defineJob({ cron: '0 9 * * *', handler: () => undefined }) } });\n`,
    );
    const result = validateIn(project);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('cluster-cron.config.ts: 1 job valid');
    expect(result.stdout).not.toContain('from-schedule');
  });

  it('is the schedule file of a folder without a config file', () => {
    const result = validateIn(mkdtempSync(join(dir, 'plain-')));
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${schedule}: 1 job valid`);
  });
});

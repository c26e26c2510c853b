/**
 * `cluster-cron validate | head -1`, `cluster-cron history JOB | head`: the reader closing the
 * pipe early ends the output. The command exits 0 and quietly, not with an unhandled EPIPE
 * and Node's stack trace.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../functions/package-root.js';

const dir = mkdtempSync(join(tmpdir(), 'cluster-cron-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `node bin/cluster-cron.mjs <args> | head -n 1` in bash with pipefail: the CLI's exit code and its stderr. */
function intoHead(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const command = `set -o pipefail; "${process.execPath}" bin/cluster-cron.mjs ${args.map((arg) => `'${arg}'`).join(' ')} | head -n 1 >/dev/null`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd: PACKAGE_ROOT, env: process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe('output into a pipe its reader closes early', () => {
  it('validate of a long schedule exits 0 without an error', async () => {
    // 400 jobs print about 100 KB: more than a pipe holds, so the CLI writes after head has gone.
    const jobs = Array.from({ length: 400 }, (_, index) => `job-${index}:\n  cron: "*/5 * * * *"\n  class: PrintWorker\n`);
    const path = join(dir, 'long.yml');
    writeFileSync(path, jobs.join(''));
    const { code, stderr } = await intoHead(['validate', '--schedule', path]);
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toContain('Unhandled');
    expect(code).toBe(0);
  });
});

/**
 * The CLI (bin/cluster-cron.mjs) as a child process, for the tests and scripts that run real
 * nodes and pages: its output lines, stdout and stderr together as they come, and its exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PACKAGE_ROOT } from '../../functions/package-root.js';

export interface CliProcess {
  child: ChildProcess;
  lines: string[];
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/** Starts `cluster-cron <args>` from the package's root with `env`. */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv): CliProcess {
  return spawnNode([join(PACKAGE_ROOT, 'bin', 'cluster-cron.mjs'), ...args], { cwd: PACKAGE_ROOT, env });
}

/** Starts `node <args>` in `cwd`, collecting its stdout and stderr lines as they come. */
export function spawnNode(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): CliProcess {
  const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

/** A finished CLI command: its exit code and what it printed. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI to its end in a child process against `endpoint` and `table` (killed after 20 s). */
export function runCli(endpoint: string, args: string[], table: string): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DYNAMODB_ENDPOINT: endpoint,
    CLUSTER_CRON_TABLE: table,
    CLUSTER_CRON_LOG_LEVEL: 'INFO',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  for (const key of ['CLUSTER_CRON_SCHEDULE_FILE', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_DEV', 'CLUSTER_CRON_DEBUG']) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin', 'cluster-cron.mjs'), ...args], {
      cwd: PACKAGE_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

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
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin', 'cluster-cron.mjs'), ...args], {
    cwd: PACKAGE_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

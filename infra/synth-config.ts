/**
 * Reads the user's config at synth: `cluster-cron validate --json` in a child process (so a
 * TypeScript config loads whatever runs the CDK app, and the message of a bad job is the one
 * `validate` prints), and finds the user's project root, where the tick is bundled from.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ClusterCronError } from '../functions/core/errors.js';
import type { JobDefinition } from '../functions/core/types.js';
import { PACKAGE_ROOT } from '../functions/package-root.js';

/** Lock files NodejsFunction knows, in the order it looks for them. */
const LOCK_FILES = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock'] as const;

/** The user's project: the nearest folder above `fromPath` with a lock file, and that file. */
export function findProjectRoot(fromPath: string): { projectRoot: string; depsLockFilePath: string } {
  let dir = dirname(resolve(fromPath));
  for (;;) {
    const lock = LOCK_FILES.map((name) => join(dir, name)).find((path) => existsSync(path));
    if (lock) return { projectRoot: dir, depsLockFilePath: lock };
    const parent = dirname(dir);
    if (parent === dir)
      throw new ClusterCronError(
        `no lock file (${LOCK_FILES.join(', ')}) in any folder above ${fromPath}: install the project's dependencies, or pass projectRoot and depsLockFilePath`,
      );
    dir = parent;
  }
}

/**
 * The validated jobs of a config file, as `cluster-cron validate --config FILE --json` gives them.
 * @throws ClusterCronError with validate's message (file, job, key and value) for a bad config.
 */
export function synthConfig(
  configFile: string,
  options: { cwd: string; maxClockSkewMs: number },
): { source: string; jobs: JobDefinition[]; handlerNames: string[] } {
  try {
    const stdout = execFileSync(
      process.execPath,
      [join(PACKAGE_ROOT, 'bin', 'cluster-cron.mjs'), 'validate', '--json', '--config', resolve(configFile)],
      {
        cwd: options.cwd,
        env: {
          ...process.env,
          MAX_CLOCK_SKEW_MS: String(options.maxClockSkewMs),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { source: string; jobs: JobDefinition[]; handlers: string[] };
    // The source as the user named it, not the absolute path the child was given.
    return { source: configFile, jobs: parsed.jobs, handlerNames: parsed.handlers };
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    const message = stderr
      .split('\n')
      .find((line) => line.startsWith('cluster-cron: '))
      ?.slice('cluster-cron: '.length);
    throw new ClusterCronError(message ?? `cannot read the config ${configFile}: ${stderr || (error as Error).message}`, { cause: error });
  }
}

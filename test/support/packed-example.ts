/**
 * What a user does with the package: `npm pack` it, copy an example to a fresh folder outside
 * this repository, install the tarball and the example's own dependencies (offline-capable:
 * the npm cache holds everything `npm ci` fetched), and run its commands.
 */
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type CliProcess, spawnNode } from './cli-process.js';

const run = promisify(execFile);

/** This repository. */
const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * The environment of a user's shell: no CLUSTER_CRON_FROM_SOURCE (the tests' own switch to run
 * our TypeScript sources), so the installed package runs as the compiled JavaScript it ships.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
  delete env.CLUSTER_CRON_FROM_SOURCE;
  delete env.VITEST;
  delete env.NODE_OPTIONS;
  return env;
}

/** Runs a command in `cwd`; resolves with its output, rejects with it (and the exit code) on failure. */
export async function sh(
  cwd: string,
  file: string,
  args: string[],
  env = userEnv(),
  timeoutMs = 240_000,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(file, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${file} ${args.join(' ')} in ${cwd} failed (${failed.code}): ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`,
    );
  }
}

/** Runs the command and returns its exit code and output, without throwing on failure. */
export async function shResult(
  cwd: string,
  file: string,
  args: string[],
  env = userEnv(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * Compiles the package (tsc only; the status page was built by `npm test`'s build, and a
 * rebuild of it here would pull it from under tests that serve it) and packs it into `dir`.
 * @returns the tarball's path
 */
export async function packPackage(dir: string): Promise<string> {
  await sh(REPO_ROOT, 'npm', ['run', 'build:js', '--silent']);
  const { stdout } = await sh(REPO_ROOT, 'npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir]);
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  return join(dir, packed!.filename);
}

/** The files in the tarball, as npm lists them. */
export async function packedFiles(): Promise<string[]> {
  const { stdout } = await sh(REPO_ROOT, 'npm', ['pack', '--dry-run', '--ignore-scripts', '--json']);
  return (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((file) => file.path);
}

/**
 * Copies examples/<name> to `dir`, points its cluster-cron dependency at the tarball (as
 * `npm install <tarball>` does) and installs, preferring the cache.
 */
export async function installExample(name: string, dir: string, tarball: string): Promise<string> {
  cpSync(join(REPO_ROOT, 'examples', name), dir, { recursive: true, filter: (source) => !/node_modules|cdk\.out|[\\/]dist$/.test(source) });
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies['cluster-cron'] = `file:${tarball}`;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await sh(dir, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error']);
  return dir;
}

/** Starts a long-running process of the example; `lines` collects its stdout and stderr line by line (the logs, a server's address). */
export function startProcess(cwd: string, args: string[], env: NodeJS.ProcessEnv): CliProcess {
  return spawnNode(args, { cwd, env });
}

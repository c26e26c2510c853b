/**
 * Loads the user's configuration: `cluster-cron.config.ts` (or .mts/.js/.mjs) in the working
 * directory, the file `--config` or CLUSTER_CRON_CONFIG names, or, with none, a schedule file
 * (config/schedule.yml) with the built-in handlers. Validated by resolveConfig.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage, ScheduleError } from './core/errors.js';
import { checkLeasesAgainstSkew } from './core/lease-skew.js';
import { loadScheduleFile } from './core/schedule.js';
import { TICK_DEFAULTS } from './core/tick.js';
import { handlers as builtInHandlers } from './jobs/index.js';
import { PACKAGE_ROOT } from './package-root.js';
import { displayPath, type LoadedConfig, resolveConfig } from './resolve-config.js';

export { type LoadedConfig, resolveConfig } from './resolve-config.js';

/** The file names looked for in the working directory, in this order. */
export const CONFIG_FILE_NAMES = [
  'cluster-cron.config.ts',
  'cluster-cron.config.mts',
  'cluster-cron.config.js',
  'cluster-cron.config.mjs',
] as const;

/** A schedule file's name, and a config file's: each given to the other's flag is refused, saying which flag it needs. */
const SCHEDULE_FILE = /\.(ya?ml|json)$/i;
const CONFIG_FILE = /\.[cm]?[jt]sx?$/i;

/** The schedule file used when there is no config file. */
const DEFAULT_SCHEDULE_FILE = 'config/schedule.yml';

/** Where to look for the configuration. */
export interface LoadConfigOptions {
  /** A config file; default: CLUSTER_CRON_CONFIG, then CONFIG_FILE_NAMES in `cwd`. */
  config?: string;
  /** A schedule file to use instead of any config file, with the built-in handlers. */
  schedule?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Leases must be longer than twice this (MAX_CLOCK_SKEW_MS). @default 1000 */
  maxClockSkewMs?: number;
}

/** The config file to load, or undefined for none (then the schedule file is used). */
export function findConfigFile(options: Pick<LoadConfigOptions, 'config' | 'cwd' | 'env'> = {}): string | undefined {
  const cwd = options.cwd ?? process.cwd();
  const named = options.config ?? (options.env ?? process.env).CLUSTER_CRON_CONFIG;
  if (named) {
    if (SCHEDULE_FILE.test(named))
      throw new ScheduleError(
        `${named}: a YAML or JSON file is a schedule file: give it with --schedule (or as the config's "schedule"), not as a config file`,
        { source: named },
      );
    const path = resolve(cwd, named);
    if (!existsSync(path)) throw new ScheduleError(`${named}: config file not found (resolved to ${path})`, { source: named });
    return path;
  }
  return CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).find((path) => existsSync(path));
}

/**
 * The package's copy of a `--schedule` file under `config/` it ships (package.json `files`), when
 * the working directory has no file of that name (`npx cluster-cron demo --schedule
 * config/demo-buffer.yml` in a user's own folder).
 */
function shippedSchedule(cwd: string, schedule: string | undefined): string | undefined {
  if (schedule === undefined || existsSync(resolve(cwd, schedule))) return undefined;
  const name = schedule.replaceAll('\\', '/').replace(/^\.\//, '');
  const shipped = join(PACKAGE_ROOT, name);
  return /^config\/[^/]+\.ya?ml$/.test(name) && existsSync(shipped) ? shipped : undefined;
}

let tsLoaderRegistered = false;

/** A CommonJS module compiled from `export default` is `{ default: exports }` with `exports.__esModule`: its own default. */
function commonJsDefault(module: { default?: unknown }): { default?: unknown } {
  const exported = module.default as { __esModule?: unknown; default?: unknown } | undefined;
  return exported !== null && typeof exported === 'object' && exported.__esModule === true ? { default: exported.default } : module;
}

/**
 * Imports a config file's default export. JavaScript loads natively; TypeScript through tsx's
 * loaders, registered before the first import of a .ts file (Node caches a failed import, so it
 * cannot be retried after the fact). Only the user's files need it: ours are compiled. Both
 * loaders: in a CommonJS package (`npm init -y` writes no "type"), tsx reads a .ts file as
 * CommonJS, and without its require hook the file's require of this package failed ("Cannot
 * require() ES Module ... in a cycle").
 */
async function importConfigFile(path: string): Promise<unknown> {
  let module: { default?: unknown };
  try {
    if (/\.[cm]?tsx?$/.test(path) && !tsLoaderRegistered) {
      const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
      esm.register();
      cjs.register();
      tsLoaderRegistered = true;
    }
    module = commonJsDefault((await import(pathToFileURL(path).href)) as { default?: unknown });
  } catch (cause) {
    throw new ScheduleError(`${path}: cannot load the config file: ${errorMessage(cause)}`, { source: path }, { cause });
  }
  if (module.default === undefined)
    throw new ScheduleError(`${path}: the config file has no default export; write "export default defineConfig({ jobs: { ... } })"`, {
      source: path,
    });
  return module.default;
}

/**
 * Finds, loads and validates the configuration (see LoadConfigOptions). With no config file,
 * the schedule file (default config/schedule.yml) with the built-in handlers (PrintWorker).
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  if (options.schedule !== undefined && options.config !== undefined) {
    throw new ScheduleError(`give a config file (${options.config}) or a schedule file (${options.schedule}), not both`, {});
  }
  const file = options.schedule === undefined ? findConfigFile({ ...options, cwd }) : undefined;
  if (file)
    return resolveConfig(await importConfigFile(file), displayPath(file), {
      baseDir: dirname(file),
      maxClockSkewMs: options.maxClockSkewMs ?? TICK_DEFAULTS.maxClockSkewMs,
    });
  if (options.schedule !== undefined && CONFIG_FILE.test(options.schedule))
    throw new ScheduleError(
      `${options.schedule}: a TypeScript or JavaScript file is a config file: give it with --config, not as a schedule file`,
      { source: options.schedule },
    );
  const schedule = shippedSchedule(cwd, options.schedule) ?? options.schedule ?? DEFAULT_SCHEDULE_FILE;
  const path = resolve(cwd, schedule);
  if (options.schedule === undefined && !existsSync(path)) {
    throw new ScheduleError(
      `no config file (${CONFIG_FILE_NAMES.join(', ')}) in ${cwd} and no ${schedule}: write one, or pass --config FILE`,
      { source: schedule },
    );
  }
  const jobs = loadScheduleFile(options.cwd === undefined ? schedule : path, { handlers: Object.keys(builtInHandlers) });
  checkLeasesAgainstSkew(jobs, options.maxClockSkewMs ?? TICK_DEFAULTS.maxClockSkewMs, schedule);
  return { source: schedule, jobs, handlers: builtInHandlers };
}

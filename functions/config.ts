/**
 * Loads the user's configuration: `cluster-cron.config.ts` (or .mts/.js/.mjs) in the working
 * directory, the file `--config` or CLUSTER_CRON_CONFIG names, or, with none, a schedule file
 * (config/schedule.yml) with the built-in handlers. Validated into job definitions with the
 * schedule file's rules, so every error names the file, the job, the key and the value.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ScheduleError, errorMessage } from './core/errors.js';
import { checkLeasesAgainstSkew, loadScheduleFile, parseScheduleObject } from './core/schedule.js';
import { TICK_DEFAULTS } from './core/tick.js';
import type { JobDefinition, JobHandler } from './core/types.js';
import { handlerRegistry, type ClusterCronConfig } from './define.js';
import { handlers as builtInHandlers } from './jobs/index.js';

/** The file names looked for in the working directory, in this order. */
export const CONFIG_FILE_NAMES = ['cluster-cron.config.ts', 'cluster-cron.config.mts', 'cluster-cron.config.js', 'cluster-cron.config.mjs'] as const;

/** The schedule file used when there is no config file. */
export const DEFAULT_SCHEDULE_FILE = 'config/schedule.yml';

/** A validated configuration: what the CLI, a node and the construct work from. */
export interface LoadedConfig {
  /** The config file (or schedule file) it came from, as errors and logs name it. */
  source: string;
  jobs: JobDefinition[];
  /** Every handler the jobs name (JobDefinition.handler -> function). */
  handlers: Readonly<Record<string, JobHandler>>;
  tableName?: string;
  endpoint?: string;
}

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

const CONFIG_KEYS = ['jobs', 'schedule', 'handlers', 'tableName', 'endpoint'] as const;
const JOB_KEYS = ['cron', 'handler', 'args', 'overlap', 'lease', 'catchupWindow', 'catchupLimit', 'continuous', 'timezone', 'description', 'status'] as const;

function show(value: unknown): string {
  if (typeof value === 'function') return `a function`;
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function fail(source: string, message: string, details: { job?: string; key?: string; value?: unknown } = {}): never {
  throw new ScheduleError(`${source}: ${message}`, { source, ...details });
}

/** A path as messages name it: relative to the working directory when under it. */
function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown && !shown.startsWith('..') && !isAbsolute(shown) ? shown : path;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One code job -> a job definition, through the schedule file's validation. */
function codeJob(source: string, name: string, spec: unknown): JobDefinition {
  if (!isRecord(spec)) fail(source, `job "${name}" must be defineJob({ cron, handler, ... }), got ${show(spec)}`, { job: name, value: spec });
  const { kind: _kind, handler, ...keys } = spec;
  for (const [key, value] of Object.entries(keys)) {
    if (!(JOB_KEYS as readonly string[]).includes(key)) {
      fail(source, `job "${name}": unknown key "${key}" with value ${show(value)} (allowed: ${JOB_KEYS.join(', ')})`, { job: name, key, value });
    }
  }
  if (typeof handler !== 'function') {
    fail(source, `job "${name}": key "handler" has value ${show(handler)}; expected a function of the run's context`, { job: name, key: 'handler', value: handler });
  }
  // The job's own name is its handler's key in the registry (handlerRegistry).
  const [job] = parseScheduleObject({ [name]: { ...keys, class: name } }, { handlers: [name], source });
  return job!;
}

/**
 * Validates a config object (the default export of a config file) into job definitions and the
 * handler registry. `schedule` is read relative to `baseDir`.
 * @throws ScheduleError naming the file, the job, the key and the value.
 */
export function resolveConfig(config: unknown, source: string, options: { baseDir?: string; maxClockSkewMs?: number } = {}): LoadedConfig {
  if (!isRecord(config)) fail(source, `the default export must be defineConfig({ jobs, ... }), got ${show(config)}`, { value: config });
  for (const [key, value] of Object.entries(config)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) fail(source, `unknown key "${key}" with value ${show(value)} (allowed: ${CONFIG_KEYS.join(', ')})`, { key, value });
  }
  const { jobs = {}, schedule, handlers = {}, tableName, endpoint } = config as ClusterCronConfig;
  if (!isRecord(jobs)) fail(source, `key "jobs" has value ${show(jobs)}; expected a mapping of job name to defineJob(...)`, { key: 'jobs', value: jobs });
  if (!isRecord(handlers)) fail(source, `key "handlers" has value ${show(handlers)}; expected a mapping of class name to handler function`, { key: 'handlers', value: handlers });
  for (const [name, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function') fail(source, `key "handlers.${name}" has value ${show(handler)}; expected a handler function`, { key: `handlers.${name}`, value: handler });
  }
  for (const [key, value] of [['schedule', schedule], ['tableName', tableName], ['endpoint', endpoint]] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) fail(source, `key "${key}" has value ${show(value)}; expected a non-empty string`, { key, value });
  }
  const definitions: JobDefinition[] = [];
  if (schedule !== undefined) {
    definitions.push(...loadScheduleFile(displayPath(resolve(options.baseDir ?? process.cwd(), schedule)), { handlers: Object.keys(handlers) }));
  }
  for (const [name, spec] of Object.entries(jobs)) {
    if (definitions.some((job) => job.name === name)) fail(source, `job "${name}" is defined twice: in "jobs" and in the schedule file ${schedule}`, { job: name });
    if (name in handlers) fail(source, `job "${name}" has the name of a handler in "handlers"; rename one of them`, { job: name, key: 'handlers' });
    definitions.push(codeJob(source, name, spec));
  }
  if (definitions.length === 0) fail(source, 'defines no jobs; add one to "jobs" (defineJob) or name a "schedule" file');
  checkLeasesAgainstSkew(definitions, options.maxClockSkewMs ?? TICK_DEFAULTS.maxClockSkewMs, source);
  return {
    source,
    jobs: definitions,
    handlers: handlerRegistry(config as ClusterCronConfig),
    ...(tableName !== undefined && { tableName }),
    ...(endpoint !== undefined && { endpoint }),
  };
}

/** The config file to load, or undefined for none (then the schedule file is used). */
export function findConfigFile(options: Pick<LoadConfigOptions, 'config' | 'cwd' | 'env'> = {}): string | undefined {
  const cwd = options.cwd ?? process.cwd();
  const named = options.config ?? (options.env ?? process.env).CLUSTER_CRON_CONFIG;
  if (named) {
    const path = resolve(cwd, named);
    if (!existsSync(path)) throw new ScheduleError(`${named}: config file not found (resolved to ${path})`, { source: named });
    return path;
  }
  return CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).find((path) => existsSync(path));
}

let tsLoaderRegistered = false;

/**
 * Imports a config file's default export. Plain JavaScript loads natively; TypeScript through
 * tsx's loader, registered on first need (only for the user's files: ours are compiled).
 */
export async function importConfigFile(path: string): Promise<unknown> {
  const url = pathToFileURL(path).href;
  let module: { default?: unknown };
  try {
    module = await import(url).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ERR_UNKNOWN_FILE_EXTENSION' || tsLoaderRegistered) throw error;
      const { register } = await import('tsx/esm/api');
      register();
      tsLoaderRegistered = true;
      return import(url);
    });
  } catch (cause) {
    throw new ScheduleError(`${path}: cannot load the config file: ${errorMessage(cause)}`, { source: path }, { cause });
  }
  if (module.default === undefined) throw new ScheduleError(`${path}: the config file has no default export; write "export default defineConfig({ jobs: { ... } })"`, { source: path });
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
  if (file) return resolveConfig(await importConfigFile(file), displayPath(file), { baseDir: dirname(file), maxClockSkewMs: options.maxClockSkewMs ?? TICK_DEFAULTS.maxClockSkewMs });
  const schedule = options.schedule ?? DEFAULT_SCHEDULE_FILE;
  const path = resolve(cwd, schedule);
  if (options.schedule === undefined && !existsSync(path)) {
    throw new ScheduleError(`no config file (${CONFIG_FILE_NAMES.join(', ')}) in ${cwd} and no ${schedule}: write one, or pass --config FILE`, { source: schedule });
  }
  const jobs = loadScheduleFile(options.cwd === undefined ? schedule : path, { handlers: Object.keys(builtInHandlers) });
  checkLeasesAgainstSkew(jobs, options.maxClockSkewMs ?? TICK_DEFAULTS.maxClockSkewMs, schedule);
  return { source: schedule, jobs, handlers: builtInHandlers };
}

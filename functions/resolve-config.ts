/**
 * Validates a config object (a config file's default export) into job definitions and the
 * handler registry, with the schedule file's rules, so every error names the file, the job, the
 * key and the value. No file loading here: a bundled tick handler may import this.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { ScheduleError } from './core/errors.js';
import type { FailureHook } from './core/failure-hook.js';
import { checkLeasesAgainstSkew } from './core/lease-skew.js';
import { loadScheduleFile, parseScheduleObject } from './core/schedule.js';
import { invalidValueMessage, showValue as show, unknownKeyMessage } from './core/schema-messages.js';
import { TICK_DEFAULTS } from './core/tick.js';
import type { JobDefinition, JobHandler } from './core/types.js';
import { withIsoTimes } from './core/when-keys.js';
import { type ClusterCronConfig, failureHookRegistry, handlerRegistry } from './define.js';

/** A validated configuration: what the CLI, a node and the construct work from. */
export interface LoadedConfig {
  /** The config file (or schedule file) it came from, as errors and logs name it. */
  source: string;
  jobs: JobDefinition[];
  /** Every handler the jobs name (JobDefinition.handler -> function). */
  handlers: Readonly<Record<string, JobHandler>>;
  /** Each job's `onFailure` hook (its own, or the config's), by job name. */
  failureHooks?: Readonly<Record<string, FailureHook>>;
  tableName?: string;
  endpoint?: string;
}

const CONFIG_KEYS = ['jobs', 'schedule', 'handlers', 'tableName', 'endpoint', 'onFailure'] as const;
const JOB_KEYS = [
  'cron',
  'at',
  'startAt',
  'endAt',
  'handler',
  'args',
  'overlap',
  'lease',
  'catchupWindow',
  'catchupLimit',
  'continuous',
  'timezone',
  'description',
  'status',
  'namespace',
  'retry',
  'timeout',
  'pauseAfterFailures',
  'jitter',
  'onFailure',
] as const;

function fail(source: string, message: string, details: { job?: string; key?: string; value?: unknown } = {}): never {
  throw new ScheduleError(`${source}: ${message}`, { source, ...details });
}

/** A path as messages name it: relative to the working directory when under it. */
export function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown && !shown.startsWith('..') && !isAbsolute(shown) ? shown : path;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One code job -> a job definition, through the schedule file's validation. */
function codeJob(source: string, name: string, spec: unknown): JobDefinition {
  if (!isRecord(spec))
    fail(source, `job "${name}" must be defineJob({ cron, handler, ... }), got ${show(spec)}`, { job: name, value: spec });
  const { kind: _kind, handler, onFailure, ...keys } = spec;
  if (onFailure !== undefined && typeof onFailure !== 'function') {
    fail(source, `job "${name}": ${invalidValueMessage('key', 'onFailure', onFailure, "a function of the run's context and the error")}`, {
      job: name,
      key: 'onFailure',
      value: onFailure,
    });
  }
  for (const [key, value] of Object.entries(keys)) {
    if (!(JOB_KEYS as readonly string[]).includes(key)) {
      fail(source, `job "${name}": ${unknownKeyMessage('key', [key], value, `allowed: ${JOB_KEYS.join(', ')}`)}`, {
        job: name,
        key,
        value,
      });
    }
  }
  if (typeof handler !== 'function') {
    fail(source, `job "${name}": ${invalidValueMessage('key', 'handler', handler, "a function of the run's context")}`, {
      job: name,
      key: 'handler',
      value: handler,
    });
  }
  // The job's own name is its handler's key in the registry (handlerRegistry).
  const [job] = parseScheduleObject({ [name]: { ...withIsoTimes(keys), class: name } }, { handlers: [name], source });
  if (!job) throw new Error(`job "${name}": the schedule parser returned no job for one entry`);
  return job;
}

/**
 * Validates a config object (the default export of a config file) into job definitions and the
 * handler registry. `schedule` is read relative to `baseDir`.
 * @throws ScheduleError naming the file, the job, the key and the value.
 */
export function resolveConfig(config: unknown, source: string, options: { baseDir?: string; maxClockSkewMs?: number } = {}): LoadedConfig {
  if (!isRecord(config)) fail(source, `the default export must be defineConfig({ jobs, ... }), got ${show(config)}`, { value: config });
  for (const [key, value] of Object.entries(config)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key))
      fail(source, unknownKeyMessage('key', [key], value, `allowed: ${CONFIG_KEYS.join(', ')}`), { key, value });
  }
  const { jobs = {}, schedule, handlers = {}, tableName, endpoint, onFailure } = config as ClusterCronConfig;
  if (onFailure !== undefined && typeof onFailure !== 'function')
    fail(source, invalidValueMessage('key', 'onFailure', onFailure, "a function of the run's context and the error"), {
      key: 'onFailure',
      value: onFailure,
    });
  if (!isRecord(jobs))
    fail(source, invalidValueMessage('key', 'jobs', jobs, 'a mapping of job name to defineJob(...)'), { key: 'jobs', value: jobs });
  if (!isRecord(handlers))
    fail(source, invalidValueMessage('key', 'handlers', handlers, 'a mapping of class name to handler function'), {
      key: 'handlers',
      value: handlers,
    });
  for (const [name, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function')
      fail(source, invalidValueMessage('key', `handlers.${name}`, handler, 'a handler function'), {
        key: `handlers.${name}`,
        value: handler,
      });
  }
  for (const [key, value] of [
    ['schedule', schedule],
    ['tableName', tableName],
    ['endpoint', endpoint],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === ''))
      fail(source, invalidValueMessage('key', key, value, 'a non-empty string'), { key, value });
  }
  const definitions: JobDefinition[] = [];
  let scheduleJobs: string[] = [];
  if (schedule !== undefined) {
    definitions.push(
      ...loadScheduleFile(displayPath(resolve(options.baseDir ?? process.cwd(), schedule)), { handlers: Object.keys(handlers) }),
    );
    scheduleJobs = definitions.map((job) => job.name);
  }
  for (const [name, spec] of Object.entries(jobs)) {
    if (definitions.some((job) => job.name === name))
      fail(source, `job "${name}" is defined twice: in "jobs" and in the schedule file ${schedule}`, { job: name });
    if (name in handlers)
      fail(source, `job "${name}" has the name of a handler in "handlers"; rename one of them`, { job: name, key: 'handlers' });
    definitions.push(codeJob(source, name, spec));
  }
  // A config of handlers only is a SaaS's: its jobs are all created at run time (upsertJob), one per customer.
  if (definitions.length === 0 && Object.keys(handlers).length === 0)
    fail(
      source,
      'defines no jobs and no handlers; add one to "jobs" (defineJob), name a "schedule" file, or register "handlers" for jobs created at run time',
    );
  checkLeasesAgainstSkew(definitions, options.maxClockSkewMs ?? TICK_DEFAULTS.maxClockSkewMs, source);
  return {
    source,
    jobs: definitions,
    handlers: handlerRegistry(config as ClusterCronConfig),
    failureHooks: failureHookRegistry(config as ClusterCronConfig, scheduleJobs) as Record<string, FailureHook>,
    ...(tableName !== undefined && { tableName }),
    ...(endpoint !== undefined && { endpoint }),
  };
}

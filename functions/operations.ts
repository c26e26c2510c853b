/**
 * The CLI's operations as functions, for scripts, tests and admin endpoints of the user's own
 * app: tick, trigger, backfill, pause, resume, status, history. Each takes the configuration
 * and a table (`client` + `tableName`, or an endpoint), and returns data, never prints.
 */
import { hostname } from 'node:os';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type LoadedConfig, loadConfig, resolveConfig } from './config.js';
import { backfill as backfillSlots } from './core/backfill.js';
import { PayloadError } from './core/errors.js';
import { type JobStatus, jobStatus } from './core/job-status.js';
import { parseIsoTime, parseTickPayload } from './core/payload.js';
import { findAnyJob, runtimeJobsForTick, runtimeNamesIn } from './core/runtime-jobs.js';
import { cronOf, nextSlots } from './core/slots.js';
import { getLock, type LockItem, recentSlots, type SlotItem, type StoreContext, setPaused, withoutSupersededMarks } from './core/store.js';
import { runTickCommand, type TickDeps, triggerJob } from './core/tick.js';
import { type Clock, systemClock, type Timers } from './core/time.js';
import type { EventLog, JobDefinition, OverlapPolicy, TickOutcome } from './core/types.js';
import type { ClusterCronConfig } from './define.js';
import { createDocumentClient, DEFAULT_TABLE_NAME, isLoopbackEndpoint } from './dynamo-client.js';
import { failurePublishing } from './failure-publish.js';
import { ensureTable } from './local/table.js';
import { createEventLog, type LogStream } from './log.js';
import { readMaxClockSkewMs } from './settings.js';

// The one lookup of a job by name (the CLI's, the status page's and the tick command's), here for callers of the operations.
export { findJob } from './core/find-job.js';

/** Where an operation finds its jobs and its table. */
export interface OperationOptions {
  /** A config file path, a `defineConfig` object, or an already loaded config. @default loaded from the working directory */
  config?: string | ClusterCronConfig | LoadedConfig;
  /** @default a client for `endpoint` (DYNAMODB_ENDPOINT, the config's, or the AWS SDK's own), destroyed afterwards */
  client?: DynamoDBDocumentClient;
  /** @default CLUSTER_CRON_TABLE, the config's, or "cluster-cron" */
  tableName?: string;
  endpoint?: string;
  /** Names this caller in the table's records. @default `<hostname>:<pid>` */
  instance?: string;
  /** @default JSON lines on stderr */
  log?: EventLog;
  clock?: Clock;
  /** The timers that go with `clock` (leases, the node's loop, backfill's waits). @default the process's own */
  timers?: Timers;
}

/** A time given as a Date, epoch milliseconds or an ISO-8601 string with a zone. */
export type TimeInput = Date | number | string;

function isLoaded(config: unknown): config is LoadedConfig {
  return (
    typeof config === 'object' &&
    config !== null &&
    typeof (config as LoadedConfig).source === 'string' &&
    Array.isArray((config as LoadedConfig).jobs)
  );
}

/** Loads or validates `config` as OperationOptions takes it. */
async function toLoadedConfig(config: OperationOptions['config']): Promise<LoadedConfig> {
  if (config === undefined || typeof config === 'string')
    return loadConfig({ ...(config !== undefined && { config }), maxClockSkewMs: readMaxClockSkewMs() });
  if (isLoaded(config)) return config;
  return resolveConfig(config, 'config', { maxClockSkewMs: readMaxClockSkewMs() });
}

/** An operation's jobs, table and tick dependencies; `close` destroys a client it made. */
export interface OperationContext {
  config: LoadedConfig;
  deps: TickDeps;
  close(): void;
}

const ensuredLocalTables = new Map<string, Promise<void>>();

function ensureLocalTable(client: DynamoDBDocumentClient, endpoint: string, tableName: string): Promise<void> {
  const key = `${endpoint} ${tableName}`;
  let ensured = ensuredLocalTables.get(key);
  if (!ensured) {
    ensured = ensureTable(client, tableName, { create: true });
    ensuredLocalTables.set(key, ensured);
    ensured.catch(() => ensuredLocalTables.delete(key));
  }
  return ensured;
}

/** Resolves the options into a context (exported for `startNode`, which shares it). */
export async function openOperation(options: OperationOptions, defaultLogStream: LogStream = 'stderr'): Promise<OperationContext> {
  const config = await toLoadedConfig(options.config);
  const endpoint = options.endpoint ?? process.env.DYNAMODB_ENDPOINT ?? config.endpoint;
  const client = options.client ?? createDocumentClient(endpoint);
  const tableName = options.tableName ?? process.env.CLUSTER_CRON_TABLE ?? config.tableName ?? DEFAULT_TABLE_NAME;
  // As the CLI does: a table on a local server is created on first use (once per process).
  if (!options.client && endpoint && isLoopbackEndpoint(endpoint)) {
    await ensureLocalTable(client, endpoint, tableName).catch((error: unknown) => {
      client.destroy();
      throw error;
    });
  }
  const instance = options.instance ?? `${hostname()}:${process.pid}`;
  const deps: TickDeps = {
    client,
    tableName,
    clock: options.clock ?? systemClock,
    instance,
    log: options.log ?? createEventLog({ instance, stream: defaultLogStream }),
    handlers: config.handlers,
    ...(config.failureHooks && { failureHooks: config.failureHooks }),
    ...failurePublishing(),
    maxClockSkewMs: readMaxClockSkewMs(),
    ...(options.timers && { timers: options.timers }),
  };
  return { config, deps, close: () => options.client === undefined && client.destroy() };
}

/** Runs `work` in an operation's context and closes it (a client it made is destroyed). */
export async function withOperation<T>(options: OperationOptions, work: (context: OperationContext) => Promise<T>): Promise<T> {
  const context = await openOperation(options);
  try {
    return await work(context);
  } finally {
    context.close();
  }
}

/** Epoch ms of a TimeInput. @throws PayloadError naming `field` for a string that is no ISO-8601 time. */
function toTimeMs(value: TimeInput, field: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : parseIsoTime(value);
  if (ms === undefined || !Number.isFinite(ms))
    throw new PayloadError(`${field} has value ${JSON.stringify(value)}; expected a Date, epoch ms or an ISO-8601 time with a zone`, field);
  return ms;
}

/** One tick now (or as of `at`), for all jobs or `jobs`; resolves when the runs it started finish. */
export function tick(options: OperationOptions & { at?: TimeInput; jobs?: string[] }): Promise<TickOutcome[]> {
  return withOperation(options, async ({ config, deps }) => {
    // A string goes to the payload's parser as given, so its message names the value.
    const at = typeof options.at === 'string' || options.at === undefined ? options.at : new Date(toTimeMs(options.at, 'at')).toISOString();
    const payload = { ...(at !== undefined && { at }), ...(options.jobs && { jobs: options.jobs }) };
    const runtimeJobs = await runtimeNamesIn(deps, payload, config.jobs);
    return runTickCommand(deps, config.jobs, parseTickPayload(payload, config.jobs, deps.clock(), deps.maxClockSkewMs, { runtimeJobs }));
  });
}

/** Runs a job now under its lease (outcome `locked` while a run holds it, unless `overlap` says otherwise). */
export function trigger(options: OperationOptions & { job: string; overlap?: OverlapPolicy }): Promise<TickOutcome[]> {
  return withOperation(options, async ({ config, deps }) =>
    triggerJob(deps, await findAnyJob(deps, config.jobs, options.job), options.overlap ? { overlap: options.overlap } : {}),
  );
}

/** Runs the slots in `(from, to]` that have no record, oldest first, one at a time under the lease. */
export function backfill(options: OperationOptions & { job: string; from: TimeInput; to: TimeInput }): Promise<TickOutcome[]> {
  return withOperation(options, async ({ config, deps }) =>
    backfillSlots(deps, await findAnyJob(deps, config.jobs, options.job), {
      fromMs: toTimeMs(options.from, 'from'),
      toMs: toTimeMs(options.to, 'to'),
    }),
  );
}

function setJobPaused(options: OperationOptions & { job: string; note?: string }, paused: boolean): Promise<LockItem> {
  return withOperation(options, async ({ config, deps }) =>
    setPaused(deps, (await findAnyJob(deps, config.jobs, options.job)).name, paused, options.note),
  );
}

/** Skips the job's slots (recorded as paused) until resumed; returns its lock item. */
export function pause(options: OperationOptions & { job: string; note?: string }): Promise<LockItem> {
  return setJobPaused(options, true);
}

/** Lets a paused job run again; returns its lock item. */
export function resume(options: OperationOptions & { job: string; note?: string }): Promise<LockItem> {
  return setJobPaused(options, false);
}

/** One job as `status` lists it. */
export interface JobSummary {
  job: JobDefinition;
  lock: LockItem | undefined;
  /** The newest slot records, newest first. */
  runs: SlotItem[];
  /** The next fire times, epoch ms. */
  nextMs: number[];
}

/** How many runtime jobs `status` shows without a `limit` (in name order; `jobs list` and the page show them all, page by page). */
export const STATUS_RUNTIME_LIMIT = 100;

/**
 * Every job's lock, last `runs` (default 3) records and next fire times; with `job`, that job's
 * full status. The runtime jobs: the first `limit` (STATUS_RUNTIME_LIMIT) whose names start with
 * `prefix`, in name order (a SaaS may define thousands: each costs two reads here).
 */
export function status(options: OperationOptions & { job: string; runs?: number }): Promise<JobStatus>;
export function status(options?: OperationOptions & { runs?: number; prefix?: string; limit?: number }): Promise<JobSummary[]>;
export function status(
  options: OperationOptions & { job?: string; runs?: number; prefix?: string; limit?: number } = {},
): Promise<JobStatus | JobSummary[]> {
  return withOperation(options, async ({ config, deps }) => {
    const nowMs = deps.clock();
    if (options.job !== undefined)
      return jobStatus(deps, await findAnyJob(deps, config.jobs, options.job), nowMs, { runs: options.runs ?? 10 });
    const runtime = await runtimeJobsForTick(deps, config.jobs, {
      page: { limit: options.limit ?? STATUS_RUNTIME_LIMIT, ...(options.prefix !== undefined && { prefix: options.prefix }) },
    });
    const fileJobs = options.prefix === undefined ? config.jobs : config.jobs.filter((job) => job.name.startsWith(options.prefix ?? ''));
    return Promise.all(
      [...fileJobs, ...runtime.jobs].map(async (job) => {
        const [lock, items] = await Promise.all([getLock(deps, job.name), recentSlots(deps, job.name, options.runs ?? 3)]);
        // A skip that lost its race to the lock is not the slot's fate while the lock's holder runs it.
        return { job, lock, runs: withoutSupersededMarks(items, lock), nextMs: nextSlots(cronOf(job), nowMs, 3) };
      }),
    );
  });
}

/** A job's newest `limit` (default 20) slot records with their fate, and its lock. */
export function history(
  options: OperationOptions & { job: string; limit?: number },
): Promise<{ lock: LockItem | undefined; slots: SlotItem[] }> {
  return withOperation(options, async ({ config, deps }) => {
    const store: StoreContext = deps;
    const name = (await findAnyJob(deps, config.jobs, options.job)).name;
    const [items, lock] = await Promise.all([recentSlots(store, name, options.limit ?? 20), getLock(store, name)]);
    return { lock, slots: withoutSupersededMarks(items, lock) };
  });
}

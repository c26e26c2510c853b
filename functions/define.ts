/**
 * The user's configuration in code: `defineJob` and `defineConfig` only shape and type the
 * data; functions/config.ts validates it (with the schedule file's rules and messages). This
 * module imports no parser or schema library, so the deployed tick function that imports the
 * user's config does not load them at cold start.
 */
import { type JobHandler, type OverlapPolicy, RUNTIME_JOBS_FAILURE_HOOK, type RunContext } from './core/types.js';

/** A duration as the schedule file takes it: `30s`, `5m`, `1h`, or a number of seconds. */
export type Duration = string | number;

/** One job in code: the schedule file's keys, with `handler` (a function) in place of `class`. */
export interface JobOptions<Args extends object = Record<string, unknown>> {
  /** 5 fields, or 6 with seconds first; a trailing zone (`0 9 * * * Europe/Berlin`) is allowed. Give this or `at`. */
  cron?: string;
  /** Run once, at this time (a Date, or ISO 8601 read in `timezone` when it has no offset), instead of on a cron. */
  at?: string | Date;
  /** No slot before this time. @default none */
  startAt?: string | Date;
  /** No slot after this time; the job is done after it. @default none */
  endAt?: string | Date;
  /** Runs once per slot; receives `args` with the type given here. */
  handler: JobHandler<Args>;
  /** Passed to the handler as `ctx.args`: a mapping, or a list as sidekiq's `perform(*args)` takes. @default {} */
  args?: Args;
  /** A group of jobs (sidekiq-cron's namespace), shown by `status` and the page and filtered on. */
  namespace?: string;
  /** What a slot that finds the lease held does. @default 'skip' */
  overlap?: OverlapPolicy;
  /** How long a run holds the lock without a heartbeat. @default '60s' */
  lease?: Duration;
  /** How late a slot may still start. @default '90s' */
  catchupWindow?: Duration;
  /** How many open slots one tick may run, newest first. @default 1 */
  catchupLimit?: number;
  /** Run again at once after each run while the handler returns `{ continue: true }`. @default false */
  continuous?: boolean;
  /** IANA zone the cron is read in. @default 'UTC' */
  timezone?: string;
  description?: string;
  /**
   * How a failed run is tried again, under its lease: `attempts` in all (the first included),
   * waiting up to `backoff × factor^n` (full jitter, at most `maxBackoff`) between them.
   * @default { attempts: 1, backoff: '1s', maxBackoff: '5m', factor: 2 }
   */
  retry?: RetryOptions;
  /** The longest one attempt may take: then its signal fires with a TimeoutError. @default none */
  timeout?: Duration;
  /** `disabled` keeps the job defined but never runs it. @default 'enabled' */
  status?: 'enabled' | 'disabled';
  /** Pause the job after this many consecutive failed slots; `resume` clears the count. @default never */
  pauseAfterFailures?: number;
  /** Start each slot up to this long after its time, fixed per slot, to spread jobs that share a minute. @default 0 */
  jitter?: Duration;
  /**
   * Called once per slot that fails for good, under the run's lease, before its record; bounded
   * to 30 s and by `context.signal`. What it throws is logged; the slot's fate stays `failed`.
   * @default the config's `onFailure`
   */
  onFailure?: (context: RunContext<Args>, error: Error) => Promise<unknown> | unknown;
}

/** A job's retry policy in code: the schedule file's `retry` mapping. */
export interface RetryOptions {
  /** Tries in all, the first included. @default 1 */
  attempts?: number;
  /** The longest wait before the first retry. @default '1s' */
  backoff?: Duration;
  /** No wait is longer. @default '5m' */
  maxBackoff?: Duration;
  /** Each retry's wait ceiling is the last one's times this. @default 2 */
  factor?: number;
}

/** A job as `defineJob` returns it: the options, marked so a config can tell it from a typo. */
export interface JobSpec<Args extends object = Record<string, unknown>> extends JobOptions<Args> {
  readonly kind: 'cluster-cron.job';
}

/** The default export of `cluster-cron.config.ts`. */
export interface ClusterCronConfig {
  /** Code-first jobs by name (`defineJob`). */
  // biome-ignore lint/suspicious/noExplicitAny: each job has its own args type; a handler typed for its own args is not assignable to one typed for any other (parameters are contravariant), and the config is validated where it is loaded.
  jobs?: Record<string, JobSpec<any>>;
  /** A sidekiq-cron schedule.yml, relative to the config file; its `class` names resolve against `handlers`. */
  schedule?: string;
  /** The handlers a `schedule` file's `class` may name. */
  // biome-ignore lint/suspicious/noExplicitAny: a handler typed for its own args is not assignable to one typed for all args.
  handlers?: Record<string, JobHandler<any>>;
  /** Table name default (CLUSTER_CRON_TABLE wins over it). */
  tableName?: string;
  /** DynamoDB endpoint default (DYNAMODB_ENDPOINT wins over it); `aws` or unset: the SDK's own. */
  endpoint?: string;
  /** The failure hook of every job (the schedule file's too) that has no `onFailure` of its own. */
  onFailure?: (context: RunContext, error: Error) => Promise<unknown> | unknown;
}

/**
 * Defines one job; validated where the config is loaded (CLI, `startNode`, the construct at
 * synth), with the same messages as the schedule file. `args` gives the handler's `ctx.args` its type.
 */
export function defineJob<Args extends object = Record<string, unknown>>(options: JobOptions<Args>): JobSpec<Args> {
  return { ...options, kind: 'cluster-cron.job' };
}

/** Types the config's default export; validation happens where it is loaded. */
export function defineConfig(config: ClusterCronConfig): ClusterCronConfig {
  return config;
}

/**
 * Every handler the config's jobs name: the `handlers` registry of its schedule file, and each
 * code job's own handler under the job's name (a JobDefinition's `handler` for a code job).
 */
export function handlerRegistry(config: ClusterCronConfig): Record<string, JobHandler> {
  const registry: Record<string, JobHandler> = { ...config.handlers };
  for (const [name, job] of Object.entries(config.jobs ?? {})) registry[name] = job.handler as JobHandler;
  return registry;
}

/**
 * Each job's failure hook by job name: its own `onFailure`, else the config's. A schedule file's
 * jobs (names in `scheduleJobs`) take the config's, and so do runtime jobs (RUNTIME_JOBS_FAILURE_HOOK).
 */
export function failureHookRegistry(
  config: ClusterCronConfig,
  scheduleJobs: readonly string[],
): Record<string, (context: RunContext, error: Error) => Promise<unknown> | unknown> {
  const hooks: Record<string, (context: RunContext, error: Error) => Promise<unknown> | unknown> = {};
  if (config.onFailure) for (const name of [...scheduleJobs, RUNTIME_JOBS_FAILURE_HOOK]) hooks[name] = config.onFailure;
  for (const [name, job] of Object.entries(config.jobs ?? {})) {
    const hook = job.onFailure ?? config.onFailure;
    if (hook) hooks[name] = hook as (context: RunContext, error: Error) => Promise<unknown> | unknown;
  }
  return hooks;
}

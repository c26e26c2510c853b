/**
 * The tick Lambda handler, from a config (`defineConfig`), validated jobs, a schedule's text,
 * or the environment (CLUSTER_CRON_SCHEDULE inline, or CLUSTER_CRON_SCHEDULE_FILE), plus
 * CLUSTER_CRON_TABLE and optional DYNAMODB_ENDPOINT and MAX_CLOCK_SKEW_MS, read once per container.
 */
import { loadScheduleFile, parseSchedule } from './core/schedule.js';
import type { JobDefinition, JobHandler } from './core/types.js';
import type { ClusterCronConfig } from './define.js';
import { resolveConfig } from './resolve-config.js';
import { readMaxClockSkewMs } from './settings.js';
import { createJobsTickHandler, type TickHandler } from './tick-runtime.js';

export {
  createJobsTickHandler,
  type JobsTickHandlerOptions,
  type TickContext,
  type TickHandler,
  type TickResponse,
} from './tick-runtime.js';

/** Where the handler's jobs come from: one of `config`, `jobs` (with `handlers`), `schedule` (with `handlers`), or the environment. */
export interface TickHandlerOptions {
  /** A `defineConfig` object: its jobs and handlers (its `schedule` file is read relative to the working directory). */
  config?: ClusterCronConfig;
  /** The registry a schedule's `class` (or a job definition's `handler`) names. */
  handlers?: Readonly<Record<string, JobHandler>>;
  /** Jobs already validated (as the construct ships them). */
  jobs?: readonly JobDefinition[];
  /** The schedule's text and the name its errors give (a file name); default: from the environment. */
  schedule?: { text: string; source: string };
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads and validates the configuration now (a bad schedule fails the cold start, naming the
 * job and key) and returns the handler for an EventBridge scheduled event or a manual payload.
 */
export function createTickHandler(options: TickHandlerOptions): TickHandler {
  const env = options.env ?? process.env;
  if (options.config) {
    const config = resolveConfig(options.config, 'config', { maxClockSkewMs: readMaxClockSkewMs(env) });
    return createJobsTickHandler({
      handlers: config.handlers,
      ...(config.failureHooks && { failureHooks: config.failureHooks }),
      jobs: config.jobs,
      source: config.source,
      env,
    });
  }
  const handlers = options.handlers ?? {};
  const handlerNames = Object.keys(handlers);
  if (options.jobs) return createJobsTickHandler({ handlers, jobs: options.jobs, source: 'jobs', env });
  if (options.schedule) {
    const source = options.schedule.source;
    return createJobsTickHandler({ handlers, jobs: parseSchedule(options.schedule.text, { handlers: handlerNames, source }), source, env });
  }
  if (env.CLUSTER_CRON_SCHEDULE) {
    const source = 'CLUSTER_CRON_SCHEDULE';
    return createJobsTickHandler({
      handlers,
      jobs: parseSchedule(env.CLUSTER_CRON_SCHEDULE, { handlers: handlerNames, source }),
      source,
      env,
    });
  }
  const source = env.CLUSTER_CRON_SCHEDULE_FILE ?? 'config/schedule.yml';
  return createJobsTickHandler({ handlers, jobs: loadScheduleFile(source, { handlers: handlerNames }), source, env });
}

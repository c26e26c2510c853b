/**
 * `cluster-cron`: the runtime API. Define jobs (`defineConfig`, `defineJob`), run a node in
 * your own process (`startNode`), build the tick Lambda handler (`createTickHandler`), and the
 * CLI's operations as functions. The construct is `cluster-cron/cdk`; the local DynamoDB for
 * tests is `cluster-cron/local`.
 */

export { CONFIG_FILE_NAMES, findConfigFile, type LoadConfigOptions, loadConfig } from './config.js';
export {
  ClusterCronError,
  CronExpressionError,
  DeadlineError,
  LeaseLostError,
  NonRetriableError,
  PayloadError,
  RetryAfterError,
  ScheduleError,
  TableError,
  TimeoutError,
  UnknownJobError,
} from './core/errors.js';
export type { JobCounters, JobStatus } from './core/job-status.js';
export type { LockItem, SlotItem } from './core/store.js';
export type { Clock, TimerHandle, Timers } from './core/time.js';
export {
  type ContinueResult,
  type EventLog,
  type JobDefinition,
  type JobHandler,
  OverlapPolicy,
  type RunContext,
  type TickOutcome,
  Trigger,
} from './core/types.js';
export {
  type ClusterCronConfig,
  type Duration,
  defineConfig,
  defineJob,
  handlerRegistry,
  type JobOptions,
  type JobSpec,
  type RetryOptions,
} from './define.js';
export { type ClusterCronNode, type ClusterCronNodeEvents, type StartNodeOptions, startNode } from './embedded-node.js';
export { getJob, listJobs, type RuntimeJob, type RuntimeJobSpec, removeJob, upsertJob } from './job-operations.js';
export { printWorker } from './jobs/print-worker.js';
export {
  backfill,
  history,
  type JobSummary,
  type OperationOptions,
  pause,
  resume,
  status,
  type TimeInput,
  tick,
  trigger,
} from './operations.js';
export { type LoadedConfig, resolveConfig } from './resolve-config.js';
export {
  createJobsTickHandler,
  createTickHandler,
  type TickContext,
  type TickHandler,
  type TickHandlerOptions,
  type TickResponse,
} from './tick-handler.js';

/**
 * `cluster-cron`: the runtime API. Define jobs (`defineConfig`, `defineJob`), run a node in
 * your own process (`startNode`), build the tick Lambda handler (`createTickHandler`), and the
 * CLI's operations as functions. The construct is `cluster-cron/cdk`; the local DynamoDB for
 * tests is `cluster-cron/local`.
 */
export { defineConfig, defineJob, handlerRegistry, type ClusterCronConfig, type Duration, type JobOptions, type JobSpec } from './define.js';
export { loadConfig, findConfigFile, CONFIG_FILE_NAMES, type LoadConfigOptions } from './config.js';
export { resolveConfig, type LoadedConfig } from './resolve-config.js';
export { startNode, type ClusterCronNode, type ClusterCronNodeEvents, type StartNodeOptions } from './embedded-node.js';
export { createTickHandler, createJobsTickHandler, type TickContext, type TickHandler, type TickHandlerOptions, type TickResponse } from './tick-handler.js';
export { backfill, history, pause, resume, status, tick, trigger, type JobSummary, type OperationOptions, type TimeInput } from './operations.js';
export { printWorker } from './jobs/print-worker.js';
export {
  ClusterCronError,
  CronExpressionError,
  DeadlineError,
  LeaseLostError,
  PayloadError,
  ScheduleError,
  TableError,
  UnknownJobError,
} from './core/errors.js';
export { OverlapPolicy, Trigger, type ContinueResult, type EventLog, type JobDefinition, type JobHandler, type OutcomeKind, type RunContext, type TickOutcome } from './core/types.js';
export type { JobStatus, JobCounters } from './core/job-status.js';
export type { LockItem, SlotItem } from './core/store.js';

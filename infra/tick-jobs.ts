/**
 * The jobs the tick function is built for, resolved at synth from the construct's props: the
 * user's config (validated like `cluster-cron validate --config`, bundled from their project) or
 * a schedule file with a handler registry module (this project's own stack and tests).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClusterCronError } from '../functions/core/errors.js';
import { checkLeasesAgainstSkew, loadScheduleFile } from '../functions/core/schedule.js';
import type { JobDefinition } from '../functions/core/types.js';
import { handlerNames } from '../functions/jobs/index.js';
import { findProjectRoot, synthConfig } from './synth-config.js';
import { PROJECT_ROOT } from './tick-entry.js';

/** Where the job handlers live: a module exporting `handlers`, and their names, to check `class` at synth. */
export interface HandlerRegistry {
  /** Path of the module that exports `handlers` (a record of name to JobHandler). */
  readonly entry: string;
  /** The names it registers (export `handlerNames` beside `handlers` and pass it here). */
  readonly names: readonly string[];
}

/** This project's registry: functions/jobs/index.ts. */
export const PROJECT_HANDLERS: HandlerRegistry = { entry: join(PROJECT_ROOT, 'functions', 'jobs', 'index.ts'), names: handlerNames };

/** The props that say where the jobs come from (see ClusterCronProps). */
export interface TickJobsProps {
  readonly config?: string;
  readonly schedule?: string;
  readonly handlers?: HandlerRegistry;
  readonly projectRoot?: string;
  readonly depsLockFilePath?: string;
}

/** The validated jobs, where they came from, the project esbuild bundles from, and the handlers' module. */
export interface TickJobs {
  jobs: JobDefinition[];
  source: string;
  project: { projectRoot: string; depsLockFilePath: string };
  handlers: { configModule: string } | { handlersModule: string };
  /** The registered handler names (a runtime job's `class` must be one; the status page checks it). */
  handlerNames: readonly string[];
}

/** Validates the jobs at synth, so a bad job fails `cdk synth` with the message `validate` gives. */
export function resolveTickJobs(id: string, props: TickJobsProps, maxClockSkewMs: number): TickJobs {
  const { config, schedule } = props;
  if (config !== undefined && schedule === undefined) return configJobs(id, config, props, maxClockSkewMs);
  if (schedule !== undefined && config === undefined) return scheduleJobs(schedule, props, maxClockSkewMs);
  throw new ClusterCronError(`ClusterCron "${id}": give exactly one of config (a cluster-cron.config.ts) and schedule (a schedule file)`);
}

/** A cluster-cron.config.ts, bundled from the user's project (found from the config file unless given). */
function configJobs(id: string, config: string, props: TickJobsProps, maxClockSkewMs: number): TickJobs {
  if (!existsSync(config))
    throw new ClusterCronError(`ClusterCron "${id}": config file ${config} does not exist (resolved to ${resolve(config)})`);
  const found =
    props.projectRoot === undefined
      ? findProjectRoot(config)
      : { projectRoot: props.projectRoot, depsLockFilePath: join(resolve(props.projectRoot), 'package-lock.json') };
  const projectRoot = resolve(found.projectRoot);
  const depsLockFilePath = props.depsLockFilePath ?? found.depsLockFilePath;
  const { jobs, handlerNames } = synthConfig(config, { cwd: projectRoot, maxClockSkewMs });
  return { jobs, source: config, project: { projectRoot, depsLockFilePath }, handlers: { configModule: resolve(config) }, handlerNames };
}

/** A schedule file with a handler registry module, bundled from this project. */
function scheduleJobs(schedule: string, props: TickJobsProps, maxClockSkewMs: number): TickJobs {
  const registry = props.handlers ?? PROJECT_HANDLERS;
  const handlersModule = resolve(registry.entry);
  if (!existsSync(handlersModule))
    throw new ClusterCronError(`handlers module ${registry.entry} does not exist (resolved to ${handlersModule})`);
  // The same calls, and so the same messages, as `cluster-cron validate --schedule`.
  const jobs = loadScheduleFile(schedule, { handlers: registry.names });
  checkLeasesAgainstSkew(jobs, maxClockSkewMs, schedule);
  return {
    jobs,
    source: schedule,
    project: { projectRoot: PROJECT_ROOT, depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json') },
    handlers: { handlersModule },
    handlerNames: registry.names,
  };
}

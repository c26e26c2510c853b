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
}

/** Validates the jobs at synth, so a bad job fails `cdk synth` with the message `validate` gives. */
export function resolveTickJobs(id: string, props: TickJobsProps, maxClockSkewMs: number): TickJobs {
  if ((props.config === undefined) === (props.schedule === undefined)) {
    throw new ClusterCronError(`ClusterCron "${id}": give exactly one of config (a cluster-cron.config.ts) and schedule (a schedule file)`);
  }
  if (props.config !== undefined) {
    if (!existsSync(props.config))
      throw new ClusterCronError(`ClusterCron "${id}": config file ${props.config} does not exist (resolved to ${resolve(props.config)})`);
    const found = props.projectRoot === undefined ? findProjectRoot(props.config) : undefined;
    const projectRoot = resolve(props.projectRoot ?? found!.projectRoot);
    const depsLockFilePath = props.depsLockFilePath ?? found?.depsLockFilePath ?? join(projectRoot, 'package-lock.json');
    const { jobs } = synthConfig(props.config, { cwd: projectRoot, maxClockSkewMs });
    return { jobs, source: props.config, project: { projectRoot, depsLockFilePath }, handlers: { configModule: resolve(props.config) } };
  }
  const registry = props.handlers ?? PROJECT_HANDLERS;
  const handlersModule = resolve(registry.entry);
  if (!existsSync(handlersModule))
    throw new ClusterCronError(`handlers module ${registry.entry} does not exist (resolved to ${handlersModule})`);
  // The same calls, and so the same messages, as `cluster-cron validate --schedule`.
  const jobs = loadScheduleFile(props.schedule!, { handlers: registry.names });
  checkLeasesAgainstSkew(jobs, maxClockSkewMs, props.schedule);
  return {
    jobs,
    source: props.schedule!,
    project: { projectRoot: PROJECT_ROOT, depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json') },
    handlers: { handlersModule },
  };
}

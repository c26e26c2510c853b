/**
 * The built-in handlers a schedule file's `class` may name when there is no config file (the
 * seed's demo). Your own jobs go in your project's cluster-cron.config.ts, never here.
 */
import type { JobHandler } from '../core/types.js';
import { printWorker } from './print-worker.js';

/** Every handler a schedule may name, by its `class` name. */
export const handlers: Readonly<Record<string, JobHandler>> = {
  PrintWorker: printWorker,
};

/** The registered handler names, for schedule validation. */
export const handlerNames: readonly string[] = Object.keys(handlers);

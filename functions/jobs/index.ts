/**
 * The handler registry: a schedule's `class` names one of these. Add your own handlers here
 * (a function of RunContext), then name them in config/schedule.yml.
 */
import type { JobHandler } from '../core/types.js';
import { printWorker } from './print-worker.js';

/** Every handler a schedule may name, by its `class` name. */
export const handlers: Readonly<Record<string, JobHandler>> = {
  PrintWorker: printWorker,
};

/** The registered handler names, for schedule validation. */
export const handlerNames: readonly string[] = Object.keys(handlers);

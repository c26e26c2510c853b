/**
 * What a handler's `ctx.args` holds for one slot: the job's args as written, or, with
 * sidekiq-cron's `date_as_argument`, those args with the slot's time appended as their last
 * element. The slot's own time (I5), not the time a tick enqueued it as sidekiq-cron passes.
 */
import type { JobArgs, JobDefinition } from './types.js';

/**
 * The args for the run of `slotMs`. With `dateAsArgument`, the slot's time in epoch seconds (a
 * number, as sidekiq-cron's `Time.now.to_f`) ends the list: an array gets it as its last element,
 * a mapping becomes `[mapping, seconds]` and no args `[seconds]`, as sidekiq's `perform` receives them.
 */
export function argsForSlot(job: Pick<JobDefinition, 'args' | 'dateAsArgument'>, slotMs: number): JobArgs {
  if (!job.dateAsArgument) return job.args;
  const slotSec = slotMs / 1000;
  if (Array.isArray(job.args)) return [...job.args, slotSec];
  return Object.keys(job.args).length === 0 ? [slotSec] : [job.args, slotSec];
}

/**
 * sidekiq-cron's job keys beyond cron, class, args, description and status (its README's "Job
 * properties" and lib/sidekiq/cron/job.rb): their schema and what each means here. `namespace`
 * and `date_as_argument` change what a job is or receives; `retry` is read with our own retry
 * policy (retry-timeout-keys.ts); the rest
 * name sidekiq or Active Job machinery that does not exist here, and are accepted so a
 * sidekiq-cron file works unchanged, with a note that `validate` prints.
 */
import { z } from 'zod';
import type { ScheduleNote } from './schedule-notes.js';
import type { JobDefinition } from './types.js';

/** The strings sidekiq-cron reads as true (`/^(true|t|yes|y|1)$/i`), and their opposites. */
const TRUE_WORDS = /^(true|t|yes|y|1)$/i;
const FALSE_WORDS = /^(false|f|no|n|0)$/i;

/** sidekiq-cron's flag: a boolean, or one of the strings it reads as one. */
const sidekiqFlag = z.union([z.boolean(), z.string().regex(TRUE_WORDS), z.string().regex(FALSE_WORDS)], {
  error: 'a boolean (true or false; sidekiq-cron\'s "yes", "no", "1", "0" too)',
});

/** The schema of sidekiq-cron's own keys, spread into the schedule's job schema. */
export const sidekiqCronKeys = {
  args: z
    .union([z.array(z.unknown()), z.record(z.string(), z.unknown())], {
      error: 'an array or a mapping of name to value (sidekiq-cron wraps a single value in an array: write [value])',
    })
    .optional(),
  namespace: z
    .string()
    .min(1)
    .max(100)
    .refine((name) => name !== '*', { error: 'a name other than "*" (sidekiq-cron\'s "every namespace")' })
    .optional(),
  date_as_argument: sidekiqFlag.optional(),
  source: z.string().optional(),
  queue: z.string().optional(),
  active_job: sidekiqFlag.optional(),
  queue_name_prefix: z.string().optional(),
  queue_name_delimiter: z.string().optional(),
  symbolize_args: sidekiqFlag.optional(),
};

/** The keys sidekiq-cron has and this scheduler does not need, with the reason `validate` shows. */
const NO_EFFECT: Readonly<Record<string, string>> = {
  queue: 'no effect here: there are no queues; the tick that claims a slot runs its handler itself',
  source:
    'no effect here: the file is the whole schedule (sidekiq-cron\'s "schedule" source); a job removed from it is no longer scheduled, its history stays',
  active_job: 'no effect here: there is no Active Job; "class" names a registered handler',
  queue_name_prefix: 'no effect here: an Active Job queue name, and there are no queues',
  queue_name_delimiter: 'no effect here: an Active Job queue name, and there are no queues',
  symbolize_args: 'no effect here: args reach the handler as parsed (JSON types), with string keys as every JavaScript object has',
};

type SidekiqCronRaw = { [Key in keyof typeof sidekiqCronKeys]?: z.infer<(typeof sidekiqCronKeys)[Key]> };

function flag(value: boolean | string | undefined): boolean {
  return value === true || (typeof value === 'string' && TRUE_WORDS.test(value));
}

/**
 * What sidekiq-cron's keys of one job make of its definition (`namespace`, `dateAsArgument`),
 * and a note for every key that has no effect here or not yet.
 */
export function sidekiqCronMeaning(
  job: string,
  raw: SidekiqCronRaw,
): { fields: Pick<JobDefinition, 'namespace' | 'dateAsArgument'>; notes: ScheduleNote[] } {
  const notes: ScheduleNote[] = [];
  for (const [key, reason] of Object.entries(NO_EFFECT)) {
    const value = raw[key as keyof SidekiqCronRaw];
    if (value !== undefined) notes.push({ job, key, value, effect: reason });
  }
  const dateAsArgument = flag(raw.date_as_argument);
  if (raw.date_as_argument !== undefined) {
    notes.push({
      job,
      key: 'date_as_argument',
      value: raw.date_as_argument,
      effect: dateAsArgument
        ? "the slot's time (epoch seconds, not the enqueue time) is appended to args as their last element"
        : 'as here by default: args are passed as written',
    });
  }
  return {
    fields: { ...(raw.namespace !== undefined && { namespace: raw.namespace }), ...(dateAsArgument && { dateAsArgument }) },
    notes,
  };
}

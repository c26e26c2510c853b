/** One job of a hash-form schedule, built from its keys, or the ScheduleError they give. */
import { expect } from 'vitest';
import { ScheduleError } from '../../functions/core/errors.js';
import { parseScheduleObject } from '../../functions/core/schedule.js';
import type { JobDefinition } from '../../functions/core/types.js';

/** A job `name` running `handler` with the given keys besides cron and class. */
export function jobFromKeys(name: string, handler: string, keys: Record<string, unknown>): JobDefinition {
  const [job] = parseScheduleObject({ [name]: { cron: '*/5 * * * *', class: handler, ...keys } }, { handlers: [handler] });
  if (!job) throw new Error('the schedule parser returned no job');
  return job;
}

/** The ScheduleError those keys give; fails the test when they are accepted. */
export function refusalOfKeys(name: string, handler: string, keys: Record<string, unknown>): ScheduleError {
  try {
    jobFromKeys(name, handler, keys);
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleError);
    return error as ScheduleError;
  }
  throw new Error(`accepted ${JSON.stringify(keys)}`);
}

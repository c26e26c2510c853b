/**
 * A runtime job ticked under the definition its lock item holds: a copy listed from the index
 * (or read before a change) that the tick's consistent read or a refused acquire finds stale is
 * replaced by the stored one and the job ticked again. docs/protocol.md, "Runtime jobs".
 */
import { DefinitionChangedError, errorMessage } from './errors.js';
import type { TickDeps } from './run.js';
import { jobFromLock, validationFor } from './runtime-jobs.js';
import { getLock } from './store.js';
import type { JobDefinition, TickOutcome } from './types.js';

/** Thrown through a job's tick when its definition moved before the tick wrote anything for a slot; carries the outcomes so far. */
export class Redefined {
  constructor(readonly outcomes: TickOutcome[]) {}
}

/** How often one tick takes up a runtime job's new definition while it keeps changing under it. */
const MAX_REDEFINITIONS = 3;

/**
 * Ticks `job` with `tickOne`; on `Redefined`, again under the stored definition (a removed job
 * is `removed`), at most MAX_REDEFINITIONS times. A file job never throws `Redefined`.
 */
export async function tickAsStored(
  deps: TickDeps,
  job: JobDefinition,
  fileJobs: readonly JobDefinition[],
  tickOne: (job: JobDefinition) => Promise<TickOutcome[]>,
): Promise<TickOutcome[]> {
  const outcomes: TickOutcome[] = [];
  let current = job;
  for (let attempt = 1; ; attempt++) {
    try {
      return [...outcomes, ...(await tickOne(current))];
    } catch (error) {
      if (!(error instanceof Redefined)) throw error;
      outcomes.push(...error.outcomes);
      try {
        const lock = await getLock(deps, current.name);
        const stored = jobFromLock(lock, current.name, await validationFor(deps, fileJobs));
        if (!stored) return [...outcomes, { outcome: 'removed', job: current.name }];
        if (attempt >= MAX_REDEFINITIONS)
          throw new DefinitionChangedError(current.name, stored.definitionVersion ?? 0, lock?.definitionVersion);
        current = stored;
      } catch (readError) {
        deps.log.error('tick.error', { job: current.name, instance: deps.instance, error: errorMessage(readError) });
        return [...outcomes, { outcome: 'error', job: current.name, error: errorMessage(readError) }];
      }
    }
  }
}

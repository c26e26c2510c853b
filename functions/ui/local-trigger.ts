/**
 * The status page's "trigger now" in a local process: the core's triggerJob, as
 * `cluster-cron trigger` runs it, answered as soon as the handler starts (or the run is
 * refused), while the run goes on in the background with its outcome logged.
 */
import { errorMessage } from '../core/errors.js';
import { type TickDeps, triggerJob } from '../core/tick.js';
import type { TickOutcome } from '../core/types.js';
import type { TriggerJob, TriggerResult } from './api.js';

/** A trigger and the runs it started that are still going. */
export interface LocalTrigger {
  trigger: TriggerJob;
  /** Resolves when every run started so far has recorded its outcome. */
  settled(): Promise<void>;
  /** How many triggered runs are still going. */
  running(): number;
}

/**
 * Builds the local trigger on `deps`; give `deps.shutdown` a signal so stopping the server
 * reaches the handlers of triggered runs, as Ctrl-C of a node does.
 */
export function localTrigger(deps: TickDeps): LocalTrigger {
  const inFlight = new Set<Promise<void>>();
  const trigger: TriggerJob = (job, options) =>
    new Promise<TriggerResult>((resolve) => {
      let answered = false;
      const onStart = (): void => {
        answered = true;
        resolve({ started: true, outcomes: [] });
      };
      const run = triggerJob(deps, job, { ...options, onStart })
        .then((outcomes: TickOutcome[]) => {
          if (answered) deps.log.info('ui.trigger.end', { job: job.name, outcomes, instance: deps.instance });
          else resolve({ started: false, outcomes });
        })
        .catch((error: unknown) => {
          // triggerJob turns store errors into outcomes; this is the last guard.
          const outcome: TickOutcome = { outcome: 'error', job: job.name, error: errorMessage(error) };
          deps.log.error('ui.trigger.error', { job: job.name, error: outcome.error, instance: deps.instance });
          if (!answered) resolve({ started: false, outcomes: [outcome] });
        })
        .finally(() => inFlight.delete(run));
      inFlight.add(run);
    });
  return {
    trigger,
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    running: () => inFlight.size,
  };
}

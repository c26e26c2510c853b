/**
 * Fan-out of one tick's due runtime jobs over several invocations (issue 16). A tick that finds
 * more runtime jobs due than `maxJobsPerTick` splits them into parts by a hash of each job's
 * name: it runs part 0 itself and asks `deps.fanOut` (AWS: asynchronous invokes of the same
 * function) to run parts 1 to parts - 1. Each part Queries the due index itself and keeps the
 * jobs of its part, so no definition travels in a payload. Every slot still starts at most once
 * (the protocol is the same in every part); a part that is lost or runs twice changes nothing
 * but who starts a job, and a job a lost part left is still due for the next tick.
 */
import { errorMessage, FanOutError } from './errors.js';
import type { TickDeps } from './run.js';
import type { JobDefinition, TickOutcome } from './types.js';

/** Which part of a fanned-out tick an invocation runs. */
export interface TickPart {
  /** 0 to parts - 1. */
  part: number;
  /** How many parts the tick was split into (2 to MAX_TICK_PARTS). */
  parts: number;
}

/** What a tick asks `deps.fanOut` to start: parts 1 to `parts` - 1. */
export interface FanOutRequest {
  parts: number;
  /**
   * Only for a tick as of a time given by hand (`tick --at`): the parts judge slots as of it too.
   * A scheduled tick's parts judge by their own clock, so a part delivered late still sees its
   * slots' lateness as it is.
   */
  atMs?: number;
}

/** How many due runtime jobs one invocation starts before the tick fans out. @default 250 */
export const DEFAULT_MAX_JOBS_PER_TICK = 250;

/** The most parts a tick is split into (one invocation each). */
export const MAX_TICK_PARTS = 64;

/** The part a job belongs to: a hash of its name (not the shard's, so every shard spreads over every part). */
export function partOf(name: string, parts: number): number {
  let hash = 5381;
  for (let i = 0; i < name.length; i++) hash = (Math.imul(hash, 33) ^ name.charCodeAt(i)) >>> 0;
  return hash % parts;
}

/** How many parts `dueCount` jobs take at `maxJobsPerTick` each, at most MAX_TICK_PARTS. */
export function partsFor(dueCount: number, maxJobsPerTick: number): number {
  return Math.min(MAX_TICK_PARTS, Math.max(1, Math.ceil(dueCount / Math.max(1, maxJobsPerTick))));
}

/** The runtime jobs (and removed ones winding down) one invocation of a tick takes on. */
export interface TickShare {
  jobs: JobDefinition[];
  removed: string[];
  outcomes: TickOutcome[];
}

/**
 * Splits a tick's due runtime jobs: a part keeps its own; a tick with more due than
 * `maxJobsPerTick` and a `fanOut` sends parts 1 and on away and keeps part 0 (and the parts
 * that could not be sent: all of them when the sender cannot say which); otherwise it keeps all, in an order of its own (a hash of its
 * instance), so several nodes ticking at once start different jobs first.
 */
export async function shareDueJobs(
  deps: TickDeps,
  listed: { jobs: JobDefinition[]; removed: string[]; dueCount: number },
  request: { part?: TickPart; atMs?: number },
): Promise<TickShare> {
  const keep = (ownParts: readonly number[], parts: number): TickShare => ({
    jobs: listed.jobs.filter((job) => ownParts.includes(partOf(job.name, parts))),
    removed: listed.removed.filter((name) => ownParts.includes(partOf(name, parts))),
    outcomes: [],
  });
  if (request.part) return keep([request.part.part], request.part.parts);
  const maxJobs = deps.maxJobsPerTick ?? DEFAULT_MAX_JOBS_PER_TICK;
  if (deps.fanOut && listed.dueCount > maxJobs) {
    const parts = partsFor(listed.dueCount, maxJobs);
    try {
      await deps.fanOut({ parts, ...(request.atMs !== undefined && { atMs: request.atMs }) });
      deps.log.info('tick.fan-out', { parts, due: listed.dueCount, maxJobsPerTick: maxJobs, instance: deps.instance });
      return { ...keep([0], parts), outcomes: [{ outcome: 'fanned-out', job: '*', parts, due: listed.dueCount }] };
    } catch (error) {
      // The parts that did not go are run here: late, perhaps, but not left for the next tick.
      deps.log.error('tick.fan-out.error', { parts, due: listed.dueCount, error: errorMessage(error), instance: deps.instance });
      // Only those, when the sender says which (the others went: running them here too would only race them).
      if (error instanceof FanOutError && error.failedParts.length < parts - 1) {
        const own = [0, ...error.failedParts];
        return { ...keep(own, parts), outcomes: [{ outcome: 'fanned-out', job: '*', parts, due: listed.dueCount }] };
      }
    }
  }
  const offset = listed.jobs.length > 0 ? partOf(deps.instance, listed.jobs.length) : 0;
  return { jobs: [...listed.jobs.slice(offset), ...listed.jobs.slice(0, offset)], removed: listed.removed, outcomes: [] };
}

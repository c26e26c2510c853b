/**
 * A tick's runtime jobs: the due index's listing (due-jobs.ts), this invocation's share of it
 * (fan-out.ts), the overdue among them (due-times.ts), the removed ones still winding down
 * (removed-jobs.ts), and, once a minute for the cluster, a page of the index's repair sweep
 * (due-repair.ts), beside the jobs' own ticks.
 */
import { DUE_REPAIR_DEFAULTS, repairDueSlice } from './due-repair.js';
import { overdueOutcomes } from './due-times.js';
import { errorMessage } from './errors.js';
import { shareDueJobs } from './fan-out.js';
import { settleRemovedJob } from './removed-jobs.js';
import type { TickDeps } from './run.js';
import { runtimeJobsToTick, validationFor } from './runtime-jobs.js';
import type { TickRequest } from './tick.js';
import type { JobDefinition, TickOutcome } from './types.js';

/** Ticks the runtime jobs listed due at `asOfMs` (the slot clock) with `tickAll`; their outcomes and the listing's. */
export async function tickRuntimeJobs(
  deps: TickDeps,
  request: TickRequest,
  tickOf: { asOfMs: number; tickAll: (jobs: readonly JobDefinition[]) => Promise<TickOutcome[]>; fileJobs: readonly JobDefinition[] },
): Promise<TickOutcome[]> {
  const { asOfMs } = tickOf;
  const repair = sweepsThisTick(deps, request) ? validationFor(deps, request.jobs).then((v) => repairDueSlice(deps, v)) : undefined;
  const runtime = await runtimeJobsToTick(deps, request, { asOfMs, untilMs: asOfMs + (request.dueLookAheadMs ?? 0) });
  const share = await shareDueJobs(
    deps,
    { jobs: runtime.jobs, removed: runtime.removed ?? [], dueCount: countDue(runtime.dueMs, asOfMs) },
    { ...(request.part && { part: request.part }), ...(request.atMs !== undefined && { atMs: request.atMs }) },
  );
  request.onJobs?.([...tickOf.fileJobs, ...share.jobs]);
  const overdue = runtime.dueMs ? overdueOutcomes(share.jobs, runtime.dueMs, asOfMs) : [];
  // Removed jobs still winding down (removed-jobs.ts) are settled beside the live ones.
  const settled = share.removed.map((name) =>
    settleRemovedJob(deps, name).catch((error: unknown) =>
      deps.log.error('tick.error', { job: name, instance: deps.instance, error: errorMessage(error) }),
    ),
  );
  const [outcomes] = await Promise.all([tickOf.tickAll(share.jobs), Promise.all(settled), repair]);
  return [...share.outcomes, ...overdue, ...outcomes, ...runtime.refused];
}

/**
 * A tick of every job, as of now, takes part in the repair sweep (one that asked for some jobs,
 * a time or a part does not); a node asks the table at most once a sweep period.
 */
function sweepsThisTick(deps: TickDeps, request: TickRequest): boolean {
  if (deps.dueRepair?.off || request.only || request.part || request.atMs !== undefined || request.runtimeJobs === false) return false;
  const { memory } = request;
  if (!memory) return true;
  const nowMs = deps.clock();
  if (nowMs - memory.repairCheckedAtMs < (deps.dueRepair?.everyMs ?? DUE_REPAIR_DEFAULTS.everyMs)) return false;
  memory.repairCheckedAtMs = nowMs;
  return true;
}

/** How many listed jobs are due by `asOfMs` (a node's listing also holds those due within its look-ahead). */
function countDue(dueMs: ReadonlyMap<string, number> | undefined, asOfMs: number): number {
  return dueMs ? [...dueMs.values()].filter((listedMs) => listedMs <= asOfMs).length : 0;
}

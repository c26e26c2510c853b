/**
 * Finding runtime jobs: the tick lists the due ones from the due index (due-jobs.ts), the page
 * and the CLI every one by name (runtime-listing.ts), both eventually consistent (discovery
 * only), and validates each with the schedule file's validator. Correctness never rests on the index: every acquisition is
 * conditioned on the definition version, and the tick's consistent window read of the lock
 * replaces a stale copy (tick.ts). The bound on "seen within a tick period": docs/protocol.md.
 */
import { recordDefinitionError } from './definition-writes.js';
import { listDueDefinitions } from './due-jobs.js';
import { windDownDone } from './ended-jobs.js';
import { errorMessage, UnknownJobError } from './errors.js';
import { type RuntimeValidation, runtimeJobDefinition, storedDefinition } from './job-definitions.js';
import { namesIn } from './payload.js';
import { getLock } from './reads.js';
import type { TickDeps } from './run.js';
import { type ListedDefinition, listDefinitions } from './runtime-listing.js';
import type { LockItem, StoreContext } from './table-keys.js';
import type { JobDefinition, TickOutcome } from './types.js';

/** Every runtime job, in name order, one Query per shard: the listing of the page and the CLI, whose roles may Query the index only. */
async function queryDefinitions(ctx: StoreContext, removed: string[]): Promise<ListedDefinition[]> {
  return (await listDefinitions(ctx, {}, removed)).definitions;
}

/** How a tick validates the stored definitions: its handlers, and the file's jobs (their names are taken). */
export async function validationFor(deps: Pick<TickDeps, 'handlers'>, fileJobs: readonly JobDefinition[]): Promise<RuntimeValidation> {
  // A code job's handler is registered under the job's own name (define.ts handlerRegistry): it is
  // that job's, not a class a runtime job may name, nor one its refusal lists.
  const ownHandlers = new Set(fileJobs.filter((job) => job.handler === job.name).map((job) => job.name));
  return { handlers: Object.keys(deps.handlers).filter((name) => !ownHandlers.has(name)), fileJobs };
}

/** The tick's listing (due-jobs.ts): the jobs due by `untilMs`, judged as of `asOfMs` (the slot clock). */
export interface DueListing {
  asOfMs: number;
  untilMs: number;
}

/**
 * The runtime jobs a tick runs beside the file's, validated: with `due`, those the due index
 * lists (due-jobs.ts), each with its `nextDueMs`, without the ended ones whose wind-down is
 * done; with `page`, one page of them by name (`status`); else every one. A definition this deployment cannot run (an
 * unknown class, a name the file defines) is logged, recorded on its item once per version
 * (`status` shows it), and returned as an `error` outcome: never dropped in silence.
 */
export async function runtimeJobsForTick(
  deps: TickDeps,
  fileJobs: readonly JobDefinition[],
  options: { due?: DueListing; page?: { prefix?: string; limit: number } } = {},
): Promise<{ jobs: JobDefinition[]; refused: TickOutcome[]; removed: string[]; dueMs: Map<string, number> }> {
  let definitions: ListedDefinition[];
  const removed: string[] = [];
  const dueMs = new Map<string, number>();
  try {
    const { due } = options;
    definitions = due
      ? await listDueDefinitions(deps, due.untilMs, removed)
      : options.page
        ? (await listDefinitions(deps, options.page, removed)).definitions
        : await queryDefinitions(deps, removed);
  } catch (error) {
    // The file's jobs still tick (and report the table's trouble themselves).
    deps.log.error('runtime-jobs.error', { table: deps.tableName, error: errorMessage(error), instance: deps.instance });
    return { jobs: [], refused: [], removed: [], dueMs };
  }
  if (definitions.length === 0) return { jobs: [], refused: [], removed, dueMs };
  const validation = await validationFor(deps, fileJobs);
  const jobs: JobDefinition[] = [];
  const refused: TickOutcome[] = [];
  for (const definition of definitions) {
    try {
      const job = runtimeJobDefinition(definition.name, definition.keys, definition, validation);
      // An ended job whose wind-down is done (ended-jobs.ts) is listed and shown done, but not ticked.
      if (options.due && windDownDone(job, definition.nextDueMs, deps.clock())) continue;
      jobs.push(job);
      if (definition.nextDueMs !== undefined) dueMs.set(job.name, definition.nextDueMs);
    } catch (error) {
      const message = errorMessage(error);
      deps.log.error('job.definition.refused', {
        job: definition.name,
        version: definition.version,
        error: message,
        instance: deps.instance,
      });
      if (definition.refusal !== message) await recordDefinitionError(deps, definition.name, definition.version, message);
      refused.push({ outcome: 'error', job: definition.name, error: message });
    }
  }
  return { jobs, refused, removed, dueMs };
}

/**
 * A runtime job as its lock item holds it now: the definition to decide under after the one a
 * tick read turned out stale, or undefined when the job was removed.
 * @throws ScheduleError when this deployment cannot run the stored definition.
 */
export function jobFromLock(lock: LockItem | undefined, name: string, validation: RuntimeValidation): JobDefinition | undefined {
  const stored = storedDefinition(lock, name);
  return stored && runtimeJobDefinition(name, stored.keys, stored, validation);
}

/** One runtime job read consistently by name (trigger, status, the page); undefined when none or removed. */
export async function readRuntimeJob(
  deps: Pick<TickDeps, 'handlers'> & StoreContext,
  name: string,
  fileJobs: readonly JobDefinition[],
): Promise<JobDefinition | undefined> {
  const lock = await getLock(deps, name);
  if (!storedDefinition(lock, name)) return undefined;
  return jobFromLock(lock, name, await validationFor(deps, fileJobs));
}

/**
 * A job by name, the file's or a runtime one (read consistently): the lookup of `trigger`,
 * `pause`, `status` and the page. @throws UnknownJobError naming it and listing the file's jobs.
 */
export async function findAnyJob(
  deps: Pick<TickDeps, 'handlers'> & StoreContext,
  fileJobs: readonly JobDefinition[],
  name: string,
): Promise<JobDefinition> {
  const fileJob = fileJobs.find((job) => job.name === name);
  if (fileJob) return fileJob;
  const runtime = await readRuntimeJob(deps, name, fileJobs);
  if (runtime) return runtime;
  throw new UnknownJobError(
    name,
    fileJobs.map((job) => job.name),
  );
}

/**
 * The runtime jobs one tick looks at beside the file's (none when `runtimeJobs` is false). With
 * `only`, a name the file lacks is read by name, consistently (a job created a moment ago is
 * found before the index lists it); a name found nowhere is an `error` outcome.
 */
export async function runtimeJobsToTick(
  deps: TickDeps,
  request: { jobs: readonly JobDefinition[]; only?: readonly string[]; runtimeJobs?: boolean },
  due: DueListing,
): Promise<{ jobs: JobDefinition[]; refused: TickOutcome[]; removed?: string[]; dueMs?: Map<string, number> }> {
  const { only } = request;
  if (request.runtimeJobs === false) return { jobs: [], refused: [] };
  if (!only) return runtimeJobsForTick(deps, request.jobs, { due });
  const jobs: JobDefinition[] = [];
  const refused: TickOutcome[] = [];
  for (const name of only.filter((name) => !request.jobs.some((job) => job.name === name))) {
    try {
      jobs.push(await findAnyJob(deps, request.jobs, name));
    } catch (error) {
      refused.push({ outcome: 'error', job: name, error: errorMessage(error) });
    }
  }
  return { jobs, refused };
}

/** Of the names a payload gives that the file lacks, those of runtime jobs that exist (consistent reads), for parseTickPayload. */
export async function runtimeNamesIn(deps: StoreContext, event: unknown, fileJobs: readonly JobDefinition[]): Promise<string[]> {
  const unknown = [...new Set(namesIn(event))].filter((name) => !fileJobs.some((job) => job.name === name));
  const found = await Promise.all(unknown.map(async (name) => (storedDefinition(await getLock(deps, name), name) ? name : undefined)));
  return found.filter((name): name is string => name !== undefined);
}

/**
 * Finding runtime jobs: the tick lists them from the sparse index over their lock items
 * (RUNTIME_INDEX, eventually consistent: discovery only; the tick with one Scan of the index, the
 * page and the CLI with one Query per shard), and validates each
 * with the schedule file's validator. Correctness never rests on the index: every acquisition is
 * conditioned on the definition version, and the tick's consistent window read of the lock
 * replaces a stale copy (tick.ts). The bound on "seen within a tick period": docs/protocol.md.
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { recordDefinitionError } from './definition-writes.js';
import { windDownDone } from './ended-jobs.js';
import { errorMessage, UnknownJobError } from './errors.js';
import {
  RUNTIME_INDEX,
  RUNTIME_SHARD_COUNT,
  type RuntimeValidation,
  runtimeJobDefinition,
  type StoredDefinition,
  type StoredDefinitionFields,
  storedDefinition,
} from './job-definitions.js';
import { namesIn } from './payload.js';
import { getLock } from './reads.js';
import type { TickDeps } from './run.js';
import type { LockItem, StoreContext } from './table-keys.js';
import type { EventLog, JobDefinition, TickOutcome } from './types.js';

/** One runtime job as the index lists it: its definition's keys and version, and a refusal recorded for that version. */
export interface ListedDefinition extends StoredDefinition {
  nextDueMs?: number;
  /** Why a tick refused this very version (an unknown class in that deployment). */
  refusal?: string;
}

/** A page of runtime definitions in name order, and where the next page starts. */
export interface DefinitionPage {
  definitions: ListedDefinition[];
  /** Pass back as `cursor` for the next page; undefined on the last. */
  cursor?: string;
}

function listed(item: StoredDefinitionFields & { job?: string }): ListedDefinition | undefined {
  const stored = storedDefinition(item);
  if (!stored?.name) return undefined;
  const refusal = item.definitionErrorVersion === stored.version ? item.definitionError : undefined;
  return {
    ...stored,
    ...(item.nextDueMs !== undefined && { nextDueMs: item.nextDueMs }),
    ...(refusal !== undefined && { refusal }),
  };
}

/** True when the table has no runtime-jobs index (a table made before it): the tick then has only the file's jobs. */
function isMissingIndex(error: unknown): boolean {
  const { name, message } = error as { name?: string; message?: string };
  return name === 'ValidationException' && /index/i.test(message ?? '');
}

/**
 * One page of the runtime jobs whose names start with `prefix`, in name order across the shards
 * (each shard read in name order, merged). `cursor` is the last name of the page before.
 */
export async function listDefinitions(
  ctx: StoreContext,
  options: { prefix?: string; limit?: number; cursor?: string } = {},
  removed?: string[],
): Promise<DefinitionPage> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const perShard = await Promise.all(
    Array.from({ length: RUNTIME_SHARD_COUNT }, (_, shard) => queryShard(ctx, shard, { ...options, limit }, removed)),
  );
  const all = perShard.flat().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const definitions = all.slice(0, limit);
  // A full page may have more after it (a last page that is exactly full costs one empty read).
  const last = definitions.length === limit ? definitions.at(-1) : undefined;
  return { definitions, ...(last && { cursor: last.name }) };
}

/** An index item as a definition; a removed job's tombstone (listed until its wind-down, removed-jobs.ts) goes to `removed`. */
function listedOrRemoved(item: Record<string, unknown>, removed: string[] | undefined): ListedDefinition | undefined {
  const definition = listed(item as StoredDefinitionFields);
  if (!definition && item.removedAtMs !== undefined && typeof item.job === 'string') removed?.push(item.job);
  return definition;
}

/**
 * Every runtime job, in name order: one Scan of the sparse index, whose items are exactly the
 * runtime jobs' lock items, for the tick. The same items the shards' Queries list, eventually
 * consistent alike, in one request instead of one per shard: the listing was half the requests
 * of a one-job tick, and a request's fixed cost (SDK, round trip, 0.5 read units at least) is
 * paid once. The shards spread the index's writes; a read over all of them needs no shard key.
 * The tick function's role may Scan the index (infra/cluster-cron.ts).
 */
/** Every runtime job, in name order, one Query per shard: the listing of the page and the CLI, whose roles may Query the index only. */
async function queryDefinitions(ctx: StoreContext, removed: string[]): Promise<ListedDefinition[]> {
  return (await listDefinitions(ctx, {}, removed)).definitions;
}

async function scanDefinitions(ctx: StoreContext, removed: string[]): Promise<ListedDefinition[]> {
  const found: ListedDefinition[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.client.send(
      new ScanCommand({ TableName: ctx.tableName, IndexName: RUNTIME_INDEX.name, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) {
      const definition = listedOrRemoved(item, removed);
      if (definition) found.push(definition);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function queryShard(
  ctx: StoreContext,
  shard: number,
  options: { prefix?: string; limit: number; cursor?: string },
  removed?: string[],
): Promise<ListedDefinition[]> {
  const found: ListedDefinition[] = [];
  const { partitionKey, sortKey } = RUNTIME_INDEX;
  const after = options.cursor !== undefined;
  const prefixed = options.prefix !== undefined && options.prefix !== '';
  // The cursor and the prefix both bound the sort key; with both, the cursor's bound and a filter on the prefix.
  const keyCondition = after
    ? `${partitionKey} = :shard AND #name > :after`
    : prefixed
      ? `${partitionKey} = :shard AND begins_with(#name, :prefix)`
      : `${partitionKey} = :shard`;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.client.send(
      new QueryCommand({
        TableName: ctx.tableName,
        IndexName: RUNTIME_INDEX.name,
        KeyConditionExpression: keyCondition,
        ...((after || prefixed) && { ExpressionAttributeNames: { '#name': sortKey } }),
        ExpressionAttributeValues: {
          ':shard': shard,
          ...(after && { ':after': options.cursor }),
          ...(!after && prefixed && { ':prefix': options.prefix }),
        },
        ...(Number.isFinite(options.limit) && { Limit: options.limit }),
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const definition = listedOrRemoved(item, removed);
      if (!definition || (prefixed && !definition.name.startsWith(options.prefix ?? ''))) continue;
      found.push(definition);
      if (found.length >= options.limit) return found;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return found;
}

/** How a tick validates the stored definitions: its handlers, and the file's jobs (their names are taken). */
export async function validationFor(deps: Pick<TickDeps, 'handlers'>, fileJobs: readonly JobDefinition[]): Promise<RuntimeValidation> {
  // A code job's handler is registered under the job's own name (define.ts handlerRegistry): it is
  // that job's, not a class a runtime job may name, nor one its refusal lists.
  const ownHandlers = new Set(fileJobs.filter((job) => job.handler === job.name).map((job) => job.name));
  return { handlers: Object.keys(deps.handlers).filter((name) => !ownHandlers.has(name)), fileJobs };
}

/**
 * The runtime jobs a tick runs beside the file's, validated (`ticking`: the tick's listing, one Scan, without the ended ones
 * whose wind-down is done); a definition this deployment cannot
 * run (an unknown class, a name the file defines) is logged, recorded on its item once per
 * version (`status` shows it), and returned as an `error` outcome: never dropped in silence.
 */
export async function runtimeJobsForTick(
  deps: TickDeps,
  fileJobs: readonly JobDefinition[],
  options: { ticking?: boolean } = {},
): Promise<{ jobs: JobDefinition[]; refused: TickOutcome[]; removed: string[] }> {
  let definitions: ListedDefinition[];
  const removed: string[] = [];
  try {
    // The tick's own listing is one Scan of the index; the page's and the CLI's, one Query per shard.
    definitions = await (options.ticking ? scanDefinitions : queryDefinitions)(deps, removed);
  } catch (error) {
    // The file's jobs still tick (and report the table's trouble themselves).
    if (!isMissingIndex(error)) {
      deps.log.error('runtime-jobs.error', { table: deps.tableName, error: errorMessage(error), instance: deps.instance });
      return { jobs: [], refused: [], removed: [] };
    }
    warnOnce(deps.log, deps.tableName, errorMessage(error));
    return { jobs: [], refused: [], removed: [] };
  }
  if (definitions.length === 0) return { jobs: [], refused: [], removed };
  const validation = await validationFor(deps, fileJobs);
  const jobs: JobDefinition[] = [];
  const refused: TickOutcome[] = [];
  for (const definition of definitions) {
    try {
      const job = runtimeJobDefinition(definition.name, definition.keys, definition, validation);
      // An ended job whose wind-down is done (ended-jobs.ts) is listed and shown done, but not ticked.
      if (!options.ticking || !windDownDone(job, definition.nextDueMs, deps.clock())) jobs.push(job);
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
  return { jobs, refused, removed };
}

const warnedTables = new Set<string>();

function warnOnce(log: EventLog, tableName: string, error: string): void {
  if (warnedTables.has(tableName)) return;
  warnedTables.add(tableName);
  log.warn('runtime-jobs.unavailable', {
    table: tableName,
    error,
    note: `the table has no ${RUNTIME_INDEX.name} index: only the config's jobs run (deploy the stack again, or run cluster-cron db)`,
  });
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
): Promise<{ jobs: JobDefinition[]; refused: TickOutcome[]; removed?: string[] }> {
  const { only } = request;
  if (request.runtimeJobs === false) return { jobs: [], refused: [] };
  if (!only) return runtimeJobsForTick(deps, request.jobs, { ticking: true });
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

/**
 * Runtime jobs: a job definition stored in the table, on the job's own lock item (`sk = STATE`),
 * beside its lease and fence. The definition is kept as its keys as written (the schedule file's
 * keys), validated by the file's own validator (schedule.ts `validateJob`) when it is written,
 * and as that validated definition (`compiled`), which ticks run without loading the validator
 * (the deployed tick bundles no schema or YAML library). Why on the lock item, and how a
 * change reaches every instance: docs/protocol.md, "Runtime jobs".
 */
import { ScheduleError } from './errors.js';
import type { LockItem } from './table-keys.js';
import type { JobDefinition } from './types.js';

/** The sparse index over runtime jobs' lock items: partition `runtimeShard`, sort `job`. */
export const RUNTIME_INDEX = {
  name: 'runtimeJobs',
  partitionKey: 'runtimeShard',
  sortKey: 'job',
  /** Projected beside the keys: what the tick needs to compute a job's slots without reading its item. */
  projected: [
    'definition',
    'definitionVersion',
    'definedAtMs',
    'createdAtMs',
    'removedAtMs',
    'compiled',
    'nextDueMs',
    'definitionError',
    'definitionErrorVersion',
  ],
} as const;

/**
 * The due-time index over the same lock items (issue 16): partition `runtimeShard`, sort
 * `nextDueMs`, so a tick Queries each shard for the jobs due by now, and its cost grows with the
 * jobs due, not the jobs defined. Sparse: a job without `nextDueMs` (disabled, ended and wound
 * down, removed and wound down) is not in it. `nextDueMs` is a lower bound on the job's first
 * slot no one has decided yet: early is always safe (a tick reads the job and finds nothing to
 * do), and only a write that decided a slot moves it past that slot (docs/protocol.md, "The due index").
 */
export const DUE_INDEX = {
  name: 'dueJobs',
  partitionKey: 'runtimeShard',
  sortKey: 'nextDueMs',
  /** What the tick needs to compute a job's slots without reading its item, and the page's counts (failing, paused). */
  projected: [
    'job',
    'definition',
    'definitionVersion',
    'definedAtMs',
    'createdAtMs',
    'removedAtMs',
    'compiled',
    'definitionError',
    'definitionErrorVersion',
    'failureStreak',
    'paused',
  ],
} as const;

/**
 * How many partitions of the index runtime jobs are spread over (a job's shard is a hash of its
 * name). Fixed: changing it re-shards every job. 4 partitions take 4,000 definition changes a
 * second, far beyond a tenant's changes.
 */
export const RUNTIME_SHARD_COUNT = 4;

/** What a runtime job's definition adds to its lock item. */
export interface StoredDefinitionFields {
  /** The definition's keys as written, validated before they were stored. */
  definition?: Record<string, unknown>;
  /** Rises by one on every write that changes the definition (an upsert, a removal, a re-creation); never falls. */
  definitionVersion?: number;
  /** The index's partition (RUNTIME_INDEX); absent once removed, so a removed job leaves the index. */
  runtimeShard?: number;
  /** The job's name, the index's sort key (only on a runtime job's lock item). */
  job?: string;
  /** When the definition was written (epoch ms). */
  definedAtMs?: number;
  /** When the job was created, or created again after a removal (epoch ms): its first slot is after it. */
  createdAtMs?: number;
  /** The definition as validated when it was written (a JobDefinition, JSON): what a tick runs. */
  compiled?: string;
  /** Set when the job was removed; a re-creation clears it. */
  removedAtMs?: number;
  /** The job's next slot after the definition was written: the attribute issue 16's due-time index sorts on. */
  nextDueMs?: number;
  /** Why a deployed tick refused this definition (an unknown class)... */
  definitionError?: string;
  /** ...and the version it refused (a later version is judged afresh). */
  definitionErrorVersion?: number;
}

/** The shard of a job's name: a stable hash, the same in every process. */
export function runtimeShardOf(name: string): number {
  return nameHash(name) % RUNTIME_SHARD_COUNT;
}

/** A stable 32-bit hash of a job's name (FNV-1a), the same in every process: its shard, and its due key (due-times.ts). */
export function nameHash(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  return hash >>> 0;
}

/** A runtime job's definition as the table holds it (from its lock item or the index). */
export interface StoredDefinition {
  name: string;
  keys: Record<string, unknown>;
  version: number;
  /** When this version was written (epoch ms). */
  definedAtMs?: number;
  /** When the job was (re-)created (epoch ms): its first slot is after it. */
  createdAtMs?: number;
  /** The definition as validated when it was written (a JobDefinition, JSON). */
  compiled?: string;
}

/** The stored definition on a lock item; undefined for a file job's item and for a removed job. */
export function storedDefinition(
  lock: (StoredDefinitionFields & { job?: string }) | undefined,
  name?: string,
): StoredDefinition | undefined {
  if (!lock?.definition || lock.definitionVersion === undefined || lock.removedAtMs !== undefined) return undefined;
  return {
    name: lock.job ?? name ?? '',
    keys: lock.definition,
    version: lock.definitionVersion,
    ...(lock.definedAtMs !== undefined && { definedAtMs: lock.definedAtMs }),
    ...(lock.createdAtMs !== undefined && { createdAtMs: lock.createdAtMs }),
    ...(lock.compiled !== undefined && { compiled: lock.compiled }),
  };
}

/** Where a runtime definition is validated: the registered handlers and the file's jobs (whose names it may not take). */
export interface RuntimeValidation {
  handlers: readonly string[];
  fileJobs: readonly Pick<JobDefinition, 'name'>[];
  /**
   * The validator (schedule.ts `validateJob`) where the definition is written (upsertJob). A tick
   * has none: it reads the definition validated at write time (`compiled`), as the deployed tick
   * reads the file's jobs validated at synth, and loads no schema or YAML library.
   */
  // Typed here, not imported from schedule.ts: the page's code reads this module's types, and schedule.ts needs Node's.
  validateJob?: (name: string, keys: unknown, options: { handlers?: readonly string[]; source?: string }) => JobDefinition;
}

/**
 * Validates a runtime job's keys into its definition, with the schedule file's rules and
 * messages, and refuses a name the file already defines.
 * @throws ScheduleError naming the job, the key and the value.
 */
export function runtimeJobDefinition(
  name: string,
  keys: unknown,
  stored: { version: number; createdAtMs?: number | undefined; definedAtMs?: number | undefined; compiled?: string | undefined },
  validation: RuntimeValidation,
): JobDefinition {
  const source = 'runtime job';
  if (validation.fileJobs.some((job) => job.name === name)) {
    throw new ScheduleError(`${source}: job "${name}" is defined by the config; a runtime job needs a name of its own`, {
      source,
      job: name,
      key: 'name',
      value: name,
    });
  }
  const job = validation.validateJob
    ? validation.validateJob(name, keys, { handlers: validation.handlers, source })
    : compiledJob(name, stored.compiled, validation.handlers);
  return {
    ...job,
    definitionVersion: stored.version,
    ...(stored.createdAtMs !== undefined && { createdAtMs: stored.createdAtMs }),
    ...(stored.definedAtMs !== undefined && { definedAtMs: stored.definedAtMs }),
  };
}

/**
 * The definition validated when it was written (`compiled`, JSON), checked against this
 * deployment's handlers with the validator's message.
 * @throws ScheduleError for a class this deployment does not register (or no compiled definition).
 */
function compiledJob(name: string, compiled: string | undefined, handlers: readonly string[]): JobDefinition {
  const source = 'runtime job';
  if (compiled === undefined)
    throw new ScheduleError(`${source}: job "${name}" has no validated definition (write it again with upsertJob)`, { source, job: name });
  const job = JSON.parse(compiled) as JobDefinition;
  if (!handlers.includes(job.handler)) {
    const registered = handlers.join(', ') || 'none';
    throw new ScheduleError(
      `${source}: job "${name}": key "class" has value "${job.handler}", which is not a registered handler (registered: ${registered})`,
      { source, job: name, key: 'class', value: job.handler },
    );
  }
  return job;
}

/** True when the lock no longer holds the definition `job` was read at: changed, removed, or re-created since. */
export function definitionMoved(lock: LockItem | undefined, job: Pick<JobDefinition, 'definitionVersion'>): boolean {
  return job.definitionVersion !== undefined && lock?.definitionVersion !== job.definitionVersion;
}

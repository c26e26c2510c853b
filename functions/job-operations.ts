/**
 * Runtime jobs as functions: `upsertJob`, `removeJob`, `getJob`, `listJobs`. A runtime job is
 * a schedule-file job entry stored in the table (core/job-definitions.ts), validated by the
 * file's own validator with the file's messages; the handler it names is still code, registered
 * in the config. Ticks and nodes run it beside the file's jobs. The guarantees across changes:
 * docs/protocol.md, "Runtime jobs".
 */
import { type DefinitionWrite, type DefinitionWriteResult, putDefinition, removeDefinition } from './core/definition-writes.js';
import { ScheduleError } from './core/errors.js';
import { runtimeJobDefinition, storedDefinition } from './core/job-definitions.js';
import { getLock } from './core/reads.js';
import { validationFor } from './core/runtime-jobs.js';
import { type ListedDefinition, listDefinitions } from './core/runtime-listing.js';
import { type ScheduleJobKeys, validateJob } from './core/schedule.js';
import { showValue } from './core/schema-messages.js';
import { cronOf, nextSlots } from './core/slots.js';
import type { TickDeps } from './core/tick.js';
import { formatDurationMs } from './core/time.js';
import type { JobDefinition } from './core/types.js';
import { withIsoTimes } from './core/when-keys.js';
import { type OperationOptions, withOperation } from './operations.js';

/** A runtime job as written: the keys of a schedule-file job entry, with its name; its times may be Dates. */
export type RuntimeJobSpec = Omit<ScheduleJobKeys, 'name' | 'at' | 'startAt' | 'endAt'> & {
  name: string;
  /** Runs once, at this time (ISO 8601, read in `timezone` without an offset), instead of a `cron`. */
  at?: string | Date;
  /** No slot before this time. */
  startAt?: string | Date;
  /** No slot after this time: the job is done after it. */
  endAt?: string | Date;
};

/** A runtime job as the table holds it. */
export interface RuntimeJob {
  name: string;
  /** Rises by one on every change, removal and re-creation; never falls. */
  version: number;
  definition: RuntimeJobSpec;
  /** When this version was written (epoch ms): its slots start after it. */
  definedAtMs?: number;
  /** Why a tick refused this version (its class is not registered there). */
  error?: string;
}

function toRuntimeJob(listed: ListedDefinition): RuntimeJob {
  return {
    name: listed.name,
    version: listed.version,
    definition: { ...listed.keys, name: listed.name } as RuntimeJobSpec,
    ...(listed.definedAtMs !== undefined && { definedAtMs: listed.definedAtMs }),
    ...(listed.refusal !== undefined && { error: listed.refusal }),
  };
}

/**
 * Creates or changes a runtime job; the same definition twice writes nothing (`changed: false`,
 * the version unchanged). A change takes effect from the job's next slot; a run in progress
 * finishes under the definition it started with.
 * @throws ScheduleError naming the job, the key and the value (a bad cron, an unknown class, a
 * name the config already defines).
 */
export async function upsertJob(
  options: OperationOptions & { job: RuntimeJobSpec },
): Promise<{ name: string; version: number; changed: boolean }> {
  const written = await writeJob({ ...options, mode: 'upsert' });
  if (written.outcome === 'written') return { name: options.job.name, version: written.version, changed: true };
  if (written.outcome === 'unchanged') return { name: options.job.name, version: written.version, changed: false };
  throw new Error(`upsert of job "${options.job.name}" returned ${written.outcome}`);
}

/**
 * upsertJob with the write's mode and its whole answer, for the CLI: `create` refuses a job that
 * exists with other keys (`exists`), `update` one that does not (`missing`), in the same write.
 */
export function writeJob(options: OperationOptions & { job: RuntimeJobSpec; mode: WriteMode }): Promise<DefinitionWriteResult> {
  return withOperation(options, ({ config, deps }) => writeRuntimeJob(deps, config.jobs, options.job, options.mode));
}

type WriteMode = NonNullable<DefinitionWrite['mode']>;

/** The write on an open table (the status page's PUT shares it): validates `spec` against the file's jobs and handlers, then stores it with its validated form. */
export async function writeRuntimeJob(
  deps: TickDeps,
  fileJobs: readonly JobDefinition[],
  spec: RuntimeJobSpec,
  mode: WriteMode = 'upsert',
): Promise<DefinitionWriteResult> {
  const { name, ...given } = spec;
  const keys = withIsoTimes(given);
  const validation = { ...(await validationFor(deps, fileJobs)), validateJob };
  const { definitionVersion: _version, ...job } = runtimeJobDefinition(name, keys, { version: 0 }, validation);
  const nowMs = deps.clock();
  const [nextMs] = nextSlots(cronOf(job), nowMs, 1);
  // A one-time job created just after its time (within its window) is still due.
  refuseNeverRuns(job, keys, nextMs, nowMs);
  const compiled = JSON.stringify(job);
  return putDefinition(deps, { name, keys, compiled, mode });
}

/**
 * A runtime job that could never start a slot is refused where it is written, not stored to
 * sit idle: a one-time job whose time is more than its catch-up window ago, or one whose `endAt` has passed.
 * @throws ScheduleError naming the job, the key and the value.
 */
function refuseNeverRuns(job: JobDefinition, keys: Record<string, unknown>, nextDueMs: number | undefined, nowMs: number): void {
  if (nextDueMs !== undefined) return;
  const source = 'runtime job';
  if (job.atMs !== undefined && job.atMs >= nowMs - job.catchupWindowMs) return;
  const key = job.atMs !== undefined ? 'at' : 'endAt';
  const why =
    key === 'at' ? `is more than its catch-up window (${formatDurationMs(job.catchupWindowMs)}) ago` : 'leaves no slot from now on';
  throw new ScheduleError(
    `${source}: job "${job.name}": key "${key}" has value ${showValue(keys[key])}, which ${why}: it would never run`,
    {
      source,
      job: job.name,
      key,
      value: keys[key],
    },
  );
}

/** Removes a runtime job: it starts no new slot; a run in progress finishes and records its outcome. */
export function removeJob(options: OperationOptions & { job: string }): Promise<{ removed: boolean }> {
  return withOperation(options, async ({ deps }) => ({ removed: (await removeDefinition(deps, options.job)).removed }));
}

/** The runtime job named `job` as stored (read consistently); undefined when there is none (or it was removed). */
export function getJob(options: OperationOptions & { job: string }): Promise<RuntimeJob | undefined> {
  return withOperation(options, async ({ deps }) => {
    const lock = await getLock(deps, options.job);
    const stored = storedDefinition(lock, options.job);
    if (!lock || !stored) return undefined;
    const refusal = lock.definitionErrorVersion === stored.version ? lock.definitionError : undefined;
    return toRuntimeJob({ ...stored, ...(refusal !== undefined && { refusal }) });
  });
}

/**
 * One page of the runtime jobs, in name order, whose names start with `prefix`; pass `cursor`
 * back for the next page. Read from the table's index: a change is listed within a moment.
 */
export function listJobs(
  options: OperationOptions & { prefix?: string; limit?: number; cursor?: string },
): Promise<{ jobs: RuntimeJob[]; cursor?: string }> {
  return withOperation(options, async ({ deps }) => {
    const page = await listDefinitions(deps, {
      ...(options.prefix !== undefined && { prefix: options.prefix }),
      ...(options.limit !== undefined && { limit: options.limit }),
      ...(options.cursor !== undefined && { cursor: options.cursor }),
    });
    return { jobs: page.definitions.map(toRuntimeJob), ...(page.cursor !== undefined && { cursor: page.cursor }) };
  });
}

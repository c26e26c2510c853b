/**
 * The status page's runtime jobs: listed and found beside the config's on every request (a job
 * added on another instance shows at the next refresh), created or changed by
 * `PUT /api/jobs/NAME` and removed by `DELETE /api/jobs/NAME`, both token-protected like the
 * other actions, through the same writes as `cluster-cron jobs` (functions/job-operations.ts).
 */

import type { DefinitionWriteResult } from '../core/definition-writes.js';
import { removeDefinition } from '../core/definition-writes.js';
import { isMissingIndex } from '../core/due-jobs.js';
import { ScheduleError } from '../core/errors.js';
import { runtimeJobDefinition } from '../core/job-definitions.js';
import { readRuntimeJob, runtimeJobsForTick, validationFor } from '../core/runtime-jobs.js';
import { listDefinitions } from '../core/runtime-listing.js';
import { showValue as show } from '../core/schema-messages.js';
import type { TickDeps } from '../core/tick.js';
import type { JobDefinition } from '../core/types.js';
import { type RuntimeJobSpec, writeRuntimeJob } from '../job-operations.js';
import type { UiDeps, UiRequest } from './api.js';
import { checkToken, HttpError, jsonBodyOf } from './request-parts.js';
import { jsonResponse, type UiResponse } from './static-assets.js';

/** One runtime job of a page, by name; `job` undefined when this deployment cannot run its definition (a tick refuses it and says why). */
export interface ListedJob {
  name: string;
  job?: JobDefinition;
}

/** What the API may do with runtime jobs; the local server has it (it knows the handlers), a page without it shows the config's jobs only. */
export interface RuntimeJobsAccess {
  list(): Promise<JobDefinition[]>;
  /** Up to `limit` runtime jobs whose names start with `prefix`, after `after`, in name order (one Query per shard of the index). */
  page(options: { prefix: string; limit: number; after?: string }): Promise<ListedJob[]>;
  find(name: string): Promise<JobDefinition | undefined>;
  write(spec: RuntimeJobSpec): Promise<DefinitionWriteResult>;
  remove(name: string): Promise<{ removed: boolean; version?: number }>;
}

/** Runtime jobs on the table of `deps`, validated against its handlers and the config's jobs. */
export function runtimeJobsAccess(deps: TickDeps, fileJobs: readonly JobDefinition[]): RuntimeJobsAccess {
  return {
    list: async () => (await runtimeJobsForTick(deps, fileJobs)).jobs,
    page: async ({ prefix, limit, after }) => {
      let listing: Awaited<ReturnType<typeof listDefinitions>>;
      try {
        listing = await listDefinitions(deps, { prefix, limit, ...(after !== undefined && { cursor: after }) });
      } catch (error) {
        // A table made before the runtime-jobs index: the config's jobs only, as the tick does.
        if (isMissingIndex(error)) return [];
        throw error;
      }
      const validation = await validationFor(deps, fileJobs);
      return listing.definitions.map((definition) => {
        try {
          return { name: definition.name, job: runtimeJobDefinition(definition.name, definition.keys, definition, validation) };
        } catch {
          return { name: definition.name };
        }
      });
    },
    find: (name) => readRuntimeJob(deps, name, fileJobs),
    write: (spec) => writeRuntimeJob(deps, fileJobs, spec),
    remove: (name) => removeDefinition(deps, name),
  };
}

/** The config's jobs and, when the page has them, the runtime jobs after them. */
export async function allJobs(deps: UiDeps): Promise<readonly JobDefinition[]> {
  return deps.runtimeJobs ? [...deps.jobs, ...(await deps.runtimeJobs.list())] : deps.jobs;
}

/** A config job named `name`: it is changed in the config, never through the API. */
function refuseConfigJob(deps: UiDeps, name: string, verb: string): void {
  if (deps.jobs.some((job) => job.name === name))
    throw new HttpError(
      409,
      `job ${show(name)} is defined by the config; ${verb} it there and deploy (the API ${verb}s runtime jobs only)`,
    );
}

function accessOf(deps: UiDeps): RuntimeJobsAccess {
  if (!deps.runtimeJobs)
    throw new HttpError(501, 'this status page does not manage runtime jobs (use cluster-cron jobs, or the package API)');
  return deps.runtimeJobs;
}

/** PUT /api/jobs/NAME with the definition's keys: 201 created, 200 changed or unchanged; 400 names the key and value. */
export async function putRuntimeJob(deps: UiDeps, name: string, request: UiRequest): Promise<UiResponse> {
  await checkToken(deps.token, request);
  const access = accessOf(deps);
  refuseConfigJob(deps, name, 'change');
  const body = jsonBodyOf(request, '{"cron": "*/15 * * * *", "class": "SyncCustomer", "args": {"tenant": "acme"}}');
  if (body.name !== undefined && body.name !== name)
    throw new HttpError(400, `field "name" has value ${show(body.name)}; the path names job ${show(name)} (leave "name" out)`);
  try {
    const written = await access.write({ ...body, name } as RuntimeJobSpec);
    if (written.outcome !== 'written' && written.outcome !== 'unchanged')
      throw new Error(`upsert of job "${name}" returned ${written.outcome}`);
    const changed = written.outcome === 'written';
    deps.log.info('ui.job.put', { job: name, version: written.version, changed });
    return jsonResponse(changed && written.created ? 201 : 200, { job: name, version: written.version, changed });
  } catch (error) {
    // The schedule file's message, without the source label the API has no use for.
    if (error instanceof ScheduleError) throw new HttpError(400, error.message.replace(/^runtime job: /, ''));
    throw error;
  }
}

/** DELETE /api/jobs/NAME: 200 removed (a run in progress finishes), 404 when there is no such runtime job. */
export async function deleteRuntimeJob(deps: UiDeps, name: string, request: UiRequest): Promise<UiResponse> {
  await checkToken(deps.token, request);
  const access = accessOf(deps);
  refuseConfigJob(deps, name, 'remove');
  const { removed, version } = await access.remove(name);
  if (!removed) throw new HttpError(404, `no runtime job named ${show(name)}`);
  deps.log.info('ui.job.delete', { job: name, version });
  return jsonResponse(200, { job: name, removed: true, ...(version !== undefined && { version }) });
}

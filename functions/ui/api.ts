/**
 * The status page's HTTP API, framework-agnostic: a request in plain data in, a response out.
 * The local server (`cluster-cron ui`) and the Lambda function URL both call handleUiRequest.
 * GETs read the same items as `cluster-cron status`; POSTs pause, resume and trigger through the
 * same core calls as the CLI, and need the per-run token. It never throws.
 */
import { z } from 'zod';
import { errorMessage, UnknownJobError, UnknownNamespaceError } from '../core/errors.js';
import { findJob } from '../core/find-job.js';
import { jobsInNamespace } from '../core/namespaces.js';
import { continuousAllowError } from '../core/overlap-rules.js';
import { describeSchemaError, showValue as show } from '../core/schema-messages.js';
import { pausedFor, type StoreContext, setPaused } from '../core/store.js';
import { type EventLog, type JobDefinition, OverlapPolicy, type TickOutcome } from '../core/types.js';
import { parsePageQuery, readJobsPage } from './job-page.js';
import { RUNS_DEFAULT, RUNS_MAX, readJobView } from './job-view.js';
import { checkToken, HttpError, header, jsonBodyOf } from './request-parts.js';
import { allJobs, deleteRuntimeJob, putRuntimeJob, type RuntimeJobsAccess } from './runtime-jobs-api.js';
import { jsonResponse, serveAsset, serveIndex, type UiResponse } from './static-assets.js';

export { MAX_BODY_BYTES, sameToken } from './request-parts.js';

export type { UiResponse } from './static-assets.js';

/** A request in plain data. `path` is the raw (still percent-encoded) path without the query. */
export interface UiRequest {
  method: string;
  path: string;
  query?: Readonly<Record<string, string | undefined>>;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body?: string | Buffer;
}

/**
 * What a trigger did by the time the caller answers: `started` once the handler began (the run
 * goes on in the background) or was handed to another invocation; otherwise the outcomes of a
 * run that was refused, buffered or already over.
 */
export type TriggerResult = { started: true; outcomes: TickOutcome[]; invoked?: boolean } | { started: false; outcomes: TickOutcome[] };

/** Runs a job now: `triggerJob` in-process locally, an asynchronous invoke of the tick function on AWS. */
export type TriggerJob = (job: JobDefinition, options: { overlap?: OverlapPolicy }) => Promise<TriggerResult>;

/** What the API needs, built once by the server or the Lambda handler. */
export interface UiDeps {
  store: StoreContext;
  jobs: readonly JobDefinition[];
  /** The token POSTs must carry, or how to read it (once; a Lambda reads it from Secrets Manager at the first POST). */
  token: string | (() => Promise<string>);
  trigger: TriggerJob;
  /** The built page (dist/ui). */
  assetsDir: string;
  /** `Host` values accepted (DNS-rebinding guard); undefined: not checked (a Lambda function URL, behind IAM auth). */
  allowedHosts?: readonly string[];
  log: EventLog;
  /** Runtime jobs (listed beside the config's; PUT and DELETE /api/jobs/NAME); undefined: the config's jobs only. */
  runtimeJobs?: RuntimeJobsAccess;
  /** How long the counts over every job are kept (they read whole indexes: job-counts-cache.ts). @default 30 s */
  countsCacheMs?: number;
}

const ACTIONS = ['trigger', 'pause', 'resume'] as const;
type Action = (typeof ACTIONS)[number];

function isAction(segment: string | undefined): segment is Action {
  return (ACTIONS as readonly (string | undefined)[]).includes(segment);
}

const actionBodies = {
  trigger: z.strictObject({ overlap: z.enum(Object.values(OverlapPolicy) as [OverlapPolicy, ...OverlapPolicy[]]).optional() }),
  pause: z.strictObject({ note: z.string().max(500).optional() }),
  resume: z.strictObject({ note: z.string().max(500).optional() }),
} as const;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `path segment ${show(segment)} is not valid percent-encoding`);
  }
}

/** The job the path names; an unknown name answers 404 with the message the CLI prints. */
async function jobNamed(deps: UiDeps, name: string): Promise<JobDefinition> {
  const runtime = deps.jobs.some((job) => job.name === name) ? undefined : await deps.runtimeJobs?.find(name);
  if (runtime) return runtime;
  try {
    return findJob(deps.jobs, name);
  } catch (error) {
    if (error instanceof UnknownJobError) throw new HttpError(404, error.message);
    throw error;
  }
}

function parseRuns(query: UiRequest['query']): number {
  const raw = query?.runs;
  if (raw === undefined) return RUNS_DEFAULT;
  const runs = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(runs) || runs < 1 || runs > RUNS_MAX)
    throw new HttpError(400, `query parameter "runs" has value ${show(raw)}; expected a whole number from 1 to ${RUNS_MAX}`);
  return runs;
}

/**
 * `?namespace=N`: the jobs of that namespace, undefined without it. A namespace is no part of
 * the index's key, so this lists every job's definition (the runtime jobs' whole index).
 */
async function jobsOfNamespace(deps: UiDeps, query: UiRequest['query']): Promise<readonly JobDefinition[] | undefined> {
  const namespace = query?.namespace;
  if (namespace === undefined) return undefined;
  const jobs = await allJobs(deps);
  try {
    return jobsInNamespace(jobs, namespace);
  } catch (error) {
    if (!(error instanceof UnknownNamespaceError)) throw error;
    throw new HttpError(400, `query parameter "namespace" has value ${show(namespace)}; ${error.message}`);
  }
}

function methodNotAllowed(method: string, path: string, allow: string): never {
  throw new HttpError(405, `method ${method} is not allowed on ${path}; use ${allow.replace(', HEAD', '')}`, {}, { Allow: allow });
}

/** The body of an action as an object validated by its schema; every failure names the field and value. */
function parseBody<A extends Action>(action: A, request: UiRequest): z.infer<(typeof actionBodies)[A]> {
  const input = jsonBodyOf(request, action === 'trigger' ? '{"overlap": "skip"}' : '{"note": "deploying"}');
  const schema = actionBodies[action];
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data as z.infer<(typeof actionBodies)[A]>;
  const allowed = `${action} takes: ${Object.keys(schema.shape).join(', ')}`;
  throw new HttpError(400, describeSchemaError(parsed.error, input, { noun: 'field', allowed }).message);
}

const REFUSED: ReadonlySet<string> = new Set(['locked', 'paused', 'dropped', 'duplicate', 'missed']);

function refusal(job: string, outcome: TickOutcome): string {
  switch (outcome.outcome) {
    case 'locked':
      return `job ${show(job)} was not started: a run holds its lease (${outcome.heldBy ?? '?'}, fence ${outcome.heldFence ?? '?'}) until ${outcome.leaseUntil ?? '?'}; trigger with {"overlap": "bufferOne"} to run it right after`;
    case 'dropped':
      return `job ${show(job)} was not started: a run holds its lease and slot ${outcome.bufferedSlot ?? '?'} is already buffered behind it`;
    case 'paused':
      return `job ${show(job)} was not started: it is paused`;
    default:
      return `job ${show(job)} was not started: ${outcome.outcome}`;
  }
}

async function trigger(deps: UiDeps, job: JobDefinition, request: UiRequest): Promise<UiResponse> {
  const body = parseBody('trigger', request);
  const continuousAllow = continuousAllowError(job.name, job.continuous, body.overlap);
  if (continuousAllow) throw new HttpError(400, `field "overlap" has value "allow"; ${continuousAllow}`);
  const result = await deps.trigger(job, body.overlap !== undefined ? { overlap: body.overlap } : {});
  deps.log.info('ui.trigger', { job: job.name, started: result.started, outcomes: result.outcomes });
  if (result.started)
    return jsonResponse(202, { job: job.name, started: true, ...(result.invoked && { invoked: true }), outcomes: result.outcomes });
  const first = result.outcomes[0];
  const error = result.outcomes.find((outcome) => outcome.outcome === 'error');
  if (error?.outcome === 'error') return jsonResponse(500, { error: `job ${show(job.name)}: ${error.error}`, outcomes: result.outcomes });
  if (first && REFUSED.has(first.outcome)) return jsonResponse(409, { error: refusal(job.name, first), outcomes: result.outcomes });
  return jsonResponse(202, { job: job.name, started: false, outcomes: result.outcomes });
}

async function pauseOrResume(deps: UiDeps, job: JobDefinition, action: 'pause' | 'resume', request: UiRequest): Promise<UiResponse> {
  const body = parseBody(action, request);
  const lock = await setPaused(deps.store, job.name, action === 'pause', body.note);
  deps.log.info(`ui.${action}`, { job: job.name, note: body.note });
  return jsonResponse(200, {
    job: job.name,
    paused: pausedFor(lock),
    ...(lock.pausedNote !== undefined && { note: lock.pausedNote }),
    fence: lock.fence ?? 0,
  });
}

async function route(deps: UiDeps, request: UiRequest): Promise<UiResponse> {
  const method = request.method.toUpperCase();
  const path = request.path;
  if (deps.allowedHosts) {
    const host = (header(request, 'host') ?? '').toLowerCase();
    if (!deps.allowedHosts.includes(host)) {
      throw new HttpError(
        403,
        `Host header ${show(host || '(none)')} is not the address this server listens on (${deps.allowedHosts.join(' or ')}); open the URL "cluster-cron ui" printed`,
      );
    }
  }
  const read = method === 'GET' || method === 'HEAD';
  const segments = path.split('/').slice(1);
  if (path === '/' || path === '/index.html') {
    if (!read) methodNotAllowed(method, path, 'GET, HEAD');
    return serveIndex(deps.assetsDir);
  }
  const [root, collection, encodedName = '', action] = segments;
  if (segments.length === 2 && root === 'assets' && collection !== undefined) {
    if (!read) methodNotAllowed(method, path, 'GET, HEAD');
    return serveAsset(deps.assetsDir, collection);
  }
  if (root === 'api' && collection === 'jobs') {
    if (segments.length === 2) {
      if (!read) methodNotAllowed(method, path, 'GET, HEAD');
      const runs = parseRuns(request.query);
      const page = parsePageQuery(request.query);
      const namespaceJobs = await jobsOfNamespace(deps, request.query);
      const nowMs = deps.store.clock();
      return jsonResponse(200, await readJobsPage(deps, page, { runs, nowMs, ...(namespaceJobs && { namespaceJobs }) }));
    }
    const name = decodeSegment(encodedName);
    if (segments.length === 3 && name !== '') {
      if (method === 'PUT') return putRuntimeJob(deps, name, request);
      if (method === 'DELETE') return deleteRuntimeJob(deps, name, request);
      if (!read) methodNotAllowed(method, path, 'GET, HEAD, PUT, DELETE');
      const runs = parseRuns(request.query);
      return jsonResponse(200, await readJobView(deps.store, await jobNamed(deps, name), deps.store.clock(), runs));
    }
    if (segments.length === 4 && name !== '' && isAction(action)) {
      if (method !== 'POST') methodNotAllowed(method, path, 'POST');
      await checkToken(deps.token, request);
      const job = await jobNamed(deps, name);
      return action === 'trigger' ? trigger(deps, job, request) : pauseOrResume(deps, job, action, request);
    }
  }
  throw new HttpError(
    404,
    `no such path ${show(path.slice(0, 200))}: the API is GET /api/jobs[?prefix=P&limit=N&cursor=C&namespace=N], GET /api/jobs/<name>, PUT|DELETE /api/jobs/<name>, POST /api/jobs/<name>/trigger|pause|resume`,
  );
}

/**
 * Answers one request. Bad input is a 4xx with `{ error }` naming the field and value; anything
 * unexpected (a table that cannot be reached) a 500 with the message, logged. Never throws.
 */
export async function handleUiRequest(deps: UiDeps, request: UiRequest): Promise<UiResponse> {
  try {
    return await route(deps, request);
  } catch (error) {
    if (error instanceof HttpError) return jsonResponse(error.status, { error: error.message, ...error.extra }, error.headers);
    deps.log.error('ui.error', { method: request.method, path: request.path.slice(0, 200), error: errorMessage(error) });
    return jsonResponse(500, { error: `internal error: ${errorMessage(error)}` });
  }
}

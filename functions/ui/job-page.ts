/**
 * `GET /api/jobs` as pages: the jobs whose names start with `prefix`, the config's and the
 * runtime ones merged in one name order, `limit` at a time, each page continuing after the
 * `cursor` of the one before. Only the jobs of the page are read in full (lock and history:
 * job-view.ts), so a page of 50 costs the same with 12 jobs or 10,000. The counts over every
 * job (overdue, failing, total) come from core/job-counts.ts, kept for COUNTS_CACHE_MS.
 */
import { addCounts, countRuntimeJobs, fileJobCounts, type JobCounts, runtimeJobCounts } from '../core/job-counts.js';
import { showValue as show } from '../core/schema-messages.js';
import type { JobDefinition } from '../core/types.js';
import type { UiDeps, UiRequest } from './api.js';
import { COUNTS_CACHE_MS, CountsCache } from './job-counts-cache.js';
import { readJobView } from './job-view.js';
import type { JobsView, PageCounts } from './jobs-view.js';
import { HttpError } from './request-parts.js';

/** Jobs on a page unless asked otherwise (`?limit=N`). */
export const PAGE_DEFAULT = 50;
/** The most jobs on one page: each is a read and a Query of its history. */
export const PAGE_MAX = 200;
/** The longest prefix accepted (a job's name is shorter). */
const PREFIX_MAX = 256;

/** What a page asks for: the filter, the size, and where it starts. */
export interface PageQuery {
  prefix: string;
  limit: number;
  /** The last name of the page before (decoded from the cursor). */
  after?: string;
}

/** The cursor the page after `name` is asked with: opaque to the caller (base64url JSON). */
export function encodeCursor(name: string): string {
  return Buffer.from(JSON.stringify({ after: name }), 'utf8').toString('base64url');
}

/** The name a cursor continues after; 400 for anything encodeCursor did not make. */
export function decodeCursor(cursor: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof decoded.after === 'string') return decoded.after;
  } catch {
    // Said below.
  }
  throw new HttpError(400, `query parameter "cursor" has value ${show(cursor.slice(0, 100))}; pass back the "cursor" of the page before`);
}

/** `?prefix=P&limit=N&cursor=C`, each checked, with a 400 naming the parameter and its value. */
export function parsePageQuery(query: UiRequest['query']): PageQuery {
  const prefix = query?.prefix ?? '';
  if (prefix.length > PREFIX_MAX)
    throw new HttpError(400, `query parameter "prefix" is ${prefix.length} characters long; at most ${PREFIX_MAX}`);
  const raw = query?.limit;
  let limit = PAGE_DEFAULT;
  if (raw !== undefined) {
    limit = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX)
      throw new HttpError(400, `query parameter "limit" has value ${show(raw)}; expected a whole number from 1 to ${PAGE_MAX}`);
  }
  const cursor = query?.cursor;
  return { prefix, limit, ...(cursor !== undefined && cursor !== '' && { after: decodeCursor(cursor) }) };
}

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The jobs of one page, and the last name on it when more follow. */
export interface JobsPage {
  jobs: JobDefinition[];
  lastName?: string;
}

/** Takes a page from entries in name order; an entry without a job (a refused definition) takes a place but shows nothing. */
function takePage(entries: { name: string; job?: JobDefinition }[], limit: number): JobsPage {
  const taken = entries.sort(byName).slice(0, limit);
  const jobs = taken.flatMap((entry) => (entry.job ? [entry.job] : []));
  const last = entries.length > limit ? taken.at(-1) : undefined;
  return { jobs, ...(last && { lastName: last.name }) };
}

/** True for a job the page's filter and cursor keep. */
const kept = (page: PageQuery) => (job: { name: string }) =>
  job.name.startsWith(page.prefix) && (page.after === undefined || job.name > page.after);

/**
 * One page: the config's jobs that match (in memory: there are few) and one more than a page of
 * the runtime ones (one Query per shard of the index), merged by name; the one more tells
 * whether another page follows, so the last page has no cursor.
 */
export async function listJobsPage(deps: UiDeps, page: PageQuery): Promise<JobsPage> {
  const files = deps.jobs.filter(kept(page)).map((job) => ({ name: job.name, job }));
  const runtime = deps.runtimeJobs
    ? await deps.runtimeJobs.page({ prefix: page.prefix, limit: page.limit + 1, ...(page.after !== undefined && { after: page.after }) })
    : [];
  return takePage([...files, ...runtime], page.limit);
}

/** A page of a given list of jobs (a namespace's, read in full): the same order and cursor. */
export function pageOf(jobs: readonly JobDefinition[], page: PageQuery): JobsPage {
  return takePage(
    jobs.filter(kept(page)).map((job) => ({ name: job.name, job })),
    page.limit,
  );
}

const caches = new WeakMap<UiDeps, CountsCache>();

function cacheOf(deps: UiDeps): CountsCache {
  const cache = caches.get(deps) ?? new CountsCache(deps.countsCacheMs ?? COUNTS_CACHE_MS);
  caches.set(deps, cache);
  return cache;
}

const NONE: JobCounts = { total: 0, overdue: 0, failing: 0 };

/** The counts over every job: the config's from their items, the runtime ones from the indexes (core/job-counts.ts); cached. */
export async function countsOf(deps: UiDeps, nowMs: number): Promise<PageCounts> {
  const { value, countedAtMs } = await cacheOf(deps).get('counts', nowMs, async () => {
    const [files, runtime] = await Promise.all([
      fileJobCounts(deps.store, deps.jobs, nowMs),
      deps.runtimeJobs ? runtimeJobCounts(deps.store, nowMs) : NONE,
    ]);
    return addCounts(files, runtime);
  });
  return { ...value, countedAtMs };
}

/** How many jobs the prefix matches: every job without one (the cached total); with one, a count of its names, cached too. */
async function matchingOf(deps: UiDeps, prefix: string, counts: PageCounts, nowMs: number): Promise<number> {
  if (prefix === '') return counts.total;
  const files = deps.jobs.filter((job) => job.name.startsWith(prefix)).length;
  if (!deps.runtimeJobs) return files;
  const runtime = await cacheOf(deps).get(`prefix:${prefix}`, nowMs, () => countRuntimeJobs(deps.store, prefix));
  return files + runtime.value;
}

/**
 * Reads a page's view: its jobs in full, the counts, and the cursor of the next page.
 * `namespaceJobs`: the jobs of one namespace, listed in full by the caller (`?namespace=`).
 */
export async function readJobsPage(
  deps: UiDeps,
  page: PageQuery,
  options: { runs: number; nowMs: number; namespaceJobs?: readonly JobDefinition[] },
): Promise<JobsView> {
  const { nowMs, namespaceJobs } = options;
  const [listed, counts] = await Promise.all([
    namespaceJobs ? pageOf(namespaceJobs, page) : listJobsPage(deps, page),
    countsOf(deps, nowMs),
  ]);
  const [jobs, matching] = await Promise.all([
    Promise.all(listed.jobs.map((job) => readJobView(deps.store, job, nowMs, options.runs))),
    namespaceJobs ? namespaceJobs.filter((job) => job.name.startsWith(page.prefix)).length : matchingOf(deps, page.prefix, counts, nowMs),
  ]);
  return {
    nowMs,
    table: deps.store.tableName,
    jobs,
    ...(page.prefix !== '' && { prefix: page.prefix }),
    limit: page.limit,
    ...(listed.lastName !== undefined && { cursor: encodeCursor(listed.lastName) }),
    matching,
    counts,
  };
}

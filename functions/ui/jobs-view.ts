/**
 * The shape of `GET /api/jobs` (built by job-page.ts), apart from its builder so the page's
 * code (ui/src/api-types.ts) can read it without the server's Node imports.
 */
import type { JobCounts } from '../core/job-counts.js';
import type { JobView } from './job-view.js';

/** The counts over every job, and when they were counted (they may be up to COUNTS_CACHE_MS old). */
export interface PageCounts extends JobCounts {
  countedAtMs: number;
}

/** `GET /api/jobs`: one page of jobs in name order, and the counts over all of them. */
export interface JobsView {
  nowMs: number;
  table: string;
  /** The page's jobs, in name order (the config's and the runtime ones merged). */
  jobs: JobView[];
  /** The filter the page was read with, when one was given. */
  prefix?: string;
  /** The page size asked for (PAGE_DEFAULT unless `?limit=N`). */
  limit: number;
  /** Pass back as `?cursor=` for the next page; absent on the last page. */
  cursor?: string;
  /** Jobs whose names start with the prefix (every job without one; the namespace's with `?namespace=`). */
  matching: number;
  /** Over every job, whatever the filter and the page. */
  counts: PageCounts;
}

/**
 * The JSON the status page reads (`GET /api/jobs`), typed by the server's own definitions, so
 * that the page and the API cannot drift apart: a renamed field fails `tsc -p ui`. Type-only:
 * nothing of the server goes into the bundle.
 */

export type { JobCounts } from '../../functions/core/job-counts.js';
export type { JobCounters } from '../../functions/core/job-status.js';
export type { JobView, LockView, RunView } from '../../functions/ui/job-view.js';
export type { JobsView as JobsResponse, PageCounts } from '../../functions/ui/jobs-view.js';

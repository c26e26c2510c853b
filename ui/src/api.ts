/** The page's calls to the status server: the jobs, and the actions with the token. */
import type { JobsResponse } from './api-types.js';

/** The actions a job card offers: a POST to `/api/jobs/:name/<action>`, or `remove` (a runtime job's), a DELETE of `/api/jobs/:name`. */
export type JobAction = 'trigger' | 'pause' | 'resume' | 'remove';

/** What an action answered: ok or not, and the message to show. */
export interface ActionResult {
  ok: boolean;
  status: number;
  message: string;
  body: unknown;
}

/** How long a read of the jobs may take before it is given up. */
const FETCH_TIMEOUT_MS = 10_000;

/** Which page of jobs to read: the filter, the page size, and the cursor of the page before (none: the first). */
export interface PageRequest {
  prefix: string;
  limit: number;
  cursor?: string;
}

/** Reads one page of jobs with up to `runs` recent slots each. Throws with the server's message on a non-2xx answer. */
export async function fetchJobs(runs: number, page: PageRequest): Promise<JobsResponse> {
  const query = new URLSearchParams({ runs: String(runs), limit: String(page.limit) });
  if (page.prefix !== '') query.set('prefix', page.prefix);
  if (page.cursor !== undefined) query.set('cursor', page.cursor);
  // A request that hangs must not stop the refreshes: give up and try again on the next one.
  const response = await fetch(`api/jobs?${query}`, {
    headers: { accept: 'application/json' },
    cache: 'no-store',
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  const body = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok) throw new Error(errorOf(body) ?? `GET api/jobs answered ${response.status}`);
  return body as JobsResponse;
}

/** Sends an action with the token; never throws for a refusal, so the card can show the API's own message. */
export async function postAction(job: string, action: JobAction, payload: Record<string, unknown>, token: string): Promise<ActionResult> {
  try {
    const remove = action === 'remove';
    const response = await fetch(`api/jobs/${encodeURIComponent(job)}${remove ? '' : `/${action}`}`, {
      method: remove ? 'DELETE' : 'POST',
      headers: { 'content-type': 'application/json', 'x-cluster-cron-token': token, accept: 'application/json' },
      ...(!remove && { body: JSON.stringify(payload) }),
      cache: 'no-store',
    });
    const body = (await response.json().catch(() => undefined)) as unknown;
    return { ok: response.ok, status: response.status, message: errorOf(body) ?? successMessage(action, body, response.status), body };
  } catch (error) {
    return { ok: false, status: 0, message: `the server did not answer: ${(error as Error).message}`, body: undefined };
  }
}

function errorOf(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | undefined)?.error;
  return typeof error === 'string' ? error : undefined;
}

function successMessage(action: JobAction, body: unknown, status: number): string {
  if (status >= 400) return `refused (HTTP ${status})`;
  if (action === 'pause') return 'paused';
  if (action === 'resume') return 'resumed';
  if (action === 'remove') return 'removed: it starts no new slot';
  const answer = body as { started?: boolean; invoked?: boolean; outcomes?: { outcome?: string; fence?: number }[] } | undefined;
  if (answer?.invoked) return 'sent to the tick function: it runs there';
  if (answer?.started) return 'started: the run goes on in the background';
  const first = answer?.outcomes?.[0];
  if (!first) return 'triggered';
  if (first.outcome === 'buffered') return 'buffered: it starts the moment the running one ends';
  return first.fence !== undefined ? `triggered: ${first.outcome} (fence ${first.fence})` : `triggered: ${first.outcome ?? 'done'}`;
}

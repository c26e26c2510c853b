/**
 * Runtime jobs through the status page's JSON API (a real `cluster-cron ui` server on the local
 * DynamoDB): PUT creates and changes, with the schedule file's messages for a bad definition,
 * GET lists them beside the config's (marked with their version), the actions work on them, and
 * DELETE removes them; the config's jobs cannot be changed or removed through it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../functions/ui/job-view.js';
import type { JobsView } from '../../functions/ui/jobs-view.js';
import { startUiServer, type UiServer } from '../../functions/ui/ui-server.js';
import { useLocalTables } from '../support/local-table.js';
import { cluster, everyMinute, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();
let server: UiServer;
const ran: unknown[] = [];

beforeAll(async () => {
  const harness = await cluster(tables, T0 + 500);
  const handlers = { Work: (ctx: { args: unknown }) => void ran.push(ctx.args) };
  server = await startUiServer({ deps: harness.deps('ui', handlers), jobs: everyMinute(), port: 0, assetsDir: 'test/fixtures/ui' });
});
afterAll(() => server.close());

async function call(method: string, path: string, body?: unknown, token = server.token) {
  const response = await fetch(`${server.origin}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token && { 'X-Cluster-Cron-Token': token }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const SYNC = { cron: '*/15 * * * *', class: 'Work', args: { tenant: 'acme' } };

describe('runtime jobs in the JSON API', () => {
  it('creates a job with PUT (201), answers the same definition with 200 unchanged, and a change with a new version', async () => {
    expect(await call('PUT', '/api/jobs/sync-acme', SYNC)).toEqual({ status: 201, json: { job: 'sync-acme', version: 1, changed: true } });
    expect(await call('PUT', '/api/jobs/sync-acme', SYNC)).toEqual({ status: 200, json: { job: 'sync-acme', version: 1, changed: false } });
    expect(await call('PUT', '/api/jobs/sync-acme', { ...SYNC, cron: '*/5 * * * *' })).toEqual({
      status: 200,
      json: { job: 'sync-acme', version: 2, changed: true },
    });
  });

  it('refuses a bad definition with 400 naming the job, key and value, and writes nothing', async () => {
    const badCron = await call('PUT', '/api/jobs/sync-beta', { ...SYNC, cron: '61 * * * *' });
    expect(badCron.status).toBe(400);
    expect(badCron.json.error).toMatch(/^job "sync-beta": key "cron": cron "61 \* \* \* \*" is invalid/);
    const badClass = await call('PUT', '/api/jobs/sync-beta', { ...SYNC, class: 'Nope' });
    expect(badClass.json.error).toBe('job "sync-beta": key "class" has value "Nope", which is not a registered handler (registered: Work)');
    const otherName = await call('PUT', '/api/jobs/sync-beta', { ...SYNC, name: 'sync-gamma' });
    expect(otherName).toMatchObject({ status: 400, json: { error: expect.stringContaining('the path names job "sync-beta"') } });
    expect((await call('GET', '/api/jobs/sync-beta')).status).toBe(404);
  });

  it("lists runtime jobs beside the config's, marked with their version, and shows one by name", async () => {
    const view = (await call('GET', '/api/jobs')).json as unknown as JobsView;
    expect(view.jobs.map((job) => [job.name, job.runtimeVersion])).toEqual([
      ['report', undefined],
      ['sync-acme', 2],
    ]);
    const one = (await call('GET', '/api/jobs/sync-acme')).json as unknown as JobView;
    expect(one).toMatchObject({ name: 'sync-acme', cron: '*/5 * * * *', handler: 'Work', runtimeVersion: 2 });
  });

  it("pauses, resumes and triggers a runtime job like the config's", async () => {
    expect(await call('POST', '/api/jobs/sync-acme/pause', { note: 'tenant on hold' })).toMatchObject({
      status: 200,
      json: { paused: true },
    });
    expect(await call('POST', '/api/jobs/sync-acme/resume', {})).toMatchObject({ status: 200, json: { paused: false } });
    const triggered = await call('POST', '/api/jobs/sync-acme/trigger', {});
    expect(triggered.status).toBe(202);
    await expect.poll(() => ran).toContainEqual({ tenant: 'acme' });
  });

  it("needs the token to change or remove a job, and refuses the config's jobs", async () => {
    expect((await call('PUT', '/api/jobs/sync-acme', SYNC, '')).status).toBe(401);
    expect((await call('DELETE', '/api/jobs/sync-acme', undefined, 'wrong')).status).toBe(403);
    const change = await call('PUT', '/api/jobs/report', SYNC);
    expect(change).toMatchObject({ status: 409, json: { error: expect.stringContaining('job "report" is defined by the config') } });
    expect((await call('DELETE', '/api/jobs/report')).status).toBe(409);
  });

  it('removes a job with DELETE: gone from the list; a second DELETE answers 404', async () => {
    expect(await call('DELETE', '/api/jobs/sync-acme')).toEqual({ status: 200, json: { job: 'sync-acme', removed: true, version: 3 } });
    const view = (await call('GET', '/api/jobs')).json as unknown as JobsView;
    expect(view.jobs.map((job) => job.name)).toEqual(['report']);
    expect(await call('DELETE', '/api/jobs/sync-acme')).toEqual({ status: 404, json: { error: 'no runtime job named "sync-acme"' } });
  });
});

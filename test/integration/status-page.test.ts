import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { storedDefinition } from '../../functions/core/job-definitions.js';
import { getLock, recentSlots } from '../../functions/core/store.js';
import { systemClock } from '../../functions/core/time.js';
import { handlers } from '../../functions/jobs/index.js';
import { createStatusPageHandler } from '../../functions/status-page.js';
import { createTickHandler } from '../../functions/tick-handler.js';
import type { JobsView } from '../../functions/ui/jobs-view.js';
import { useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();

const SCHEDULE = `
print:
  cron: "0 0 1 1 *"
  class: PrintWorker
  args: {sleepSeconds: 0}
`;
const TOKEN = 'token-from-the-secret';

/** A function URL event (payload format 2.0) as Lambda builds it for a signed request. */
function urlEvent(
  method: string,
  rawPath: string,
  options: { body?: string; base64?: boolean; headers?: Record<string, string>; query?: Record<string, string> } = {},
): LambdaFunctionURLEvent {
  const body = options.body !== undefined && options.base64 ? Buffer.from(options.body).toString('base64') : options.body;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { host: 'abcdefghij.lambda-url.eu-west-1.on.aws', 'x-amz-date': '20261126T100000Z', ...options.headers },
    ...(options.query && { queryStringParameters: options.query }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdefghij',
      domainName: 'abcdefghij.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'abcdefghij',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
      requestId: 'r1',
      routeKey: '$default',
      stage: '$default',
      time: '26/Nov/2026:10:00:00 +0000',
      timeEpoch: Date.parse('2026-11-26T10:00:00Z'),
    },
    ...(body !== undefined && { body }),
    isBase64Encoded: options.base64 ?? false,
  } as LambdaFunctionURLEvent;
}

/** The page's handler on a fresh table; triggers go to the real tick handler, in-process, as the async invoke would. */
async function setup(handlerNames?: readonly string[]) {
  const tableName = await tables.newTable();
  const env = { CLUSTER_CRON_TABLE: tableName, DYNAMODB_ENDPOINT: tables.endpoint() };
  const tick = createTickHandler({ handlers, schedule: { text: SCHEDULE, source: 'schedule.yml' }, env });
  const invoked: unknown[] = [];
  const ticks: Promise<unknown>[] = [];
  let tokenReads = 0;
  const handler = createStatusPageHandler({
    schedule: { text: SCHEDULE, source: 'schedule.yml' },
    ...(handlerNames && { handlerNames }),
    env,
    assetsDir: 'test/fixtures/ui',
    readToken: async () => {
      tokenReads += 1;
      return TOKEN;
    },
    invokeTick: async (payload) => {
      invoked.push(JSON.parse(payload));
      ticks.push(tick(JSON.parse(payload)));
    },
  });
  const store = { client: tables.client(), tableName, clock: systemClock };
  return { handler, invoked, ticks, store, tokenReads: () => tokenReads };
}

const json = (body: string | undefined): Record<string, unknown> => JSON.parse(body ?? '') as Record<string, unknown>;
const action = (path: string, body: unknown, token = TOKEN) =>
  urlEvent('POST', path, {
    body: JSON.stringify(body),
    base64: true,
    headers: { 'content-type': 'application/json', 'x-cluster-cron-token': token },
  });

describe('the status page on a Lambda function URL', () => {
  it('answers GET /api/jobs with the jobs of the compiled-in schedule', async () => {
    const { handler } = await setup();
    const result = await handler(urlEvent('GET', '/api/jobs', { query: { runs: '5' } }));
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['Content-Type']).toBe('application/json; charset=utf-8');
    const view = json(result.body) as unknown as JobsView;
    expect(view.jobs.map((job) => [job.name, job.cronInWords])).toEqual([['print', 'At 00:00, on day 1 of the month, only in January']]);
    expect((await handler(urlEvent('GET', '/api/jobs', { query: { runs: '0' } }))).statusCode).toBe(400);
  });

  it('serves the page and its assets from the folder beside the bundle, base64-encoded', async () => {
    const { handler } = await setup();
    const page = await handler(urlEvent('GET', '/'));
    expect(page).toMatchObject({ statusCode: 200, isBase64Encoded: true });
    expect(Buffer.from(page.body!, 'base64').toString()).toContain('fixture page');
    expect((await handler(urlEvent('GET', '/assets/..%2Fpackage.json'))).statusCode).toBe(404);
  });

  it('pauses and resumes with the token (read once per container), and refuses without it', async () => {
    const { handler, store, tokenReads } = await setup();
    expect(
      (await handler(urlEvent('POST', '/api/jobs/print/pause', { body: '{}', headers: { 'content-type': 'application/json' } })))
        .statusCode,
    ).toBe(401);
    const wrong = await handler(action('/api/jobs/print/pause', {}, 'guess'));
    expect(wrong.statusCode).toBe(403);
    const paused = await handler(action('/api/jobs/print/pause', { note: 'from the page' }));
    expect(paused.statusCode).toBe(200);
    expect(json(paused.body)).toEqual({ job: 'print', paused: true, note: 'from the page', fence: 0 });
    expect(await getLock(store, 'print')).toMatchObject({ paused: true, pausedNote: 'from the page' });
    expect((await handler(action('/api/jobs/print/resume', {}))).statusCode).toBe(200);
    expect(await getLock(store, 'print')).toMatchObject({ paused: false });
    expect(tokenReads()).toBe(1);
  });

  it('triggers through the tick function with its {"trigger": ...} payload and answers 202 { job, invoked: true }', async () => {
    const { handler, invoked, ticks, store } = await setup();
    const result = await handler(action('/api/jobs/print/trigger', { overlap: 'bufferOne' }));
    expect(result.statusCode).toBe(202);
    expect(json(result.body)).toEqual({ job: 'print', started: true, invoked: true, outcomes: [] });
    expect(invoked).toEqual([{ trigger: 'print', overlap: 'bufferOne' }]);
    // The tick function ran it, under the lease.
    await Promise.all(ticks);
    expect(await recentSlots(store, 'print', 5)).toEqual([expect.objectContaining({ trigger: 'manual', status: 'succeeded', fence: 1 })]);
  });

  it('manages runtime jobs with the handler names the construct ships: PUT, list, trigger through the tick function, DELETE', async () => {
    const { handler, invoked, ticks, store } = await setup(['PrintWorker']);
    const put = (name: string, body: unknown, token = TOKEN) =>
      handler(
        urlEvent('PUT', `/api/jobs/${name}`, {
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json', 'x-cluster-cron-token': token },
        }),
      );
    const created = await put('sync-acme', { cron: '*/15 * * * *', class: 'PrintWorker', args: { tenant: 'acme', sleepSeconds: 0 } });
    expect(created.statusCode).toBe(201);
    const badClass = await put('sync-beta', { cron: '*/15 * * * *', class: 'Nope' });
    expect(badClass.statusCode).toBe(400);
    expect(json(badClass.body).error).toContain(
      'key "class" has value "Nope", which is not a registered handler (registered: PrintWorker)',
    );
    expect((await put('sync-acme', { cron: '*/15 * * * *', class: 'PrintWorker' }, 'guess')).statusCode).toBe(403);
    const view = json((await handler(urlEvent('GET', '/api/jobs'))).body) as unknown as JobsView;
    expect(view.jobs.map((job) => [job.name, job.runtimeVersion])).toEqual([
      ['print', undefined],
      ['sync-acme', 1],
    ]);
    expect((await handler(action('/api/jobs/sync-acme/trigger', {}))).statusCode).toBe(202);
    expect(invoked).toEqual([{ trigger: 'sync-acme' }]);
    await Promise.all(ticks);
    expect(await recentSlots(store, 'sync-acme', 5)).toEqual([expect.objectContaining({ trigger: 'manual', status: 'succeeded' })]);
    const removed = await handler(urlEvent('DELETE', '/api/jobs/sync-acme', { headers: { 'x-cluster-cron-token': TOKEN } }));
    expect(removed.statusCode).toBe(200);
    expect(storedDefinition(await getLock(store, 'sync-acme'), 'sync-acme')).toBeUndefined();
  });

  it('without the handler names, shows the config jobs only and answers PUT with 501', async () => {
    const { handler } = await setup();
    const put = await handler(
      urlEvent('PUT', '/api/jobs/sync-acme', {
        body: JSON.stringify({ cron: '*/15 * * * *', class: 'PrintWorker' }),
        headers: { 'content-type': 'application/json', 'x-cluster-cron-token': TOKEN },
      }),
    );
    expect(put.statusCode).toBe(501);
  });

  it('refuses bad input before invoking anything', async () => {
    const { handler, invoked } = await setup();
    const bad = await handler(action('/api/jobs/print/trigger', { overlap: 'twice' }));
    expect(bad.statusCode).toBe(400);
    expect(json(bad.body).error).toBe('field "overlap" has value "twice"; expected one of "skip", "bufferOne", "allow"');
    expect((await handler(action('/api/jobs/nope/trigger', {}))).statusCode).toBe(404);
    expect((await handler(action('/api/jobs/print/trigger', 'x'.repeat(20_000)))).statusCode).toBe(413);
    expect(invoked).toEqual([]);
  });

  it('answers 500 with the message, not a crash, when the token cannot be read', async () => {
    const tableName = await tables.newTable();
    const handler = createStatusPageHandler({
      schedule: { text: SCHEDULE, source: 'schedule.yml' },
      env: { CLUSTER_CRON_TABLE: tableName, DYNAMODB_ENDPOINT: tables.endpoint() },
      readToken: () => Promise.reject(new Error('AccessDeniedException: not allowed')),
      invokeTick: async () => undefined,
    });
    const result = await handler(action('/api/jobs/print/pause', {}));
    expect(result.statusCode).toBe(500);
    expect(json(result.body).error).toBe('internal error: Error: AccessDeniedException: not allowed');
  });
});

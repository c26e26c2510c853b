import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseSchedule } from '../../functions/core/schedule.js';
import { getLock, getSlot } from '../../functions/core/store.js';
import { tick } from '../../functions/core/tick.js';
import type { JobDefinition, JobHandler } from '../../functions/core/types.js';
import { MAX_BODY_BYTES } from '../../functions/ui/api.js';
import type { JobView } from '../../functions/ui/job-view.js';
import type { JobsView } from '../../functions/ui/jobs-view.js';
import { startUiServer, type UiServer } from '../../functions/ui/ui-server.js';
import { useLocalTables } from '../support/local-table.js';
import { aborted, deferred, everyMinute, cluster as harnessCluster, iso, MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE_ASSETS = join(ROOT, 'test', 'fixtures', 'ui');
const servers: UiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

/** One HTTP request through node:http, which (unlike fetch) sends any Host header it is given. */
function call(
  server: UiServer,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A body is framed by its length: GET and DELETE are not chunked by default, so an unframed body would read as a second request.
    const length = options.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(options.body)) } : {};
    const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers: { ...length, ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // Not JSON (a page or an asset): the test reads `text`.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    // A server that answers 413 and closes may do so before the whole body is written.
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** A POST of an action with the server's token and a JSON body, unless told otherwise. */
function post(server: UiServer, path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<Answer> {
  return call(server, 'POST', path, {
    headers: { 'Content-Type': 'application/json', 'X-Cluster-Cron-Token': server.token, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A table, a fake clock at `startMs`, the jobs, and a ui server on any free port reading them. */
async function setup(
  options: { jobs?: JobDefinition[]; handlers?: Record<string, JobHandler>; startMs?: number; assetsDir?: string } = {},
) {
  const harness = await harnessCluster(tables, options.startMs ?? T0 + 500);
  const jobs = options.jobs ?? everyMinute();
  const handlers = options.handlers ?? { Work: () => undefined };
  const server = await startUiServer({ deps: harness.deps('ui', handlers), jobs, port: 0, assetsDir: options.assetsDir ?? FIXTURE_ASSETS });
  servers.push(server);
  const tickAt = (ms: number, tickHandlers = handlers) => {
    harness.clock.set(ms);
    return tick(harness.deps('node-a', tickHandlers), { jobs });
  };
  return { ...harness, jobs, server, tickAt };
}

/** `setup` over `report` (a 2 minute lease) whose handler blocks until `release()`; `started` resolves when a run is in it. */
async function blockingSetup() {
  const started = deferred();
  const release = deferred();
  const harness = await setup({
    jobs: everyMinute('lease: 2m'),
    handlers: {
      Work: async () => {
        started.resolve();
        return await release.promise;
      },
    },
  });
  return { ...harness, started: started.promise, release: release.resolve };
}

/** `blockingSetup` with a node's run of slot T0 holding the lease; `done()` lets it finish. */
async function whileHeld() {
  const harness = await blockingSetup();
  const running = harness.tickAt(T0 + 500);
  await harness.started;
  return {
    ...harness,
    done: () => {
      harness.release();
      return running;
    },
  };
}

describe('GET /api/jobs', () => {
  it('lists every job with its schedule in words, next fire times, runs newest first, counters and missed slots', async () => {
    const { server, tickAt, clock } = await setup();
    // Minutes 0, 1 and 4 run; nothing ticks at minutes 2 and 3, so they are missed.
    for (const minute of [0, 1, 4]) await tickAt(T0 + minute * MINUTE_MS + 500);
    clock.set(T0 + 4 * MINUTE_MS + 40_000);
    const answer = await call(server, 'GET', '/api/jobs');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    const view = answer.json as unknown as JobsView;
    expect(view.nowMs).toBe(T0 + 4 * MINUTE_MS + 40_000);
    expect(view.table).toMatch(/^test-/);
    expect(view.jobs).toHaveLength(1);
    const job = view.jobs[0]!;
    expect(job).toMatchObject({
      name: 'report',
      cron: '* * * * *',
      cronInWords: 'Every minute',
      timezone: 'UTC',
      handler: 'Work',
      enabled: true,
      overlap: 'skip',
      continuous: false,
      paused: false,
      fence: 3,
      lock: null,
      windowStartMs: T0,
    });
    expect(job.runs.map((run) => [run.slot, run.status, run.fence])).toEqual([
      [iso(T0 + 4 * MINUTE_MS), 'succeeded', 3],
      [iso(T0 + MINUTE_MS), 'succeeded', 2],
      [iso(T0), 'succeeded', 1],
    ]);
    expect(job.runs[0]).toMatchObject({
      slotMs: T0 + 4 * MINUTE_MS,
      trigger: 'schedule',
      instance: 'node-a',
      startedAtMs: T0 + 4 * MINUTE_MS + 500,
      durationMs: 0,
    });
    expect(job.lastOutcome).toEqual(job.runs[0]);
    expect(job.missedMs).toEqual([T0 + 2 * MINUTE_MS, T0 + 3 * MINUTE_MS]);
    expect(job.counters).toMatchObject({ slots: 3, runs: 3, succeeded: 3, missed: 2 });
    expect(job.nextMs).toHaveLength(10);
    expect(job.nextMs[0]).toBe(T0 + 5 * MINUTE_MS);
    // No CORS: a page on another origin cannot read this.
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('limits the runs to ?runs=N, and the timeline starts at the oldest one shown', async () => {
    const { server, tickAt } = await setup();
    for (const minute of [0, 1, 2]) await tickAt(T0 + minute * MINUTE_MS + 500);
    const job = (await call(server, 'GET', '/api/jobs?runs=2')).json as unknown as JobsView;
    expect(job.jobs[0]!.runs.map((run) => run.slotMs)).toEqual([T0 + 2 * MINUTE_MS, T0 + MINUTE_MS]);
    expect(job.jobs[0]!.windowStartMs).toBe(T0 + MINUTE_MS);
  });

  it.each([
    ['0', '"0"'],
    ['501', '"501"'],
    ['ten', '"ten"'],
    ['1.5', '"1.5"'],
    ['', '""'],
  ])('refuses ?runs=%s with a 400 naming the parameter and its value', async (value, shown) => {
    const { server } = await setup();
    const answer = await call(server, 'GET', `/api/jobs?runs=${value}`);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe(`query parameter "runs" has value ${shown}; expected a whole number from 1 to 500`);
  });
});

describe('GET /api/jobs?namespace=N', () => {
  const namespaced = () =>
    parseSchedule('billing:\n  cron: "* * * * *"\n  class: Work\n  namespace: billing\nreport:\n  cron: "* * * * *"\n  class: Work\n', {
      handlers: ['Work'],
    });

  it("shows each job's namespace and answers only the jobs of the one asked for; default is the jobs that name none", async () => {
    const { server } = await setup({ jobs: namespaced() });
    const all = (await call(server, 'GET', '/api/jobs')).json as unknown as JobsView;
    expect(all.jobs.map((job) => [job.name, job.namespace])).toEqual([
      ['billing', 'billing'],
      ['report', undefined],
    ]);
    const billing = (await call(server, 'GET', '/api/jobs?namespace=billing')).json as unknown as JobsView;
    expect(billing.jobs.map((job) => job.name)).toEqual(['billing']);
    const byDefault = (await call(server, 'GET', '/api/jobs?namespace=default')).json as unknown as JobsView;
    expect(byDefault.jobs.map((job) => job.name)).toEqual(['report']);
  });

  it('refuses a namespace no job has with a 400 naming the parameter, its value and the namespaces there are', async () => {
    const { server } = await setup({ jobs: namespaced() });
    const answer = await call(server, 'GET', '/api/jobs?namespace=ops');
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe(
      'query parameter "namespace" has value "ops"; no job is in namespace "ops" (the schedule\'s namespaces: billing, default)',
    );
  });
});

describe('GET /api/jobs/:name', () => {
  it('answers one JobView, and shows a run holding the lease as running, with the lock and its expiry', async () => {
    const { server, clock, done } = await whileHeld();
    const job = (await call(server, 'GET', '/api/jobs/report')).json as unknown as JobView;
    expect(job.name).toBe('report');
    expect(job.lock).toMatchObject({
      holder: expect.stringMatching(/^node-a#/),
      holderInstance: 'node-a',
      holderSlotMs: T0,
      leaseUntilMs: T0 + 500 + 2 * MINUTE_MS,
    });
    expect(job.runs[0]).toMatchObject({ slotMs: T0, status: 'running', fence: 1, startedAtMs: T0 + 500 });
    expect(job.lastOutcome).toBeNull();
    // Past its expiry the lease is no one's, whatever the item still says.
    clock.set(T0 + 500 + 2 * MINUTE_MS + 1);
    const expired = (await call(server, 'GET', '/api/jobs/report')).json as unknown as JobView;
    expect(expired.lock).toBeNull();
    // Its run has no item yet (claimed on the lock): shown lost, as the next acquirer records it.
    expect(expired.runs[0]).toMatchObject({
      slotMs: T0,
      status: 'lost',
      error: expect.stringContaining('lease lapsed without an outcome'),
    });
    clock.set(T0 + 1_000);
    await done();
  });

  it('answers 404 for an unknown job, naming it and the jobs the schedule defines', async () => {
    const { server } = await setup();
    const answer = await call(server, 'GET', '/api/jobs/nope');
    expect(answer.status).toBe(404);
    expect(answer.json.error).toBe('unknown job "nope" (the schedule defines: report)');
  });

  it('decodes the name, and refuses broken percent-encoding with a 400', async () => {
    const { server } = await setup();
    expect((await call(server, 'GET', '/api/jobs/rep%6Frt')).status).toBe(200);
    const broken = await call(server, 'GET', '/api/jobs/%E0%A4%A');
    expect(broken.status).toBe(400);
    expect(broken.json.error).toBe('path segment "%E0%A4%A" is not valid percent-encoding');
  });
});

describe('POST pause and resume', () => {
  it('pauses with a note (a tick then records the slot as paused) and resumes (the next slot runs)', async () => {
    const { server, tickAt, ctx } = await setup();
    await tickAt(T0 + 500);
    const paused = await post(server, '/api/jobs/report/pause', { note: 'deploying' });
    expect(paused.status).toBe(200);
    expect(paused.json).toEqual({ job: 'report', paused: true, note: 'deploying', fence: 1 });
    expect(await tickAt(T0 + MINUTE_MS + 500)).toEqual([expect.objectContaining({ outcome: 'paused', slot: iso(T0 + MINUTE_MS) })]);
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toMatchObject({ status: 'skipped', reason: 'paused' });
    const view = (await call(server, 'GET', '/api/jobs/report')).json as unknown as JobView;
    expect(view).toMatchObject({ paused: true, pausedNote: 'deploying' });
    expect(view.runs[0]).toMatchObject({ status: 'skipped', reason: 'paused', skippedBecause: 'the job was paused' });

    const resumed = await post(server, '/api/jobs/report/resume', {});
    expect(resumed.status).toBe(200);
    expect(resumed.json).toEqual({ job: 'report', paused: false, fence: 1 });
    expect(await tickAt(T0 + 2 * MINUTE_MS + 500)).toEqual([expect.objectContaining({ outcome: 'ran', fence: 2 })]);
  });

  it('takes an empty body as no note', async () => {
    const { server, ctx } = await setup();
    const answer = await post(server, '/api/jobs/report/pause', '');
    expect(answer.status).toBe(200);
    expect(await getLock(ctx, 'report')).toMatchObject({ paused: true });
  });
});

describe('POST trigger', () => {
  it('answers 202 once a long run has started, and the run goes on to record its outcome', async () => {
    const { server, ctx, started, release } = await blockingSetup();
    const answer = await post(server, '/api/jobs/report/trigger');
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ job: 'report', started: true, outcomes: [] });
    // Answered while the handler is still blocked: the run is on the lease, not yet recorded.
    await started;
    expect(await getLock(ctx, 'report')).toMatchObject({ holderSlotMs: T0 + 500, fence: 1 });
    const during = (await call(server, 'GET', '/api/jobs/report')).json as unknown as JobView;
    expect(during.runs[0]).toMatchObject({ slotMs: T0 + 500, status: 'running', trigger: 'manual' });
    release();
    await expect.poll(async () => (await getSlot(ctx, 'report', T0 + 500))?.status, { timeout: 10_000 }).toBe('succeeded');
  });

  it("runs a job whose name has spaces, as sidekiq-cron's names do, named by its percent-encoded path", async () => {
    const name = 'Hard worker - every 5min';
    const jobs = parseSchedule(`${JSON.stringify(name)}:\n  cron: "*/5 * * * *"\n  class: Work\n`, { handlers: ['Work'] });
    const { server, ctx } = await setup({ jobs });
    const path = `/api/jobs/${encodeURIComponent(name)}`;
    const answer = await post(server, `${path}/trigger`);
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ job: name, started: true });
    await expect.poll(async () => (await getSlot(ctx, name, T0 + 500))?.status, { timeout: 10_000 }).toBe('succeeded');
    const view = (await call(server, 'GET', path)).json as unknown as JobView;
    expect(view).toMatchObject({ name, runs: [expect.objectContaining({ status: 'succeeded', trigger: 'manual' })] });
    expect((await post(server, `${path}/pause`, { note: 'moving' })).json).toMatchObject({ job: name, paused: true });
    expect(await getLock(ctx, name)).toMatchObject({ paused: true, pausedNote: 'moving' });
  });

  it('answers 409 "locked" with the outcome while another run holds the lease', async () => {
    const { server, done } = await whileHeld();
    const answer = await post(server, '/api/jobs/report/trigger');
    expect(answer.status).toBe(409);
    expect(answer.json.error).toMatch(
      /^job "report" was not started: a run holds its lease \(node-a#\w+, fence 1\) until 2026-11-26T10:02:00.500Z/,
    );
    expect(answer.json.outcomes).toEqual([expect.objectContaining({ outcome: 'locked', job: 'report', heldFence: 1 })]);
    await done();
  });

  it('buffers behind the holder with {"overlap": "bufferOne"}: 202 with the buffered outcome', async () => {
    const { server, done } = await whileHeld();
    const answer = await post(server, '/api/jobs/report/trigger', { overlap: 'bufferOne' });
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ job: 'report', started: false, outcomes: [expect.objectContaining({ outcome: 'buffered' })] });
    await done();
  });

  it('refuses overlap "allow" for a continuous job with a 400 naming the field', async () => {
    const { server } = await setup({ jobs: everyMinute('continuous: true') });
    const answer = await post(server, '/api/jobs/report/trigger', { overlap: 'allow' });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatch(/^field "overlap" has value "allow"; job "report" is continuous/);
  });

  it('signals a triggered run when the server stops, and close() waits for its outcome', async () => {
    const started = deferred();
    let signalled = false;
    const { server, ctx } = await setup({
      jobs: everyMinute('lease: 2m'),
      handlers: {
        Work: async ({ signal }) => {
          started.resolve();
          await aborted(signal);
          signalled = true;
          throw new Error('stopped by the signal');
        },
      },
    });
    expect((await post(server, '/api/jobs/report/trigger')).status).toBe(202);
    await started.promise;
    await server.close();
    expect(signalled).toBe(true);
    expect(await getSlot(ctx, 'report', T0 + 500)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('stopped by the signal'),
    });
  });
});

describe('bad requests', () => {
  it('answers 401 without the token and 403 with a wrong one, and changes nothing', async () => {
    const { server, ctx } = await setup();
    const missing = await call(server, 'POST', '/api/jobs/report/pause', { headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(missing.status).toBe(401);
    expect(missing.json.error).toMatch(/^missing header X-Cluster-Cron-Token/);
    const wrong = await post(server, '/api/jobs/report/pause', {}, { 'X-Cluster-Cron-Token': `${server.token}x` });
    expect(wrong.status).toBe(403);
    expect(wrong.json.error).toMatch(/^wrong X-Cluster-Cron-Token/);
    const empty = await post(server, '/api/jobs/report/trigger', {}, { 'X-Cluster-Cron-Token': '' });
    expect(empty.status).toBe(401);
    expect(await getLock(ctx, 'report')).toBeUndefined();
  });

  it.each([
    ['a wrong content type', { 'Content-Type': 'text/plain' }, '{}', 415, 'Content-Type must be application/json, got "text/plain"'],
    [
      'a form post',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      'note=x',
      415,
      'Content-Type must be application/json, got "application/x-www-form-urlencoded"',
    ],
    ['bad JSON', {}, '{"note": ', 400, /^request body is not valid JSON \(/],
    [
      'a body that is not an object',
      {},
      '["deploying"]',
      400,
      'request body must be a JSON object such as {"note": "deploying"}; got ["deploying"]',
    ],
    ['an unknown field', {}, '{"reason": "x"}', 400, 'unknown field "reason" with value "x" (pause takes: note)'],
    ['a note that is not a string', {}, '{"note": 42}', 400, 'field "note" has value 42; expected a string'],
    [
      'a note too long',
      {},
      JSON.stringify({ note: 'n'.repeat(501) }),
      400,
      `field "note" has value "${'n'.repeat(76)}...; expected a string of at most 500 characters`,
    ],
  ])('refuses %s on pause', async (_name, headers, body, status, message) => {
    const { server, ctx } = await setup();
    const answer = await post(server, '/api/jobs/report/pause', body, headers);
    expect(answer.status).toBe(status);
    expect(answer.json.error).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
    expect(await getLock(ctx, 'report')).toBeUndefined();
  });

  it('refuses a bad overlap on trigger, naming the field, the value and the choices', async () => {
    const { server } = await setup();
    const answer = await post(server, '/api/jobs/report/trigger', { overlap: 'sometimes' });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe('field "overlap" has value "sometimes"; expected one of "skip", "bufferOne", "allow"');
  });

  it('answers 413 for a body over 16 KB, and the server keeps serving', async () => {
    const { server } = await setup();
    const huge = await post(server, '/api/jobs/report/pause', JSON.stringify({ note: 'x'.repeat(MAX_BODY_BYTES) }));
    expect(huge.status).toBe(413);
    expect(huge.json.error).toMatch(/over the limit of 16384 bytes/);
    // A body sent in chunks without a length is cut off as it arrives.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/api/jobs/report/pause',
          headers: { 'Content-Type': 'application/json', 'X-Cluster-Cron-Token': server.token },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 40; i += 1) req.write('x'.repeat(1_000));
      req.end();
    });
    expect(chunked).toBe(413);
    expect((await call(server, 'GET', '/api/jobs')).status).toBe(200);
  });

  it('answers 404 for an action on an unknown job, after the token check', async () => {
    const { server } = await setup();
    const answer = await post(server, '/api/jobs/nope/trigger');
    expect(answer.status).toBe(404);
    expect(answer.json.error).toBe('unknown job "nope" (the schedule defines: report)');
    expect((await call(server, 'POST', '/api/jobs/nope/trigger', { headers: { 'Content-Type': 'application/json' } })).status).toBe(401);
  });

  it.each([
    ['GET', '/api/jobs/report/trigger', 'POST'],
    ['PUT', '/api/jobs/report/pause', 'POST'],
    ['POST', '/api/jobs', 'GET, HEAD'],
    ['POST', '/api/jobs/report', 'GET, HEAD, PUT, DELETE'],
    ['POST', '/', 'GET, HEAD'],
    ['POST', '/assets/app.js', 'GET, HEAD'],
  ])('answers 405 with Allow to %s %s', async (method, path, allow) => {
    const { server } = await setup();
    const answer = await call(server, method, path, { headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe(allow);
    expect(answer.json.error).toMatch(new RegExp(`^method ${method} is not allowed on ${path.replace(/\//g, '\\/')}`));
  });

  it('answers 404 for an unknown path, listing the API', async () => {
    const { server } = await setup();
    const answer = await call(server, 'GET', '/api/nothing');
    expect(answer.status).toBe(404);
    expect(answer.json.error).toMatch(/^no such path "\/api\/nothing": the API is GET \/api\/jobs/);
  });

  it('refuses a Host header that is not its own address (DNS rebinding), for GETs and POSTs alike', async () => {
    const { server, ctx } = await setup();
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1:1']) {
      const answer = await call(server, 'GET', '/api/jobs', { headers: { Host: host } });
      expect(answer.status).toBe(403);
      expect(answer.json.error).toContain(`Host header ${JSON.stringify(host)} is not the address this server listens on`);
    }
    expect((await post(server, '/api/jobs/report/pause', {}, { Host: 'evil.example' })).status).toBe(403);
    expect(await getLock(ctx, 'report')).toBeUndefined();
    expect((await call(server, 'GET', '/api/jobs', { headers: { Host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it('never crashes on a broken request line or headers', async () => {
    const { server } = await setup();
    const { connect } = await import('node:net');
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.end('GARBAGE /\r\nno-colon-here\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect((await call(server, 'GET', '/api/jobs')).status).toBe(200);
  });
});

describe('the page and its assets', () => {
  it('serves index.html at / and the assets with their content types', async () => {
    const { server } = await setup();
    const page = await call(server, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('fixture page');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const script = await call(server, 'GET', '/assets/app.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.text).toContain('fixture script ran');
    const style = await call(server, 'GET', '/assets/app.css');
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await call(server, 'HEAD', '/assets/app.js');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it.each([
    '/assets/../index.html',
    '/assets/..',
    '/assets/%2e%2e%2fpackage.json',
    '/assets/..%2F..%2Fpackage.json',
    '/assets/.hidden',
    '/assets//etc/passwd',
    '/assets/a/b.js',
    '/assets/missing.js',
  ])('never serves a file outside the assets folder: %s is 404', async (path) => {
    const { server } = await setup();
    const answer = await call(server, 'GET', path);
    expect(answer.status).toBe(404);
    expect(answer.text).not.toContain('"name": "cluster-cron"');
  });

  it('answers 503 naming the build command when the page was never built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cluster-cron-ui-empty-'));
    try {
      const { server } = await setup({ assetsDir: empty });
      const answer = await call(server, 'GET', '/');
      expect(answer.status).toBe(503);
      expect(answer.json.error).toMatch(/^the page is not built: run npm run build:ui/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('cluster-cron ui (the real command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cluster-cron-ui-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a loopback URL with its token, serves the API, pauses with the token, and stops cleanly on SIGINT', async () => {
    const schedule = join(dir, 'schedule.yml');
    writeFileSync(schedule, 'print:\n  cron: "* * * * *"\n  class: PrintWorker\n  args: {sleepSeconds: 0}\n');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DYNAMODB_ENDPOINT: tables.endpoint(),
      CLUSTER_CRON_TABLE: await tables.newTable(),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    delete env.CLUSTER_CRON_SCHEDULE_FILE;
    const child = spawn(process.execPath, ['bin/cluster-cron.mjs', 'ui', '--port', '0', '-s', schedule], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    try {
      await expect.poll(() => stdout, { timeout: 20_000 }).toMatch(/open http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{43}\n/);
      const [, port, token] = /open http:\/\/127\.0\.0\.1:(\d+)\/#token=([\w-]+)/.exec(stdout)!;
      const base = `http://127.0.0.1:${port}`;
      const jobs = (await (await fetch(`${base}/api/jobs`)).json()) as JobsView;
      expect(jobs.jobs.map((job) => job.name)).toEqual(['print']);
      const refused = await fetch(`${base}/api/jobs/print/pause`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(refused.status).toBe(401);
      const paused = await fetch(`${base}/api/jobs/print/pause`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Cluster-Cron-Token': token! },
        body: '{"note":"from the test"}',
      });
      expect(paused.status).toBe(200);
      expect(await paused.json()).toEqual({ job: 'print', paused: true, note: 'from the test', fence: 0 });
      expect(stderr).not.toContain('WARNING');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).toContain('ui.stopping');
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  });
});

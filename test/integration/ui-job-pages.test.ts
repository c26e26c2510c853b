/**
 * The status page at scale (issue 16): 1,200 runtime jobs beside a config job on the local
 * DynamoDB, read through a real `cluster-cron ui` server. GET /api/jobs answers one page of
 * the right size in name order, the prefix filters, the cursor walks every job once, and the
 * counts at the top (overdue, failing, total) cover every job, not only the page.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putDefinition } from '../../functions/core/definition-writes.js';
import { validateJob } from '../../functions/core/schedule.js';
import { lockItemKey } from '../../functions/core/table-keys.js';
import { tick } from '../../functions/core/tick.js';
import { handleUiRequest, type UiDeps } from '../../functions/ui/api.js';
import type { JobsView } from '../../functions/ui/jobs-view.js';
import { runtimeJobsAccess } from '../../functions/ui/runtime-jobs-api.js';
import { startUiServer, type UiServer } from '../../functions/ui/ui-server.js';
import { type LocalTables, useLocalTables } from '../support/local-table.js';
import { cluster, everyMinute, MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();
const NOW_MS = T0 + 500;
const JOBS = 1_200;
const name = (index: number): string => `tenant-${String(index).padStart(4, '0')}`;
/** Runtime jobs whose slot went by 10 minutes ago (their window is 90 s): overdue. */
const OVERDUE = [3, 250, 251, 999, 1_100].map(name);
/** Runtime jobs whose latest run failed. */
const FAILING = [7, 8, 600].map(name);
/** Overdue and failing, but removed (winding down): counted as neither. */
const REMOVED = name(42);

/** Writes `count` valid runtime jobs (the schedule file's validator, as upsertJob does) in parallel batches. */
async function writeJobs(harness: Awaited<ReturnType<typeof cluster>>, count: number): Promise<void> {
  const keys = { cron: '* * * * *', class: 'Work', catchupWindow: '90s' };
  for (let from = 0; from < count; from += 100) {
    const batch = Array.from({ length: Math.min(100, count - from) }, (_, offset) => name(from + offset));
    await Promise.all(
      batch.map((job) => {
        const compiled = JSON.stringify(validateJob(job, keys, { handlers: ['Work'], source: 'runtime job' }));
        const late = OVERDUE.includes(job) || job === REMOVED;
        // The due index's entry as a tick would leave it: listed for a slot ten minutes past, or the next minute's.
        const nextDueMs = late ? NOW_MS - 10 * MINUTE_MS : T0 + MINUTE_MS;
        return putDefinition(harness.ctx, { name: job, keys, compiled }).then(() =>
          harness.ctx.client.send(
            new UpdateCommand({
              TableName: harness.ctx.tableName,
              Key: lockItemKey(job),
              UpdateExpression: 'SET nextDueMs = :due',
              ExpressionAttributeValues: { ':due': nextDueMs },
            }),
          ),
        );
      }),
    );
  }
}

/** What a run's last write leaves on a job whose run failed (failure-streak.ts), and a removal's mark. */
function setOnLock(harness: Awaited<ReturnType<typeof cluster>>, job: string, update: string, values: Record<string, unknown>) {
  return harness.ctx.client.send(
    new UpdateCommand({
      TableName: harness.ctx.tableName,
      Key: lockItemKey(job),
      UpdateExpression: update,
      ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
    }),
  );
}

async function serverWith(count: number, local: LocalTables) {
  const harness = await cluster(local, NOW_MS);
  await writeJobs(harness, count);
  const server = await startUiServer({
    deps: harness.deps('ui', { Work: () => undefined }),
    jobs: everyMinute(),
    port: 0,
    assetsDir: 'test/fixtures/ui',
  });
  return { harness, server };
}

let big: Awaited<ReturnType<typeof serverWith>>;
let server: UiServer;

beforeAll(async () => {
  big = await serverWith(JOBS, tables);
  server = big.server;
  for (const job of [...FAILING, REMOVED]) await setOnLock(big.harness, job, 'SET failureStreak = :two', { ':two': 2 });
  await setOnLock(big.harness, REMOVED, 'SET removedAtMs = :now', { ':now': NOW_MS });
}, 120_000);
afterAll(() => server.close());

async function page(query: string): Promise<JobsView> {
  const response = await fetch(`${server.origin}/api/jobs${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as JobsView;
}

const ALL = [...Array.from({ length: JOBS }, (_, index) => name(index)).filter((job) => job !== REMOVED), 'report'].sort();

describe('GET /api/jobs with 1,200 runtime jobs', () => {
  it('answers one page of 50 in name order, the config job among them, with a cursor and the counts over every job', async () => {
    const first = await page('');
    expect(first.jobs).toHaveLength(50);
    expect(first.jobs.map((job) => job.name)).toEqual(ALL.slice(0, 50));
    expect(first.limit).toBe(50);
    expect(first.cursor).toEqual(expect.any(String));
    expect(first.matching).toBe(JOBS);
    expect(first.counts).toMatchObject({ total: JOBS, overdue: OVERDUE.length, failing: FAILING.length, countedAtMs: NOW_MS });
    // The page's jobs are read in full: a JobView each, with its runs and next fire times.
    expect(first.jobs.find((job) => job.name === 'tenant-0001')).toMatchObject({
      name: 'tenant-0001',
      runtimeVersion: 1,
      runs: [],
      nextMs: expect.any(Array),
    });
  });

  it('walks every job with the cursor, 200 at a time: no repeats, no gaps, no cursor on the last page', async () => {
    const names: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const next = await page(`?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      names.push(...next.jobs.map((job) => job.name));
      sizes.push(next.jobs.length);
      cursor = next.cursor;
    } while (cursor);
    expect(names).toEqual(ALL);
    expect(sizes).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('filters by a prefix (the config job too), and walks a prefix with the cursor', async () => {
    const hundreds = await page('?prefix=tenant-00&limit=200');
    expect(hundreds.jobs.map((job) => job.name)).toEqual(ALL.filter((job) => job.startsWith('tenant-00')));
    expect(hundreds).toMatchObject({ prefix: 'tenant-00', matching: 99 });
    expect(hundreds.cursor).toBeUndefined();
    expect((await page('?prefix=rep')).jobs.map((job) => job.name)).toEqual(['report']);
    expect((await page('?prefix=tenant-0999')).jobs.map((job) => job.name)).toEqual(['tenant-0999']);
    expect((await page('?prefix=nobody')).jobs).toEqual([]);
    const walked: string[] = [];
    let cursor: string | undefined;
    do {
      const next = await page(`?prefix=tenant-01&limit=30${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      walked.push(...next.jobs.map((job) => job.name));
      cursor = next.cursor;
    } while (cursor);
    expect(walked).toEqual(ALL.filter((job) => job.startsWith('tenant-01')));
    // The counts stay over every job, whatever the filter.
    expect(hundreds.counts).toMatchObject({ total: JOBS, overdue: OVERDUE.length, failing: FAILING.length });
  });

  it('refuses a bad limit or cursor with a 400 naming the parameter', async () => {
    for (const [query, error] of [
      ['?limit=0', 'query parameter "limit" has value "0"; expected a whole number from 1 to 200'],
      ['?limit=201', 'query parameter "limit" has value "201"; expected a whole number from 1 to 200'],
      ['?cursor=nope', 'query parameter "cursor" has value "nope"; pass back the "cursor" of the page before'],
    ] as const) {
      const response = await fetch(`${server.origin}/api/jobs${query}`);
      expect({ status: response.status, body: await response.json() }).toEqual({ status: 400, body: { error } });
    }
  });

  it('counts again once the counts are older than the cache allows, and not before', async () => {
    const deps: UiDeps = {
      store: big.harness.ctx,
      jobs: everyMinute(),
      token: 't',
      trigger: async () => ({ started: false, outcomes: [] }),
      assetsDir: 'test/fixtures/ui',
      log: big.harness.log,
      runtimeJobs: runtimeJobsAccess(big.harness.deps('ui', { Work: () => undefined }), everyMinute()),
      countsCacheMs: 30_000,
    };
    const get = async () =>
      JSON.parse(
        String((await handleUiRequest(deps, { method: 'GET', path: '/api/jobs', query: { limit: '1' }, headers: {} })).body),
      ) as JobsView;
    expect((await get()).counts.failing).toBe(FAILING.length);
    await setOnLock(big.harness, name(9), 'SET failureStreak = :one', { ':one': 1 });
    big.harness.clock.advance(29_000);
    expect((await get()).counts).toMatchObject({ failing: FAILING.length, countedAtMs: NOW_MS });
    big.harness.clock.advance(1_000);
    expect((await get()).counts).toMatchObject({ failing: FAILING.length + 1, countedAtMs: NOW_MS + 30_000 });
    await setOnLock(big.harness, name(9), 'REMOVE failureStreak', {});
    big.harness.clock.set(NOW_MS);
  });

  it('measures a page with 1,200 jobs against 12 (logged, not asserted)', async () => {
    const small = await serverWith(12, tables);
    const median = (times: number[]): number => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    const timeOf = async (url: string): Promise<number> => {
      const startedMs = performance.now();
      await (await fetch(url)).arrayBuffer();
      return performance.now() - startedMs;
    };
    const measure = async (origin: string) => {
      // A fresh server: its first page counts (no cache yet); the pages after it are served the cached counts.
      const firstMs = await timeOf(`${origin}/api/jobs?limit=12`);
      const pageOf12: number[] = [];
      const pageOf50: number[] = [];
      for (let round = 0; round < 10; round++) pageOf12.push(await timeOf(`${origin}/api/jobs?limit=12`));
      for (let round = 0; round < 10; round++) pageOf50.push(await timeOf(`${origin}/api/jobs`));
      return `first (counting) ${Math.round(firstMs)} ms, page of 12 p50 ${Math.round(median(pageOf12))} ms, page of 50 p50 ${Math.round(median(pageOf50))} ms`;
    };
    const fresh = await startUiServer({
      deps: big.harness.deps('ui', { Work: () => undefined }),
      jobs: everyMinute(),
      port: 0,
      assetsDir: 'test/fixtures/ui',
    });
    try {
      const [smallText, bigText] = [await measure(small.server.origin), await measure(fresh.origin)];
      console.info(`GET /api/jobs, 12 runtime jobs: ${smallText}\nGET /api/jobs, 1,200 runtime jobs: ${bigText}`);
      expect(bigText).toMatch(/^first/);
    } finally {
      await Promise.all([small.server.close(), fresh.close()]);
    }
  });
});

describe('the counts of the config jobs', () => {
  it('counts a config job whose run failed as failing, and as overdue once no tick decided its slots past the window', async () => {
    const harness = await cluster(tables, T0 + 500);
    const jobs = everyMinute();
    const deps = harness.deps('node', {
      Work: () => {
        throw new Error('boom');
      },
    });
    await tick(deps, { jobs });
    const ui: UiDeps = {
      store: harness.ctx,
      jobs,
      token: 't',
      trigger: async () => ({ started: false, outcomes: [] }),
      assetsDir: 'test/fixtures/ui',
      log: harness.log,
      countsCacheMs: 0,
    };
    const counts = async () =>
      (JSON.parse(String((await handleUiRequest(ui, { method: 'GET', path: '/api/jobs', headers: {} })).body)) as JobsView).counts;
    expect(await counts()).toMatchObject({ total: 1, overdue: 0, failing: 1 });
    // No tick for minutes 1 to 3: at 3 min 40 s, the slot of minute 3 is past its 30 s window.
    harness.clock.set(T0 + 3 * MINUTE_MS + 40_000);
    expect(await counts()).toMatchObject({ total: 1, overdue: 1, failing: 1 });
  });
});

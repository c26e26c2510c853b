/**
 * The fan-out through the real tick handler, the real core and the real Lambda client: a tick
 * with more runtime jobs due than CLUSTER_CRON_MAX_JOBS_PER_TICK sends its other parts to a
 * stand-in Lambda API (AWS_ENDPOINT_URL_LAMBDA), and those payloads, delivered back to the
 * handler as Lambda would, run the rest of the jobs: each once, the file's job in the first only.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { partOf } from '../../functions/core/fan-out.js';
import type { TickOutcome } from '../../functions/core/types.js';
import { defineConfig, defineJob } from '../../functions/define.js';
import { upsertJob } from '../../functions/job-operations.js';
import { printWorker } from '../../functions/jobs/print-worker.js';
import { captureLogs } from '../support/capture-logs.js';
import { memoryLog, useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();

const SCHEDULE = 'print:\n  cron: "* * * * *"\n  class: PrintWorker\n  args: {sleepSeconds: 0}\n';
const FUNCTION_NAME = 'cluster-cron-tick';
const CONTEXT = { getRemainingTimeInMillis: () => 60_000, logStreamName: '2026/12/03/[$LATEST]fan0ut0123456789', awsRequestId: 'r1' };
const RUNTIME_JOBS = Array.from({ length: 7 }, (_, index) => `tenant-${index}`);

/** What the stand-in Lambda API was sent: one asynchronous invoke per part. */
interface Invoke {
  path: string;
  invocationType: string | undefined;
  payload: unknown;
}

/** Answers each invoke with `status(payload)` (202: accepted for an asynchronous invocation). */
let status: (payload: { part: number }) => number = () => 202;
const invokes: Invoke[] = [];
let server: Server;

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const ENV = {
  AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  CLUSTER_CRON_MAX_JOBS_PER_TICK: '3',
  CLUSTER_CRON_SCHEDULE: SCHEDULE,
} as const;
const ENV_KEYS = [...Object.keys(ENV), 'AWS_ENDPOINT_URL_LAMBDA', 'CLUSTER_CRON_TABLE', 'DYNAMODB_ENDPOINT'];
const savedEnv = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));

beforeAll(async () => {
  server = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      const payload = JSON.parse(body) as { part: number };
      invokes.push({ path: request.url ?? '', invocationType: request.headers['x-amz-invocation-type'] as string, payload });
      const code = status(payload);
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(code === 202 ? '' : JSON.stringify({ Type: 'User', message: 'Rate exceeded' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.AWS_ENDPOINT_URL_LAMBDA = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  await new Promise((resolve) => server.close(resolve));
});

/** Waits out the last seconds of a minute, so a tick and its parts see the same slot. */
async function awayFromMinuteEdge(marginMs = 20_000): Promise<void> {
  const intoMinuteMs = Date.now() % 60_000;
  if (intoMinuteMs > 60_000 - marginMs) await sleep(60_000 - intoMinuteMs + 50);
}

/**
 * A fresh table with seven runtime jobs defined just before this minute began (so its slot is
 * their first, due now and on time), and the handler loaded on it as in a Lambda container.
 */
async function loadHandler() {
  await awayFromMinuteEdge();
  const tableName = await tables.newTable();
  Object.assign(process.env, ENV, { CLUSTER_CRON_TABLE: tableName, DYNAMODB_ENDPOINT: tables.endpoint() });
  // The deployment's file job beside them, as the handler's schedule has it.
  const config = defineConfig({
    handlers: { PrintWorker: printWorker },
    jobs: { print: defineJob({ cron: '* * * * *', handler: printWorker }) },
  });
  const definedAtMs = Math.floor(Date.now() / 60_000) * 60_000 - 1_000;
  for (const name of RUNTIME_JOBS) {
    const job = { name, cron: '* * * * *', class: 'PrintWorker', args: { sleepSeconds: 0 } };
    await upsertJob({ config, client: tables.client(), tableName, clock: () => definedAtMs, log: memoryLog(), instance: 'api', job });
  }
  vi.resetModules();
  const { handler } = await import('../../functions/tick.js');
  return handler;
}

const ranJobs = (outcomes: readonly TickOutcome[]): string[] =>
  outcomes.filter((outcome) => outcome.outcome === 'ran').map((outcome) => outcome.job);

describe('a fanned-out tick on Lambda', () => {
  it('sends its other parts as asynchronous invokes of itself, and the parts run the rest of the due jobs, each once', async () => {
    const handler = await loadHandler();
    invokes.length = 0;
    status = () => 202;
    const { result: first, logs } = await captureLogs(() => handler({}, CONTEXT));
    // 7 due at 3 a tick: 3 parts; this invocation ran part 0 and the file's job.
    expect(first.outcomes).toContainEqual({ outcome: 'fanned-out', job: '*', parts: 3, due: 7 });
    expect(logs.find((line) => line.message === 'tick.end')).toMatchObject({ fannedOut: 'fanned out: 3 parts, 7 due jobs' });
    // Per-job metrics for the schedule's job only: a runtime job's would be a custom metric of its own.
    const perJobMetrics = logs.filter((line) => line._aws !== undefined && line.job !== undefined).map((line) => line.job);
    expect(perJobMetrics).toEqual(['print']);
    expect(logs.filter((line) => line._aws !== undefined && line.OverdueJobs !== undefined).map((line) => line.OverdueJobs)).toEqual([0]);
    expect(invokes.map(({ path, invocationType, payload }) => ({ path, invocationType, payload }))).toEqual(
      expect.arrayContaining([
        { path: `/2015-03-31/functions/${FUNCTION_NAME}/invocations`, invocationType: 'Event', payload: { part: 1, parts: 3 } },
        { path: `/2015-03-31/functions/${FUNCTION_NAME}/invocations`, invocationType: 'Event', payload: { part: 2, parts: 3 } },
      ]),
    );
    expect(invokes).toHaveLength(2);

    // Lambda delivers each part to a fresh invocation of the same function.
    const parts = [];
    for (const { payload } of invokes) parts.push(await handler(payload, { ...CONTEXT, awsRequestId: 'part' }));
    const everyRun = [first, ...parts].flatMap((response) => ranJobs(response.outcomes));
    expect(everyRun.sort()).toEqual(['print', ...RUNTIME_JOBS].sort());
    // The file's job is the first part's only.
    for (const part of parts) expect(ranJobs(part.outcomes)).not.toContain('print');
  }, 60_000);

  it('runs a part itself when it is not accepted, and names the part in its log; the part that went runs its own', async () => {
    const handler = await loadHandler();
    invokes.length = 0;
    status = ({ part }) => (part === 2 ? 429 : 202);
    const { result, logs } = await captureLogs(() => handler({}, CONTEXT), ['stdout', 'stderr']);
    // Part 1 went; part 2 was refused every time the SDK tried it (it retries a throttle).
    const tries = (part: number) => invokes.filter(({ payload }) => (payload as { part: number }).part === part).length;
    expect(tries(1)).toBe(1);
    expect(tries(2)).toBeGreaterThanOrEqual(1);
    expect(result.outcomes.some((outcome) => outcome.outcome === 'fanned-out')).toBe(true);
    // Its own part and the one that did not go (the sender named it): not part 1, which went.
    expect(ranJobs(result.outcomes).sort()).toEqual(['print', ...RUNTIME_JOBS.filter((name) => partOf(name, 3) !== 1)].sort());
    const error = logs.find((line) => line.message === 'tick.fan-out.error');
    expect(String(error?.error)).toMatch(/FanOutError: fan-out of cluster-cron-tick: part 2 of 3 not started \(1 of 2 invokes failed\)/);
    // The part that did go runs its own: every job once in all.
    const delivered = await handler({ part: 1, parts: 3 }, { ...CONTEXT, awsRequestId: 'part-1' });
    expect(ranJobs(delivered.outcomes).sort()).toEqual(RUNTIME_JOBS.filter((name) => partOf(name, 3) === 1).sort());
  }, 60_000);
});

/**
 * Scenario 2: a tick with N due jobs against its floor, the bare conditional writes those N
 * runs need (claim the slot, take the lease, record the outcome and release in one write),
 * issued through the same client with the same concurrency (as many jobs at once as the tick had
 * requests in flight for), measured alternately in one run.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { jobKey, slotKey } from '../../functions/core/store.js';
import { tick } from '../../functions/core/tick.js';
import type { JobDefinition } from '../../functions/core/types.js';
import { type BenchEnv, benchDeps, justAfterSlotMs, makeJobs, median, RunTally, round2, type ScenarioResult, timed } from '../bench-env.js';
import { RequestCounter, type RequestCounts } from '../request-counter.js';

/** The floor's writes per run: claim, acquire, record-and-release. */
export const FLOOR_WRITES_PER_RUN = 3;

/** One N of scenario 2. */
export interface TickVsFloorRow {
  jobs: number;
  tickMs: number[];
  floorMs: number[];
  tickMedianMs: number;
  floorMedianMs: number;
  /** Median tick time / median floor time. */
  ratio: number;
  /** Median of tick/floor per repeat (each pair measured back to back, so it shares the machine's noise). */
  pairedRatio: number;
  /** Requests of the last tick, per run. */
  tickReadsPerRun: number;
  tickWritesPerRun: number;
  tickByCommand: Record<string, number>;
  /** Most requests the tick had in flight at once. */
  tickMaxInFlight: number;
  /** Most jobs (partition keys) the tick had a request in flight for at once; the floor runs this many jobs at once. */
  tickMaxJobsInFlight: number;
  floorJobConcurrency: number;
  floorWritesPerRun: number;
  /** From the tick's start to its handlers' starts (last tick): median and last job. */
  startLagMedianMs: number;
  startLagMaxMs: number;
}

/**
 * The floor for `jobs`: per job, three conditional writes in protocol order (each needs the one
 * before), `concurrency` jobs at a time. Throws if any write is refused.
 */
export async function floorWrites(
  client: DynamoDBDocumentClient,
  tableName: string,
  jobs: readonly JobDefinition[],
  slotMs: number,
  concurrency: number,
): Promise<void> {
  const instance = 'floor';
  const one = async (job: JobDefinition): Promise<void> => {
    const token = `${instance}#${randomUUID().slice(0, 8)}`;
    const nowMs = Date.now();
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: jobKey(job.name),
          sk: slotKey(slotMs),
          job: job.name,
          slot: new Date(slotMs).toISOString(),
          slotMs,
          status: 'claimed',
          trigger: 'schedule',
          claimedBy: token,
          instance,
          claimedAtMs: nowMs,
          ttlEpochSec: Math.floor(nowMs / 1000) + 2_592_000,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: jobKey(job.name), sk: 'STATE' },
        UpdateExpression:
          'SET holder = :token, holderInstance = :instance, holderSlotMs = :slot, leaseUntilMs = :until, acquiredAtMs = :now ADD fence :one',
        ConditionExpression: '(attribute_not_exists(holder) OR leaseUntilMs < :now)',
        ExpressionAttributeValues: {
          ':token': token,
          ':instance': instance,
          ':slot': slotMs,
          ':until': nowMs + job.leaseMs,
          ':now': nowMs,
          ':one': 1,
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const doneMs = Date.now();
    // Record and release as one write: the outcome goes on the lock item with the release.
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: jobKey(job.name), sk: 'STATE' },
        UpdateExpression:
          'REMOVE holder, holderInstance, holderSlotMs SET leaseUntilMs = :zero, lastReleasedBy = :token, releasedAtMs = :now, lastSlotMs = :slot, lastStatus = :status, lastDurationMs = :duration',
        ConditionExpression: 'holder = :token',
        ExpressionAttributeValues: {
          ':token': token,
          ':zero': 0,
          ':now': doneMs,
          ':slot': slotMs,
          ':status': 'succeeded',
          ':duration': doneMs - nowMs,
        },
      }),
    );
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) await one(jobs[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, jobs.length)) }, worker));
}

async function measureTick(
  env: BenchEnv,
  client: DynamoDBDocumentClient,
  counter: RequestCounter,
  jobs: JobDefinition[],
  failures: string[],
): Promise<{ ms: number; counts: RequestCounts; startLagsMs: number[] }> {
  const tableName = await env.newTable();
  const tally = new RunTally();
  counter.reset();
  const startMs = performance.now();
  const { ms, value: outcomes } = await timed(() =>
    tick(benchDeps(client, tableName, 'node-a', { Work: tally.handler }), { jobs, atMs: justAfterSlotMs() }),
  );
  const counts = counter.snapshot();
  const ran = outcomes.filter((o) => o.outcome === 'ran').length;
  if (ran !== jobs.length || tally.total !== jobs.length) {
    failures.push(
      `tick of ${jobs.length} due jobs: ${ran} ran, ${tally.total} handler starts (${JSON.stringify(outcomes.find((o) => o.outcome !== 'ran'))})`,
    );
  }
  return { ms, counts, startLagsMs: tally.startTimesMs.map((t) => t - startMs) };
}

async function measureFloor(
  env: BenchEnv,
  client: DynamoDBDocumentClient,
  counter: RequestCounter,
  jobs: JobDefinition[],
  concurrency: number,
  failures: string[],
): Promise<{ ms: number; counts: RequestCounts }> {
  const tableName = await env.newTable();
  counter.reset();
  const slotMs = justAfterSlotMs(0);
  try {
    const { ms } = await timed(() => floorWrites(client, tableName, jobs, slotMs, concurrency));
    return { ms, counts: counter.snapshot() };
  } catch (error) {
    failures.push(`floor of ${jobs.length} jobs: ${(error as Error).message}`);
    return { ms: Number.NaN, counts: counter.snapshot() };
  }
}

/** Runs scenario 2 for each N, `repeats` times each, tick and floor alternating which goes first. */
export async function tickVsFloor(
  env: BenchEnv,
  options: { jobCounts: number[]; repeats: number },
): Promise<ScenarioResult<TickVsFloorRow[]>> {
  const failures: string[] = [];
  const counter = new RequestCounter();
  const client = counter.client(env.endpoint);
  const rows: TickVsFloorRow[] = [];
  // Warm-up (JIT, sockets), not recorded.
  const warm = makeJobs(10);
  await measureTick(env, client, counter, warm, failures);
  await measureFloor(env, client, counter, warm, 10, failures);
  for (const n of options.jobCounts) {
    const jobs = makeJobs(n);
    const tickMs: number[] = [];
    const floorMs: number[] = [];
    let lastTick: RequestCounts | undefined;
    let lastLagsMs: number[] = [];
    let lastFloor: RequestCounts | undefined;
    let concurrency = n;
    for (let rep = 0; rep < options.repeats; rep++) {
      const runTick = async (): Promise<void> => {
        const result = await measureTick(env, client, counter, jobs, failures);
        tickMs.push(result.ms);
        lastTick = result.counts;
        lastLagsMs = result.startLagsMs;
        // Batched requests name no single job: fall back to the request count, then to all jobs.
        concurrency = result.counts.maxJobsInFlight || result.counts.maxInFlight || n;
      };
      const runFloor = async (): Promise<void> => {
        const result = await measureFloor(env, client, counter, jobs, concurrency, failures);
        floorMs.push(result.ms);
        lastFloor = result.counts;
      };
      // The floor follows the tick's measured concurrency, so the first repeat starts with the tick.
      if (rep % 2 === 0) {
        await runTick();
        await runFloor();
      } else {
        await runFloor();
        await runTick();
      }
    }
    const tickMedianMs = median(tickMs);
    const floorMedianMs = median(floorMs);
    rows.push({
      jobs: n,
      tickMs: tickMs.map(round2),
      floorMs: floorMs.map(round2),
      tickMedianMs: round2(tickMedianMs),
      floorMedianMs: round2(floorMedianMs),
      ratio: round2(tickMedianMs / floorMedianMs),
      pairedRatio: round2(median(tickMs.map((ms, i) => ms / floorMs[i]!))),
      tickReadsPerRun: round2(lastTick!.reads / n),
      tickWritesPerRun: round2(lastTick!.writes / n),
      tickByCommand: lastTick!.byCommand,
      tickMaxInFlight: lastTick!.maxInFlight,
      tickMaxJobsInFlight: lastTick!.maxJobsInFlight,
      floorJobConcurrency: Math.min(concurrency, n),
      floorWritesPerRun: round2(lastFloor!.writes / n),
      startLagMedianMs: round2(lastLagsMs.length ? median(lastLagsMs) : Number.NaN),
      startLagMaxMs: round2(Math.max(...lastLagsMs)),
    });
    if (lastFloor!.writes !== n * FLOOR_WRITES_PER_RUN)
      failures.push(`floor of ${n} jobs sent ${lastFloor!.writes} writes, expected ${n * FLOOR_WRITES_PER_RUN}`);
  }
  client.destroy();
  return { name: 'tick vs floor', data: rows, failures };
}

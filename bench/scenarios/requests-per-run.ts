/**
 * Scenario 1: the DynamoDB requests one scheduled run, one duplicate tick, one locked skip and
 * one idle (not due) job cost, and the heartbeat writes of a run that outlives a third of its
 * lease. Each counted through the SDK middleware on the instance's own client.
 */
import type { Scheduler } from '../../functions/core/lease.js';
import { HEARTBEATS_PER_LEASE } from '../../functions/core/lease.js';
import { JOB_DEFAULTS } from '../../functions/core/schedule.js';
import { tick } from '../../functions/core/tick.js';
import { parseDurationMs } from '../../functions/core/time.js';
import type { TickOutcome } from '../../functions/core/types.js';
import { type BenchEnv, benchDeps, countedClient, MINUTE_MS, makeJobs, manualClock, RunTally, type ScenarioResult } from '../bench-env.js';
import type { RequestCounts } from '../request-counter.js';

/** Requests of one case, and the outcome it gave. */
export interface RequestCase {
  case: string;
  outcome: string;
  /** Jobs the counts cover (the idle case ticks many and divides). */
  jobs: number;
  counts: RequestCounts;
}

/** What scenario 1 measured. */
export interface RequestsPerRun {
  cases: RequestCase[];
  heartbeat: { leaseMs: number; runMs: number; heartbeatWrites: number; writesPerMinuteOfRunAtDefaultLease: number };
}

const T0 = Date.parse('2026-01-05T10:00:00.000Z');
/** No heartbeats on their own: these cases finish long before a third of the lease. */
const noBeats: Scheduler = () => () => {};

function kinds(outcomes: TickOutcome[]): string {
  return [...new Set(outcomes.map((o) => o.outcome))].join(',');
}

/** Runs scenario 1. `idleJobs` not-due jobs are ticked at once for the idle case. */
export async function requestsPerRun(env: BenchEnv, options: { idleJobs: number }): Promise<ScenarioResult<RequestsPerRun>> {
  const failures: string[] = [];
  const cases: RequestCase[] = [];
  const expect = (label: string, outcomes: TickOutcome[], wanted: string): void => {
    const got = kinds(outcomes);
    if (got !== wanted) failures.push(`${label}: expected outcome ${wanted}, got ${got} (${JSON.stringify(outcomes).slice(0, 300)})`);
  };
  const tally = new RunTally();
  const handlers = { Work: tally.handler };
  const job = makeJobs(1, { lease: '5m' });
  // A run's own requests: the runtime jobs' listing (one Scan of their index) is per tick,
  // not per run, and is counted by the idle tick below.
  const perRun = { jobs: job, runtimeJobs: false } as const;

  // One scheduled run, then a later tick of the same slot by another instance (a duplicate).
  {
    const tableName = await env.newTable();
    const clock = manualClock(T0 + 500);
    const a = countedClient(env);
    const ran = await tick(benchDeps(a.client, tableName, 'node-a', handlers, { clock, scheduler: noBeats }), perRun);
    expect('scheduled run', ran, 'ran');
    cases.push({ case: 'scheduled run', outcome: kinds(ran), jobs: 1, counts: a.counter.snapshot() });
    clock.set(T0 + 5_000);
    const b = countedClient(env);
    const dup = await tick(benchDeps(b.client, tableName, 'node-b', handlers, { clock, scheduler: noBeats }), perRun);
    expect('duplicate tick', dup, 'duplicate');
    cases.push({ case: 'duplicate tick', outcome: kinds(dup), jobs: 1, counts: b.counter.snapshot() });
    a.client.destroy();
    b.client.destroy();
  }

  // A run still holding the lease when the next slot comes: the next slot is a locked skip.
  {
    const tableName = await env.newTable();
    const clock = manualClock(T0 + 500);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const a = countedClient(env);
    const longRun = tick(
      benchDeps(
        a.client,
        tableName,
        'node-a',
        {
          Work: () => {
            started();
            return held;
          },
        },
        { clock, scheduler: noBeats },
      ),
      {
        jobs: job,
      },
    );
    await running;
    clock.set(T0 + MINUTE_MS + 500);
    const b = countedClient(env);
    const locked = await tick(benchDeps(b.client, tableName, 'node-b', handlers, { clock, scheduler: noBeats }), perRun);
    expect('locked skip', locked, 'locked');
    cases.push({ case: 'locked skip', outcome: kinds(locked), jobs: 1, counts: b.counter.snapshot() });
    release();
    expect('long run', await longRun, 'ran');
    a.client.destroy();
    b.client.destroy();
  }

  // Jobs that are not due: hourly jobs ticked half-way through the hour.
  {
    const tableName = await env.newTable();
    const clock = manualClock(T0 + 30 * MINUTE_MS + 500);
    const idle = makeJobs(options.idleJobs, { cron: '0 * * * *' });
    const a = countedClient(env);
    const outcomes = await tick(benchDeps(a.client, tableName, 'node-a', handlers, { clock, scheduler: noBeats }), { jobs: idle });
    expect('idle tick', outcomes, 'not-due');
    const counts = a.counter.snapshot();
    if (counts.writes > 0) failures.push(`idle tick: ${counts.writes} writes for ${options.idleJobs} jobs that are not due (goal: none)`);
    // Its reads are the runtime jobs' listing (one Query a shard of the due index) and, once a minute, the repair
    // sweep's look for a page (its cursor, and each empty shard), whatever the file's jobs.
    cases.push({ case: `idle tick (${options.idleJobs} jobs not due), per job`, outcome: kinds(outcomes), jobs: options.idleJobs, counts });
    a.client.destroy();
  }

  // Heartbeats: a run of 2.5 s with a 3 s lease renews every second, on the real clock.
  const leaseMs = 3_000;
  const runMs = 2_500;
  let heartbeatWrites = 0;
  {
    const tableName = await env.newTable();
    const a = countedClient(env);
    const slotJob = makeJobs(1, { lease: '3s' });
    const atMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS + 500;
    const outcomes = await tick(
      benchDeps(a.client, tableName, 'node-a', { Work: () => new Promise((resolve) => setTimeout(resolve, runMs)) }),
      { jobs: slotJob, atMs },
    );
    expect('heartbeat run', outcomes, 'ran');
    const scheduled = cases[0]!.counts;
    heartbeatWrites = a.counter.snapshot().writes - scheduled.writes;
    if (heartbeatWrites < 1) failures.push(`heartbeat run: a ${runMs} ms run with a ${leaseMs} ms lease wrote no heartbeat`);
    a.client.destroy();
  }
  const defaultLeaseMs = parseDurationMs(JOB_DEFAULTS.lease)!;
  return {
    name: 'requests per run',
    data: {
      cases,
      heartbeat: {
        leaseMs,
        runMs,
        heartbeatWrites,
        writesPerMinuteOfRunAtDefaultLease: (MINUTE_MS / defaultLeaseMs) * HEARTBEATS_PER_LEASE,
      },
    },
    failures,
  };
}

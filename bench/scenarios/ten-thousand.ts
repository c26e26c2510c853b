/**
 * Scenario 7 (issue 16): 10,000 runtime jobs. (1) A tick's requests and time by the jobs due,
 * not defined, each next to a table holding only the due jobs (due-tick-cost.ts); (2) the start
 * lag of many jobs due at one slot, with 1 and K worker processes (start-lag.ts); (3) the monthly
 * bill of 10,000 jobs every 15 minutes from the requests measured in (1), next to EventBridge
 * Scheduler's price for the same runs.
 */
import { loadavg } from 'node:os';
import { DEFAULT_MAX_JOBS_PER_TICK, partsFor } from '../../functions/core/fan-out.js';
import type { BenchEnv, ScenarioResult } from '../bench-env.js';
import { fitLine, lineAt, type ScaleCost, type ScaleCostInput, scaleMonthlyCost } from '../scale-math.js';
import { type DueTickCost, type DueTickRow, dueTickCost } from './due-tick-cost.js';
import { type StartLagRow, startLag } from './start-lag.js';

/** The bill's assumptions, and the bill. */
export interface TenThousandCost {
  input: ScaleCostInput;
  /** Where each input comes from. */
  sources: string[];
  cost: ScaleCost;
  /** The same with 3 index write units a run instead of 1 (both of the due index's writes on a key change, and runtimeJobs' projected nextDueMs). */
  withAllIndexWrites: ScaleCost;
}

/** What scenario 7 measured. */
export interface TenThousand {
  /** When it started, and the machine's load then (the scenario may be rendered inside an older report). */
  startedAt: string;
  loadAverage1m: number;
  dueTicks: DueTickCost;
  startLag: StartLagRow[];
  cost?: TenThousandCost;
}

/** The construct's default memory for the tick function (infra/cluster-cron.ts). */
const DEPLOYED_MEMORY_MB = 256;
const COST_JOBS = 10_000;
const COST_PERIOD_MINUTES = 15;

const reads = (row: DueTickRow['requests']): number => (row.byType.Query ?? 0) + (row.byType.Scan ?? 0) + (row.byType.Get ?? 0);
const writes = (row: DueTickRow['requests']): number => row.total - reads(row);
/** A read is at least half a unit (eventually consistent); dynalite reports 0 for a Query that returns nothing. */
const listingUnits = (row: DueTickRow['requests']): number => Math.max(row.listingReadUnits, 0.5 * row.listingRequests);

/** The bill of 10,000 jobs every 15 minutes, from the rows of `dueTicks` (its largest due count for the runs). */
export function costFromTicks(dueTicks: DueTickCost, lambdaMemoryMb: number | 'auto'): TenThousandCost {
  const rows = [...dueTicks.rows].sort((a, b) => a.due - b.due);
  const largest = rows.at(-1)!;
  const duePerMinute = COST_JOBS / COST_PERIOD_MINUTES;
  const r = largest.requests;
  // The table's own reads of the runs: every read but the listing's and the attempts that failed
  // (sent again: a local artefact, table 7a), at least 1 unit each (strongly consistent).
  const failed = Object.values(r.errors ?? {}).reduce((sum, n) => sum + n, 0);
  const tableReads = reads(r) - r.listingRequests - failed;
  const readUnitsPerRun = Math.max(r.readUnits - r.listingReadUnits, tableReads) / largest.due;
  const writeUnitsPerRun = Math.max(r.writeUnits, writes(r)) / largest.due;
  const tickLine = fitLine(rows.map((row) => [row.due, row.tickMedianMs]));
  const listingLine = fitLine(rows.map((row) => [row.due, listingUnits(row.requests)]));
  const memoryMb = lambdaMemoryMb === 'auto' ? DEPLOYED_MEMORY_MB : lambdaMemoryMb;
  const input: ScaleCostInput = {
    jobs: COST_JOBS,
    periodMinutes: COST_PERIOD_MINUTES,
    readUnitsPerRun: Math.round(readUnitsPerRun * 1000) / 1000,
    writeUnitsPerRun: Math.round(writeUnitsPerRun * 1000) / 1000,
    indexWriteUnitsPerRun: 1,
    listingReadUnitsPerTick: Math.round(lineAt(listingLine, duePerMinute) * 100) / 100,
    tickMs: Math.round(lineAt(tickLine, duePerMinute)),
    lambdaMemoryMb: memoryMb,
    invocationsPerTick: partsFor(duePerMinute, DEFAULT_MAX_JOBS_PER_TICK),
    metrics: 1,
    alarms: 1,
  };
  const points = rows.map((row) => `${row.due} due: ${row.tickMedianMs} ms, ${listingUnits(row.requests)} listing RRU`).join('; ');
  const sources = [
    `runs: ${COST_JOBS.toLocaleString('en-US')} jobs every ${COST_PERIOD_MINUTES} minutes, spread over the quarter hour (${Math.round(duePerMinute)} due a minute), one tick a minute`,
    `per run, measured (the tick of ${largest.due} due with ${largest.defined.toLocaleString('en-US')} defined): ${input.readUnitsPerRun} RRU, ${input.writeUnitsPerRun} WRU (at least 1 unit a request); plus 1 index WU assumed for the due index on the acquire`,
    `per tick, fitted to the measured ticks with ${largest.defined.toLocaleString('en-US')} defined (${points}): ${input.tickMs} ms, ${input.listingReadUnitsPerTick} listing RRU at ${Math.round(duePerMinute)} due`,
    `Lambda: ${memoryMb} MB (${lambdaMemoryMb === 'auto' ? "the construct's default" : 'given'}), the local tick time billed (not AWS latency; handler time excluded); ${input.invocationsPerTick} invocation(s) a tick (fan-out at ${DEFAULT_MAX_JOBS_PER_TICK} due jobs)`,
    'CloudWatch: the OverdueJobs metric and one alarm on it (its EMF log lines are not counted)',
  ];
  return { input, sources, cost: scaleMonthlyCost(input), withAllIndexWrites: scaleMonthlyCost({ ...input, indexWriteUnitsPerRun: 3 }) };
}

/** Runs scenario 7. */
export async function tenThousand(
  env: BenchEnv,
  options: {
    defined: number;
    dueCounts: number[];
    repeats: number;
    lagJobCounts: number[];
    lagWorkerCounts: number[];
    lambdaMemoryMb: number | 'auto';
  },
): Promise<ScenarioResult<TenThousand>> {
  const failures: string[] = [];
  const startedAt = new Date().toISOString();
  const loadAverage1m = Math.round(loadavg()[0]! * 100) / 100;
  const dueTicks = await dueTickCost(env, options, failures);
  const lags = await startLag({ jobCounts: options.lagJobCounts, workerCounts: options.lagWorkerCounts }, failures);
  let cost: TenThousandCost | undefined;
  try {
    cost = costFromTicks(dueTicks, options.lambdaMemoryMb);
  } catch (error) {
    failures.push(`ten-thousand cost: ${(error as Error).message}`);
  }
  return { name: 'ten thousand', data: { startedAt, loadAverage1m, dueTicks, startLag: lags, ...(cost && { cost }) }, failures };
}

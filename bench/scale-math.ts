/**
 * The arithmetic of the scale scenario (ten-thousand.ts), kept pure so it is unit tested:
 * percentiles of start lags, a straight line through measured (due jobs, tick) points, and the
 * monthly bill of many runtime jobs from the requests one run and one tick's listing made.
 */
import { PRICES, SLOTS_PER_MONTH } from './prices.js';

/** The `p`th percentile (0 to 100) of a non-empty list, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** A line `y = intercept + slope x`. */
export interface Line {
  intercept: number;
  slope: number;
}

/**
 * The least-squares line through `points` ([x, y]); flat when they share one x (a single point
 * says nothing of the slope).
 */
export function fitLine(points: readonly (readonly [number, number])[]): Line {
  if (points.length === 0) return { intercept: 0, slope: 0 };
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const spread = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  if (spread === 0) return { intercept: meanY, slope: 0 };
  const slope = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) / spread;
  return { intercept: meanY - slope * meanX, slope };
}

/** y of `line` at `x`, never below 0. */
export const lineAt = (line: Line, x: number): number => Math.max(0, line.intercept + line.slope * x);

/** What the bill of many runtime jobs is computed from. */
export interface ScaleCostInput {
  jobs: number;
  /** Every this many minutes, each job (spread evenly over the period, so jobs/period are due each minute). */
  periodMinutes: number;
  /** Per run, measured: read and write units of the table (the window's Query; acquire, record, release). */
  readUnitsPerRun: number;
  writeUnitsPerRun: number;
  /** Per run, assumed: index write units (the due index's key changes on the acquire). */
  indexWriteUnitsPerRun: number;
  /** Per tick: read units of the runtime jobs' listing (index Scan or Queries) with this many due. */
  listingReadUnitsPerTick: number;
  /** One tick's time with jobs/period due (billed Lambda duration), and the memory it runs at. */
  tickMs: number;
  lambdaMemoryMb: number;
  /** Invocations per tick (more than 1 when the tick fans out). */
  invocationsPerTick: number;
  /** CloudWatch: custom metrics (OverdueJobs) and alarms on them. */
  metrics: number;
  alarms: number;
}

/** One line of the bill. */
export interface CostLine {
  item: string;
  quantity: string;
  usd: number;
}

/** The monthly bill, line by line, and EventBridge Scheduler's price for the same runs. */
export interface ScaleCost {
  runsPerMonth: number;
  duePerMinute: number;
  lines: CostLine[];
  totalUsd: number;
  /** EventBridge Scheduler: one invocation per run, after its free tier, and without it. */
  schedulerUsd: number;
  schedulerWithoutFreeTierUsd: number;
}

const millions = (n: number): string => `${(n / 1e6).toLocaleString('en-US', { maximumFractionDigits: 2 })} M`;

/** The monthly bill (30 days) of `input` at PRICES. */
export function scaleMonthlyCost(input: ScaleCostInput): ScaleCost {
  const runsPerMonth = input.jobs * (SLOTS_PER_MONTH / input.periodMinutes);
  const duePerMinute = input.jobs / input.periodMinutes;
  const writeUnits = runsPerMonth * input.writeUnitsPerRun;
  const indexUnits = runsPerMonth * input.indexWriteUnitsPerRun;
  const readUnits = runsPerMonth * input.readUnitsPerRun;
  const listingUnits = SLOTS_PER_MONTH * input.listingReadUnitsPerTick;
  const invocations = SLOTS_PER_MONTH * input.invocationsPerTick;
  const gbSeconds = SLOTS_PER_MONTH * (Math.ceil(input.tickMs) / 1000) * (input.lambdaMemoryMb / 1024);
  const write = PRICES.dynamoWritePerMillionUsd / 1e6;
  const read = PRICES.dynamoReadPerMillionUsd / 1e6;
  const lines: CostLine[] = [
    { item: 'DynamoDB writes of the runs', quantity: `${millions(writeUnits)} WRU`, usd: writeUnits * write },
    { item: 'DynamoDB index writes (due index, on the acquire)', quantity: `${millions(indexUnits)} WRU`, usd: indexUnits * write },
    { item: 'DynamoDB reads of the runs', quantity: `${millions(readUnits)} RRU`, usd: readUnits * read },
    { item: "DynamoDB reads of the ticks' listing", quantity: `${millions(listingUnits)} RRU`, usd: listingUnits * read },
    {
      item: 'Lambda duration (arm64)',
      quantity: `${Math.round(gbSeconds).toLocaleString('en-US')} GB-s (${Math.ceil(input.tickMs)} ms a tick at ${input.lambdaMemoryMb} MB)`,
      usd: gbSeconds * PRICES.lambdaArmPerGbSecondUsd,
    },
    { item: 'Lambda requests', quantity: millions(invocations), usd: invocations * (PRICES.lambdaPerMillionRequestsUsd / 1e6) },
    {
      item: 'CloudWatch custom metric (OverdueJobs)',
      quantity: String(input.metrics),
      usd: input.metrics * PRICES.cloudWatchMetricMonthUsd,
    },
    { item: 'CloudWatch alarm', quantity: String(input.alarms), usd: input.alarms * PRICES.cloudWatchAlarmMonthUsd },
    { item: 'EventBridge rule (every minute)', quantity: `${SLOTS_PER_MONTH.toLocaleString('en-US')} events`, usd: 0 },
  ];
  const perInvocation = PRICES.eventBridgeSchedulerPerMillionUsd / 1e6;
  return {
    runsPerMonth,
    duePerMinute,
    lines: lines.map((line) => ({ ...line, usd: round4(line.usd) })),
    totalUsd: round4(lines.reduce((sum, line) => sum + line.usd, 0)),
    schedulerUsd: round4(Math.max(0, runsPerMonth - PRICES.eventBridgeSchedulerFreePerMonth) * perInvocation),
    schedulerWithoutFreeTierUsd: round4(runsPerMonth * perInvocation),
  };
}

const round4 = (value: number): number => Math.round(value * 10_000) / 10_000;

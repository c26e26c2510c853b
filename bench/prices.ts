/**
 * Published on-demand prices (AWS us-east-1, late 2025, after the November 2024 DynamoDB price
 * cut) and the monthly cost of a schedule from the requests one run makes.
 */

/** The prices the benchmark uses, in US dollars. */
export const PRICES = {
  region: 'us-east-1',
  asOf: 'late 2025 (after the Nov 2024 DynamoDB on-demand price cut)',
  dynamoWritePerMillionUsd: 0.625,
  dynamoReadPerMillionUsd: 0.125,
  lambdaArmPerGbSecondUsd: 0.0000133334,
  lambdaPerMillionRequestsUsd: 0.2,
  eventBridgeScheduledRuleUsd: 0,
  /** CloudWatch: a custom metric (first 10,000 metrics), and a standard-resolution alarm on one metric, per month. */
  cloudWatchMetricMonthUsd: 0.3,
  cloudWatchAlarmMonthUsd: 0.1,
  /** EventBridge Scheduler: per million invocations, after the free tier's 14 million a month. */
  eventBridgeSchedulerPerMillionUsd: 1.0,
  eventBridgeSchedulerFreePerMonth: 14_000_000,
  notes: [
    'an item write under 1 KB costs 1 write request unit (WRU), a failed conditional write too',
    'a strongly consistent read (GetItem, or a Query returning under 4 KB) costs 1 read request unit (RRU)',
    'EventBridge scheduled rules are free; Lambda arm64 is billed per ms of duration',
    'CloudWatch: $0.30 per custom metric a month (first 10,000), $0.10 per standard alarm metric a month',
    'EventBridge Scheduler: $1.00 per million invocations after 14 million free a month',
  ],
} as const;

/** A 30-day month of one-minute slots. */
export const SLOTS_PER_MONTH = 30 * 24 * 60;

/** Monthly dollars for a schedule; DynamoDB from request units per run, Lambda from tick time. */
export interface MonthlyCost {
  runsPerMonth: number;
  dynamoUsd: number;
  lambdaUsd: number;
  totalUsd: number;
}

/**
 * Cost of `jobsPerMinute` jobs each running every minute, one tick per minute for all of them:
 * `readUnits`/`writeUnits` per run, `tickMs` per tick at `lambdaMemoryMb`.
 */
export function monthlyCost(input: {
  jobsPerMinute: number;
  readUnits: number;
  writeUnits: number;
  tickMs: number;
  lambdaMemoryMb: number;
}): MonthlyCost {
  const runsPerMonth = input.jobsPerMinute * SLOTS_PER_MONTH;
  const dynamoUsd =
    (runsPerMonth * (input.writeUnits * PRICES.dynamoWritePerMillionUsd + input.readUnits * PRICES.dynamoReadPerMillionUsd)) / 1e6;
  const gbSeconds = SLOTS_PER_MONTH * (Math.ceil(input.tickMs) / 1000) * (input.lambdaMemoryMb / 1024);
  const lambdaUsd = gbSeconds * PRICES.lambdaArmPerGbSecondUsd + (SLOTS_PER_MONTH * PRICES.lambdaPerMillionRequestsUsd) / 1e6;
  return { runsPerMonth, dynamoUsd, lambdaUsd, totalUsd: dynamoUsd + lambdaUsd };
}

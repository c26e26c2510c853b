/**
 * CloudWatch metrics of the tick function: each tick's outcomes mapped to counts, the tick's
 * duration and each run's lag from its slot, written as Embedded Metric Format (EMF) log lines
 * by Powertools for AWS Lambda's Metrics. The infra builds its alarms from the same names.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventLog, TickOutcome } from './core/types.js';

/** The CloudWatch namespace of every cluster-cron metric. */
export const METRICS_NAMESPACE = 'ClusterCron';

/** The dimension that names the job on per-job metrics (`service` is on every metric). */
export const JOB_DIMENSION = 'job';

/**
 * Metric names. Per job (dimensions service + job) as well, for the jobs `perJob` picks (on
 * Lambda: the schedule's, whose not-started alarms read them): Runs, FailedRuns, SelfPausedJobs.
 */
export const TickMetric = {
  /** Runs started (succeeded or failed). */
  runs: 'Runs',
  /** Runs whose handler threw or was stopped by its signal. */
  failedRuns: 'FailedRuns',
  /** Slots another instance had already claimed (redelivered or concurrent ticks). */
  duplicateSlots: 'DuplicateSlots',
  /** Slots skipped because the previous run still held the lease. */
  lockedSlots: 'LockedSlots',
  /** Slots skipped because the job is paused. */
  pausedSlots: 'PausedSlots',
  /** Slots whose turn came after the catch-up window, or over the catch-up limit. */
  missedSlots: 'MissedSlots',
  /** bufferOne: slots parked for the holder to start when it finishes. */
  bufferedSlots: 'BufferedSlots',
  /** bufferOne: slots dropped because one was already buffered. */
  droppedSlots: 'DroppedSlots',
  /** A chain's next link sent to a fresh invocation near the deadline. */
  handOffs: 'HandOffs',
  /** Runs tried more than once (retry.attempts > 1), whatever their final status. */
  retriedRuns: 'RetriedRuns',
  /** Runs whose last attempt passed the job's timeout (recorded `timed-out`). */
  timedOutRuns: 'TimedOutRuns',
  /** Runs that lost their lease while running (a successor may have started). */
  leasesLost: 'LeasesLost',
  /** Jobs that paused themselves after pauseAfterFailures consecutive failed slots (also per job). */
  selfPausedJobs: 'SelfPausedJobs',
  /** Jobs whose tick hit a store error (the invocation fails and is retried). */
  jobErrors: 'JobErrors',
  /**
   * Runtime jobs the due index listed with a slot past its catch-up window that no tick had
   * decided (distinct jobs, per invocation; 0 when none, so a tick that ran always reports it).
   */
  overdueJobs: 'OverdueJobs',
  /** How many parts a fanned-out tick was split into (one invocation each); only on a fan-out. */
  tickParts: 'TickParts',
  /** Outcomes of a kind this mapping does not know yet. */
  otherOutcomes: 'OtherOutcomes',
  /** Wall time of one invocation's tick, runs included. */
  tickDuration: 'TickDuration',
  /** From a slot's time to its run's start (scheduled and catch-up runs, not manual triggers). */
  startLag: 'StartLag',
} as const;

/** The service name on every metric: POWERTOOLS_SERVICE_NAME, as for the logs. */
export function createTickMetrics(env: NodeJS.ProcessEnv = process.env): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'cluster-cron' });
}

/** Options of recordOutcomes. */
export interface RecordOptions {
  /**
   * Whether a job gets metrics of its own (dimension `job`): each is a custom metric billed per
   * month, so a runtime job, which no per-job alarm reads, gets none. @default every job
   */
  perJob?: (job: string) => boolean;
}

/**
 * Adds one tick's outcomes to `metrics` (flushed by the caller), and OverdueJobs every time (0
 * when none). Kinds without a metric of their own (`not-due`, `disabled`) add nothing; a kind
 * added later counts as OtherOutcomes until mapped.
 */
export function recordOutcomes(metrics: Metrics, outcomes: readonly TickOutcome[], options: RecordOptions = {}): void {
  const count = (name: string): void => void metrics.addMetric(name, MetricUnit.Count, 1);
  const perJob = (job: string, name: string): void => {
    if (options.perJob?.(job) ?? true) metrics.singleMetric().addDimension(JOB_DIMENSION, job).addMetric(name, MetricUnit.Count, 1);
  };
  const overdue = new Set<string>();
  for (const outcome of outcomes) {
    switch (outcome.outcome) {
      case 'ran':
      case 'failed':
        count(TickMetric.runs);
        if (outcome.outcome === 'failed') count(TickMetric.failedRuns);
        if (outcome.leaseLost) count(TickMetric.leasesLost);
        if ((outcome.attempts ?? 1) > 1) count(TickMetric.retriedRuns);
        if (outcome.timedOut) count(TickMetric.timedOutRuns);
        // Per job, so each job's alarm sees its own runs; published at once with its dimension.
        perJob(outcome.job, TickMetric.runs);
        if (outcome.outcome === 'failed') perJob(outcome.job, TickMetric.failedRuns);
        break;
      case 'duplicate':
        count(TickMetric.duplicateSlots);
        break;
      case 'locked':
        count(TickMetric.lockedSlots);
        break;
      case 'paused':
        count(TickMetric.pausedSlots);
        break;
      case 'missed':
        metrics.addMetric(TickMetric.missedSlots, MetricUnit.Count, outcome.count ?? 1);
        break;
      case 'buffered':
        count(TickMetric.bufferedSlots);
        break;
      case 'dropped':
        count(TickMetric.droppedSlots);
        break;
      case 'handed-off':
        count(TickMetric.handOffs);
        break;
      case 'self-paused':
        count(TickMetric.selfPausedJobs);
        perJob(outcome.job, TickMetric.selfPausedJobs);
        break;
      case 'error':
        count(TickMetric.jobErrors);
        break;
      case 'overdue':
        overdue.add(outcome.job);
        break;
      case 'fanned-out':
        metrics.addMetric(TickMetric.tickParts, MetricUnit.Count, outcome.parts);
        break;
      case 'not-due':
      case 'disabled':
        break;
      default:
        count(TickMetric.otherOutcomes);
    }
  }
  // Every tick, so the alarm's Maximum reads 0 (not missing) while jobs are on time.
  metrics.addMetric(TickMetric.overdueJobs, MetricUnit.Count, overdue.size);
}

/**
 * Wraps the core's event log so each `run.start` (which carries `lagMs`) adds a StartLag value
 * the moment the run starts. Manual triggers are left out: their slot is the moment of the call.
 */
// Their "slot" is not a cron slot that should have started on time: an operator's call, a
// chain's next link, or a past slot run on purpose.
const LAG_FREE_TRIGGERS = new Set(['manual', 'continuation', 'backfill']);

export function withLagMetric(log: EventLog, metrics: Metrics): EventLog {
  return {
    ...log,
    info(message, attributes) {
      const lagMs = attributes?.lagMs;
      if (message === 'run.start' && typeof lagMs === 'number' && !LAG_FREE_TRIGGERS.has(String(attributes?.trigger))) {
        metrics.addMetric(TickMetric.startLag, MetricUnit.Milliseconds, Math.max(0, lagMs));
      }
      log.info(message, attributes);
    },
  };
}

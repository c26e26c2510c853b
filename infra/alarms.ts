/**
 * The scheduler's alarms: `schedulerAlarm` makes one (its metric, threshold, what no data means,
 * and the SNS action on alarm and on OK), and `tickAlarms` the set ClusterCron has: the tick's
 * errors, failed runs, dead letters, overdue runtime jobs, and one per file job that stopped starting.
 */
import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { formatDurationMs } from '../functions/core/time.js';
import type { JobDefinition } from '../functions/core/types.js';
import { JOB_DIMENSION, TickMetric } from '../functions/metrics.js';
import { notStartedWindow } from './not-started-window.js';

/** One alarm: breaching when the metric is `atLeast` the threshold (something failed) or `below` it (nothing started). */
export interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly description: string;
  readonly breach: 'atLeast' | 'below';
  readonly threshold: number;
  /** Periods in a row that must breach. @default 1 */
  readonly periods?: number;
  /** Sent on alarm and on the return to OK. @default - none */
  readonly action?: cloudwatch.IAlarmAction;
}

function schedulerAlarm(scope: Construct, id: string, spec: AlarmSpec): cloudwatch.Alarm {
  const below = spec.breach === 'below';
  const periods = spec.periods ?? 1;
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric: spec.metric,
    alarmDescription: spec.description,
    threshold: spec.threshold,
    evaluationPeriods: periods,
    ...(below && { datapointsToAlarm: periods }),
    comparisonOperator: below
      ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
      : cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    // No data is no failure for a count of failures, and no start for a count of starts.
    treatMissingData: below ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  if (spec.action) {
    alarm.addAlarmAction(spec.action);
    alarm.addOkAction(spec.action);
  }
  return alarm;
}

/** The alarms of ClusterCron, to add actions of your own. */
export interface TickAlarms {
  tickErrors: cloudwatch.Alarm;
  failedRuns: cloudwatch.Alarm;
  /** A job paused itself after its pauseAfterFailures consecutive failed slots; only when a job sets it. */
  selfPaused?: cloudwatch.Alarm;
  deadLetters: cloudwatch.Alarm;
  /** Runtime jobs went overdue (OverdueJobs): the ticks are not keeping up with the due index. */
  overdueJobs: cloudwatch.Alarm;
  /**
   * No tick finished for TICKS_STOPPED_MINUTES: every tick reports OverdueJobs (0 when none), so
   * its count of data points is the ticks'. The one alarm that sees a deployment of runtime jobs
   * only (no file job's not-started alarm) stop.
   */
  ticksStopped: cloudwatch.Alarm;
  /** Per job name of the file; a job that fires less than weekly has none (see the synth warning). */
  notStarted: Record<string, cloudwatch.Alarm>;
}

/** What the alarms watch. */
export interface TickAlarmsProps {
  readonly serviceName: string;
  readonly jobs: readonly JobDefinition[];
  readonly tickErrors: cloudwatch.IMetric;
  readonly deadLetters: cloudwatch.IMetric;
  /** ClusterCron.metric: one of the tick's metrics, per job with a dimension. */
  readonly metric: (
    name: (typeof TickMetric)[keyof typeof TickMetric],
    dimensions?: Record<string, string>,
    period?: Duration,
  ) => cloudwatch.IMetric;
  readonly timeoutMs: number;
  readonly action?: cloudwatch.IAlarmAction;
}

/** Minutes in a row with an overdue runtime job before the OverdueJobs alarm fires. */
export const OVERDUE_ALARM_MINUTES = 2;

/** Minutes without a finished tick before the TicksStopped alarm fires. */
export const TICKS_STOPPED_MINUTES = 10;

/** The alarms of ClusterCron on the tick's metrics, each with `props.action` on alarm and on OK. */
export function tickAlarms(scope: Construct, props: TickAlarmsProps): TickAlarms {
  const { serviceName, action } = props;
  const failure = { breach: 'atLeast', threshold: 1, ...(action && { action }) } as const;
  const alarms: TickAlarms = {
    tickErrors: schedulerAlarm(scope, 'TickErrorsAlarm', {
      ...failure,
      metric: props.tickErrors,
      description: `cluster-cron ${serviceName}: the tick function failed (a store error, a bad payload, a timeout or a crash); see its log group`,
    }),
    failedRuns: schedulerAlarm(scope, 'FailedRunsAlarm', {
      ...failure,
      metric: props.metric(TickMetric.failedRuns),
      description: `cluster-cron ${serviceName}: a job's handler failed; "cluster-cron history JOB" shows which and why`,
    }),
    deadLetters: schedulerAlarm(scope, 'DeadLettersAlarm', {
      ...failure,
      metric: props.deadLetters,
      description: `cluster-cron ${serviceName}: a tick was given up on: EventBridge could not deliver a minute tick, or an asynchronous invocation of the function (a hand-off, a fanned-out tick's part, the page's trigger) failed every retry; the dead-letter queue holds it`,
    }),
    // Maximum over the invocations of a minute (each reports its own count; with a threshold of 1
    // it decides as their sum would, without counting twice a job two ticks listed). Two minutes
    // in a row: a backlog the ticks do not work off, not one late tick's burst (whose outage the
    // dead-letter and error alarms see). No data is no overdue job: when ticks stop, the
    // not-started alarms of the file's jobs, the dead letters and the tick errors say so.
    overdueJobs: schedulerAlarm(scope, 'OverdueJobsAlarm', {
      ...failure,
      metric: props.metric(TickMetric.overdueJobs, {}, Duration.minutes(1)),
      periods: OVERDUE_ALARM_MINUTES,
      description: `cluster-cron ${serviceName}: runtime jobs went overdue in ${OVERDUE_ALARM_MINUTES} minutes in a row: their slots passed the catch-up window with no tick deciding them (too many due for the ticks: fan-out parts not started, too little concurrency, a throttled table); the tick's "tick.overdue" log lines name them`,
    }),
    // No data is no tick: breaching. Ten minutes: a tick that runs long (its runs finish first,
    // up to the function's timeout) reports late, and one minute's lost delivery is the dead letters'.
    ticksStopped: schedulerAlarm(scope, 'TicksStoppedAlarm', {
      metric: (props.metric(TickMetric.overdueJobs, {}, Duration.minutes(TICKS_STOPPED_MINUTES)) as cloudwatch.Metric).with({
        statistic: cloudwatch.Stats.SAMPLE_COUNT,
      }),
      breach: 'below',
      threshold: 1,
      ...(action && { action }),
      description: `cluster-cron ${serviceName}: no tick finished in ${TICKS_STOPPED_MINUTES} minutes (the minute rule disabled, the function failing at every cold start, its concurrency at 0): no job, in the file or created at run time, is starting`,
    }),
    notStarted: {},
  };
  if (props.jobs.some((job) => job.pauseAfterFailures !== undefined)) {
    alarms.selfPaused = schedulerAlarm(scope, 'SelfPausedAlarm', {
      ...failure,
      metric: props.metric(TickMetric.selfPausedJobs),
      description: `cluster-cron ${serviceName}: a job paused itself after failing slot after slot (pauseAfterFailures); "cluster-cron status JOB" says why, "cluster-cron resume JOB" once it is fixed`,
    });
  }
  for (const job of props.jobs.filter((candidate) => candidate.enabled)) {
    if (job.atMs !== undefined || job.startAtMs !== undefined || job.endAtMs !== undefined) {
      // Its slots stop (or have not begun): an alarm on missing starts would breach outside its bounds.
      Annotations.of(scope).addWarningV2(
        `cluster-cron:noNotStartedAlarm:${job.name}`,
        `job "${job.name}" is ${job.atMs !== undefined ? 'a one-time job ("at")' : 'bounded ("startAt", "endAt")'}: it gets no not-started alarm (it would fire outside its bounds); its failures still raise the failure alarm`,
      );
      continue;
    }
    const window = notStartedWindow(job, props.timeoutMs);
    if (!window) {
      Annotations.of(scope).addWarningV2(
        `cluster-cron:noNotStartedAlarm:${job.name}`,
        `job "${job.name}" ("${job.cron}") fires less than weekly: it gets no not-started alarm (CloudWatch alarms look back at most 7 days)`,
      );
      continue;
    }
    // No data is a minute (or hour) without a start: breaching. All N periods must breach.
    // Job names have no "/", so they are valid construct ids; logical ids add a hash of the path.
    alarms.notStarted[job.name] = schedulerAlarm(scope, `NotStarted-${job.name}`, {
      metric: props.metric(TickMetric.runs, { [JOB_DIMENSION]: job.name }, Duration.seconds(window.periodSec)),
      description: `cluster-cron ${serviceName}: job "${job.name}" has started no run for ${formatDurationMs(window.windowMs)} (its longest gap between slots, plus the function timeout, plus a minute). A paused job alarms too.`,
      breach: 'below',
      threshold: 1,
      periods: window.evaluationPeriods,
      ...(action && { action }),
    });
  }
  return alarms;
}

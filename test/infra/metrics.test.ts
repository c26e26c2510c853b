import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TickOutcome } from '../../functions/core/types.js';
import { createTickMetrics, METRICS_NAMESPACE, recordOutcomes, TickMetric, withLagMetric } from '../../functions/metrics.js';
import { memoryLog } from '../support/local-table.js';

/** An EMF document as these tests read it: its metadata, and its other fields (metric values, dimensions) by name. */
type EmfDocument = {
  _aws: { CloudWatchMetrics: [{ Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }] };
} & Record<string, unknown>;

/** The EMF documents written to stdout while `work` runs. */
function emfOf(work: () => void): EmfDocument[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line.startsWith('{')),
    );
    return true;
  });
  try {
    work();
  } finally {
    spy.mockRestore();
  }
  return lines.map((line) => JSON.parse(line) as EmfDocument).filter((doc) => doc._aws !== undefined);
}

/** Metric name -> summed value, for the service-wide documents (no job dimension). */
function serviceTotals(docs: EmfDocument[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const doc of docs.filter((candidate) => candidate.job === undefined)) {
    for (const { Name } of doc._aws.CloudWatchMetrics[0].Metrics)
      totals[Name] = (totals[Name] ?? 0) + ([doc[Name]].flat() as number[]).reduce((a, b) => a + b, 0);
  }
  return totals;
}

const slot = '2026-11-26T10:00:00.000Z';
afterEach(() => vi.unstubAllEnvs());

describe('the tick metrics', () => {
  it('count each outcome kind under the service, and runs and failures per job too', () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'MyStack-Cron');
    const metrics = createTickMetrics();
    const outcomes: TickOutcome[] = [
      { outcome: 'ran', job: 'a', slot, trigger: 'schedule', fence: 1, durationMs: 5, leaseLost: false },
      { outcome: 'failed', job: 'b', slot, trigger: 'schedule', fence: 2, durationMs: 5, error: 'boom', leaseLost: true },
      { outcome: 'duplicate', job: 'a', slot },
      { outcome: 'locked', job: 'c', slot },
      { outcome: 'paused', job: 'd', slot },
      { outcome: 'missed', job: 'e', slot, lateMs: 100_000 },
      { outcome: 'error', job: 'f', error: 'throttled' },
      { outcome: 'not-due', job: 'g' },
      { outcome: 'disabled', job: 'h' },
    ];
    const docs = emfOf(() => {
      recordOutcomes(metrics, outcomes);
      metrics.publishStoredMetrics();
    });
    expect(docs.every((doc) => doc._aws.CloudWatchMetrics[0].Namespace === METRICS_NAMESPACE && doc.service === 'MyStack-Cron')).toBe(true);
    expect(serviceTotals(docs)).toEqual({
      [TickMetric.runs]: 2,
      [TickMetric.failedRuns]: 1,
      [TickMetric.leasesLost]: 1,
      [TickMetric.duplicateSlots]: 1,
      [TickMetric.lockedSlots]: 1,
      [TickMetric.pausedSlots]: 1,
      [TickMetric.missedSlots]: 1,
      [TickMetric.jobErrors]: 1,
      [TickMetric.overdueJobs]: 0,
    });
    const perJob = docs
      .filter((doc) => doc.job !== undefined)
      .map((doc) => ({ job: doc.job, dimensions: doc._aws.CloudWatchMetrics[0].Dimensions, runs: doc.Runs, failed: doc.FailedRuns }));
    expect(perJob).toEqual([
      { job: 'a', dimensions: [['service', 'job']], runs: 1, failed: undefined },
      { job: 'b', dimensions: [['service', 'job']], runs: 1, failed: undefined },
      { job: 'b', dimensions: [['service', 'job']], runs: undefined, failed: 1 },
    ]);
  });

  it("give per-job metrics only to the jobs perJob picks (the schedule's), counting every job under the service", () => {
    const metrics = createTickMetrics();
    const run = { slot, trigger: 'schedule', fence: 1, durationMs: 5, leaseLost: false } as const;
    const docs = emfOf(() => {
      recordOutcomes(
        metrics,
        [
          { outcome: 'ran', job: 'print', ...run },
          { outcome: 'failed', job: 'tenant-1', ...run, error: 'boom' },
          { outcome: 'self-paused', job: 'tenant-1', slot, failureStreak: 3, error: 'boom' },
        ],
        { perJob: (name) => name === 'print' },
      );
      metrics.publishStoredMetrics();
    });
    expect(docs.filter((doc) => doc.job !== undefined).map((doc) => [doc.job, doc.Runs])).toEqual([['print', 1]]);
    expect(serviceTotals(docs)).toMatchObject({ [TickMetric.runs]: 2, [TickMetric.failedRuns]: 1, [TickMetric.selfPausedJobs]: 1 });
  });

  it('count an outcome kind they do not know yet as OtherOutcomes instead of failing', () => {
    const metrics = createTickMetrics();
    const docs = emfOf(() => {
      recordOutcomes(metrics, [{ outcome: 'someday', job: 'a', slot } as unknown as TickOutcome]);
      metrics.publishStoredMetrics();
    });
    expect(serviceTotals(docs)).toEqual({ [TickMetric.otherOutcomes]: 1, [TickMetric.overdueJobs]: 0 });
  });

  it('count runs tried more than once and runs that timed out, whatever their final status', () => {
    const metrics = createTickMetrics();
    const run = { slot, trigger: 'schedule', fence: 1, durationMs: 5, leaseLost: false } as const;
    const docs = emfOf(() => {
      recordOutcomes(metrics, [
        { outcome: 'ran', job: 'a', ...run, attempts: 3 },
        { outcome: 'failed', job: 'b', ...run, error: 'TimeoutError', attempts: 2, timedOut: true },
        { outcome: 'failed', job: 'c', ...run, error: 'TimeoutError', timedOut: true },
        { outcome: 'ran', job: 'd', ...run },
      ]);
      metrics.publishStoredMetrics();
    });
    expect(serviceTotals(docs)).toMatchObject({ [TickMetric.runs]: 4, [TickMetric.retriedRuns]: 2, [TickMetric.timedOutRuns]: 2 });
  });

  it('count a job that paused itself, under the service and per job', () => {
    const metrics = createTickMetrics();
    const docs = emfOf(() => {
      recordOutcomes(metrics, [{ outcome: 'self-paused', job: 'report', slot, failureStreak: 3, error: 'boom' }]);
      metrics.publishStoredMetrics();
    });
    expect(serviceTotals(docs)).toEqual({ [TickMetric.selfPausedJobs]: 1, [TickMetric.overdueJobs]: 0 });
    expect(docs.filter((doc) => doc.job === 'report').map((doc) => doc[TickMetric.selfPausedJobs])).toEqual([1]);
  });

  it('count buffered, dropped and handed-off slots, and every slot of a missed outcome', () => {
    const metrics = createTickMetrics();
    const docs = emfOf(() => {
      recordOutcomes(metrics, [
        { outcome: 'buffered', job: 'a', slot },
        { outcome: 'dropped', job: 'a', slot, bufferedSlot: slot },
        { outcome: 'handed-off', job: 'a', slot, fence: 3, trigger: 'continuation' },
        { outcome: 'missed', job: 'a', slot, lateMs: 1_000, why: 'limit', count: 59 },
      ]);
      metrics.publishStoredMetrics();
    });
    expect(serviceTotals(docs)).toEqual({
      [TickMetric.bufferedSlots]: 1,
      [TickMetric.droppedSlots]: 1,
      [TickMetric.handOffs]: 1,
      [TickMetric.missedSlots]: 59,
      [TickMetric.overdueJobs]: 0,
    });
  });

  it('count the distinct overdue jobs of a tick in one OverdueJobs value, with no job dimension', () => {
    const metrics = createTickMetrics();
    const docs = emfOf(() => {
      recordOutcomes(metrics, [
        { outcome: 'overdue', job: 'a', slot, lateMs: 120_000 },
        { outcome: 'missed', job: 'a', slot, lateMs: 120_000 },
        // Two overdue slots of one job are one overdue job.
        { outcome: 'overdue', job: 'a', slot: '2026-11-26T10:01:00.000Z', lateMs: 60_000 },
        { outcome: 'overdue', job: 'b', slot, lateMs: 95_000 },
      ]);
      metrics.publishStoredMetrics();
    });
    expect(serviceTotals(docs)).toEqual({ [TickMetric.missedSlots]: 1, [TickMetric.overdueJobs]: 2 });
    const overdueDocs = docs.filter((doc) => doc[TickMetric.overdueJobs] !== undefined);
    expect(overdueDocs.map((doc) => [doc[TickMetric.overdueJobs], doc._aws.CloudWatchMetrics[0].Dimensions])).toEqual([[2, [['service']]]]);
  });

  it('report OverdueJobs as 0 on every tick without one, an empty tick included, so no data means no tick', () => {
    for (const outcomes of [[], [{ outcome: 'not-due', job: 'a' }] as TickOutcome[]]) {
      const metrics = createTickMetrics();
      const docs = emfOf(() => {
        recordOutcomes(metrics, outcomes);
        metrics.publishStoredMetrics();
      });
      expect(serviceTotals(docs)).toEqual({ [TickMetric.overdueJobs]: 0 });
    }
  });

  it('record the parts of a fanned-out tick as TickParts, not as an outcome of an unknown kind', () => {
    const metrics = createTickMetrics();
    const docs = emfOf(() => {
      recordOutcomes(metrics, [{ outcome: 'fanned-out', job: '*', parts: 4, due: 1_000 }]);
      metrics.publishStoredMetrics();
    });
    expect(serviceTotals(docs)).toEqual({ [TickMetric.tickParts]: 4, [TickMetric.overdueJobs]: 0 });
  });

  it("record each scheduled run's lag from its slot when it starts, but not a manual trigger's", () => {
    const metrics = createTickMetrics();
    const log = memoryLog();
    const tapped = withLagMetric(log, metrics);
    const docs = emfOf(() => {
      tapped.info('run.start', { job: 'a', trigger: 'schedule', lagMs: 1_250 });
      tapped.info('run.start', { job: 'a', trigger: 'catch-up', lagMs: 61_000 });
      tapped.info('run.start', { job: 'a', trigger: 'manual', lagMs: 3 });
      tapped.info('run.end', { job: 'a', durationMs: 10 });
      metrics.publishStoredMetrics();
    });
    expect(docs).toHaveLength(1);
    expect(docs[0]![TickMetric.startLag]).toEqual([1_250, 61_000]);
    expect(docs[0]!._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: TickMetric.startLag, Unit: 'Milliseconds' }]);
    // The log still gets every event, unchanged.
    expect(log.events.map((event) => [event.message, event.attributes.trigger])).toEqual([
      ['run.start', 'schedule'],
      ['run.start', 'catch-up'],
      ['run.start', 'manual'],
      ['run.end', undefined],
    ]);
  });
});

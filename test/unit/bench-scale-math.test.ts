import { describe, expect, it } from 'vitest';
import { fitLine, lineAt, percentile, scaleMonthlyCost } from '../../bench/scale-math.js';
import { dueGroups, dueIndexAt } from '../../bench/scenarios/due-tick-cost.js';

describe('the scale benchmark arithmetic', () => {
  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('fits a line through the measured ticks, flat from a single due count', () => {
    const line = fitLine([
      [10, 120],
      [100, 300],
      [1_000, 2_100],
    ]);
    expect(line.slope).toBeCloseTo(2, 5);
    expect(line.intercept).toBeCloseTo(100, 5);
    expect(lineAt(line, 500)).toBeCloseTo(1_100, 5);
    expect(fitLine([[10, 95]])).toEqual({ intercept: 95, slope: 0 });
    expect(lineAt({ intercept: -5, slope: 0 }, 1)).toBe(0);
  });

  it('groups the due jobs so each due count has its minutes', () => {
    expect(dueGroups([10, 100, 1_000])).toEqual([
      { count: 10, cron: '* * * * *', everyMinutes: 1 },
      { count: 90, cron: '*/2 * * * *', everyMinutes: 2 },
      { count: 900, cron: '*/4 * * * *', everyMinutes: 4 },
    ]);
    const counts = [10, 100, 1_000];
    expect([0, 1, 2, 3, 4, 5, 6].map((m) => counts[dueIndexAt(counts, m)])).toEqual([1_000, 10, 100, 10, 1_000, 10, 100]);
    expect([0, 1, 2].map((m) => dueIndexAt([10], m))).toEqual([0, 0, 0]);
    expect(() => dueGroups([1, 2, 3, 4])).toThrow(/at most 3/);
  });

  it('bills 10,000 jobs every 15 minutes from the units of a run', () => {
    const cost = scaleMonthlyCost({
      jobs: 10_000,
      periodMinutes: 15,
      readUnitsPerRun: 1,
      writeUnitsPerRun: 3,
      indexWriteUnitsPerRun: 1,
      listingReadUnitsPerTick: 2,
      tickMs: 999.2,
      lambdaMemoryMb: 512,
      invocationsPerTick: 3,
      metrics: 1,
      alarms: 1,
    });
    expect(cost.runsPerMonth).toBe(28_800_000);
    const usd = Object.fromEntries(cost.lines.map((line) => [line.item, line.usd]));
    expect(usd['DynamoDB writes of the runs']).toBeCloseTo(54, 4);
    expect(usd['DynamoDB index writes (due index, on the acquire)']).toBeCloseTo(18, 4);
    expect(usd['DynamoDB reads of the runs']).toBeCloseTo(3.6, 4);
    expect(usd["DynamoDB reads of the ticks' listing"]).toBeCloseTo(0.0108, 4);
    // 43,200 ticks x 1 s x 0.5 GB = 21,600 GB-s.
    expect(usd['Lambda duration (arm64)']).toBeCloseTo(21_600 * 0.0000133334, 4);
    expect(usd['Lambda requests']).toBeCloseTo(0.0259, 4);
    expect(usd['CloudWatch custom metric (OverdueJobs)']).toBe(0.3);
    expect(usd['CloudWatch alarm']).toBe(0.1);
    expect(cost.schedulerUsd).toBeCloseTo(14.8, 4);
    expect(cost.schedulerWithoutFreeTierUsd).toBeCloseTo(28.8, 4);
    expect(cost.totalUsd).toBeCloseTo(
      cost.lines.reduce((sum, line) => sum + line.usd, 0),
      3,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { countSlots } from '../../functions/core/job-status.js';
import { toRunView } from '../../functions/ui/job-view.js';
import type { JobView, RunView } from '../../ui/src/api-types.js';
import { describeRun } from '../../ui/src/format.js';
import { assignLanes, attemptStartsMs, barEndMs, barKindOf, buildTimeline, type TimelineBar } from '../../ui/src/timeline-data.js';
import { jobDefinition } from '../support/job-definition.js';
import { slotItem } from '../support/slot-item.js';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

function run(slotSec: number, fields: Partial<RunView>): RunView {
  return {
    slotMs: T0 + slotSec * 1_000,
    slot: new Date(T0 + slotSec * 1_000).toISOString(),
    trigger: 'schedule',
    status: 'succeeded',
    ...fields,
  };
}

function job(name: string, runs: RunView[], extra: Partial<JobView> = {}): JobView {
  return {
    name,
    cron: '* * * * * *',
    cronInWords: 'Every second',
    done: false,
    timezone: 'UTC',
    handler: 'PrintWorker',
    enabled: true,
    overlap: 'skip',
    continuous: false,
    leaseMs: 5_000,
    catchupWindowMs: 10_000,
    catchupLimit: 1,
    paused: false,
    fence: 1,
    lock: null,
    lastOutcome: null,
    nextMs: [],
    windowStartMs: T0 - 60_000,
    runs,
    missedMs: [],
    // A job with no history: every counter zero.
    counters: countSlots(jobDefinition(), [], T0),
    ...extra,
  };
}

const bar = (startSec: number, endSec: number): TimelineBar => ({
  row: 0,
  lane: -1,
  startMs: T0 + startSec * 1_000,
  endMs: T0 + endSec * 1_000,
  kind: 'succeeded',
  run: run(startSec, {}),
  overlaps: false,
});

describe('the timeline model', () => {
  it('keeps runs that follow each other on one lane, and moves a run that overlaps to a second lane', () => {
    const back = [bar(0, 2), bar(2, 3), bar(4, 6)];
    expect(assignLanes(back)).toBe(1);
    expect(back.map((item) => [item.lane, item.overlaps])).toEqual([
      [0, false],
      [0, false],
      [0, false],
    ]);

    const overlapping = [bar(5, 6), bar(0, 4), bar(3, 5)];
    expect(assignLanes(overlapping)).toBe(2);
    expect(overlapping.map((item) => [item.startMs - T0, item.lane, item.overlaps])).toEqual([
      [0, 0, false],
      [3_000, 1, true],
      [5_000, 0, false],
    ]);
  });

  it('draws started runs as bars by outcome and the other slots as markers by fate', () => {
    const runs = [
      run(0, { startedAtMs: T0 + 40, finishedAtMs: T0 + 900, durationMs: 860 }),
      run(1, { status: 'failed', startedAtMs: T0 + 1_010, durationMs: 500, error: 'boom' }),
      run(2, { status: 'claimed', startedAtMs: T0 + 2_005 }),
      run(3, { status: 'skipped', reason: 'locked' }),
      run(4, { status: 'skipped', reason: 'paused' }),
      run(5, { status: 'skipped', reason: 'dropped' }),
      run(6, { status: 'buffered' }),
      run(7, { status: 'lost', startedAtMs: T0 + 7_000 }),
    ];
    const nowMs = T0 + 9_000;
    const model = buildTimeline(
      [job('a', runs, { missedMs: [T0 + 8_000], nextMs: [T0 + 10_000, T0 + 60_000] })],
      nowMs,
      T0 - 1_000,
      T0 + 20_000,
    );
    expect(model.bars.map((item) => [item.kind, item.startMs - T0, item.endMs - T0])).toEqual([
      ['succeeded', 40, 900],
      ['failed', 1_010, 1_510],
      ['running', 2_005, 9_000],
      ['lost', 7_000, 9_000],
    ]);
    expect(model.markers.map((item) => [item.kind, item.atMs - T0])).toEqual([
      ['skipped', 3_000],
      ['paused', 4_000],
      ['dropped', 5_000],
      ['buffered', 6_000],
      ['missed', 8_000],
      ['next', 10_000],
    ]);
    // The lost run (from 7 s) started while the running one (from 2 s) still held lane 0: lane 1.
    expect(model.rows).toEqual([{ job: 'a', lanes: 2 }]);
  });

  it('leaves out what is outside the window, and gives each job its own row in order', () => {
    const model = buildTimeline(
      [
        job('old', [run(-100, { startedAtMs: T0 - 100_000, durationMs: 1_000 })]),
        job('new', [run(5, { startedAtMs: T0 + 5_000, durationMs: 1_000 })]),
      ],
      T0 + 10_000,
      T0,
      T0 + 11_000,
    );
    expect(model.rows.map((row) => row.job)).toEqual(['old', 'new']);
    expect(model.bars.map((item) => item.row)).toEqual([1]);
  });

  it('draws a running overlap: allow run from its claim, as it holds no lease to take the start from', () => {
    const running = run(0, { status: 'claimed', claimedAtMs: T0 + 20 });
    const nowMs = T0 + 3_000;
    expect(
      buildTimeline([job('par', [running], { overlap: 'allow' })], nowMs, T0, nowMs).bars.map((item) => [
        item.kind,
        item.startMs - T0,
        item.endMs - T0,
      ]),
    ).toEqual([['running', 20, 3_000]]);
    // Under a lease, a claim without a start is a slot waiting for it.
    expect(buildTimeline([job('one', [running])], nowMs, T0, nowMs).markers.map((item) => item.kind)).toEqual(['buffered']);
  });

  it('ends a lost run that recorded no end where its lease lapsed', () => {
    expect(barEndMs(run(0, { status: 'lost', startedAtMs: T0 }), 'lost', T0 + 60_000, 5_000)).toBe(T0 + 5_000);
  });
});

describe("a retried or timed-out run's bar", () => {
  const attempts: NonNullable<RunView['attempts']> = [
    { attempt: 1, status: 'failed', startedAtMs: T0 + 100, durationMs: 300, error: 'Error: down' },
    { attempt: 2, status: 'timed-out', startedAtMs: T0 + 1_400, durationMs: 2_000, error: 'TimeoutError: slow' },
    { attempt: 3, status: 'succeeded', startedAtMs: T0 + 4_000, durationMs: 200 },
  ];
  const run = (extra: Partial<RunView>): RunView => ({
    slotMs: T0,
    slot: new Date(T0).toISOString(),
    trigger: 'schedule',
    status: 'succeeded',
    startedAtMs: T0 + 100,
    durationMs: 4_100,
    ...extra,
  });

  it('is divided where each attempt after the first began', () => {
    expect(attemptStartsMs(run({ attempts }))).toEqual([T0 + 1_400, T0 + 4_000]);
    expect(attemptStartsMs(run({}))).toEqual([]);
  });

  it('is drawn as timed out when its last attempt passed the timeout', () => {
    expect(barKindOf(run({ status: 'timed-out' }))).toBe('timed-out');
  });

  it("tells each attempt in the bar's tooltip, and why the attempts left were not made", () => {
    const lines = describeRun(
      run({ status: 'failed', attempts: attempts.slice(0, 2), attemptsLeft: 1, retryStopped: 'deadline' }),
      T0 + 10_000,
    );
    expect(lines[0]).toBe('failed after 2 attempts (schedule)');
    expect(lines).toContain('attempt 1: failed after 300 ms: Error: down');
    expect(lines).toContain('attempt 2: timed-out after 2.0 s: TimeoutError: slow');
    expect(lines).toContain('1 attempt(s) left, not made (deadline)');
  });
});

describe('toRunView of a retried run', () => {
  it('passes on its attempts and what stopped the ones left', () => {
    const attempts = [{ attempt: 1, status: 'timed-out' as const, startedAtMs: T0 + 100, durationMs: 2_500, error: 'TimeoutError: slow' }];
    const item = slotItem(T0, { status: 'timed-out', attempts, attemptsLeft: 2, retryStopped: 'cut-off', cutOff: true });
    expect(toRunView(item, undefined, T0 + 60_000)).toMatchObject({
      status: 'timed-out',
      attempts,
      attemptsLeft: 2,
      retryStopped: 'cut-off',
      cutOff: true,
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  describeCron,
  describeLock,
  describeSlot,
  formatMs,
  formatTime,
  outcomeDetail,
  printJobStatus,
} from '../../functions/cli/format.js';
import type { JobStatus } from '../../functions/core/job-status.js';
import type { LockItem, SlotItem } from '../../functions/core/store.js';
import { type JobDefinition, OverlapPolicy } from '../../functions/core/types.js';
import { toRunView } from '../../functions/ui/job-view.js';
import { slotItem } from '../support/slot-item.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const lock = (extra: Partial<LockItem>): LockItem => ({ pk: 'JOB#print', sk: 'STATE', fence: 4, ...extra });
const slot = (extra: Partial<SlotItem>): SlotItem => slotItem(T0, { status: 'claimed', claimedBy: 'a#1', ...extra });

describe('CLI formatting', () => {
  it("agrees with the status page on whether a claim runs: only while its holder's lease is live", () => {
    const held = lock({ holder: 'a#1', leaseUntilMs: T0 + 60_000 });
    for (const nowMs of [T0 + 1_000, T0 + 60_000, T0 + 60_001, T0 + 3_600_000]) {
      const pageSaysRunning = toRunView(slot({}), held, nowMs).status === 'running';
      const cliSaysRunning = describeSlot(slot({}), held, nowMs).startsWith('running');
      expect(cliSaysRunning, `at +${nowMs - T0} ms`).toBe(pageSaysRunning);
      expect(pageSaysRunning).toBe(nowMs <= T0 + 60_000);
    }
    expect(describeSlot(slot({}), held, T0 + 60_001)).toBe(
      'claimed, no outcome yet: the lease of a#1 lapsed (recorded lost when the next run takes the lease)',
    );
  });

  it('tells a running claim from one whose claimant is gone', () => {
    expect(describeSlot(slot({}), lock({ holder: 'a#1' }))).toBe('running (fence 4)');
    expect(describeSlot(slot({}), lock({ holder: 'b#2' }))).toBe('claimed, no outcome yet (recorded lost once its lease has passed)');
    expect(describeSlot(slot({}), undefined)).toBe('claimed, no outcome yet (recorded lost once its lease has passed)');
  });

  it('says why a slot was skipped or failed', () => {
    expect(describeSlot(slot({ status: 'skipped', reason: 'locked', heldBy: 'b#2', heldFence: 3 }), undefined)).toBe(
      'skipped: locked by b#2 (fence 3)',
    );
    expect(describeSlot(slot({ status: 'skipped', reason: 'paused' }), undefined)).toBe('skipped: paused');
    expect(describeSlot(slot({ status: 'failed', error: 'Error: boom' }), undefined)).toBe('failed: Error: boom');
  });

  it('describes a lock as free, held until a time, or expired', () => {
    expect(describeLock(undefined, T0)).toBe('free');
    expect(describeLock(lock({ holder: 'a#1', leaseUntilMs: T0 + 30_000 }), T0)).toBe('held by a#1 until 2026-11-26T10:00:30Z');
    expect(describeLock(lock({ holder: 'a#1', leaseUntilMs: T0 - 5_000 }), T0)).toBe('held by a#1 EXPIRED 5.0s ago');
  });

  it('formats durations and times in UTC and the job zone', () => {
    expect([formatMs(850), formatMs(12_300), formatMs(245_000), formatMs(undefined)]).toEqual(['850ms', '12.3s', '4m05s', '-']);
    expect(formatTime(T0)).toBe('2026-11-26T10:00:00Z');
    expect(formatTime(T0, 'America/Chicago')).toBe('2026-11-26T10:00:00Z (2026-11-26 04:00:00 CST)');
  });

  it('shows a minute and a half-second just under the next minute as the next minute, not 60 seconds', () => {
    expect(formatMs(119_600)).toBe('2m00s');
    expect(formatMs(179_999)).toBe('3m00s');
  });

  describe('a cron in plain words', () => {
    it('reads a seconds cron and a five-field cron', () => {
      expect(describeCron('*/2 * * * * *')).toBe('Every 2 seconds');
      expect(describeCron('* * * * *')).toBe('Every minute');
      expect(describeCron('0 9 * * 1-5')).toBe('At 09:00, Monday through Friday');
    });

    it('falls back to the expression itself where cronstrue cannot read it (H)', () => {
      expect(describeCron('H * * * *')).toBe('H * * * *');
      expect(describeCron('H/5 * * * *')).toBe('H/5 * * * *');
    });
  });

  describe('slots of bufferOne', () => {
    const buffered = slot({ status: 'buffered', trigger: 'buffer', claimedBy: 'c#3' });

    it('tells a buffered slot waiting behind the holder from one that is starting or stranded', () => {
      expect(describeSlot(buffered, lock({ holder: 'a#1', pendingToken: 'c#3', pendingSlotMs: T0 }))).toBe('buffered behind a#1 (fence 4)');
      expect(describeSlot(buffered, lock({ holder: 'c#3' }))).toBe('starting (fence 4)');
      expect(describeSlot(buffered, lock({ holder: 'a#1', pendingToken: 'd#9' }))).toBe(
        'buffered, not started (recorded lost once a lease has passed)',
      );
      expect(describeSlot(buffered, undefined)).toBe('buffered, not started (recorded lost once a lease has passed)');
    });

    it('says which buffered slot a dropped slot found in the way', () => {
      expect(describeSlot(slot({ status: 'skipped', reason: 'dropped', bufferedSlotMs: T0 - 60_000 }), undefined)).toBe(
        'dropped: slot 2026-11-26T09:59:00Z was already buffered',
      );
      expect(describeSlot(slot({ status: 'skipped', reason: 'dropped' }), undefined)).toBe('dropped: one slot was already buffered');
    });
  });

  describe('outcomes of the overlap policies and catch-up', () => {
    const at = '2026-11-26T10:00:00.000Z';

    it('explains buffered, dropped and handed-off', () => {
      expect(outcomeDetail({ outcome: 'buffered', job: 'print', slot: at, heldBy: 'a#1', heldFence: 4 })).toBe(
        'waits for the running holder; starts the moment it finishes',
      );
      expect(outcomeDetail({ outcome: 'dropped', job: 'print', slot: at, bufferedSlot: '2026-11-26T09:59:00.000Z' })).toBe(
        'a slot (2026-11-26T09:59:00.000Z) is already buffered',
      );
      expect(outcomeDetail({ outcome: 'dropped', job: 'print', slot: at })).toBe('a slot (?) is already buffered');
      expect(outcomeDetail({ outcome: 'handed-off', job: 'print', slot: at, fence: 7, trigger: 'continuation' })).toBe(
        'fence 7, sent to a fresh invocation (continuation)',
      );
    });

    it('tells a slot missed over the catch-up limit from one missed for being late', () => {
      expect(outcomeDetail({ outcome: 'missed', job: 'print', slot: at, lateMs: 120_000, why: 'limit', count: 3 })).toBe(
        '3 slot(s) up to this one, over the catch-up limit (catchupLimit)',
      );
      expect(outcomeDetail({ outcome: 'missed', job: 'print', slot: at, lateMs: 120_000, why: 'limit' })).toBe(
        '1 slot(s) up to this one, over the catch-up limit (catchupLimit)',
      );
      expect(outcomeDetail({ outcome: 'missed', job: 'print', slot: at, lateMs: 125_000, why: 'late' })).toBe(
        '2m05s late, outside the catch-up window',
      );
      expect(outcomeDetail({ outcome: 'missed', job: 'print', slot: at, lateMs: 95_000 })).toBe('1m35s late, outside the catch-up window');
    });
  });

  describe('status of one job', () => {
    const job: JobDefinition = {
      name: 'print',
      cron: '*/2 * * * * *',
      timezone: 'UTC',
      handler: 'PrintWorker',
      args: {},
      enabled: true,
      leaseMs: 30_000,
      catchupWindowMs: 90_000,
      overlap: OverlapPolicy.bufferOne,
      catchupLimit: 3,
      continuous: true,
      hasSeconds: true,
    };
    const status = (extra: Partial<JobStatus> = {}): JobStatus => ({
      job,
      lock: lock({ fence: 9, paused: true, pausedNote: 'db down', pendingSlotMs: T0 + 2_000, pendingToken: 'c#3' }),
      recent: [slot({ status: 'succeeded', trigger: 'buffer', fence: 9, startedAtMs: T0 + 1_250, durationMs: 4_000, instance: 'node-b' })],
      nextMs: [T0 + 4_000, T0 + 6_000],
      done: false,
      counters: {
        slots: 4,
        sinceMs: T0 - 6_000,
        runs: 2,
        succeeded: 1,
        failures: 1,
        timedOut: 0,
        retried: 0,
        skippedByOverlap: 0,
        dropped: 1,
        paused: 0,
        buffered: 1,
        lost: 0,
        missed: 5,
      },
      ...extra,
    });

    it('prints the schedule in plain words, the policy, the state and the counters', () => {
      const [title, schedule, policy, state, counters] = printJobStatus(status(), T0 + 3_000).split('\n');
      expect(title).toBe('print: PrintWorker');
      expect(schedule).toBe('  schedule   "*/2 * * * * *" UTC (Every 2 seconds)');
      expect(policy).toBe('  policy     overlap bufferOne, continuous, lease 30s, catch-up window 90s, catch-up limit 3');
      expect(state).toBe('  state      PAUSED: db down; lock free; fence 9; buffered slot 2026-11-26T10:00:02Z');
      expect(counters).toBe(
        '  counters   over the last 4 slot(s) since 2026-11-26T09:59:54Z: runs 2 (failed 1, timed out 0, retried 0), skipped by overlap 0, dropped 1, buffered 1, paused 0, lost 0, missed 5',
      );
    });

    it('prints the last runs with lag, duration, fence, instance and trigger, and the next fire times', () => {
      const text = printJobStatus(status(), T0 + 3_000);
      expect(text).toContain('last runs (newest first):');
      const row = text.split('\n').find((line) => line.includes('2026-11-26T10:00:01.250Z'));
      expect(
        row
          ?.split('│')
          .map((cell) => cell.trim())
          .filter(Boolean),
      ).toEqual(['2026-11-26T10:00:00Z', '2026-11-26T10:00:01.250Z', '1.3s', '4.0s', 'succeeded', '9', 'node-b', 'buffer']);
      expect(text.endsWith('next fire times:\n  2026-11-26T10:00:04Z\n  2026-11-26T10:00:06Z\n')).toBe(true);
    });

    it('says "none yet" for a job that never ran, and shows a disabled job as disabled', () => {
      const text = printJobStatus(status({ job: { ...job, enabled: false, continuous: false }, lock: undefined, recent: [] }), T0);
      expect(text).toContain('\nlast runs (newest first):\n  none yet\n');
      expect(text).toContain('  state      disabled; lock free; fence 0\n');
      expect(text).toContain('  policy     overlap bufferOne, lease 30s,');
    });
  });
});

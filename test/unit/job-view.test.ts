import { describe, expect, it } from 'vitest';
import { countSlots, type JobStatus, missedSlots } from '../../functions/core/job-status.js';
import type { LockItem, SlotItem } from '../../functions/core/store.js';
import { buildJobView, toRunView } from '../../functions/ui/job-view.js';
import { jobDefinition } from '../support/job-definition.js';
import { slotItem } from '../support/slot-item.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MINUTE_MS = 60_000;
const at = (minutes: number): number => T0 + minutes * MINUTE_MS;

/** A succeeded scheduled run at `slotMs` that started 100 ms late and took a second. */
function item(slotMs: number, extra: Partial<SlotItem> = {}): SlotItem {
  const startedAtMs = slotMs + 100;
  return slotItem(slotMs, {
    claimedAtMs: startedAtMs,
    startedAtMs,
    finishedAtMs: startedAtMs + 1_000,
    durationMs: 1_000,
    fence: 1,
    ...extra,
  });
}

function lock(extra: Partial<LockItem> = {}): LockItem {
  return { pk: 'JOB#print', sk: 'STATE', fence: 7, ...extra };
}

function status(recent: SlotItem[], lockItem: LockItem | undefined, nowMs: number): JobStatus {
  const job = jobDefinition({ catchupWindowMs: 30_000 });
  return { job, lock: lockItem, recent, nextMs: [at(100)], counters: countSlots(job, recent, nowMs), done: false };
}

describe('toRunView', () => {
  it('copies the slot item in ms and says why a skipped slot did not run', () => {
    const view = toRunView(
      item(at(1), {
        status: 'skipped',
        reason: 'locked',
        heldBy: 'b#9',
        heldFence: 6,
        fence: undefined,
        startedAtMs: undefined,
        finishedAtMs: undefined,
        durationMs: undefined,
      }),
      undefined,
      at(2),
    );
    expect(view).toEqual({
      slotMs: at(1),
      slot: '2026-11-26T10:01:00.000Z',
      trigger: 'schedule',
      status: 'skipped',
      reason: 'locked',
      instance: 'a',
      claimedAtMs: at(1) + 100,
      skippedBecause: 'the lease was held by b#9 (fence 6)',
      heldBy: 'b#9',
      heldFence: 6,
    });
  });

  it('shows a claimed slot whose claimant holds a live lease as running, and as claimed once the lease has lapsed', () => {
    const claimed = item(at(1), {
      status: 'claimed',
      fence: undefined,
      startedAtMs: undefined,
      finishedAtMs: undefined,
      durationMs: undefined,
    });
    const held = lock({ holder: claimed.claimedBy, holderSlotMs: at(1), acquiredAtMs: at(1) + 200, leaseUntilMs: at(2) });
    expect(toRunView(claimed, held, at(2))).toMatchObject({ status: 'running', fence: 7, startedAtMs: at(1) + 200 });
    expect(toRunView(claimed, held, at(2) + 1)).toMatchObject({ status: 'claimed' });
    expect(toRunView(claimed, held, at(2) + 1).fence).toBeUndefined();
  });
});

describe('buildJobView', () => {
  it('shows a run that exists only on the lock item (its slot item is written when it ends) as running, in slot order', () => {
    const held = lock({
      holder: 'n#1',
      holderInstance: 'n',
      holderSlotMs: at(2),
      acquiredAtMs: at(2) + 50,
      leaseUntilMs: at(3),
      pendingSlotMs: at(3),
    });
    const view = buildJobView(status([item(at(1)), item(at(0))], held, at(2) + 10_000), at(2) + 10_000, 50);
    expect(view.runs.map((run) => [run.slotMs, run.status])).toEqual([
      [at(2), 'running'],
      [at(1), 'succeeded'],
      [at(0), 'succeeded'],
    ]);
    expect(view.runs[0]).toEqual({
      slotMs: at(2),
      slot: '2026-11-26T10:02:00.000Z',
      trigger: 'schedule',
      status: 'running',
      instance: 'n',
      fence: 7,
      startedAtMs: at(2) + 50,
    });
    expect(view.lock).toEqual({
      holder: 'n#1',
      holderInstance: 'n',
      holderSlotMs: at(2),
      acquiredAtMs: at(2) + 50,
      leaseUntilMs: at(3),
      pendingSlotMs: at(3),
    });
    expect(view.lastOutcome?.slotMs).toBe(at(1));
  });

  it('keeps the run holding the lease when newer slots skipped behind it fill `runs`, and misses none of the slots between', () => {
    const held = lock({ holder: 'n#1', holderSlotMs: at(0), acquiredAtMs: at(0) + 50, leaseUntilMs: at(10) });
    const skipped = [5, 4, 3, 2, 1].map((minute) => item(at(minute), { status: 'skipped', reason: 'locked', heldBy: 'n#1', heldFence: 7 }));
    const view = buildJobView(status(skipped, held, at(5) + 40_000), at(5) + 40_000, 3);
    expect(view.runs.map((run) => [run.slotMs, run.status])).toEqual([
      [at(5), 'skipped'],
      [at(4), 'skipped'],
      [at(3), 'skipped'],
      [at(0), 'running'],
    ]);
    expect(view.windowStartMs).toBe(at(0));
    expect(view.missedMs).toEqual([]);
  });

  it('calls a lock-only run at a time off the cron a manual one', () => {
    const held = lock({ holder: 'n#1', holderSlotMs: at(2) + 1_234, leaseUntilMs: at(3) });
    const view = buildJobView(status([], held, at(2) + 2_000), at(2) + 2_000, 50);
    expect(view.runs).toEqual([expect.objectContaining({ slotMs: at(2) + 1_234, trigger: 'manual', status: 'running' })]);
  });

  it('shows no lock once the lease has lapsed, and its run with no outcome as lost', () => {
    const held = lock({ holder: 'n#1', holderSlotMs: at(2), leaseUntilMs: at(3) });
    const view = buildJobView(status([item(at(1))], held, at(3) + 1), at(3) + 1, 50);
    expect(view.lock).toBeNull();
    expect(view.runs.map((run) => [run.slotMs, run.status])).toEqual([
      [at(2), 'lost'],
      [at(1), 'succeeded'],
    ]);
    expect(view.runs[0]!.error).toContain('held by n#1');
  });

  it('keeps the newest `runs`, starts the window at the oldest shown, and lists the unrecorded slots after it as missed', () => {
    const items = [item(at(6)), item(at(3)), item(at(2)), item(at(0))];
    const view = buildJobView(status(items, undefined, at(7)), at(7), 3);
    expect(view.runs.map((run) => run.slotMs)).toEqual([at(6), at(3), at(2)]);
    expect(view.windowStartMs).toBe(at(2));
    // Minute 7 is inside the catch-up window (30 s), so not missed yet.
    expect(view.missedMs).toEqual([at(4), at(5)]);
    expect(view).toMatchObject({ name: 'print', cronInWords: 'Every minute', paused: false, fence: 0, lock: null, nextMs: [at(100)] });
  });

  it('starts the window now and misses nothing for a job that never ran', () => {
    const view = buildJobView(status([], undefined, at(7)), at(7), 50);
    expect(view).toMatchObject({ runs: [], windowStartMs: at(7), missedMs: [], lastOutcome: null });
  });

  it('names a self-pause, its slot and error, and the failure streak', () => {
    const selfPaused = lock({
      paused: true,
      pausedNote: 'paused itself',
      pausedReason: 'failures',
      pausedAfterSlotMs: at(1),
      pausedError: 'boom',
      failureStreak: 3,
    });
    expect(buildJobView(status([], selfPaused, at(2)), at(2), 50)).toMatchObject({
      paused: true,
      pausedReason: 'failures',
      pausedAfterSlotMs: at(1),
      pausedError: 'boom',
      failureStreak: 3,
    });
    const operator = buildJobView(status([], lock({ paused: true, pausedNote: 'deploying' }), at(2)), at(2), 50);
    expect(operator).not.toHaveProperty('pausedReason');
    expect(operator).not.toHaveProperty('failureStreak');
  });

  it('reads paused and its note from the lock item', () => {
    const view = buildJobView(status([], lock({ paused: true, pausedNote: 'deploying', pausedAtMs: at(1) }), at(2)), at(2), 50);
    expect(view).toMatchObject({ paused: true, pausedNote: 'deploying', pausedAtMs: at(1), fence: 7 });
  });
});

describe('missedSlots', () => {
  it('lists cron slots after `fromMs`, settled by the catch-up window, with no item; countSlots counts the same', () => {
    const job = jobDefinition({ catchupWindowMs: 90_000 });
    const items = [item(at(0)), item(at(2))];
    expect(missedSlots(job, items, at(0), at(6))).toEqual([at(1), at(3), at(4)]);
    expect(countSlots(job, items, at(6)).missed).toBe(3);
    expect(missedSlots(job, items, at(0), at(1))).toEqual([]);
  });
});

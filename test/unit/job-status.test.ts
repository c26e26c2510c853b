import { describe, expect, it } from 'vitest';
import { countSlots, jobDone, missedSlots } from '../../functions/core/job-status.js';
import { type JobDefinition, OverlapPolicy } from '../../functions/core/types.js';
import { jobDefinition } from '../support/job-definition.js';
import { slotItem } from '../support/slot-item.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const MINUTE_MS = 60_000;

function job(extra: Partial<JobDefinition> = {}): JobDefinition {
  return jobDefinition(extra);
}

/** A slot item at `slotMs`; a succeeded scheduled run unless `extra` says otherwise. */
const item = slotItem;

const at = (minutes: number): number => T0 + minutes * MINUTE_MS;
const ZERO = {
  runs: 0,
  succeeded: 0,
  failures: 0,
  timedOut: 0,
  retried: 0,
  skippedByOverlap: 0,
  dropped: 0,
  paused: 0,
  buffered: 0,
  lost: 0,
  missed: 0,
};

describe('countSlots', () => {
  it('counts nothing, and no span, for a job without history', () => {
    const counters = countSlots(job(), [], at(60));
    expect(counters).toEqual({ slots: 0, ...ZERO });
    expect(counters.sinceMs).toBeUndefined();
  });

  it('counts each fate of a slot once, under its own counter', () => {
    const items = [
      item(at(8), { status: 'buffered', trigger: 'buffer' }),
      item(at(7), { status: 'lost', error: 'lease expired' }),
      item(at(6), { status: 'skipped', reason: 'paused' }),
      item(at(5), { status: 'skipped', reason: 'dropped', bufferedSlotMs: at(4) }),
      item(at(4), { status: 'succeeded', trigger: 'buffer' }),
      item(at(3), { status: 'skipped', reason: 'locked', heldBy: 'b#2', heldFence: 3 }),
      item(at(2), { status: 'failed', error: 'Error: boom' }),
      item(at(1)),
      item(at(0)),
    ];
    expect(countSlots(job(), items, at(9))).toEqual({
      slots: 9,
      sinceMs: at(0),
      runs: 4,
      succeeded: 3,
      failures: 1,
      timedOut: 0,
      retried: 0,
      skippedByOverlap: 1,
      dropped: 1,
      paused: 1,
      buffered: 2,
      lost: 1,
      missed: 0,
    });
  });

  it('counts a run that was buffered (trigger buffer) both as a run and as buffered', () => {
    const counters = countSlots(
      job({ overlap: OverlapPolicy.bufferOne }),
      [item(at(1), { status: 'failed', trigger: 'buffer', error: 'x' }), item(at(0), { trigger: 'buffer' })],
      at(2),
    );
    expect(counters).toMatchObject({ runs: 2, succeeded: 1, failures: 1, buffered: 2 });
  });

  it('counts a slot still waiting in the buffer once, not as a run', () => {
    const counters = countSlots(
      job({ overlap: OverlapPolicy.bufferOne }),
      [item(at(1), { status: 'buffered', trigger: 'buffer' }), item(at(0))],
      at(2),
    );
    expect(counters).toMatchObject({ runs: 1, buffered: 1 });
  });

  it('does not count a claim that has no outcome yet as a run', () => {
    expect(countSlots(job(), [item(at(0), { status: 'claimed' })], at(1))).toMatchObject({ slots: 1, runs: 0, succeeded: 0, failures: 0 });
  });

  describe('missed slots', () => {
    it('are the cron slots after the oldest item with no item of their own', () => {
      // Items at :00, :01 and :04; now :10 with a 90 s window: slots :01..:08 are settled, :02 :03 :05 :06 :07 :08 have no item.
      const items = [item(at(4)), item(at(1)), item(at(0))];
      expect(countSlots(job(), items, at(10))).toMatchObject({ slots: 3, sinceMs: at(0), runs: 3, missed: 6 });
    });

    it('leave out the slots still inside the catch-up window, which a tick may yet start', () => {
      const items = [item(at(0))];
      expect(countSlots(job(), items, at(0) + 90_000).missed).toBe(0);
      expect(countSlots(job(), items, at(1) + 90_000).missed).toBe(1);
      expect(countSlots(job({ catchupWindowMs: 5 * MINUTE_MS }), items, at(1) + 90_000).missed).toBe(0);
    });

    it('count a slot with any item (skipped, lost, buffered, failed) as not missed', () => {
      const items = [
        item(at(4), { status: 'buffered', trigger: 'buffer' }),
        item(at(3), { status: 'lost' }),
        item(at(2), { status: 'skipped', reason: 'locked' }),
        item(at(1), { status: 'failed' }),
        item(at(0)),
      ];
      expect(countSlots(job(), items, at(4) + 90_000).missed).toBe(0);
    });

    it('count the slot of a run still going (claimed on the lock, no item yet) as not missed', () => {
      // A scheduled run started at :02 and still runs at :10; its item comes with its outcome.
      const items = [item(at(1)), item(at(0))];
      expect(countSlots(job(), items, at(3) + 90_000).missed).toBe(2);
      expect(countSlots(job(), items, at(3) + 90_000, at(2)).missed).toBe(1);
    });

    it('follow the cron, here every 10 seconds', () => {
      const tenSeconds = job({ cron: '*/10 * * * * *', hasSeconds: true, catchupWindowMs: 5_000 });
      const items = [item(T0 + 30_000), item(T0)];
      // Settled before T0 + 55 s: slots :10 :20 :40 :50 have no item; :30 has one.
      expect(countSlots(tenSeconds, items, T0 + 60_000).missed).toBe(4);
    });

    it('count backfilled and caught-up runs as part of the span, and fill their slots', () => {
      const items = [item(at(2), { trigger: 'catch-up' }), item(at(1), { trigger: 'backfill' })];
      expect(countSlots(job(), items, at(5))).toMatchObject({ sinceMs: at(1), runs: 2, missed: 1 });
    });

    it('do not reach back to a manual trigger older than every scheduled slot', () => {
      const manualMs = at(-60) + 12_345;
      const items = [item(at(1)), item(at(0)), item(manualMs, { trigger: 'manual' })];
      const counters = countSlots(job(), items, at(1) + 90_000);
      expect(counters).toMatchObject({ slots: 3, sinceMs: at(0), runs: 3, missed: 0 });
    });

    it('do not reach back to a continuation link older than every scheduled slot', () => {
      const items = [item(at(0)), item(at(-30), { trigger: 'continuation' })];
      expect(countSlots(job({ continuous: true }), items, at(1) + 90_000)).toMatchObject({ sinceMs: at(0), missed: 1 });
    });

    it('are none, and there is no span, when only manual triggers are recorded', () => {
      const counters = countSlots(job(), [item(at(-5) + 777, { trigger: 'manual' }), item(at(-50) + 1, { trigger: 'manual' })], at(60));
      expect(counters).toMatchObject({ slots: 2, runs: 2, missed: 0 });
      expect(counters.sinceMs).toBeUndefined();
    });

    it('do not depend on the order of the items', () => {
      const items = [item(at(0)), item(at(4)), item(at(1) + 500, { trigger: 'manual' }), item(at(2))];
      const reversed = [...items].reverse();
      expect(countSlots(job(), reversed, at(10))).toEqual(countSlots(job(), items, at(10)));
      expect(countSlots(job(), items, at(10))).toMatchObject({ sinceMs: at(0), missed: 6 });
    });
  });
});

describe('jobDone', () => {
  const lock = (extra: Record<string, unknown> = {}) => ({ pk: 'JOB#print', sk: 'STATE', fence: 1, ...extra });

  it("is done a catch-up window (and its jitter) after a one-time job's time or a bounded job's end, and never for an unbounded one", () => {
    expect(jobDone(job({ atMs: at(0) }), undefined, at(0) + 90_000)).toBe(false);
    expect(jobDone(job({ atMs: at(0) }), undefined, at(0) + 90_001)).toBe(true);
    expect(jobDone(job({ atMs: at(0), jitterMs: 10_000 }), undefined, at(0) + 90_001)).toBe(false);
    expect(jobDone(job({ endAtMs: at(5) }), undefined, at(7))).toBe(true);
    expect(jobDone(job({ startAtMs: at(5) }), undefined, at(7_000))).toBe(false);
    expect(jobDone(job(), undefined, at(7_000))).toBe(false);
  });

  it('is not done while a run of it holds a live lease (a long run, or a continuation chain)', () => {
    const held = lock({ holder: 'n1#1', holderSlotMs: at(0), leaseUntilMs: at(10) });
    expect(jobDone(job({ atMs: at(0) }), held, at(5))).toBe(false);
    expect(jobDone(job({ atMs: at(0) }), held, at(11))).toBe(true);
  });
});

describe('missedSlots of a runtime job whose cron changed', () => {
  it('counts no slot of the new cron from before the version that brought it', () => {
    // Every minute since this version (written at minute 10, its slot included); the history before it was another cron's.
    const changed = job({ definitionVersion: 2, definedAtMs: at(10) });
    expect(missedSlots(changed, [item(at(0)), item(at(5))], at(0), at(14))).toEqual([at(10), at(11), at(12)]);
    // Without the version's time, every minute since the oldest record with none is counted.
    expect(missedSlots(job(), [item(at(0)), item(at(5))], at(0), at(14))).toHaveLength(11);
  });
});

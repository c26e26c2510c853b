/** The one reading of a lock item, with the reader's clock given: pure, so no table is needed. */
import { describe, expect, it } from 'vitest';
import {
  bufferedOnLock,
  claimedOnLock,
  heldByOnLock,
  holderRun,
  lapsedHolder,
  lastSlotOnLockMs,
  leaseHeldBy,
  liveHolder,
  pausedFor,
  supersededByLock,
  takenOnLock,
  withoutSupersededMarks,
} from '../../functions/core/lock-reading.js';
import type { LockItem, SlotItem } from '../../functions/core/table-keys.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');

function lock(extra: Partial<LockItem> = {}): LockItem {
  return { pk: 'JOB#report', sk: 'STATE', fence: 4, ...extra };
}

function slot(extra: Partial<SlotItem>): SlotItem {
  return {
    pk: 'JOB#report',
    sk: `SLOT#${new Date(T0).toISOString()}`,
    job: 'report',
    slot: new Date(T0).toISOString(),
    slotMs: T0,
    status: 'claimed',
    trigger: 'schedule',
    claimedBy: 'c#3',
    instance: 'c',
    claimedAtMs: T0,
    ttlEpochSec: 0,
    ...extra,
  };
}

const held = lock({ holder: 'a#1', holderSlotMs: T0, leaseUntilMs: T0 + 60_000 });

describe('liveHolder and lapsedHolder', () => {
  it('reads a lease as live up to and including its last millisecond, then lapsed', () => {
    expect(liveHolder(held, T0 + 59_999)).toBe(true);
    expect(liveHolder(held, T0 + 60_000)).toBe(true);
    expect(lapsedHolder(held, T0 + 60_000)).toBe(false);
    expect(liveHolder(held, T0 + 60_001)).toBe(false);
    expect(lapsedHolder(held, T0 + 60_001)).toBe(true);
  });

  it('sees neither a live nor a lapsed holder on a free lock, a released one, or none at all', () => {
    for (const free of [undefined, lock(), lock({ leaseUntilMs: 0, lastReleasedBy: 'a#1' })]) {
      expect(liveHolder(free, T0)).toBe(false);
      expect(lapsedHolder(free, T0)).toBe(false);
    }
  });

  it('reads a holder without a lease end as lapsed', () => {
    expect(liveHolder(lock({ holder: 'a#1' }), T0)).toBe(false);
    expect(lapsedHolder(lock({ holder: 'a#1' }), T0)).toBe(true);
  });
});

describe('what is claimed on the lock', () => {
  const parked = lock({ ...held, lastSlotMs: T0 + 60_000, pendingSlotMs: T0 + 60_000, pendingToken: 'b#2' });

  it('names the holder of its running slot and the token of its parked one', () => {
    expect(claimedOnLock(parked, T0)).toBe('a#1');
    expect(claimedOnLock(parked, T0 + 60_000)).toBe('b#2');
    expect(claimedOnLock(parked, T0 + 120_000)).toBeUndefined();
    expect(holderRun(parked)).toEqual({ holder: 'a#1', slotMs: T0 });
    expect(holderRun(lock())).toBeUndefined();
    expect(bufferedOnLock(parked)).toEqual({ slotMs: T0 + 60_000, token: 'b#2' });
    expect(bufferedOnLock(held)).toBeUndefined();
  });

  it('takes a slot as taken when it is not newer than lastSlotMs, or is the holder own', () => {
    expect(lastSlotOnLockMs(undefined)).toBe(Number.NEGATIVE_INFINITY);
    expect(takenOnLock(parked, T0 + 60_000)).toBe(true);
    expect(takenOnLock(parked, T0 + 120_000)).toBe(false);
    expect(takenOnLock(held, T0)).toBe(true);
    expect(takenOnLock(undefined, T0)).toBe(false);
  });

  it('gives the fence and lease end only to the token that holds the lock', () => {
    expect(leaseHeldBy(held, 'a#1')).toEqual({ fence: 4, leaseUntilMs: T0 + 60_000 });
    expect(leaseHeldBy(held, 'b#2')).toBeUndefined();
    expect(heldByOnLock(held)).toEqual({ heldBy: 'a#1', heldFence: 4 });
    expect(heldByOnLock(lock())).toEqual({});
  });
});

describe('pausedFor', () => {
  it('stops a scheduled run on a paused job, not a manual run or a backfill that ignores the pause', () => {
    const paused = lock({ paused: true });
    expect(pausedFor(paused)).toBe(true);
    expect(pausedFor(paused, { ignorePause: true })).toBe(false);
    expect(pausedFor(lock({ paused: false }))).toBe(false);
    expect(pausedFor(undefined)).toBe(false);
  });
});

describe('supersededByLock', () => {
  it("leaves out a skip or buffered mark of the slot the lock's holder runs, and nothing else", () => {
    const skip = slot({ status: 'skipped', reason: 'locked' });
    const buffered = slot({ status: 'buffered' });
    const own = slot({ status: 'claimed', claimedBy: 'a#1' });
    const other = slot({ status: 'skipped', slotMs: T0 + 60_000 });
    expect(supersededByLock(skip, held)).toBe(true);
    expect(supersededByLock(buffered, held)).toBe(true);
    expect(supersededByLock(own, held)).toBe(false);
    expect(supersededByLock(skip, lock())).toBe(false);
    expect(withoutSupersededMarks([skip, own, other], held)).toEqual([own, other]);
  });
});

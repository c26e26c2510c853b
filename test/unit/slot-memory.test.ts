import { describe, expect, it } from 'vitest';
import { HeldLease } from '../../functions/core/lease.js';
import { SlotMemory } from '../../functions/core/slot-memory.js';
import type { LockItem } from '../../functions/core/store.js';
import { memoryLog } from '../support/local-table.js';

describe('SlotMemory', () => {
  it('keeps when each job was last read from the table, never read being long ago', () => {
    const memory = new SlotMemory();
    expect(memory.lastQueryMs('report')).toBe(Number.NEGATIVE_INFINITY);
    memory.queried('report', 5_000);
    memory.queried('report', 7_000);
    expect(memory.lastQueryMs('report')).toBe(7_000);
    expect(memory.lastQueryMs('other')).toBe(Number.NEGATIVE_INFINITY);
  });

  it('knows nothing at first', () => {
    expect(new SlotMemory().allKnown('report', [1_000])).toBe(false);
  });

  it('knows remembered slots, per job', () => {
    const memory = new SlotMemory();
    memory.remember('report', [1_000, 2_000], 0);
    expect(memory.allKnown('report', [1_000, 2_000])).toBe(true);
    expect(memory.allKnown('report', [1_000, 3_000])).toBe(false);
    expect(memory.allKnown('other', [1_000])).toBe(false);
  });

  it('forgets slots at or before the given time', () => {
    const memory = new SlotMemory();
    memory.remember('report', [1_000, 2_000, 3_000], 0);
    memory.remember('report', [4_000], 2_000);
    expect(memory.allKnown('report', [3_000, 4_000])).toBe(true);
    expect(memory.allKnown('report', [2_000])).toBe(false);
    expect(memory.allKnown('report', [1_000])).toBe(false);
  });

  it('forgets a slot remembered in the same call when it is already too old', () => {
    const memory = new SlotMemory();
    memory.remember('report', [1_000], 1_000);
    expect(memory.allKnown('report', [1_000])).toBe(false);
  });
});

describe('a lease shown its lock by the node it runs on', () => {
  const lock = (holder: string, pending?: { slotMs: number; token: string }): LockItem =>
    ({ holder, ...(pending && { pendingSlotMs: pending.slotMs, pendingToken: pending.token }) }) as LockItem;
  const leaseOf = (token: string): HeldLease =>
    new HeldLease(
      { client: {} as never, tableName: 'unused', clock: () => 0 },
      { job: 'report', token, instance: 'a', slotMs: 0, leaseMs: 5_000 },
      1,
      5_000,
      { log: memoryLog(), maxClockSkewMs: 0 },
    );

  it('takes the slot buffered behind it from the tick read, so the run can hand over in one write', () => {
    const memory = new SlotMemory();
    const lease = leaseOf('a#1');
    memory.holding('report', lease);
    memory.sawLock('report', lock('a#1', { slotMs: 2_000, token: 'b#2' }));
    expect(lease.lastSeenLock?.pendingToken).toBe('b#2');
  });

  it("ignores a read that shows another holder or nothing buffered, another job's read, and reads after it is let go", () => {
    const memory = new SlotMemory();
    const lease = leaseOf('a#1');
    memory.holding('report', lease);
    memory.sawLock('report', lock('x#9', { slotMs: 2_000, token: 'b#2' }));
    memory.sawLock('report', lock('a#1'));
    memory.sawLock('other', lock('a#1', { slotMs: 2_000, token: 'b#2' }));
    expect(lease.lastSeenLock).toBeUndefined();
    memory.letGo('report', leaseOf('c#3')); // not the one held: still noted
    memory.letGo('report', lease);
    memory.sawLock('report', lock('a#1', { slotMs: 2_000, token: 'b#2' }));
    expect(lease.lastSeenLock).toBeUndefined();
  });

  it('watches the lease end of another holder with a slot buffered behind it, tells each new end once, and stops when none is buffered', () => {
    const told: [string, number][] = [];
    const memory = new SlotMemory((job, lapseAtMs) => told.push([job, lapseAtMs]));
    const lock = (extra: Partial<LockItem>): LockItem => ({ pk: 'JOB#report', sk: 'STATE', holder: 'a#1', leaseUntilMs: 10_000, ...extra });
    memory.sawLock('report', lock({}));
    expect(memory.lapseDue('report', 20_000)).toBe(false);
    memory.sawLock('report', lock({ pendingSlotMs: 2_000, pendingToken: 'b#2' }));
    memory.sawLock('report', lock({ pendingSlotMs: 2_000, pendingToken: 'b#2' }));
    expect(memory.lapseDue('report', 10_000)).toBe(false);
    expect(memory.lapseDue('report', 10_001)).toBe(true);
    memory.sawLock('report', lock({ pendingSlotMs: 2_000, pendingToken: 'b#2', leaseUntilMs: 13_000 }));
    expect(memory.lapseDue('report', 10_001)).toBe(false);
    expect(told).toEqual([
      ['report', 10_000],
      ['report', 13_000],
    ]);
    memory.sawLock('report', lock({ holder: 'b#2', leaseUntilMs: 40_000 }));
    expect(memory.lapseDue('report', 50_000)).toBe(false);
  });

  it('does not watch a lease this process holds itself: it hands the buffered slot over on its own', () => {
    const told: number[] = [];
    const memory = new SlotMemory((_job, lapseAtMs) => told.push(lapseAtMs));
    memory.holding('report', { token: 'a#1', sawLock: () => {} });
    memory.sawLock('report', {
      pk: 'JOB#report',
      sk: 'STATE',
      holder: 'a#1',
      leaseUntilMs: 10_000,
      pendingSlotMs: 2_000,
      pendingToken: 'b#2',
    });
    expect(memory.lapseDue('report', 20_000)).toBe(false);
    expect(told).toEqual([]);
  });
});

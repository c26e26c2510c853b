import { describe, expect, it } from 'vitest';
import { SlotMemory } from '../../functions/core/slot-memory.js';

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

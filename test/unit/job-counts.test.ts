import { describe, expect, it } from 'vitest';
import { addCounts, fileJobOverdue, isOverdueEntry } from '../../functions/core/job-counts.js';
import { jobDefinition } from '../support/job-definition.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const MINUTE_MS = 60_000;

describe('a due-index entry overdue', () => {
  const compiled = JSON.stringify(jobDefinition({ catchupWindowMs: 90_000, jitterMs: 10_000 }));

  it('is overdue once its slot, its catch-up window and its jitter are all behind now', () => {
    expect(isOverdueEntry({ nextDueMs: T0, compiled }, T0 + 100_000)).toBe(false);
    expect(isOverdueEntry({ nextDueMs: T0, compiled }, T0 + 100_001)).toBe(true);
  });

  it('is never overdue once removed, and is judged by its slot alone without a readable definition', () => {
    expect(isOverdueEntry({ nextDueMs: T0, compiled, removedAtMs: T0 }, T0 + 10 * MINUTE_MS)).toBe(false);
    expect(isOverdueEntry({ nextDueMs: T0, compiled: '{not json' }, T0 + 1)).toBe(true);
    expect(isOverdueEntry({ nextDueMs: T0 }, T0)).toBe(false);
  });
});

describe('a file job overdue', () => {
  // Every minute, a 30 s window: at T0 + 5 min + 40 s, the slot at T0 + 5 min is past it.
  const job = jobDefinition({ catchupWindowMs: 30_000 });
  const nowMs = T0 + 5 * MINUTE_MS + 40_000;

  it('is overdue when no tick decided its latest slot past the window: not on the lock, not recorded', () => {
    expect(fileJobOverdue(job, { lastSlotMs: T0 + 4 * MINUTE_MS }, [], nowMs)).toBe(true);
    expect(fileJobOverdue(job, { lastSlotMs: T0 + 5 * MINUTE_MS }, [], nowMs)).toBe(false);
    expect(fileJobOverdue(job, { holderSlotMs: T0 + 5 * MINUTE_MS }, [], nowMs)).toBe(false);
    expect(fileJobOverdue(job, {}, [{ slotMs: T0 + 5 * MINUTE_MS, trigger: 'schedule' }], nowMs)).toBe(false);
  });

  it('does not take a manual run for a decided slot, and counts no job that no tick ever took or that is disabled', () => {
    expect(fileJobOverdue(job, {}, [{ slotMs: T0 + 5 * MINUTE_MS + 1, trigger: 'manual' }], nowMs)).toBe(true);
    expect(fileJobOverdue(job, undefined, [], nowMs)).toBe(false);
    expect(fileJobOverdue({ ...job, enabled: false }, {}, [], nowMs)).toBe(false);
  });

  it('is not overdue while its latest slot is still within the window', () => {
    expect(fileJobOverdue(job, { lastSlotMs: T0 + 4 * MINUTE_MS }, [], T0 + 5 * MINUTE_MS + 20_000)).toBe(false);
  });
});

describe('adding counts', () => {
  it('adds each count', () => {
    expect(addCounts({ total: 2, overdue: 1, failing: 0 }, { total: 10, overdue: 2, failing: 3 })).toEqual({
      total: 12,
      overdue: 3,
      failing: 3,
    });
  });
});

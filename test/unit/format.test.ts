import { describe, expect, it } from 'vitest';
import { describeLock, describeSlot, formatMs, formatTime } from '../../functions/cli/format.js';
import type { LockItem, SlotItem } from '../../functions/core/store.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const lock = (extra: Partial<LockItem>): LockItem => ({ pk: 'JOB#print', sk: 'LOCK', fence: 4, ...extra });
const slot = (extra: Partial<SlotItem>): SlotItem => ({
  pk: 'JOB#print', sk: 'SLOT#x', job: 'print', slot: '2026-11-26T10:00:00.000Z', slotMs: T0, status: 'claimed',
  trigger: 'schedule', claimedBy: 'a#1', instance: 'a', claimedAtMs: T0, ttlEpochSec: 0, ...extra,
});

describe('CLI formatting', () => {
  it('tells a running claim from one whose claimant is gone', () => {
    expect(describeSlot(slot({}), lock({ holder: 'a#1' }))).toBe('running (fence 4)');
    expect(describeSlot(slot({}), lock({ holder: 'b#2' }))).toBe('claimed, no outcome yet (recorded lost once its lease has passed)');
    expect(describeSlot(slot({}), undefined)).toBe('claimed, no outcome yet (recorded lost once its lease has passed)');
  });

  it('says why a slot was skipped or failed', () => {
    expect(describeSlot(slot({ status: 'skipped', reason: 'locked', heldBy: 'b#2', heldFence: 3 }), undefined)).toBe('skipped: locked by b#2 (fence 3)');
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
});

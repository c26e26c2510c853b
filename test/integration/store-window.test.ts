/**
 * readJobWindow, the tick's one read of a job, against the local server: the claims after a
 * time with the lock item that sorts after them, in both of its forms (bounded by time, and
 * with the newest older claims however old), and nothing of another job.
 */
import { describe, expect, it } from 'vitest';
import { acquireLease, claimSlot, readJobWindow, type SlotClaim, SlotStatus, type StoreContext } from '../../functions/core/store.js';
import { Trigger } from '../../functions/core/types.js';
import { type FakeClock, fakeClock, useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const JOB = 'report';

async function store(): Promise<StoreContext & { clock: FakeClock }> {
  return { client: tables.client(), tableName: await tables.newTable(), clock: fakeClock(T0) };
}

const claim = (job: string, token: string, slotMs: number, extra: Partial<SlotClaim> = {}): SlotClaim => ({
  job,
  slotMs,
  token,
  instance: 'n1',
  trigger: Trigger.manual,
  retentionMs: 86_400_000,
  ...extra,
});

const lease = (job: string, token: string) => ({
  job,
  token,
  instance: 'n1',
  slotMs: T0 + 60_000,
  leaseMs: 10_000,
  trigger: Trigger.schedule,
  claimOnLock: true,
});

describe('readJobWindow', () => {
  it('returns the claims after a time (exclusive) and the lock, in one read', async () => {
    const ctx = await store();
    for (let i = 0; i < 5; i++) await claimSlot(ctx, claim(JOB, `n1#${i}`, T0 + i * 10_000));
    await claimSlot(ctx, claim(JOB, 'n1#skip', T0 + 50_000, { status: SlotStatus.skipped, reason: 'locked', trigger: Trigger.schedule }));
    await acquireLease(ctx, lease(JOB, 'n1#lease'));

    const window = await readJobWindow(ctx, JOB, T0 + 20_000);
    expect([...window.claimed.keys()]).toEqual([T0 + 30_000, T0 + 40_000, T0 + 50_000]);
    expect(window.claimed.get(T0 + 30_000)).toEqual({ claimedBy: 'n1#3', status: 'claimed', claimedAtMs: T0, trigger: 'manual' });
    expect(window.claimed.get(T0 + 50_000)).toMatchObject({ claimedBy: 'n1#skip', status: 'skipped', trigger: 'schedule' });
    expect(window.lock).toMatchObject({ holder: 'n1#lease', fence: 1, lastSlotMs: T0 + 60_000 });
  });

  it('with a count of older claims, adds that many of the newest before the time, however old, and the lock', async () => {
    const ctx = await store();
    // Claims a day before, then two recent ones: a bound in time alone would miss the old ones.
    for (let i = 0; i < 4; i++) await claimSlot(ctx, claim(JOB, `old#${i}`, T0 - 86_400_000 + i * 1_000));
    await claimSlot(ctx, claim(JOB, 'new#1', T0 + 1_000));
    await claimSlot(ctx, claim(JOB, 'new#2', T0 + 2_000));
    await acquireLease(ctx, lease(JOB, 'n1#lease'));

    const window = await readJobWindow(ctx, JOB, T0, 2);
    expect(new Set(window.claimed.keys())).toEqual(new Set([T0 + 2_000, T0 + 1_000, T0 - 86_400_000 + 3_000, T0 - 86_400_000 + 2_000]));
    expect(window.claimed.get(T0 - 86_400_000 + 3_000)?.claimedBy).toBe('old#3');
    expect(window.lock?.holder).toBe('n1#lease');

    const none = await readJobWindow(ctx, JOB, T0, 0);
    expect([...none.claimed.keys()].sort()).toEqual([T0 + 1_000, T0 + 2_000]);
  });

  it('pages on past a page smaller than what it keeps, to the same claims and lock', async () => {
    const ctx = await store();
    for (let i = 0; i < 4; i++) await claimSlot(ctx, claim(JOB, `old#${i}`, T0 - 86_400_000 + i * 1_000));
    for (let i = 1; i <= 5; i++) await claimSlot(ctx, claim(JOB, `new#${i}`, T0 + i * 1_000));
    await acquireLease(ctx, lease(JOB, 'n1#lease'));

    const whole = await readJobWindow(ctx, JOB, T0, 2);
    for (const pageSize of [1, 2, 3]) {
      const paged = await readJobWindow(ctx, JOB, T0, 2, pageSize);
      expect(new Set(paged.claimed.keys())).toEqual(new Set(whole.claimed.keys()));
      expect(paged.lock?.holder).toBe('n1#lease');
    }
    expect(whole.claimed.size).toBe(7);
  });

  it('reads no lock for a job that never took a lease, and nothing of another job', async () => {
    const ctx = await store();
    await claimSlot(ctx, claim(JOB, 'n1#1', T0 + 1_000));
    await claimSlot(ctx, claim('other', 'n1#2', T0 + 2_000));
    await acquireLease(ctx, lease('other', 'n1#other'));

    for (const window of [await readJobWindow(ctx, JOB, 0), await readJobWindow(ctx, JOB, T0 + 5_000, 3)]) {
      expect([...window.claimed.keys()]).toEqual([T0 + 1_000]);
      expect(window.lock).toBeUndefined();
    }
    const other = await readJobWindow(ctx, 'other', 0);
    expect([...other.claimed.keys()]).toEqual([T0 + 2_000]);
    expect(other.lock?.holder).toBe('n1#other');
  });
});

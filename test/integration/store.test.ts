import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  acquireLease,
  claimedSlotsAfter,
  claimSlot,
  getLock,
  getSlot,
  jobKey,
  readJobWindow,
  recentSlots,
  recordLost,
  recordRun,
  recordSkip,
  releaseLease,
  renewLease,
  type SlotClaim,
  SlotStatus,
  type StoreContext,
  setPaused,
  slotKey,
  TABLE_SCHEMA,
} from '../../functions/core/store.js';
import { type FakeClock, fakeClock, useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const LEASE_MS = 10_000;
const RETENTION_MS = 86_400_000;

async function store(startMs = T0): Promise<StoreContext & { clock: FakeClock }> {
  return { client: tables.client(), tableName: await tables.newTable(), clock: fakeClock(startMs) };
}

const claim = (token: string, slotMs = T0, extra: Partial<SlotClaim> = {}): SlotClaim => ({
  job: 'report',
  slotMs,
  token,
  instance: token.split('#')[0]!,
  trigger: 'schedule',
  retentionMs: RETENTION_MS,
  ...extra,
});

const lease = (token: string, extra: { slotMs?: number; leaseMs?: number; ignorePause?: boolean } = {}) => ({
  job: 'report',
  token,
  instance: token.split('#')[0]!,
  slotMs: extra.slotMs ?? T0,
  leaseMs: extra.leaseMs ?? LEASE_MS,
  ...(extra.ignorePause !== undefined && { ignorePause: extra.ignorePause }),
});

describe('keys', () => {
  it('puts every item of a job in one partition, slots sorted by time', () => {
    expect(jobKey('report')).toBe('JOB#report');
    expect(slotKey(T0)).toBe('SLOT#2026-11-26T10:00:00.000Z');
    expect(slotKey(T0 + 59_000) < slotKey(T0 + 60_000)).toBe(true);
    expect(TABLE_SCHEMA).toEqual({ partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'ttlEpochSec' });
  });
});

describe('claimSlot', () => {
  it('writes the slot item for the first claimant', async () => {
    const ctx = await store(T0 + 500);
    const result = await claimSlot(ctx, claim('a#1'));
    expect(result.won).toBe(true);
    const item = await getSlot(ctx, 'report', T0);
    expect(item).toEqual({
      pk: 'JOB#report',
      sk: 'SLOT#2026-11-26T10:00:00.000Z',
      job: 'report',
      slot: '2026-11-26T10:00:00.000Z',
      slotMs: T0,
      status: 'claimed',
      trigger: 'schedule',
      claimedBy: 'a#1',
      instance: 'a',
      claimedAtMs: T0 + 500,
      ttlEpochSec: Math.floor((T0 + 500 + RETENTION_MS) / 1_000),
    });
  });

  it('refuses a second claimant and shows it the first', async () => {
    const ctx = await store();
    await claimSlot(ctx, claim('a#1'));
    const second = await claimSlot(ctx, claim('b#2'));
    expect(second.won).toBe(false);
    expect(second.won === false && second.existing?.claimedBy).toBe('a#1');
    expect((await getSlot(ctx, 'report', T0))?.claimedBy).toBe('a#1');
  });

  it('lets exactly one of many concurrent claimants win', async () => {
    const ctx = await store();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => claimSlot(ctx, claim(`n${i}#${i}`))));
    const winners = results.filter((r) => r.won);
    expect(winners).toHaveLength(1);
    const item = await getSlot(ctx, 'report', T0);
    expect(winners[0]!.won && winners[0]!.item.claimedBy).toBe(item?.claimedBy);
  });

  it('treats a retried claim whose first attempt applied as won', async () => {
    const ctx = await store();
    const first = await claimSlot(ctx, claim('a#1'));
    ctx.clock.advance(2_000);
    const retry = await claimSlot(ctx, claim('a#1'));
    expect(first.won).toBe(true);
    expect(retry.won).toBe(true);
    expect(retry.won && retry.item.claimedAtMs).toBe(T0);
  });

  it('records a skip decided at claim time in the same write', async () => {
    const ctx = await store();
    await claimSlot(ctx, claim('a#1', T0, { status: SlotStatus.skipped, reason: 'locked', heldBy: 'z#9', heldFence: 4 }));
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'skipped', reason: 'locked', heldBy: 'z#9', heldFence: 4 });
  });

  it('keeps history for the retention period after the later of slot and claim', async () => {
    const ctx = await store(T0 - 5_000);
    await claimSlot(ctx, claim('a#1'));
    expect((await getSlot(ctx, 'report', T0))?.ttlEpochSec).toBe((T0 + RETENTION_MS) / 1_000);
  });
});

describe('claimedSlotsAfter and recentSlots', () => {
  it('lists claimed slots after a time with their claimants, and recent slots newest first', async () => {
    const ctx = await store();
    for (let i = 0; i < 5; i++) await claimSlot(ctx, claim(`n${i}#${i}`, T0 + i * 60_000));
    await claimSlot(ctx, { ...claim('other#1'), job: 'other' });

    const claimed = await claimedSlotsAfter(ctx, 'report', T0 + 60_000);
    expect([...claimed.entries()].map(([slotMs, c]) => [slotMs, c.claimedBy, c.status])).toEqual([
      [T0 + 120_000, 'n2#2', 'claimed'],
      [T0 + 180_000, 'n3#3', 'claimed'],
      [T0 + 240_000, 'n4#4', 'claimed'],
    ]);
    expect(claimed.get(T0 + 120_000)?.claimedAtMs).toBe(ctx.clock());

    const recent = await recentSlots(ctx, 'report', 2);
    expect(recent.map((s) => s.slotMs)).toEqual([T0 + 240_000, T0 + 180_000]);
  });

  it('reads with readJobWindow every claim after a time and the given number before it, over pages', async () => {
    const ctx = await store();
    for (let i = 0; i < 130; i++) await claimSlot(ctx, claim(`n#${i}`, T0 + i * 1_000));
    await acquireLease(ctx, lease('a#1'));
    // 120 claims after T0 + 9 s (more than one page of 100), then 3 of the 10 before it.
    const claimed = (await readJobWindow(ctx, 'report', T0 + 9_000, 3)).claimed;
    expect(claimed.size).toBe(123);
    expect(Math.min(...claimed.keys())).toBe(T0 + 7_000);
    expect(claimed.get(T0 + 129_000)?.claimedBy).toBe('n#129');
    expect((await readJobWindow(ctx, 'other', 0, 5)).claimed.size).toBe(0);
  });

  it('does not mistake the lock item for a slot', async () => {
    const ctx = await store();
    await acquireLease(ctx, lease('a#1'));
    expect((await claimedSlotsAfter(ctx, 'report', 0)).size).toBe(0);
    expect((await readJobWindow(ctx, 'report', 0, 5)).claimed.size).toBe(0);
    expect(await recentSlots(ctx, 'report', 10)).toEqual([]);
  });
});

describe('acquireLease', () => {
  it('takes a free lease with fence 1 and writes the holder', async () => {
    const ctx = await store();
    const result = await acquireLease(ctx, lease('a#1'));
    expect(result).toEqual({ acquired: true, fence: 1, leaseUntilMs: T0 + LEASE_MS, failureStreak: 0 });
    expect(await getLock(ctx, 'report')).toEqual({
      pk: 'JOB#report',
      sk: 'STATE',
      holder: 'a#1',
      holderInstance: 'a',
      holderSlotMs: T0,
      leaseUntilMs: T0 + LEASE_MS,
      acquiredAtMs: T0,
      fence: 1,
    });
  });

  it('refuses while the lease runs, up to and including its last millisecond', async () => {
    const ctx = await store();
    await acquireLease(ctx, lease('a#1'));
    ctx.clock.advance(LEASE_MS / 2);
    const early = await acquireLease(ctx, lease('b#2'));
    expect(early).toMatchObject({ acquired: false, lock: { holder: 'a#1', fence: 1 } });
    ctx.clock.set(T0 + LEASE_MS);
    expect((await acquireLease(ctx, lease('b#2'))).acquired).toBe(false);
    expect(await getLock(ctx, 'report')).toMatchObject({ holder: 'a#1', fence: 1, leaseUntilMs: T0 + LEASE_MS });
  });

  it('takes an expired lease with the next fence and names the holder it replaced', async () => {
    const ctx = await store();
    await acquireLease(ctx, lease('a#1', { slotMs: T0 }));
    ctx.clock.set(T0 + LEASE_MS + 1);
    const result = await acquireLease(ctx, lease('b#2', { slotMs: T0 + 60_000 }));
    expect(result).toEqual({
      acquired: true,
      fence: 2,
      leaseUntilMs: T0 + 2 * LEASE_MS + 1,
      failureStreak: 0,
      expired: { holder: 'a#1', slotMs: T0 },
    });
    expect(await getLock(ctx, 'report')).toMatchObject({ holder: 'b#2', holderSlotMs: T0 + 60_000, fence: 2 });
  });

  it('treats a retried acquire whose first attempt applied as acquired, with the same fence', async () => {
    const ctx = await store();
    const first = await acquireLease(ctx, lease('a#1'));
    ctx.clock.advance(1_000);
    const retry = await acquireLease(ctx, lease('a#1'));
    expect(first).toMatchObject({ acquired: true, fence: 1 });
    expect(retry).toEqual({ acquired: true, fence: 1, leaseUntilMs: T0 + LEASE_MS, failureStreak: 0 });
    expect((await getLock(ctx, 'report'))?.fence).toBe(1);
  });

  it('gives exactly one of many concurrent acquirers the lease', async () => {
    const ctx = await store();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => acquireLease(ctx, lease(`n${i}#${i}`))));
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    expect((await getLock(ctx, 'report'))?.fence).toBe(1);
  });

  it('raises the fence by exactly one per acquisition', async () => {
    const ctx = await store();
    const fences: number[] = [];
    for (let i = 0; i < 10; i++) {
      const result = await acquireLease(ctx, lease(`n#${i}`));
      if (result.acquired) fences.push(result.fence);
      if (i % 2 === 0) await releaseLease(ctx, 'report', `n#${i}`);
      else ctx.clock.advance(LEASE_MS + 1);
    }
    expect(fences).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('refuses while the job is paused, unless told to ignore the pause', async () => {
    const ctx = await store();
    await setPaused(ctx, 'report', true);
    const refused = await acquireLease(ctx, lease('a#1'));
    expect(refused).toMatchObject({ acquired: false, lock: { paused: true } });
    expect(refused.acquired === false && refused.lock?.holder).toBeUndefined();
    const manual = await acquireLease(ctx, lease('b#2', { ignorePause: true }));
    expect(manual).toMatchObject({ acquired: true, fence: 1 });
  });

  it('refuses a lease held by another even when the pause is ignored', async () => {
    const ctx = await store();
    await acquireLease(ctx, lease('a#1'));
    expect(await acquireLease(ctx, lease('b#2', { ignorePause: true }))).toMatchObject({ acquired: false, lock: { holder: 'a#1' } });
  });
});

describe('renewLease', () => {
  it('extends the lease of its holder and may be repeated', async () => {
    const ctx = await store();
    await acquireLease(ctx, lease('a#1'));
    expect(await renewLease(ctx, 'report', 'a#1', T0 + 15_000)).toMatchObject({
      renewed: true,
      lock: { holder: 'a#1', leaseUntilMs: T0 + 15_000 },
    });
    expect(await renewLease(ctx, 'report', 'a#1', T0 + 15_000)).toMatchObject({
      renewed: true,
      lock: { holder: 'a#1', leaseUntilMs: T0 + 15_000 },
    });
    expect(await getLock(ctx, 'report')).toMatchObject({ holder: 'a#1', leaseUntilMs: T0 + 15_000, fence: 1 });
  });

  it('refuses anyone but the holder and leaves the lease untouched', async () => {
    const ctx = await store();
    await acquireLease(ctx, lease('a#1'));
    const result = await renewLease(ctx, 'report', 'b#2', T0 + 99_000);
    expect(result).toMatchObject({ renewed: false, lock: { holder: 'a#1' } });
    expect((await getLock(ctx, 'report'))?.leaseUntilMs).toBe(T0 + LEASE_MS);
  });

  it('refuses on a job that was never locked, without creating a lock item', async () => {
    const ctx = await store();
    expect(await renewLease(ctx, 'report', 'a#1', T0 + 1_000)).toEqual({ renewed: false, lock: undefined });
    expect(await getLock(ctx, 'report')).toBeUndefined();
  });
});

describe('releaseLease', () => {
  it('frees the lease and keeps the fence', async () => {
    const ctx = await store();
    await acquireLease(ctx, lease('a#1'));
    ctx.clock.advance(3_000);
    expect(await releaseLease(ctx, 'report', 'a#1')).toEqual({ released: true });
    const lock = await getLock(ctx, 'report');
    expect(lock).toMatchObject({ fence: 1, leaseUntilMs: 0, lastReleasedBy: 'a#1', releasedAtMs: T0 + 3_000 });
    expect(lock?.holder).toBeUndefined();
    expect(await acquireLease(ctx, lease('b#2'))).toMatchObject({ acquired: true, fence: 2 });
  });

  it('treats a retried release whose first attempt applied as released', async () => {
    const ctx = await store();
    await acquireLease(ctx, lease('a#1'));
    expect(await releaseLease(ctx, 'report', 'a#1')).toEqual({ released: true });
    expect(await releaseLease(ctx, 'report', 'a#1')).toEqual({ released: true });
  });

  it('treats a retried release as released even when a successor took the lease in between', async () => {
    const ctx = await store();
    await acquireLease(ctx, lease('a#1'));
    await releaseLease(ctx, 'report', 'a#1');
    await acquireLease(ctx, lease('b#2'));
    expect(await releaseLease(ctx, 'report', 'a#1')).toEqual({ released: true });
    expect(await getLock(ctx, 'report')).toMatchObject({ holder: 'b#2', fence: 2, leaseUntilMs: T0 + LEASE_MS });
  });

  it('refuses a lapsed holder and leaves its successor untouched', async () => {
    const ctx = await store();
    await acquireLease(ctx, lease('a#1'));
    ctx.clock.set(T0 + LEASE_MS + 1);
    await acquireLease(ctx, lease('b#2'));
    const before = await getLock(ctx, 'report');
    expect(await releaseLease(ctx, 'report', 'a#1')).toMatchObject({ released: false, lock: { holder: 'b#2' } });
    expect(await getLock(ctx, 'report')).toEqual(before);
  });
});

describe('recording a slot', () => {
  async function claimed() {
    const ctx = await store();
    await claimSlot(ctx, claim('a#1'));
    return ctx;
  }

  it('records a successful run for its claimant', async () => {
    const ctx = await claimed();
    const ok = await recordRun(ctx, {
      job: 'report',
      slotMs: T0,
      token: 'a#1',
      run: {
        status: 'succeeded',
        fence: 3,
        startedAtMs: T0 + 100,
        finishedAtMs: T0 + 350,
        leaseLost: false,
      },
    });
    expect(ok).toBe(true);
    const item = await getSlot(ctx, 'report', T0);
    expect(item).toMatchObject({
      status: 'succeeded',
      fence: 3,
      startedAtMs: T0 + 100,
      finishedAtMs: T0 + 350,
      durationMs: 250,
      leaseLost: false,
    });
    expect(item?.error).toBeUndefined();
  });

  it('creates the item of a run claimed on the lock, replacing a skip another tick wrote, never another run', async () => {
    const ctx = await store();
    const identity = { trigger: 'schedule' as const, instance: 'a', claimedAtMs: T0, retentionMs: RETENTION_MS, overlap: 'skip' };
    const run = { status: 'succeeded' as const, fence: 2, startedAtMs: T0 + 10, finishedAtMs: T0 + 30, leaseLost: false };
    // No item yet: the record creates it, whole.
    expect(await recordRun(ctx, { job: 'report', slotMs: T0, token: 'a#1', run, identity })).toBe(true);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({
      pk: 'JOB#report',
      slot: new Date(T0).toISOString(),
      slotMs: T0,
      job: 'report',
      status: 'succeeded',
      claimedBy: 'a#1',
      trigger: 'schedule',
      fence: 2,
      durationMs: 20,
      overlap: 'skip',
    });
    // A skip written for the next slot by a tick that saw the lease held is replaced by its run.
    await claimSlot(ctx, claim('b#2', T0 + 60_000, { status: 'skipped', reason: 'locked' }));
    expect(await recordRun(ctx, { job: 'report', slotMs: T0 + 60_000, token: 'c#3', run: { ...run, fence: 3 }, identity })).toBe(true);
    expect(await getSlot(ctx, 'report', T0 + 60_000)).toMatchObject({ status: 'succeeded', claimedBy: 'c#3', fence: 3 });
    expect((await getSlot(ctx, 'report', T0 + 60_000))?.reason).toBeUndefined();
    // Another run's outcome is never replaced.
    expect(await recordRun(ctx, { job: 'report', slotMs: T0, token: 'z#9', run: { ...run, fence: 9 }, identity })).toBe(false);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ claimedBy: 'a#1', fence: 2 });
  });

  it('records a failed run with its error, cut to a bounded length', async () => {
    const ctx = await claimed();
    await recordRun(ctx, {
      job: 'report',
      slotMs: T0,
      token: 'a#1',
      run: {
        status: 'failed',
        fence: 1,
        startedAtMs: T0,
        finishedAtMs: T0 + 1,
        leaseLost: true,
        error: `Error: ${'x'.repeat(5_000)}`,
      },
    });
    const item = await getSlot(ctx, 'report', T0);
    expect(item).toMatchObject({ status: 'failed', leaseLost: true });
    expect(item?.error).toHaveLength(4_000);
    expect(item?.error?.startsWith('Error: xxx')).toBe(true);
  });

  it('refuses to record for anyone but the claimant', async () => {
    const ctx = await claimed();
    expect(
      await recordRun(ctx, {
        job: 'report',
        slotMs: T0,
        token: 'b#2',
        run: { status: 'succeeded', fence: 1, startedAtMs: T0, finishedAtMs: T0, leaseLost: false },
      }),
    ).toBe(false);
    expect(await recordSkip(ctx, { job: 'report', slotMs: T0, token: 'b#2', reason: 'paused' })).toBe(false);
    expect((await getSlot(ctx, 'report', T0))?.status).toBe('claimed');
  });

  it('refuses to record on a slot nobody claimed, without creating it', async () => {
    const ctx = await store();
    expect(
      await recordRun(ctx, {
        job: 'report',
        slotMs: T0,
        token: 'a#1',
        run: { status: 'succeeded', fence: 1, startedAtMs: T0, finishedAtMs: T0, leaseLost: false },
      }),
    ).toBe(false);
    expect(await getSlot(ctx, 'report', T0)).toBeUndefined();
  });

  it('records a skip with who held the lease', async () => {
    const ctx = await claimed();
    expect(await recordSkip(ctx, { job: 'report', slotMs: T0, token: 'a#1', reason: 'locked', heldBy: 'z#9', heldFence: 7 })).toBe(true);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'skipped', reason: 'locked', heldBy: 'z#9', heldFence: 7 });
  });

  it('records a paused skip', async () => {
    const ctx = await claimed();
    expect(await recordSkip(ctx, { job: 'report', slotMs: T0, token: 'a#1', reason: 'paused' })).toBe(true);
    const item = await getSlot(ctx, 'report', T0);
    expect(item).toMatchObject({ status: 'skipped', reason: 'paused' });
    expect(item?.heldBy).toBeUndefined();
  });

  it('marks the slot of a holder that left no outcome as lost, naming the successor', async () => {
    const ctx = await claimed();
    expect(
      await recordLost(ctx, { job: 'report', slotMs: T0, token: 'a#1', why: 'lease lapsed without an outcome; taken over by b#2' }),
    ).toBe(true);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({
      status: 'lost',
      error: 'lease lapsed without an outcome; taken over by b#2',
      claimedBy: 'a#1',
    });
  });

  it('does not mark a slot lost when its holder recorded an outcome after all', async () => {
    const ctx = await claimed();
    await recordRun(ctx, {
      job: 'report',
      slotMs: T0,
      token: 'a#1',
      run: { status: 'succeeded', fence: 1, startedAtMs: T0, finishedAtMs: T0 + 5, leaseLost: false },
    });
    expect(await recordLost(ctx, { job: 'report', slotMs: T0, token: 'a#1', why: 'b#2' })).toBe(false);
    expect((await getSlot(ctx, 'report', T0))?.status).toBe('succeeded');
  });
});

describe('setPaused', () => {
  it('pauses and resumes without touching the lease or the fence', async () => {
    const ctx = await store();
    await acquireLease(ctx, lease('a#1'));
    const paused = await setPaused(ctx, 'report', true, 'maintenance');
    expect(paused).toMatchObject({
      paused: true,
      pausedNote: 'maintenance',
      pausedAtMs: T0,
      holder: 'a#1',
      fence: 1,
      leaseUntilMs: T0 + LEASE_MS,
    });
    const resumed = await setPaused(ctx, 'report', false);
    expect(resumed).toMatchObject({ paused: false, holder: 'a#1', fence: 1, leaseUntilMs: T0 + LEASE_MS });
    expect(resumed.pausedNote).toBeUndefined();
  });

  it('creates the lock item for a job that never ran, with no fence yet', async () => {
    const ctx = await store();
    await setPaused(ctx, 'report', true);
    const raw = await ctx.client.send(new GetCommand({ TableName: ctx.tableName, Key: { pk: 'JOB#report', sk: 'STATE' } }));
    expect(raw.Item).toMatchObject({ paused: true });
    expect(raw.Item?.fence).toBeUndefined();
    await setPaused(ctx, 'report', false);
    expect(await acquireLease(ctx, lease('a#1'))).toMatchObject({ acquired: true, fence: 1 });
  });
});

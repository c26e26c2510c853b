/**
 * The lock's and slot item's writes of bufferOne and of a lapsed holder, each against the local
 * server through the real SDK: bufferSlot, handOverLease, markBuffered, startBufferedSlot,
 * recordLostRun and nextFence (they were covered only through the tick until now).
 */
import { describe, expect, it } from 'vitest';
import {
  acquireLease,
  bufferSlot,
  claimSlot,
  getLock,
  getSlot,
  type HandOver,
  handOverLease,
  markBuffered,
  nextFence,
  recordLostRun,
  recordRun,
  SlotStatus,
  type StoreContext,
  setPaused,
  startBufferedSlot,
} from '../../functions/core/store.js';
import { Trigger } from '../../functions/core/types.js';
import { type FakeClock, fakeClock, useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const LEASE_MS = 10_000;
const JOB = 'report';
const RETENTION_MS = 86_400_000;

type Ctx = StoreContext & { clock: FakeClock };

async function held(): Promise<Ctx> {
  const ctx: Ctx = { client: tables.client(), tableName: await tables.newTable(), clock: fakeClock(T0) };
  expect(
    await acquireLease(ctx, {
      job: JOB,
      token: 'a#1',
      instance: 'a',
      slotMs: T0,
      leaseMs: LEASE_MS,
      trigger: Trigger.schedule,
      claimOnLock: true,
    }),
  ).toMatchObject({ acquired: true, fence: 1 });
  return ctx;
}

const handOver = (fromToken: string, toToken: string, slotMs: number, extra: Partial<HandOver> = {}): HandOver => ({
  job: JOB,
  fromToken,
  toToken,
  instance: 'a',
  slotMs,
  trigger: Trigger.buffer,
  leaseMs: LEASE_MS,
  respectPause: false,
  ...extra,
});

describe('bufferSlot', () => {
  it('parks one slot behind a live holder, claiming a scheduled slot on the lock', async () => {
    const ctx = await held();
    expect(await bufferSlot(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'b#2', claimOnLock: true })).toEqual({ buffered: true });
    expect(await getLock(ctx, JOB)).toMatchObject({
      holder: 'a#1',
      pendingSlotMs: T0 + 1_000,
      pendingToken: 'b#2',
      lastSlotMs: T0 + 1_000,
    });
  });

  it('refuses a second slot while one waits, and says which', async () => {
    const ctx = await held();
    await bufferSlot(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'b#2' });
    expect(await bufferSlot(ctx, { job: JOB, slotMs: T0 + 2_000, token: 'c#3' })).toMatchObject({
      buffered: false,
      lock: { pendingSlotMs: T0 + 1_000, pendingToken: 'b#2' },
    });
  });

  it('counts a retried write that already landed as buffered', async () => {
    const ctx = await held();
    await bufferSlot(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'b#2' });
    expect(await bufferSlot(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'b#2' })).toEqual({ buffered: true });
  });

  it("refuses once the lease has lapsed (take it instead), and the holder's own slot", async () => {
    const ctx = await held();
    expect(await bufferSlot(ctx, { job: JOB, slotMs: T0, token: 'b#2' })).toMatchObject({ buffered: false });
    ctx.clock.set(T0 + LEASE_MS + 1);
    expect(await bufferSlot(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'b#2' })).toMatchObject({
      buffered: false,
      lock: { holder: 'a#1' },
    });
    expect((await getLock(ctx, JOB))?.pendingSlotMs).toBeUndefined();
  });
});

describe('handOverLease', () => {
  it('passes the lease to the buffered slot in one write: new holder, fence + 1, pending cleared', async () => {
    const ctx = await held();
    await bufferSlot(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'b#2' });
    ctx.clock.set(T0 + 3_000);
    expect(await handOverLease(ctx, handOver('a#1', 'b#2', T0 + 1_000, { pendingSlotMs: T0 + 1_000 }))).toEqual({
      handedOver: true,
      fence: 2,
      leaseUntilMs: T0 + 3_000 + LEASE_MS,
    });
    const lock = await getLock(ctx, JOB);
    expect(lock).toMatchObject({
      holder: 'b#2',
      holderSlotMs: T0 + 1_000,
      holderTrigger: Trigger.buffer,
      fence: 2,
      acquiredAtMs: T0 + 3_000,
    });
    expect(lock).not.toHaveProperty('pendingSlotMs');
    expect(lock).not.toHaveProperty('pendingToken');
  });

  it('is refused for a holder that no longer has the lease, leaving the successor untouched', async () => {
    const ctx = await held();
    ctx.clock.set(T0 + LEASE_MS + 1);
    await acquireLease(ctx, { job: JOB, token: 'c#3', instance: 'c', slotMs: T0 + 60_000, leaseMs: LEASE_MS, claimOnLock: true });
    const before = await getLock(ctx, JOB);
    expect(await handOverLease(ctx, handOver('a#1', 'b#2', T0 + 1_000))).toMatchObject({ handedOver: false, lock: { holder: 'c#3' } });
    expect(await getLock(ctx, JOB)).toEqual(before);
  });

  it('is refused when the buffered slot is not the one named, or the job was paused', async () => {
    const ctx = await held();
    await bufferSlot(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'b#2' });
    expect(await handOverLease(ctx, handOver('a#1', 'b#2', T0 + 2_000, { pendingSlotMs: T0 + 2_000 }))).toMatchObject({
      handedOver: false,
    });
    await setPaused(ctx, JOB, true, 'maintenance');
    expect(await handOverLease(ctx, handOver('a#1', 'b#2', T0 + 1_000, { pendingSlotMs: T0 + 1_000, respectPause: true }))).toMatchObject({
      handedOver: false,
      lock: { paused: true },
    });
    expect((await getLock(ctx, JOB))?.holder).toBe('a#1');
  });

  it('counts a retried hand-over that already landed as done, with the fence it gave', async () => {
    const ctx = await held();
    await handOverLease(ctx, handOver('a#1', 'b#2', T0 + 1_000));
    expect(await handOverLease(ctx, handOver('a#1', 'b#2', T0 + 1_000))).toMatchObject({ handedOver: true, fence: 2 });
    expect((await getLock(ctx, JOB))?.fence).toBe(2);
  });
});

describe('markBuffered and startBufferedSlot', () => {
  it('move a claimed slot to buffered and then to claimed, only for its claimant and only in order', async () => {
    const ctx = await held();
    await claimSlot(ctx, {
      job: JOB,
      slotMs: T0 + 1_000,
      token: 'b#2',
      instance: 'b',
      trigger: Trigger.schedule,
      retentionMs: RETENTION_MS,
    });
    expect(await startBufferedSlot(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'b#2' })).toBe(false); // not buffered yet
    expect(await markBuffered(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'c#3' })).toBe(false); // not the claimant
    expect(await markBuffered(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'b#2' })).toBe(true);
    expect((await getSlot(ctx, JOB, T0 + 1_000))?.status).toBe(SlotStatus.buffered);
    expect(await markBuffered(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'b#2' })).toBe(false); // already buffered
    expect(await startBufferedSlot(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'c#3' })).toBe(false);
    expect(await startBufferedSlot(ctx, { job: JOB, slotMs: T0 + 1_000, token: 'b#2' })).toBe(true);
    expect((await getSlot(ctx, JOB, T0 + 1_000))?.status).toBe(SlotStatus.claimed);
  });
});

describe('recordLostRun', () => {
  it("creates the lapsed holder's slot item as lost, with its fence, trigger and instance", async () => {
    const ctx = await held();
    const lock = (await getLock(ctx, JOB))!;
    expect(await recordLostRun(ctx, { job: JOB, lapsedLock: lock, why: 'lease lapsed', retentionMs: RETENTION_MS })).toBe(true);
    expect(await getSlot(ctx, JOB, T0)).toMatchObject({
      status: SlotStatus.lost,
      error: 'lease lapsed',
      claimedBy: 'a#1',
      fence: 1,
      trigger: Trigger.schedule,
      instance: 'a',
    });
  });

  it("leaves a recorded outcome alone, and does nothing for a lock without a holder's slot", async () => {
    const ctx = await held();
    const lock = (await getLock(ctx, JOB))!;
    await claimSlot(ctx, { job: JOB, slotMs: T0, token: 'a#1', instance: 'a', trigger: Trigger.schedule, retentionMs: RETENTION_MS });
    await recordRun(ctx, {
      job: JOB,
      slotMs: T0,
      token: 'a#1',
      run: {
        status: SlotStatus.succeeded,
        fence: 1,
        startedAtMs: T0,
        finishedAtMs: T0 + 5,
        leaseLost: false,
      },
    });
    expect(await recordLostRun(ctx, { job: JOB, lapsedLock: lock, why: 'lease lapsed', retentionMs: RETENTION_MS })).toBe(false);
    expect((await getSlot(ctx, JOB, T0))?.status).toBe(SlotStatus.succeeded);
    expect(
      await recordLostRun(ctx, { job: JOB, lapsedLock: { pk: lock.pk, sk: lock.sk, fence: 1 }, why: 'x', retentionMs: RETENTION_MS }),
    ).toBe(false);
  });
});

describe('nextFence', () => {
  it("rises by one on every call, from the lock's fence, for a job with or without a lock", async () => {
    const ctx = await held();
    expect(await nextFence(ctx, JOB)).toBe(2);
    expect(await nextFence(ctx, JOB)).toBe(3);
    expect(await nextFence(ctx, 'never-ran')).toBe(1);
    expect((await getLock(ctx, JOB))?.holder).toBe('a#1');
  });
});

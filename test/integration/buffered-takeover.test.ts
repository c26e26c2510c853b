/**
 * A holder that dies with a slot buffered behind it: the first read of the lock after its lease
 * lapsed hands the buffered slot the lease (takeOverLease, one conditional write) and runs it,
 * instead of waiting for the job's next slot and recording it lost. Against the local server
 * through the real SDK: the write's conditions one by one, a retry that applied, and the tick.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  acquireLease,
  bufferSlot,
  claimSlot,
  getLock,
  getSlot,
  handOverLease,
  recordRun,
  recordSkip,
  releaseLease,
  SkipReason,
  SlotStatus,
  setPaused,
  takeOverLease,
} from '../../functions/core/store.js';
import { tick } from '../../functions/core/tick.js';
import { type RunContext, Trigger } from '../../functions/core/types.js';
import { defineConfig, defineJob } from '../../functions/define.js';
import { startNode } from '../../functions/embedded-node.js';
import { fakeTimers } from '../support/fake-timers.js';
import { memoryLog, useLocalTables } from '../support/local-table.js';
import { deferred, everyMinute, cluster as harnessCluster, iso, MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();
const LEASE_MS = 30_000;

/** A job held by `dead#1` for slot T0 - 1 min (lease 30 s from T0 - 20 s), with slot T0 buffered behind it by `b#2`. */
async function deadHolderWithBuffered() {
  const world = await harnessCluster(tables, T0 - 20_000);
  const { ctx, clock } = world;
  const slot = { job: 'report', instance: 'dead', leaseMs: LEASE_MS, trigger: Trigger.schedule, claimOnLock: true };
  expect(await acquireLease(ctx, { ...slot, token: 'dead#1', slotMs: T0 - MINUTE_MS })).toMatchObject({ acquired: true, fence: 1 });
  clock.set(T0 + 500);
  const claim = { job: 'report', slotMs: T0, token: 'b#2', instance: 'b', trigger: Trigger.schedule, retentionMs: 86_400_000 };
  expect(await claimSlot(ctx, { ...claim, status: SlotStatus.buffered })).toMatchObject({ won: true });
  expect(await bufferSlot(ctx, { job: 'report', slotMs: T0, token: 'b#2', claimOnLock: true })).toEqual({ buffered: true });
  return world;
}

const takeOver = (takerToken: string) => ({
  job: 'report',
  lapsedHolder: 'dead#1',
  pendingSlotMs: T0,
  pendingToken: 'b#2',
  takerToken,
  instance: 'c',
  leaseMs: LEASE_MS,
});

describe('takeOverLease', () => {
  it('is refused while the holder lease is live, and once it lapsed passes it to the buffered slot with fence + 1', async () => {
    const { ctx, clock } = await deadHolderWithBuffered();
    expect(await takeOverLease(ctx, takeOver('c#3'))).toMatchObject({ takenOver: false, lock: { holder: 'dead#1' } });
    clock.set(T0 + 10_001);
    expect(await takeOverLease(ctx, takeOver('c#3'))).toMatchObject({ takenOver: true, fence: 2 });
    const lock = await getLock(ctx, 'report');
    expect(lock).toMatchObject({ holder: 'b#2', holderSlotMs: T0, holderTrigger: 'buffer', holderInstance: 'c', takenOverBy: 'c#3' });
    expect(lock).not.toHaveProperty('pendingSlotMs');
    expect(lock).not.toHaveProperty('pendingToken');
  });

  it('lets one taker of two win, and counts a retry of the write that applied as its own', async () => {
    const { ctx, clock } = await deadHolderWithBuffered();
    clock.set(T0 + LEASE_MS);
    expect(await takeOverLease(ctx, takeOver('c#3'))).toMatchObject({ takenOver: true, fence: 2 });
    expect(await takeOverLease(ctx, takeOver('d#4'))).toMatchObject({ takenOver: false, lock: { takenOverBy: 'c#3' } });
    expect(await takeOverLease(ctx, takeOver('c#3'))).toMatchObject({ takenOver: true, fence: 2 });
    expect((await getLock(ctx, 'report'))?.fence).toBe(2);
  });

  it('is refused when another acquired the lapsed lease first, the buffered slot changed, or the job is paused', async () => {
    const { ctx, clock } = await deadHolderWithBuffered();
    clock.set(T0 + LEASE_MS);
    expect(await takeOverLease(ctx, { ...takeOver('c#3'), pendingSlotMs: T0 + 1 })).toMatchObject({ takenOver: false });
    expect(await takeOverLease(ctx, { ...takeOver('c#3'), lapsedHolder: 'other#9' })).toMatchObject({ takenOver: false });
    await setPaused(ctx, 'report', true);
    expect(await takeOverLease(ctx, takeOver('c#3'))).toMatchObject({ takenOver: false, lock: { paused: true, holder: 'dead#1' } });
  });
});

describe('a tick after a holder died with a slot buffered', () => {
  it("records the dead holder's slot lost and runs the buffered slot at once, under the next fence", async () => {
    const { ctx, clock, deps, log } = await deadHolderWithBuffered();
    const schedule = everyMinute('overlap: bufferOne', 'lease: 30s', 'catchupWindow: 50s');
    const runs: { slotMs: number; fence: number; trigger: string }[] = [];
    const work = { Work: (c: RunContext) => void runs.push({ slotMs: c.slot.getTime(), fence: c.fence, trigger: c.trigger }) };
    clock.set(T0 + 31_000); // dead#1's lease ended at T0 + 10 s
    const outcomes = await tick(deps('node-c', work), { jobs: schedule });
    expect(outcomes).toContainEqual(expect.objectContaining({ outcome: 'ran', slot: iso(T0), fence: 2 }));
    expect(runs).toEqual([{ slotMs: T0, fence: 2, trigger: 'buffer' }]);
    expect(await getSlot(ctx, 'report', T0 - MINUTE_MS)).toMatchObject({ status: 'lost', error: expect.stringContaining('dead#1') });
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'succeeded', trigger: 'buffer', fence: 2 });
    const lock = await getLock(ctx, 'report');
    expect(lock).not.toHaveProperty('holder');
    expect(lock?.fence).toBe(2);
    // What an operator reads: the slot, the dead holder's token, slot and process.
    expect(log.events.find((event) => event.message === 'lease.takeover')).toMatchObject({
      level: 'warn',
      attributes: { slot: iso(T0), previousHolder: 'dead#1', previousSlot: iso(T0 - MINUTE_MS), previousInstance: 'dead', buffered: true },
    });
  });

  it('runs it once when two instances tick at the lapse, and the due slot of the other buffers behind it', async () => {
    const { ctx, clock, deps } = await deadHolderWithBuffered();
    const schedule = everyMinute('overlap: bufferOne', 'lease: 30s', 'catchupWindow: 50s');
    const finish = deferred();
    const runs: number[] = [];
    const work = {
      Work: async (c: RunContext) => {
        runs.push(c.slot.getTime());
        if (c.slot.getTime() === T0) await finish.promise;
      },
    };
    clock.set(T0 + MINUTE_MS + 500);
    const first = tick(deps('node-c', work), { jobs: schedule });
    const second = tick(deps('node-d', work), { jobs: schedule });
    // The tick that lost the take-over returns once it has decided its due slot; the winner's waits for its run.
    await Promise.race([first, second]);
    finish.resolve();
    const outcomes = [...(await first), ...(await second)];
    expect(runs.filter((slotMs) => slotMs === T0)).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === 'ran' && outcome.slot === iso(T0))).toHaveLength(1);
    // The due slot T0 + 1 min waited behind the taken-over run and was handed the lease after it.
    expect(runs).toEqual([T0, T0 + MINUTE_MS]);
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toMatchObject({ status: 'succeeded', trigger: 'buffer', fence: 3 });
  });

  it('leaves a paused job alone: nothing runs, the buffered slot stays parked', async () => {
    const { ctx, clock, deps } = await deadHolderWithBuffered();
    await setPaused(ctx, 'report', true);
    const schedule = everyMinute('overlap: bufferOne', 'lease: 30s', 'catchupWindow: 50s');
    const runs: number[] = [];
    clock.set(T0 + 31_000);
    await tick(deps('node-c', { Work: (c: RunContext) => void runs.push(c.slot.getTime()) }), { jobs: schedule });
    expect(runs).toEqual([]);
    expect(await getLock(ctx, 'report')).toMatchObject({ holder: 'dead#1', pendingSlotMs: T0, paused: true });
  });
});

// Seed 180797: the claimant of the buffered slot, frozen while its bufferSlot was in flight, woke
// after the slot had been taken over and run under its claim token; its retry was refused, it
// decided again on a lock that no longer showed the slot, and recorded it skipped over the run.
describe('the claimant of a buffered slot that was started meanwhile', () => {
  it('counts a retried bufferSlot as buffered once the slot holds the lease under its token, or ran and let it go', async () => {
    const { ctx, clock } = await deadHolderWithBuffered();
    clock.set(T0 + LEASE_MS);
    await takeOverLease(ctx, takeOver('c#3'));
    expect(await bufferSlot(ctx, { job: 'report', slotMs: T0, token: 'b#2', claimOnLock: true })).toEqual({ buffered: true });
    expect(await releaseLease(ctx, 'report', 'b#2')).toMatchObject({ released: true });
    expect(await bufferSlot(ctx, { job: 'report', slotMs: T0, token: 'b#2', claimOnLock: true })).toEqual({ buffered: true });
  });

  it('cannot record a skip over the outcome its run recorded', async () => {
    const { ctx, clock } = await deadHolderWithBuffered();
    clock.set(T0 + LEASE_MS);
    const taken = await takeOverLease(ctx, takeOver('c#3'));
    const startedAtMs = T0 + LEASE_MS;
    const run = {
      status: SlotStatus.succeeded,
      fence: 2,
      startedAtMs,
      finishedAtMs: startedAtMs + 10,
      leaseLost: false,
      trigger: Trigger.buffer,
    };
    expect(await recordRun(ctx, { job: 'report', slotMs: T0, token: 'b#2', run })).toBeTruthy();
    expect(taken).toMatchObject({ takenOver: true });
    expect(await recordSkip(ctx, { job: 'report', slotMs: T0, token: 'b#2', reason: SkipReason.redefined })).toBe(false);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'succeeded', fence: 2 });
  });

  // Seed 201920: the holder was slow, not dead; its hand-over to the buffered slot, refused because
  // the slot had been taken over meanwhile, found the slot's token holding the lease and counted
  // the hand-over as its own: the slot ran in both processes.
  it("does not let a late holder take another's take-over for its own hand-over", async () => {
    const { ctx, clock } = await deadHolderWithBuffered();
    clock.set(T0 + LEASE_MS);
    expect(await takeOverLease(ctx, takeOver('c#3'))).toMatchObject({ takenOver: true, fence: 2 });
    const handOver = { job: 'report', fromToken: 'dead#1', toToken: 'b#2', instance: 'dead', slotMs: T0, trigger: Trigger.buffer };
    expect(await handOverLease(ctx, { ...handOver, leaseMs: LEASE_MS, respectPause: false, pendingSlotMs: T0 })).toMatchObject({
      handedOver: false,
      lock: { holder: 'b#2', takenOverBy: 'c#3' },
    });
    // The next hand-over, release or acquire clears the mark: it says nothing of later holders.
    expect(await releaseLease(ctx, 'report', 'b#2')).toMatchObject({ released: true });
    expect(await getLock(ctx, 'report')).not.toHaveProperty('takenOverBy');
  });

  it('is still handed the lease by a live holder as before (the same recognition after a hand-over)', async () => {
    const { ctx } = await deadHolderWithBuffered();
    const handOver = { job: 'report', fromToken: 'dead#1', toToken: 'b#2', instance: 'a', slotMs: T0, trigger: Trigger.buffer };
    expect(await handOverLease(ctx, { ...handOver, leaseMs: LEASE_MS, respectPause: false, pendingSlotMs: T0 })).toMatchObject({
      handedOver: true,
    });
    expect(await bufferSlot(ctx, { job: 'report', slotMs: T0, token: 'b#2', claimOnLock: true })).toEqual({ buffered: true });
  });
});

describe('a node that sees a lease held with a slot buffered behind it', () => {
  it('reads the lock again when that lease ends and runs the slot then, not at its next boundary', async () => {
    const { ctx, clock } = await deadHolderWithBuffered(); // dead#1's lease ends at T0 + 10 s
    const timers = fakeTimers(clock);
    const ran: { slot: string; fence?: number; atMs: number }[] = [];
    const config = defineConfig({
      jobs: {
        report: defineJob({ cron: '* * * * *', lease: '30s', overlap: 'bufferOne', catchupWindow: '50s', handler: () => undefined }),
      },
    });
    const node = await startNode({
      config,
      client: ctx.client,
      tableName: ctx.tableName,
      instance: 'node-c',
      log: memoryLog(),
      clock,
      timers,
      onOutcome: (outcome) => outcome.outcome === 'ran' && ran.push({ slot: outcome.slot, fence: outcome.fence, atMs: clock() }),
    });
    // The first tick (at once) reads the lock: held, slot T0 behind it. Then a timer for its end, beside the loop's.
    for (let waitedMs = 0; timers.pending() < 2 && waitedMs < 5_000; waitedMs += 20) await sleep(20);
    expect(timers.pending()).toBe(2);
    timers.advance(10_000 - 500 + 5);
    for (let waitedMs = 0; ran.length < 1 && waitedMs < 5_000; waitedMs += 20) await sleep(20);
    expect(ran).toEqual([{ slot: iso(T0), fence: 2, atMs: T0 + 10_005 }]);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'succeeded', trigger: 'buffer', instance: 'b' });
    await node.stop('test');
  });
});

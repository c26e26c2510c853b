/**
 * Retries and timeouts against the local server, through the real SDK: the attempts of a run
 * under one lease and fence, a slot that arrives during the backoff, and a hung handler cut off
 * from its lease whose late write a downstream fence refuses.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { isConditionFailure } from '../../functions/core/conditions.js';
import { getLock, getSlot, recentSlots } from '../../functions/core/store.js';
import { tick, triggerJob } from '../../functions/core/tick.js';
import type { RunContext } from '../../functions/core/types.js';
import { fakeTimers } from '../support/fake-timers.js';
import { useLocalTables } from '../support/local-table.js';
import { deferred, everyMinute, cluster as harnessCluster, iso, MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();

/** The harness's cluster with fake timers on its clock (backoffs and timeouts fire when the test advances them). */
async function cluster(startMs: number) {
  const base = await harnessCluster(tables, startMs);
  const timers = fakeTimers(base.clock);
  const deps = (instance: string, handlers: Parameters<typeof base.deps>[1]) =>
    base.deps(instance, handlers, { timers, random: () => 0.75, timeoutGraceMs: 1_000 });
  /** Advances fake time in steps, letting the table's round trips finish between them. */
  const advance = async (ms: number, stepMs = 250): Promise<void> => {
    for (let done = 0; done < ms; done += stepMs) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      timers.advance(Math.min(stepMs, ms - done));
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  };
  return { ...base, timers, deps, advance };
}

/** Resolves once `check` holds, polling the real event loop (the table is real). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('condition never held');
}

describe('retry', () => {
  it('runs a handler that fails twice then succeeds three times under one fence and one lease, and records each attempt', async () => {
    const { ctx, deps, advance } = await cluster(T0 + 500);
    const seen: RunContext[] = [];
    const Work = (context: RunContext) => {
      seen.push(context);
      if (context.attempt < 3) throw new Error(`attempt ${context.attempt} failed`);
      return 'done';
    };
    const schedule = everyMinute('lease: 5m', 'retry: { attempts: 3, backoff: 2s }');
    const running = tick(deps('node-a', { Work }), { jobs: schedule });
    await until(() => seen.length === 1);
    // During the backoff the lease is held, by the same holder, with the same fence.
    const lockInBackoff = await getLock(ctx, 'report');
    expect(lockInBackoff).toMatchObject({ fence: 1, holderSlotMs: T0 });
    await advance(6_000);
    const outcomes = await running;
    expect(outcomes).toEqual([
      { outcome: 'ran', job: 'report', slot: iso(T0), trigger: 'schedule', fence: 1, durationMs: 4_500, leaseLost: false, attempts: 3 },
    ]);
    expect(seen.map((context) => [context.attempt, context.fence])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    const lock = await getLock(ctx, 'report');
    expect(lock).toMatchObject({ fence: 1, lastReleasedBy: lockInBackoff?.holder });
    expect(lock).not.toHaveProperty('holder');
    const item = await getSlot(ctx, 'report', T0);
    expect(item).toMatchObject({ status: 'succeeded', fence: 1, durationMs: 4_500 });
    expect(item).not.toHaveProperty('error');
    // random 0.75: 1.5 s after the first failure, 3 s after the second.
    expect(item?.attempts?.map((attempt) => [attempt.attempt, attempt.status, attempt.startedAtMs - (T0 + 500), attempt.error])).toEqual([
      [1, 'failed', 0, 'Error: attempt 1 failed'],
      [2, 'failed', 1_500, 'Error: attempt 2 failed'],
      [3, 'succeeded', 4_500, undefined],
    ]);
  });

  it('skips a slot that arrives during the backoff (overlap skip): the lease is never free between attempts', async () => {
    const { ctx, deps, advance } = await cluster(T0 + 500);
    let calls = 0;
    const Work = () => {
      calls += 1;
      if (calls === 1) throw new Error('first attempt failed');
    };
    const schedule = everyMinute('lease: 5m', 'retry: { attempts: 2, backoff: 2m, maxBackoff: 5m }');
    const running = tick(deps('node-a', { Work }), { jobs: schedule });
    await until(() => calls === 1);
    await advance(MINUTE_MS); // the backoff is 90 s: the next slot comes first
    expect(await tick(deps('node-b', { Work }), { jobs: schedule })).toMatchObject([
      { outcome: 'locked', job: 'report', slot: iso(T0 + MINUTE_MS), heldFence: 1 },
    ]);
    await advance(40_000);
    expect(await running).toMatchObject([{ outcome: 'ran', fence: 1, attempts: 2 }]);
    expect((await recentSlots(ctx, 'report', 5)).map((item) => [item.slotMs, item.status, item.reason ?? '-'])).toEqual([
      [T0 + MINUTE_MS, 'skipped', 'locked'],
      [T0, 'succeeded', '-'],
    ]);
  });

  it('buffers a slot that arrives during the backoff (bufferOne) and starts it after the last attempt, under the next fence', async () => {
    const { ctx, deps, advance } = await cluster(T0 + 500);
    const seen: [number, number, number][] = [];
    const Work = (context: RunContext) => {
      seen.push([context.slot.getTime(), context.attempt, context.fence]);
      if (seen.length === 1) throw new Error('first attempt failed');
    };
    const schedule = everyMinute('lease: 5m', 'overlap: bufferOne', 'retry: { attempts: 2, backoff: 2m, maxBackoff: 5m }');
    const running = tick(deps('node-a', { Work }), { jobs: schedule });
    await until(() => seen.length === 1);
    await advance(MINUTE_MS);
    expect(await tick(deps('node-b', { Work }), { jobs: schedule })).toMatchObject([{ outcome: 'buffered', slot: iso(T0 + MINUTE_MS) }]);
    await advance(40_000);
    expect(await running).toMatchObject([
      { outcome: 'ran', slot: iso(T0), fence: 1, attempts: 2 },
      { outcome: 'ran', slot: iso(T0 + MINUTE_MS), fence: 2, trigger: 'buffer' },
    ]);
    expect(seen).toEqual([
      [T0, 1, 1],
      [T0, 2, 1],
      [T0 + MINUTE_MS, 1, 2],
    ]);
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toMatchObject({ status: 'succeeded', fence: 2 });
  });
});

describe('retry on Lambda', () => {
  it("records the run failed with its attempts left when the next attempt would start past the invocation's deadline", async () => {
    const { ctx, deps, advance } = await cluster(T0 + 500);
    let calls = 0;
    const Work = () => {
      calls += 1;
      throw new Error('the API is down');
    };
    const schedule = everyMinute('lease: 5m', 'retry: { attempts: 4, backoff: 1m, maxBackoff: 5m }');
    // A 15 s invocation, its signal 10 s before the end: a 45 s backoff does not fit.
    const running = tick(deps('lambda-1', { Work }), { jobs: schedule, deadlineMs: T0 + 15_500 });
    await advance(1_000);
    expect(await running).toMatchObject([{ outcome: 'failed', fence: 1, error: 'Error: the API is down' }]);
    expect(calls).toBe(1);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'failed', attemptsLeft: 3, retryStopped: 'deadline' });
    expect(await getLock(ctx, 'report')).not.toHaveProperty('holder');
  });
});

describe('timeout', () => {
  it("cuts a hanging handler off from its lease after the grace: the run is recorded timed-out, a successor runs, and the hung handler's late write is refused by the fence", async () => {
    const { ctx, deps, advance } = await cluster(T0 + 500);
    const downstream = { pk: 'DOWNSTREAM', sk: 'inventory' };
    /** The README's fenced write: refused when a run with a larger fence already wrote. */
    const fencedWrite = async (fence: number, by: string): Promise<'written' | 'refused'> => {
      try {
        await ctx.client.send(
          new PutCommand({
            TableName: ctx.tableName,
            Item: { ...downstream, fence, by },
            ConditionExpression: 'attribute_not_exists(pk) OR fence < :fence',
            ExpressionAttributeValues: { ':fence': fence },
          }),
        );
        return 'written';
      } catch (error) {
        if (isConditionFailure(error)) return 'refused';
        throw error;
      }
    };
    const hung = deferred();
    const lateWrite: Promise<'written' | 'refused'>[] = [];
    const seen: RunContext[] = [];
    const Work = async (context: RunContext) => {
      seen.push(context);
      if (context.fence === 1) {
        await hung.promise; // ignores its signal
        lateWrite.push(fencedWrite(context.fence, 'hung'));
        return;
      }
      expect(await fencedWrite(context.fence, 'successor')).toBe('written');
    };
    const schedule = everyMinute('lease: 5m', 'timeout: 2s', 'retry: { attempts: 3 }');
    const running = tick(deps('node-a', { Work }), { jobs: schedule });
    await until(() => seen.length === 1);
    await advance(3_500); // 2 s timeout, then 1 s of grace
    const outcomes = await running;
    expect(outcomes).toMatchObject([{ outcome: 'failed', fence: 1, timedOut: true, durationMs: 3_000 }]);
    expect(seen[0]?.signal.reason?.name).toBe('TimeoutError');
    expect(seen[0]?.leaseLostSignal.reason?.name).toBe('LeaseLostError');
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({
      status: 'timed-out',
      fence: 1,
      cutOff: true,
      attemptsLeft: 2,
      retryStopped: 'cut-off',
      error: 'TimeoutError: job "report": attempt 1 passed its timeout of 2000 ms (cut off from the lease)',
    });
    // The lease is free while the hung handler still runs: a successor takes it, with fence 2.
    expect(await getLock(ctx, 'report')).not.toHaveProperty('holder');
    expect(await triggerJob(deps('node-b', { Work }), schedule[0]!)).toMatchObject([{ outcome: 'ran', fence: 2 }]);
    hung.resolve();
    await until(() => lateWrite.length === 1);
    expect(await lateWrite[0]).toBe('refused');
  });
});

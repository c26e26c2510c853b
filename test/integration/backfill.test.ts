import { describe, expect, it } from 'vitest';
import { backfill } from '../../functions/core/backfill.js';
import { ClusterCronError } from '../../functions/core/errors.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { acquireLease, getLock, recentSlots } from '../../functions/core/store.js';
import { tick } from '../../functions/core/tick.js';
import type { RunContext } from '../../functions/core/types.js';
import { useLocalTables } from '../support/local-table.js';
import { everyMinute, cluster as harnessCluster, iso, MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();
const cluster = (startMs: number) => harnessCluster(tables, startMs);

describe('backfill', () => {
  it('runs exactly the missed slots of the range, once each, oldest first, never two at once', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const schedule = everyMinute();
    const runs: [number, string, number][] = [];
    let running = 0;
    let maxRunning = 0;
    const Work = async (context: RunContext) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs.push([context.slot.getTime(), context.trigger, context.fence]);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running--;
    };
    await tick(deps('node-a', { Work }), { jobs: schedule }); // T0 ran
    clock.set(T0 + 3 * MINUTE_MS + 500);
    await tick(deps('node-a', { Work }), { jobs: schedule }); // T0 + 3m ran; 1m and 2m missed
    clock.set(T0 + 10 * MINUTE_MS);
    runs.length = 0;

    const outcomes = await backfill(deps('cli', { Work }), schedule[0]!, { fromMs: T0 - 2 * MINUTE_MS, toMs: T0 + 5 * MINUTE_MS });
    expect(outcomes.map((o) => [o.outcome, 'slot' in o && o.slot])).toEqual([
      ['ran', iso(T0 - MINUTE_MS)],
      ['ran', iso(T0 + MINUTE_MS)],
      ['ran', iso(T0 + 2 * MINUTE_MS)],
      ['ran', iso(T0 + 4 * MINUTE_MS)],
      ['ran', iso(T0 + 5 * MINUTE_MS)],
    ]);
    expect(runs.map(([slotMs, trigger]) => [slotMs, trigger])).toEqual(
      [T0 - MINUTE_MS, T0 + MINUTE_MS, T0 + 2 * MINUTE_MS, T0 + 4 * MINUTE_MS, T0 + 5 * MINUTE_MS].map((slotMs) => [slotMs, 'backfill']),
    );
    expect(runs.map(([, , fence]) => fence)).toEqual([3, 4, 5, 6, 7]);
    expect(maxRunning).toBe(1);

    // Again: nothing is missing any more.
    expect(await backfill(deps('cli', { Work }), schedule[0]!, { fromMs: T0 - 2 * MINUTE_MS, toMs: T0 + 5 * MINUTE_MS })).toEqual([]);
    expect((await recentSlots(ctx, 'report', 20)).map((item) => item.slotMs).sort()).toEqual(
      [-1, 0, 1, 2, 3, 4, 5].map((m) => T0 + m * MINUTE_MS),
    );
  });

  it('run twice at once still starts each slot once', async () => {
    const { clock, deps } = await cluster(T0 + 10 * MINUTE_MS);
    const schedule = everyMinute();
    const runs: number[] = [];
    const Work = (context: RunContext) => void runs.push(context.slot.getTime());
    const range = { fromMs: T0, toMs: T0 + 4 * MINUTE_MS, sleep: async () => clock.advance(250) };
    await Promise.all([backfill(deps('cli-1', { Work }), schedule[0]!, range), backfill(deps('cli-2', { Work }), schedule[0]!, range)]);
    expect(runs.sort()).toEqual([1, 2, 3, 4].map((m) => T0 + m * MINUTE_MS));
  });

  it('waits for a run holding the lease to finish before each slot instead of skipping it', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 10 * MINUTE_MS);
    const schedule = everyMinute('lease: 30s');
    await acquireLease(ctx, { job: 'report', token: 'long#1', instance: 'long', slotMs: T0 + 9 * MINUTE_MS, leaseMs: 20_000 });
    const startedAtMs: number[] = [];
    const Work = () => void startedAtMs.push(clock());
    let sleeps = 0;
    const sleep = async (ms: number) => {
      sleeps++;
      clock.advance(ms);
    };
    const outcomes = await backfill(deps('cli', { Work }), schedule[0]!, {
      fromMs: T0,
      toMs: T0 + 2 * MINUTE_MS,
      waitForLeaseMs: 60_000,
      sleep,
    });
    expect(outcomes.map((o) => o.outcome)).toEqual(['ran', 'ran']);
    expect(sleeps).toBeGreaterThan(0);
    expect(startedAtMs[0]).toBeGreaterThan(T0 + 10 * MINUTE_MS + 20_000);
    expect(await getLock(ctx, 'report')).toMatchObject({ fence: 3 });
  });

  it('rejects a reversed range, a range reaching into the future, and one with too many slots, naming the job', async () => {
    const { deps } = await cluster(T0);
    const job = everyMinute()[0]!;
    const secondly = parseSchedule('fast:\n  cron: "* * * * * *"\n  class: Work\n', { handlers: ['Work'] })[0]!;
    const d = deps('cli', { Work: () => {} });
    await expect(backfill(d, job, { fromMs: T0 - MINUTE_MS, toMs: T0 - 2 * MINUTE_MS })).rejects.toThrow(
      /job "report": --from 2026-11-26T09:59:00.000Z must be before --to 2026-11-26T09:58:00.000Z/,
    );
    await expect(backfill(d, job, { fromMs: T0 - MINUTE_MS, toMs: T0 + MINUTE_MS })).rejects.toThrow(
      /--to 2026-11-26T10:01:00.000Z is in the future/,
    );
    await expect(backfill(d, secondly, { fromMs: T0 - 86_400_000, toMs: T0 })).rejects.toThrow(ClusterCronError);
    await expect(backfill(d, secondly, { fromMs: T0 - 86_400_000, toMs: T0 })).rejects.toThrow(
      /more than 10000 slots; backfill it in parts/,
    );
  });
});

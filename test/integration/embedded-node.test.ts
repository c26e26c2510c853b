import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { UnknownJobError } from '../../functions/core/errors.js';
import { getLock } from '../../functions/core/store.js';
import type { RunContext, TickOutcome } from '../../functions/core/types.js';
import { defineConfig, defineJob } from '../../functions/define.js';
import { startNode } from '../../functions/embedded-node.js';
import { history, pause, resume, status, tick, trigger } from '../../functions/operations.js';
import { fakeTimers } from '../support/fake-timers.js';
import { fakeClock, memoryLog, useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();

describe('startNode embedded in an app', () => {
  it('runs its code job with typed args, reports each outcome, and on stop ends the run and releases the lease', async () => {
    const tableName = await tables.newTable();
    const seen: { greeting: string; fence: number }[] = [];
    let aborted = false;
    const config = defineConfig({
      jobs: {
        greet: defineJob({
          cron: '* * * * * *',
          lease: '5s',
          args: { greeting: 'hello' },
          handler: async ({ args, fence, signal }: RunContext<{ greeting: string }>) => {
            seen.push({ greeting: args.greeting, fence });
            await sleep(60_000, undefined, { signal }).catch(() => (aborted = true));
          },
        }),
      },
    });
    const hooked: TickOutcome[] = [];
    const emitted: TickOutcome[] = [];
    const node = await startNode({
      config,
      client: tables.client(),
      tableName,
      instance: 'app-1',
      log: memoryLog(),
      onOutcome: (outcome) => hooked.push(outcome),
    });
    node.on('outcome', (outcome) => emitted.push(outcome));
    expect(node.jobs.map((job) => job.name)).toEqual(['greet']);
    for (let waitedMs = 0; seen.length === 0 && waitedMs < 5_000; waitedMs += 50) await sleep(50);
    expect(seen).toEqual([{ greeting: 'hello', fence: 1 }]);
    expect((await getLock({ client: tables.client(), tableName, clock: Date.now }, 'greet'))?.holderInstance).toBe('app-1');

    await node.stop('test');
    expect(aborted).toBe(true);
    // The run's outcome arrived through both the hook and the event, and the lease is free.
    expect(hooked.filter((outcome) => outcome.outcome === 'failed' || outcome.outcome === 'ran').map((outcome) => outcome.job)).toEqual([
      'greet',
    ]);
    expect(emitted.filter((outcome) => outcome.outcome === 'failed' || outcome.outcome === 'ran')).toHaveLength(1);
    const lock = await getLock({ client: tables.client(), tableName, clock: Date.now }, 'greet');
    expect(lock?.holder).toBeUndefined();
    expect(lock?.fence).toBe(1);
  });

  it("runs on the clock and timers it is given: its loop and its runs' lease timers are theirs", async () => {
    const T0 = Date.parse('2026-11-26T10:00:00.000Z');
    const clock = fakeClock(T0 + 200);
    const timers = fakeTimers(clock);
    const pendingDuringRun: number[] = [];
    const config = defineConfig({
      jobs: { report: defineJob({ cron: '* * * * *', lease: '30s', handler: () => void pendingDuringRun.push(timers.pending()) }) },
    });
    const ran: string[] = [];
    const node = await startNode({
      config,
      client: tables.client(),
      tableName: await tables.newTable(),
      instance: 'app-1',
      log: memoryLog(),
      clock,
      timers,
      onOutcome: (outcome) => outcome.outcome === 'ran' && ran.push(outcome.slot),
    });
    for (let waitedMs = 0; ran.length < 1 && waitedMs < 5_000; waitedMs += 20) await sleep(20);
    expect(ran).toEqual([new Date(T0).toISOString()]);
    // While the run held its lease: the node's loop, the heartbeat interval and the watchdog.
    expect(pendingDuringRun).toEqual([3]);
    expect(timers.pending()).toBe(1);

    timers.advance(60_000 - 200 + 5);
    for (let waitedMs = 0; ran.length < 2 && waitedMs < 5_000; waitedMs += 20) await sleep(20);
    expect(ran).toEqual([new Date(T0).toISOString(), new Date(T0 + 60_000).toISOString()]);
    await node.stop('test');
    expect(timers.pending()).toBe(0);
  });

  it('refuses a table that does not exist when given a client, naming it', async () => {
    const config = defineConfig({ jobs: { greet: defineJob({ cron: '* * * * *', handler: () => undefined }) } });
    await expect(startNode({ config, client: tables.client(), tableName: 'no-such-table', log: memoryLog() })).rejects.toThrow(
      'no-such-table',
    );
  });
});

describe('the operations as functions', () => {
  it('tick, trigger, pause, resume, status and history work on a config object', async () => {
    const tableName = await tables.newTable();
    const runs: string[] = [];
    const config = defineConfig({ jobs: { report: defineJob({ cron: '* * * * *', handler: ({ trigger: why }) => void runs.push(why) }) } });
    const options = { config, client: tables.client(), tableName, instance: 'ops', log: memoryLog() };

    const [first] = await tick(options);
    expect(first).toMatchObject({ outcome: 'ran', job: 'report', fence: 1 });
    expect((await tick({ ...options, at: new Date(Date.parse(first!.outcome === 'ran' ? first!.slot : '')) }))[0]).toMatchObject({
      outcome: 'duplicate',
    });
    expect((await trigger({ ...options, job: 'report' }))[0]).toMatchObject({ outcome: 'ran', trigger: 'manual', fence: 2 });
    expect(runs).toEqual(['schedule', 'manual']);

    expect(await pause({ ...options, job: 'report', note: 'deploying' })).toMatchObject({ paused: true, pausedNote: 'deploying' });
    expect((await status(options))[0]).toMatchObject({
      job: { name: 'report' },
      lock: { paused: true },
      nextMs: [expect.any(Number), expect.any(Number), expect.any(Number)],
    });
    expect((await resume({ ...options, job: 'report' })).paused).toBe(false);
    expect((await status({ ...options, job: 'report' })).counters).toMatchObject({ runs: 2, succeeded: 2 });
    const { slots, lock } = await history({ ...options, job: 'report' });
    expect(slots.map((slot) => [slot.trigger, slot.status])).toEqual([
      ['manual', 'succeeded'],
      ['schedule', 'succeeded'],
    ]);
    expect(lock?.fence).toBe(2);
    await expect(trigger({ ...options, job: 'nope' })).rejects.toBeInstanceOf(UnknownJobError);
    await expect(tick({ ...options, at: 'yesterday' })).rejects.toThrow('payload field "at" has value "yesterday"');
  });
});

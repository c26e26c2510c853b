import { GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DUE_REPAIR_KEY } from '../../functions/core/due-repair.js';
import { DeadlineError, LeaseLostError } from '../../functions/core/errors.js';
import type { Scheduler } from '../../functions/core/lease.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { SlotMemory } from '../../functions/core/slot-memory.js';
import { acquireLease, claimSlot, getLock, getSlot, recentSlots, type StoreContext, setPaused } from '../../functions/core/store.js';
import { tick, triggerJob } from '../../functions/core/tick.js';
import type { JobHandler, RunContext, TickOutcome } from '../../functions/core/types.js';
import { fakeClock, memoryLog, useLocalTables } from '../support/local-table.js';
import { aborted, deferred, everyMinute, cluster as harnessCluster, interpose, iso, MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();
const cluster = (startMs: number) => harnessCluster(tables, startMs);

function jobs(yaml: string) {
  return parseSchedule(yaml, { handlers: ['Count'] });
}

const isAcquire = (command: unknown): boolean =>
  command instanceof UpdateCommand && (command.input.UpdateExpression ?? '').includes('ADD fence');
const ran = (outcomes: TickOutcome[]) => outcomes.filter((o): o is Extract<TickOutcome, { outcome: 'ran' }> => o.outcome === 'ran');

describe('tick against the local server', () => {
  it('starts one run for 50 concurrent ticks of the same slot; 49 are duplicates', async () => {
    const tableName = await tables.newTable();
    const clock = fakeClock(T0 + 500);
    let runs = 0;
    const handlers: Record<string, JobHandler> = { Count: () => void runs++ };
    const schedule = jobs('count:\n  cron: "* * * * *"\n  class: Count\n  catchupWindow: 30s\n');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        tick({ client: tables.client(), tableName, clock, instance: `node-${i}`, log: memoryLog(), handlers }, { jobs: schedule }),
      ),
    );
    const outcomes = results.flat().filter((o) => o.outcome !== 'not-due');
    expect(runs).toBe(1);
    expect(outcomes.filter((o) => o.outcome === 'ran')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(49);
    const lock = await getLock({ client: tables.client(), tableName, clock }, 'count');
    expect(lock?.fence).toBe(1);
    expect(lock?.holder).toBeUndefined();
    const [slot] = await recentSlots({ client: tables.client(), tableName, clock }, 'count', 5);
    expect(slot).toMatchObject({ status: 'succeeded', fence: 1, slot: '2026-11-26T10:00:00.000Z' });
  });

  it('runs a due slot and records it: who, when, how long, with which fence', async () => {
    const { ctx, clock, log, deps } = await cluster(T0 + 500);
    const outcomes = await tick(deps('node-a', { Work: () => void clock.advance(250) }), { jobs: everyMinute() });
    expect(outcomes).toEqual([
      { outcome: 'ran', job: 'report', slot: iso(T0), trigger: 'schedule', fence: 1, durationMs: 250, leaseLost: false },
    ]);
    const item = await getSlot(ctx, 'report', T0);
    expect(item).toMatchObject({
      status: 'succeeded',
      trigger: 'schedule',
      instance: 'node-a',
      claimedAtMs: T0 + 500,
      startedAtMs: T0 + 500,
      finishedAtMs: T0 + 750,
      durationMs: 250,
      fence: 1,
      leaseLost: false,
    });
    expect(item?.claimedBy).toMatch(/^node-a#/);
    expect(log.events.map((e) => e.message)).toEqual(expect.arrayContaining(['run.start', 'run.end']));
    expect(log.events.find((e) => e.message === 'run.start')?.attributes).toMatchObject({
      job: 'report',
      slot: iso(T0),
      fence: 1,
      lagMs: 500,
    });
  });

  it('reports a later tick for an already claimed slot as a duplicate, without running it again', async () => {
    const { clock, deps } = await cluster(T0 + 500);
    let runs = 0;
    const work = { Work: () => void runs++ };
    const [first] = await tick(deps('node-a', work), { jobs: everyMinute() });
    clock.advance(5_000);
    const second = await tick(deps('node-b', work), { jobs: everyMinute() });
    expect(first?.outcome).toBe('ran');
    expect(second).toEqual([{ outcome: 'duplicate', job: 'report', slot: iso(T0), claimedBy: expect.stringMatching(/^node-a#/) }]);
    expect(runs).toBe(1);
  });

  it('reports a tick for a slot whose run still goes (claimed on the lock, no slot item yet) as a duplicate, writing nothing', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const started = deferred();
    const finish = deferred();
    let runs = 0;
    const first = tick(
      deps('node-a', {
        Work: async () => {
          runs++;
          started.resolve();
          return finish.promise;
        },
      }),
      { jobs: everyMinute() },
    );
    await started.promise;
    clock.advance(5_000);
    let writes = 0;
    const counted = interpose(ctx.client, async (command) => {
      // (The due index's repair sweep, a cluster's housekeeping once a minute, has its own tests: due-repair.test.ts.)
      const sweep = (command as { input: { Key?: { pk?: string } } }).input.Key?.pk === DUE_REPAIR_KEY.pk;
      if (!(command instanceof GetCommand) && !(command instanceof QueryCommand) && !(command instanceof ScanCommand) && !sweep) writes++;
    });
    const second = await tick({ ...deps('node-b', { Work: () => void runs++ }), client: counted }, { jobs: everyMinute() });
    expect(second).toEqual([{ outcome: 'duplicate', job: 'report', slot: iso(T0), claimedBy: expect.stringMatching(/^node-a#/) }]);
    expect(writes).toBe(0);
    finish.resolve();
    expect(await first).toMatchObject([{ outcome: 'ran', fence: 1 }]);
    expect(runs).toBe(1);
  });

  it('moves a manual run that falls on the very millisecond of a cron slot 1 ms on, so the scheduled slot still runs once', async () => {
    const { ctx, clock, deps } = await cluster(T0);
    let runs = 0;
    const work = { Work: () => void runs++ };
    expect(await triggerJob(deps('node-a', work), everyMinute()[0]!)).toMatchObject([
      { outcome: 'ran', slot: iso(T0 + 1), trigger: 'manual' },
    ]);
    clock.set(T0 + 500);
    expect(await tick(deps('node-b', work), { jobs: everyMinute() })).toMatchObject([
      { outcome: 'ran', slot: iso(T0), trigger: 'schedule', fence: 2 },
    ]);
    expect(await tick(deps('node-c', work), { jobs: everyMinute() })).toMatchObject([{ outcome: 'duplicate', slot: iso(T0) }]);
    expect(runs).toBe(2);
    expect((await getSlot(ctx, 'report', T0 + 1))?.trigger).toBe('manual');
  });

  it('hands the handler its slot time, fence, args, trigger, a live signal and a log that names the run', async () => {
    const { clock, log, deps } = await cluster(T0 + 42_000);
    const seen: RunContext[] = [];
    const handler: JobHandler = (context) => {
      seen.push(context);
      context.log.info('work.done', { rows: 3 });
    };
    await tick(deps('node-a', { Work: handler }), { jobs: everyMinute('args: { to: ops }', 'catchupWindow: 60s') });
    expect(seen).toHaveLength(1);
    const [context] = seen;
    expect(context!.slot).toEqual(new Date(T0));
    expect(context!.slot.getTime()).not.toBe(clock());
    expect(context).toMatchObject({ job: 'report', fence: 1, args: { to: 'ops' }, trigger: 'schedule' });
    expect(context!.signal.aborted).toBe(false);
    expect(log.events.find((e) => e.message === 'work.done')?.attributes).toMatchObject({
      rows: 3,
      job: 'report',
      slot: iso(T0),
      fence: 1,
      holder: expect.stringMatching(/^node-a#/),
    });
  });

  it("hands sidekiq-cron's array args as written, with date_as_argument the slot's time (not the tick's) last", async () => {
    const { clock, deps } = await cluster(T0 + 42_000);
    const seen: unknown[] = [];
    await tick(deps('node-a', { Work: ({ args }) => void seen.push(args) }), {
      jobs: everyMinute('args: [Ahoj, 2]', 'date_as_argument: true', 'catchupWindow: 60s'),
    });
    expect(seen).toEqual([['Ahoj', 2, T0 / 1000]]);
    expect(T0).not.toBe(clock());
  });

  it('reads the cron in the job zone and runs seconds slots of a 6-field cron', async () => {
    const { deps } = await cluster(T0 + 10_200);
    const schedule = parseSchedule(
      'berlin:\n  cron: "0 11 * * * Europe/Berlin"\n  class: Work\nseconds:\n  cron: "*/10 * * * * *"\n  class: Work\n  catchupWindow: 5s\n',
      { handlers: ['Work'] },
    );
    const slots: string[] = [];
    const outcomes = await tick(deps('node-a', { Work: (c) => void slots.push(`${c.job} ${c.slot.toISOString()}`) }), { jobs: schedule });
    expect(outcomes.map((o) => o.outcome)).toEqual(['ran', 'ran']);
    expect(slots.sort()).toEqual([`berlin ${iso(T0)}`, `seconds ${iso(T0 + 10_000)}`]);
  });

  it('reports a job with nothing due as not-due, with its next slot, and writes nothing', async () => {
    const { ctx, deps } = await cluster(T0 + 500);
    const schedule = parseSchedule('yearly:\n  cron: "0 0 1 1 *"\n  class: Work\n', { handlers: ['Work'] });
    let runs = 0;
    const outcomes = await tick(deps('node-a', { Work: () => void runs++ }), { jobs: schedule });
    expect(outcomes).toEqual([{ outcome: 'not-due', job: 'yearly', nextSlot: '2027-01-01T00:00:00.000Z' }]);
    expect(runs).toBe(0);
    expect(await getLock(ctx, 'yearly')).toBeUndefined();
    expect(await recentSlots(ctx, 'yearly', 5)).toEqual([]);
  });

  it('reports a disabled job and neither runs nor writes it', async () => {
    const { ctx, deps } = await cluster(T0 + 500);
    let runs = 0;
    const outcomes = await tick(deps('node-a', { Work: () => void runs++ }), { jobs: everyMinute('status: disabled') });
    expect(outcomes).toEqual([{ outcome: 'disabled', job: 'report' }]);
    expect(runs).toBe(0);
    expect(await recentSlots(ctx, 'report', 5)).toEqual([]);
  });

  it('handles only the jobs named in `only`', async () => {
    const { deps } = await cluster(T0 + 500);
    const schedule = parseSchedule(
      'a:\n  cron: "* * * * *"\n  class: Work\n  catchupWindow: 30s\nb:\n  cron: "* * * * *"\n  class: Work\n  catchupWindow: 30s\n',
      {
        handlers: ['Work'],
      },
    );
    const names: string[] = [];
    const outcomes = await tick(deps('node-a', { Work: (c) => void names.push(c.job) }), { jobs: schedule, only: ['b'] });
    expect(outcomes.map((o) => [o.outcome, o.job])).toEqual([['ran', 'b']]);
    expect(names).toEqual(['b']);
  });

  it('computes slots from atMs when given one, not from the clock', async () => {
    const { deps } = await cluster(T0 + 500);
    const slots: number[] = [];
    const atMs = T0 + 3 * 3_600_000 + 700;
    const outcomes = await tick(deps('node-a', { Work: (c) => void slots.push(c.slot.getTime()) }), {
      jobs: everyMinute('catchupWindow: 30s'),
      atMs,
    });
    expect(outcomes).toMatchObject([{ outcome: 'ran', slot: iso(T0 + 3 * 3_600_000) }]);
    expect(slots).toEqual([T0 + 3 * 3_600_000]);
  });

  it('returns an error outcome instead of throwing when the table cannot be reached', async () => {
    const { ctx, log, deps } = await cluster(T0 + 500);
    const outcomes = await tick({ ...deps('node-a', { Work: () => {} }), tableName: `${ctx.tableName}-missing` }, { jobs: everyMinute() });
    expect(outcomes).toEqual([{ outcome: 'error', job: 'report', error: expect.stringContaining('ResourceNotFoundException') }]);
    expect(log.events.some((e) => e.level === 'error' && e.message === 'tick.error')).toBe(true);
  });
});

describe('a node that knows its slots', () => {
  it('still reads the table once a lease, and then settles a claim abandoned before a long stall of every node', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 100);
    const schedule = jobs('count:\n  cron: "* * * * * *"\n  class: Count\n  lease: 3s\n  catchupWindow: 2s\n');
    // dead#1 claimed T0 and vanished before taking the lease; then nothing ticked for 20 s.
    await claimSlot(ctx, { job: 'count', slotMs: T0, token: 'dead#1', instance: 'dead', trigger: 'schedule', retentionMs: 60_000 });
    const memory = new SlotMemory();
    let runs = 0;
    clock.set(T0 + 20_100);
    await tick(deps('node-a', { Count: () => void runs++ }), { jobs: schedule, memory });
    expect(runs).toBe(1);
    expect(await getSlot(ctx, 'count', T0)).toMatchObject({ status: 'lost', claimedBy: 'dead#1' });
  });
});

describe('a tick over many jobs', () => {
  it('lets a bounded number of jobs reach the table at once, but a running handler never holds them up', async () => {
    const { deps } = await cluster(T0 + 500);
    const schedule = jobs(
      ['a', 'b', 'c', 'd'].map((name) => `${name}:\n  cron: "* * * * *"\n  class: Count\n  catchupWindow: 30s\n`).join(''),
    );
    const started: string[] = [];
    const finish = deferred();
    const Count = async (context: RunContext) => {
      started.push(context.job);
      await finish.promise;
    };
    const running = tick(deps('node-a', { Count }, { maxConcurrentJobs: 1 }), { jobs: schedule });
    // With one permit, all four handlers still start: each gives the permit back as it starts.
    for (let i = 0; i < 200 && started.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(started.sort()).toEqual(['a', 'b', 'c', 'd']);
    finish.resolve();
    expect((await running).map((o) => o.outcome)).toEqual(['ran', 'ran', 'ran', 'ran']);
  });
});

describe('a tick while the previous run holds the lease', () => {
  it('records the slot as skipped because locked, names the holder, and does not start a second run', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const started = deferred();
    const finish = deferred();
    let runs = 0;
    const handlers = {
      Work: async () => {
        runs++;
        started.resolve();
        await finish.promise;
      },
    };
    const schedule = everyMinute('lease: 5m', 'catchupWindow: 30s');
    const first = tick(deps('node-a', handlers), { jobs: schedule });
    await started.promise;
    const holder = (await getLock(ctx, 'report'))?.holder;
    expect(holder).toMatch(/^node-a#/);

    clock.advance(MINUTE_MS);
    const second = await tick(deps('node-b', handlers), { jobs: schedule });

    expect(second).toEqual([
      { outcome: 'locked', job: 'report', slot: iso(T0 + MINUTE_MS), heldBy: holder, heldFence: 1, leaseUntil: iso(T0 + 500 + 300_000) },
    ]);
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toMatchObject({
      status: 'skipped',
      reason: 'locked',
      heldBy: holder,
      heldFence: 1,
      trigger: 'schedule',
    });
    expect(runs).toBe(1);

    finish.resolve();
    expect(await first).toEqual([
      { outcome: 'ran', job: 'report', slot: iso(T0), trigger: 'schedule', fence: 1, durationMs: MINUTE_MS, leaseLost: false },
    ]);
    expect(runs).toBe(1);
    expect(await getLock(ctx, 'report')).toMatchObject({ fence: 1, leaseUntilMs: 0 });
  });

  it('records the slot as locked when another holder takes the lease between claim and acquire', async () => {
    const { ctx, deps } = await cluster(T0 + 500);
    let interposed = false;
    const client = interpose(ctx.client, async (command) => {
      if (!interposed && isAcquire(command)) {
        interposed = true;
        await acquireLease(ctx, { job: 'report', token: 'other#1', instance: 'other', slotMs: T0 - MINUTE_MS, leaseMs: 60_000 });
      }
    });
    let runs = 0;
    const outcomes = await tick({ ...deps('node-a', { Work: () => void runs++ }), client }, { jobs: everyMinute() });
    expect(interposed).toBe(true);
    expect(outcomes).toEqual([
      { outcome: 'locked', job: 'report', slot: iso(T0), heldBy: 'other#1', heldFence: 1, leaseUntil: iso(T0 + 500 + 60_000) },
    ]);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'skipped', reason: 'locked', heldBy: 'other#1', heldFence: 1 });
    expect(runs).toBe(0);
  });
});

describe('a holder that dies', () => {
  async function deadHolder(ctx: StoreContext, leaseMs: number): Promise<void> {
    await claimSlot(ctx, { job: 'report', slotMs: T0, token: 'dead#1', instance: 'dead', trigger: 'schedule', retentionMs: 86_400_000 });
    await acquireLease(ctx, { job: 'report', token: 'dead#1', instance: 'dead', slotMs: T0, leaseMs });
  }

  it('blocks its job until its lease ends; the next due slot after that runs with a larger fence', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    await deadHolder(ctx, 90_000);
    let runs = 0;
    const work = { Work: () => void runs++ };

    clock.set(T0 + MINUTE_MS + 500);
    expect(await tick(deps('node-b', work), { jobs: everyMinute() })).toMatchObject([
      { outcome: 'locked', heldBy: 'dead#1', heldFence: 1 },
    ]);
    expect(runs).toBe(0);

    clock.set(T0 + 2 * MINUTE_MS + 500);
    const outcomes = await tick(deps('node-b', work), { jobs: everyMinute() });
    expect(outcomes).toEqual([
      { outcome: 'ran', job: 'report', slot: iso(T0 + 2 * MINUTE_MS), trigger: 'schedule', fence: 2, durationMs: 0, leaseLost: false },
    ]);
    expect(runs).toBe(1);
  });

  it('has its slot marked lost by the next acquirer after its lease lapsed', async () => {
    const { ctx, clock, log, deps } = await cluster(T0 + 500);
    await deadHolder(ctx, 30_000);
    clock.set(T0 + MINUTE_MS + 500);
    const outcomes = await tick(deps('node-b', { Work: () => {} }), { jobs: everyMinute() });
    expect(outcomes).toMatchObject([{ outcome: 'ran', slot: iso(T0 + MINUTE_MS), fence: 2 }]);

    const successor = (await getSlot(ctx, 'report', T0 + MINUTE_MS))?.claimedBy;
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({
      status: 'lost',
      claimedBy: 'dead#1',
      error: `lease lapsed without an outcome (held by dead#1); taken over by ${successor}`,
    });
    expect(log.events).toContainEqual({
      level: 'warn',
      message: 'lease.takeover',
      attributes: expect.objectContaining({ job: 'report', fence: 2, previousHolder: 'dead#1', previousSlot: iso(T0) }),
    });
  });

  it('claimed on the lock (no slot item), gets its slot item as lost, with its fence, before its lease is taken over', async () => {
    const { ctx, clock, log, deps } = await cluster(T0 + 500);
    await acquireLease(ctx, {
      job: 'report',
      token: 'dead#1',
      instance: 'dead',
      slotMs: T0,
      leaseMs: 30_000,
      trigger: 'schedule',
      claimOnLock: true,
    });
    expect(await getSlot(ctx, 'report', T0)).toBeUndefined();
    clock.set(T0 + MINUTE_MS + 500);
    const outcomes = await tick(deps('node-b', { Work: () => {} }), { jobs: everyMinute() });
    expect(outcomes).toMatchObject([{ outcome: 'ran', slot: iso(T0 + MINUTE_MS), fence: 2 }]);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({
      status: 'lost',
      claimedBy: 'dead#1',
      instance: 'dead',
      trigger: 'schedule',
      fence: 1,
      slot: iso(T0),
    });
    expect(await getLock(ctx, 'report')).toMatchObject({ lastSlotMs: T0 + MINUTE_MS, fence: 2 });
    expect(log.events.some((e) => e.message === 'lease.takeover')).toBe(true);
  });
});

describe('fences', () => {
  it('rise by exactly one per acquisition over 20 runs, and a released lock keeps its fence', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const fences: number[] = [];
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      clock.set(T0 + i * MINUTE_MS + 500);
      const outcomes = await tick(deps(`node-${i % 3}`, { Work: (c) => void seen.push(c.fence) }), {
        jobs: everyMinute('catchupWindow: 30s'),
      });
      fences.push(...ran(outcomes).map((o) => o.fence));
      const lock = await getLock(ctx, 'report');
      expect(lock?.holder).toBeUndefined();
      expect(lock?.fence).toBe(i + 1);
    }
    const expected = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(fences).toEqual(expected);
    expect(seen).toEqual(expected);
    const slots = await recentSlots(ctx, 'report', 20);
    expect(slots.map((s) => s.fence).reverse()).toEqual(expected);
    expect(slots.every((s) => s.status === 'succeeded')).toBe(true);
  });

  it('survive a pause and resume', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const work = { Work: () => {} };
    expect(await tick(deps('node-a', work), { jobs: everyMinute() })).toMatchObject([{ outcome: 'ran', fence: 1 }]);
    await setPaused(ctx, 'report', true);
    clock.set(T0 + MINUTE_MS + 500);
    expect(await tick(deps('node-a', work), { jobs: everyMinute() })).toMatchObject([{ outcome: 'paused' }]);
    await setPaused(ctx, 'report', false);
    expect((await getLock(ctx, 'report'))?.fence).toBe(1);
    clock.set(T0 + 2 * MINUTE_MS + 500);
    expect(await tick(deps('node-a', work), { jobs: everyMinute() })).toMatchObject([{ outcome: 'ran', fence: 2 }]);
  });
});

describe('retried writes whose first attempt applied', () => {
  it('are recognised as our own: a tick over a client that delivers every write twice runs once, with fence 1', async () => {
    const { ctx, deps } = await cluster(T0 + 500);
    let doubled = 0;
    const client = interpose(ctx.client, async (command) => {
      if (command instanceof PutCommand || command instanceof UpdateCommand) {
        doubled++;
        await ctx.client.send(command as UpdateCommand);
      }
    });
    let runs = 0;
    const outcomes = await tick({ ...deps('node-a', { Work: () => void runs++ }), client }, { jobs: everyMinute() });
    expect(doubled).toBeGreaterThanOrEqual(3); // acquire (with the claim), record, release
    expect(outcomes).toEqual([
      { outcome: 'ran', job: 'report', slot: iso(T0), trigger: 'schedule', fence: 1, durationMs: 0, leaseLost: false },
    ]);
    expect(runs).toBe(1);
    expect(await getLock(ctx, 'report')).toMatchObject({ fence: 1, leaseUntilMs: 0 });
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'succeeded', fence: 1 });
  });
});

describe('a run whose outcome cannot be recorded', () => {
  it('keeps its lease instead of releasing it, so the next holder after it lapses marks the slot lost', async () => {
    const { ctx, clock, log, deps } = await cluster(T0 + 500);
    const isRecordRun = (command: unknown): boolean =>
      command instanceof UpdateCommand && (command.input.UpdateExpression ?? '').includes('durationMs');
    const client = interpose(ctx.client, async (command) => {
      if (isRecordRun(command)) throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    });
    let runs = 0;
    const work = { Work: () => void runs++ };
    const outcomes = await tick({ ...deps('node-a', work), client }, { jobs: everyMinute() });
    expect(outcomes).toEqual([{ outcome: 'error', job: 'report', error: 'ProvisionedThroughputExceededException: throttled' }]);
    expect(runs).toBe(1);
    expect(log.events.some((e) => e.level === 'error' && e.message === 'run.record.error')).toBe(true);
    const holder = (await getLock(ctx, 'report'))?.holder;
    expect(holder).toMatch(/^node-a#/);
    // A scheduled slot is claimed on the lock: until its record, the lock is its only trace.
    expect(await getSlot(ctx, 'report', T0)).toBeUndefined();
    expect(await getLock(ctx, 'report')).toMatchObject({ holderSlotMs: T0, lastSlotMs: T0, holderTrigger: 'schedule' });

    clock.set(T0 + MINUTE_MS + 500);
    expect(await tick(deps('node-b', work), { jobs: everyMinute() })).toMatchObject([{ outcome: 'locked', heldBy: holder }]);
    clock.set(T0 + 2 * MINUTE_MS + 500);
    expect(await tick(deps('node-b', work), { jobs: everyMinute() })).toMatchObject([{ outcome: 'ran', fence: 2 }]);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'lost', claimedBy: holder });
  });
});

describe('catch-up', () => {
  it('runs the slot of a skipped minute when it is inside the window, marked catch-up, oldest first', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const runs: [string, string][] = [];
    const work = { Work: (c: RunContext) => void runs.push([c.slot.toISOString(), c.trigger]) };
    const schedule = everyMinute('catchupWindow: 90s', 'catchupLimit: 5');
    // A 90 s window half a second after T0 also holds the slot a minute before, but the job
    // has never run: that slot is from before it existed, so only the current one runs.
    expect(await tick(deps('node-a', work), { jobs: schedule })).toMatchObject([
      { outcome: 'ran', slot: iso(T0), trigger: 'schedule', fence: 1 },
    ]);
    clock.set(T0 + 2 * MINUTE_MS + 500);
    const outcomes = await tick(deps('node-a', work), { jobs: schedule });
    expect(outcomes).toMatchObject([
      { outcome: 'ran', slot: iso(T0 + MINUTE_MS), trigger: 'catch-up', fence: 2 },
      { outcome: 'ran', slot: iso(T0 + 2 * MINUTE_MS), trigger: 'schedule', fence: 3 },
    ]);
    expect(runs).toEqual([
      [iso(T0), 'schedule'],
      [iso(T0 + MINUTE_MS), 'catch-up'],
      [iso(T0 + 2 * MINUTE_MS), 'schedule'],
    ]);
    expect(await getSlot(ctx, 'report', T0 - MINUTE_MS)).toBeUndefined();
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toMatchObject({ status: 'succeeded', trigger: 'catch-up' });
  });

  it('runs only the newest open slot by default and reports the older ones as one missed outcome, writing nothing for them', async () => {
    const { ctx, clock, log, deps } = await cluster(T0 + 500);
    const runs: number[] = [];
    const work = { Work: (c: RunContext) => void runs.push(c.slot.getTime()) };
    const schedule = everyMinute('catchupWindow: 5m');
    await tick(deps('node-a', work), { jobs: schedule });
    clock.set(T0 + 3 * MINUTE_MS + 500);
    const outcomes = await tick(deps('node-a', work), { jobs: schedule });
    expect(outcomes).toMatchObject([
      { outcome: 'missed', slot: iso(T0 + 2 * MINUTE_MS), why: 'limit', count: 2 },
      { outcome: 'ran', slot: iso(T0 + 3 * MINUTE_MS), trigger: 'schedule', fence: 2 },
    ]);
    expect(runs).toEqual([T0, T0 + 3 * MINUTE_MS]);
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toBeUndefined();
    expect(log.events.filter((e) => e.message === 'slot.missed')).toMatchObject([
      { level: 'warn', attributes: { count: 2, oldestSlot: iso(T0 + MINUTE_MS) } },
    ]);
    // The next tick does not report them again: they are older than the slot that ran.
    clock.set(T0 + 3 * MINUTE_MS + 900);
    expect(await tick(deps('node-a', work), { jobs: schedule })).toMatchObject([{ outcome: 'duplicate' }]);
  });

  it('runs up to catchupLimit open slots, oldest first', async () => {
    const { clock, deps } = await cluster(T0 + 500);
    const runs: number[] = [];
    const work = { Work: (c: RunContext) => void runs.push(c.slot.getTime()) };
    const schedule = everyMinute('catchupWindow: 5m', 'catchupLimit: 2');
    await tick(deps('node-a', work), { jobs: schedule });
    clock.set(T0 + 3 * MINUTE_MS + 500);
    expect((await tick(deps('node-a', work), { jobs: schedule })).map((o) => o.outcome)).toEqual(['missed', 'ran', 'ran']);
    expect(runs).toEqual([T0, T0 + 2 * MINUTE_MS, T0 + 3 * MINUTE_MS]);
  });

  it('does not catch up slots from before a new job first ran, even inside the window', async () => {
    const { ctx, deps } = await cluster(T0 + 30_000);
    const runs: number[] = [];
    const work = { Work: (c: RunContext) => void runs.push(c.slot.getTime()) };
    const outcomes = await tick(deps('node-a', work), { jobs: everyMinute('catchupWindow: 5m') });
    expect(outcomes).toMatchObject([{ outcome: 'ran', slot: iso(T0), trigger: 'schedule', fence: 1 }]);
    expect(runs).toEqual([T0]);
    for (const minutes of [1, 2, 3, 4]) expect(await getSlot(ctx, 'report', T0 - minutes * MINUTE_MS)).toBeUndefined();
  });

  it('does not catch up a slot older than one the schedule already claimed', async () => {
    const { ctx, clock, deps } = await cluster(T0 - 2 * MINUTE_MS + 500);
    let runs = 0;
    const work = { Work: () => void runs++ };
    const schedule = everyMinute('catchupWindow: 150s', 'catchupLimit: 5');
    await tick(deps('node-a', work), { jobs: schedule }); // the job has run before (fence 1)
    // Nobody ticked at T0 - 1m; node-b ticked T0. A tick at T0 + 1s does not go back to T0 - 1m.
    await claimSlot(ctx, { job: 'report', slotMs: T0, token: 'node-b#1', instance: 'node-b', trigger: 'schedule', retentionMs: 60_000 });
    clock.set(T0 + 1_000);
    expect(await tick(deps('node-a', work), { jobs: schedule })).toEqual([
      { outcome: 'duplicate', job: 'report', slot: iso(T0), claimedBy: 'node-b#1' },
    ]);
    expect(await getSlot(ctx, 'report', T0 - MINUTE_MS)).toBeUndefined();
    expect(runs).toBe(1);
  });

  it("still runs a scheduled slot that an operator's manual trigger came just after", async () => {
    const { clock, deps } = await cluster(T0 - MINUTE_MS + 500);
    let runs = 0;
    const work = { Work: () => void runs++ };
    const schedule = everyMinute('catchupWindow: 90s', 'catchupLimit: 5');
    await tick(deps('node-a', work), { jobs: schedule });
    clock.set(T0 + 300);
    expect(await triggerJob(deps('node-b', work), schedule[0]!)).toMatchObject([{ outcome: 'ran', fence: 2 }]);
    clock.set(T0 + 2_000);
    expect(await tick(deps('node-a', work), { jobs: schedule })).toMatchObject([
      { outcome: 'ran', slot: iso(T0), trigger: 'schedule', fence: 3 },
    ]);
    expect(runs).toBe(3);
  });

  it('neither runs nor writes slots older than the window', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 31_000);
    const runs: number[] = [];
    const work = { Work: (c: RunContext) => void runs.push(c.slot.getTime()) };
    const schedule = everyMinute('catchupWindow: 90s', 'catchupLimit: 5');
    expect(await tick(deps('node-a', work), { jobs: schedule })).toMatchObject([{ outcome: 'ran', slot: iso(T0) }]);
    clock.set(T0 + 5 * MINUTE_MS + 500);
    const outcomes = await tick(deps('node-a', work), { jobs: schedule });
    expect(outcomes.map((o) => [o.outcome, 'slot' in o && o.slot])).toEqual([
      ['ran', iso(T0 + 4 * MINUTE_MS)],
      ['ran', iso(T0 + 5 * MINUTE_MS)],
    ]);
    expect(runs).toEqual([T0, T0 + 4 * MINUTE_MS, T0 + 5 * MINUTE_MS]);
    expect((await recentSlots(ctx, 'report', 10)).map((s) => s.slotMs)).toEqual([T0 + 5 * MINUTE_MS, T0 + 4 * MINUTE_MS, T0]);
  });

  it('reports a slot that an earlier run in the same tick made too late as missed, without writing it', async () => {
    const { ctx, clock, log, deps } = await cluster(T0 - MINUTE_MS + 500);
    let slow = false;
    const work = { Work: () => void (slow && clock.advance(100_000)) };
    expect(await tick(deps('node-a', work), { jobs: everyMinute('catchupWindow: 90s', 'catchupLimit: 5') })).toMatchObject([
      { outcome: 'ran', slot: iso(T0 - MINUTE_MS) },
    ]);
    clock.set(T0 + MINUTE_MS + 500);
    slow = true;
    const outcomes = await tick(deps('node-a', work), { jobs: everyMinute('catchupWindow: 90s', 'catchupLimit: 5') });
    expect(outcomes).toMatchObject([
      { outcome: 'ran', slot: iso(T0), trigger: 'catch-up' },
      { outcome: 'missed', slot: iso(T0 + MINUTE_MS), lateMs: 100_500 },
    ]);
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toBeUndefined();
    expect(log.events.some((e) => e.level === 'warn' && e.message === 'slot.missed')).toBe(true);
  });
});

describe('a claimant that died between claim and acquire', () => {
  it('leaves a claim that the first tick after one lease records as lost, naming the claimant', async () => {
    const { ctx, clock, log, deps } = await cluster(T0 + 500);
    // dead#1 claimed T0 and vanished before taking the lease.
    await claimSlot(ctx, { job: 'report', slotMs: T0, token: 'dead#1', instance: 'dead', trigger: 'schedule', retentionMs: 60_000 });
    let runs = 0;
    const work = { Work: () => void runs++ };
    const schedule = everyMinute('catchupWindow: 90s', 'lease: 30s');

    clock.set(T0 + 20_000); // within its lease: it may still be on its way
    await tick(deps('node-a', work), { jobs: schedule });
    expect((await getSlot(ctx, 'report', T0))?.status).toBe('claimed');

    clock.set(T0 + MINUTE_MS + 500); // a lease (30 s) and the skew margin later
    const outcomes = await tick(deps('node-a', work), { jobs: schedule });
    expect(outcomes).toMatchObject([{ outcome: 'ran', slot: iso(T0 + MINUTE_MS) }]);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({
      status: 'lost',
      claimedBy: 'dead#1',
      error: 'claimed by dead#1, which never ran it and is gone; found by node-a',
    });
    expect(log.events.find((e) => e.message === 'slot.abandoned')?.attributes).toMatchObject({
      job: 'report',
      slot: iso(T0),
      claimedBy: 'dead#1',
    });
    expect(runs).toBe(1);
  });

  it('does not touch the claim of a long run that still holds the lease', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const gate = deferred();
    let started = 0;
    const work = {
      Work: async () => {
        started++;
        return gate.promise;
      },
    };
    const schedule = everyMinute('catchupWindow: 90s', 'lease: 30s');
    const first = tick(deps('node-a', work), { jobs: schedule });
    while (started === 0) await new Promise((resolve) => setImmediate(resolve));
    const holder = (await getLock(ctx, 'report'))!.holder!;
    // Its heartbeat keeps the lease current while the clock moves on by two leases.
    clock.set(T0 + MINUTE_MS + 500);
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: { pk: 'JOB#report', sk: 'STATE' },
        UpdateExpression: 'SET leaseUntilMs = :until',
        ExpressionAttributeValues: { ':until': clock() + 30_000 },
      }),
    );
    expect(await tick(deps('node-b', work), { jobs: schedule })).toMatchObject([{ outcome: 'locked', heldBy: holder }]);
    // The running slot is claimed on the lock (no item yet), and stays so.
    expect(await getSlot(ctx, 'report', T0)).toBeUndefined();
    expect(await getLock(ctx, 'report')).toMatchObject({ holder, holderSlotMs: T0, lastSlotMs: T0 });
    gate.resolve();
    await first;
    expect((await getSlot(ctx, 'report', T0))?.status).toBe('succeeded');
  });
});

describe('a slot whose turn comes too late', () => {
  it('is not reported missed when another instance decided it meanwhile', async () => {
    const { ctx, clock, log, deps } = await cluster(T0 - MINUTE_MS + 500);
    let slow = false;
    const work = {
      Work: async () => {
        if (!slow) return;
        // While this catch-up run works, node-b ticks the next slot (and finds the lease held).
        await tick(deps('node-b', work), { jobs: everyMinute('catchupWindow: 90s', 'catchupLimit: 5'), atMs: T0 + MINUTE_MS + 600 });
        clock.advance(100_000);
      },
    };
    await tick(deps('node-a', work), { jobs: everyMinute('catchupWindow: 90s', 'catchupLimit: 5') });
    clock.set(T0 + MINUTE_MS + 500);
    slow = true;
    const outcomes = await tick(deps('node-a', work), { jobs: everyMinute('catchupWindow: 90s', 'catchupLimit: 5') });
    expect(outcomes).toMatchObject([
      { outcome: 'ran', slot: iso(T0), trigger: 'catch-up' },
      { outcome: 'duplicate', slot: iso(T0 + MINUTE_MS), claimedBy: expect.stringMatching(/^node-b#/) },
    ]);
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toMatchObject({ status: 'skipped', reason: 'locked' });
    expect(log.events.some((e) => e.message === 'slot.missed')).toBe(false);
  });
});

describe('a paused job', () => {
  it('records its due slot as skipped because paused and does not call the handler; after resume the next slot runs', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    let runs = 0;
    const work = { Work: () => void runs++ };
    await setPaused(ctx, 'report', true, 'maintenance');

    const outcomes = await tick(deps('node-a', work), { jobs: everyMinute() });
    expect(outcomes).toEqual([{ outcome: 'paused', job: 'report', slot: iso(T0) }]);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'skipped', reason: 'paused' });
    expect(runs).toBe(0);

    await setPaused(ctx, 'report', false);
    clock.set(T0 + MINUTE_MS + 500);
    expect(await tick(deps('node-a', work), { jobs: everyMinute() })).toMatchObject([
      { outcome: 'ran', slot: iso(T0 + MINUTE_MS), fence: 1 },
    ]);
    expect(runs).toBe(1);
  });

  it('is recorded as paused when the pause lands between claim and acquire', async () => {
    const { ctx, deps } = await cluster(T0 + 500);
    let interposed = false;
    const client = interpose(ctx.client, async (command) => {
      if (!interposed && isAcquire(command)) {
        interposed = true;
        await setPaused(ctx, 'report', true);
      }
    });
    let runs = 0;
    const outcomes = await tick({ ...deps('node-a', { Work: () => void runs++ }), client }, { jobs: everyMinute() });
    expect(interposed).toBe(true);
    expect(outcomes).toEqual([{ outcome: 'paused', job: 'report', slot: iso(T0) }]);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'skipped', reason: 'paused' });
    expect(runs).toBe(0);
  });
});

describe('triggerJob', () => {
  it('runs the job now with trigger manual, even while it is paused', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 12_345);
    await setPaused(ctx, 'report', true);
    const seen: RunContext[] = [];
    const outcomes = await triggerJob(deps('cli', { Work: (c) => void seen.push(c) }), everyMinute()[0]!);
    expect(outcomes).toEqual([
      { outcome: 'ran', job: 'report', slot: iso(T0 + 12_345), trigger: 'manual', fence: 1, durationMs: 0, leaseLost: false },
    ]);
    expect(seen.map((c) => [c.trigger, c.slot.getTime()])).toEqual([['manual', clock()]]);
    expect(await getSlot(ctx, 'report', T0 + 12_345)).toMatchObject({ status: 'succeeded', trigger: 'manual' });
    expect(await getLock(ctx, 'report')).toMatchObject({ paused: true, fence: 1 });
  });

  it('reports locked, naming the holder, while a run holds the lease', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const started = deferred();
    const finish = deferred();
    let runs = 0;
    const handlers = {
      Work: async () => {
        runs++;
        started.resolve();
        await finish.promise;
      },
    };
    const running = tick(deps('node-a', handlers), { jobs: everyMinute() });
    await started.promise;
    const holder = (await getLock(ctx, 'report'))?.holder;
    clock.advance(2_000);

    const outcomes = await triggerJob(deps('cli', handlers), everyMinute()[0]!);
    expect(outcomes).toEqual([
      { outcome: 'locked', job: 'report', slot: iso(T0 + 2_500), heldBy: holder, heldFence: 1, leaseUntil: iso(T0 + 500 + 60_000) },
    ]);
    expect(await getSlot(ctx, 'report', T0 + 2_500)).toMatchObject({
      status: 'skipped',
      reason: 'locked',
      trigger: 'manual',
      heldBy: holder,
    });
    expect(runs).toBe(1);
    finish.resolve();
    expect(await running).toMatchObject([{ outcome: 'ran', fence: 1 }]);
  });

  it('returns an error outcome instead of throwing when the table cannot be reached', async () => {
    const { ctx, deps } = await cluster(T0 + 500);
    const outcomes = await triggerJob({ ...deps('cli', { Work: () => {} }), tableName: `${ctx.tableName}-missing` }, everyMinute()[0]!);
    expect(outcomes).toEqual([{ outcome: 'error', job: 'report', error: expect.stringContaining('ResourceNotFoundException') }]);
  });
});

describe('a handler that fails', () => {
  it('gives outcome failed with the error, records it on the slot and releases the lease', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const outcomes = await tick(
      deps('node-a', {
        Work: () => {
          clock.advance(40);
          throw new Error('boom');
        },
      }),
      { jobs: everyMinute() },
    );
    expect(outcomes).toEqual([
      {
        outcome: 'failed',
        job: 'report',
        slot: iso(T0),
        trigger: 'schedule',
        fence: 1,
        durationMs: 40,
        error: 'Error: boom',
        leaseLost: false,
      },
    ]);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'failed', error: 'Error: boom', fence: 1, durationMs: 40 });
    const lock = await getLock(ctx, 'report');
    expect(lock?.holder).toBeUndefined();
    expect(lock?.fence).toBe(1);

    clock.set(T0 + MINUTE_MS + 500);
    expect(await tick(deps('node-a', { Work: () => {} }), { jobs: everyMinute() })).toMatchObject([{ outcome: 'ran', fence: 2 }]);
  });

  it('records a rejected promise and a thrown non-Error the same way', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const [rejected] = await tick(deps('node-a', { Work: async () => Promise.reject(new TypeError('bad row')) }), { jobs: everyMinute() });
    expect(rejected).toMatchObject({ outcome: 'failed', error: 'TypeError: bad row' });
    clock.set(T0 + MINUTE_MS + 500);
    const [thrown] = await tick(
      deps('node-a', {
        Work: () => {
          throw 'disk full';
        },
      }),
      { jobs: everyMinute() },
    );
    expect(thrown).toMatchObject({ outcome: 'failed', error: 'disk full' });
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toMatchObject({ status: 'failed', error: 'disk full' });
  });

  it('fails a job whose handler is not registered, naming it, and releases the lease', async () => {
    const { ctx, deps } = await cluster(T0 + 500);
    const outcomes = await tick(deps('node-a', {}), { jobs: everyMinute() });
    expect(outcomes).toMatchObject([{ outcome: 'failed', error: 'NonRetriableError: no handler registered as "Work" (job "report")' }]);
    expect((await getLock(ctx, 'report'))?.holder).toBeUndefined();
  });
});

describe('the signal a run gets', () => {
  it('fires when the run outlives its lease without a heartbeat; the outcome and the slot say the lease was lost', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const beats: (() => void)[] = [];
    const scheduler: Scheduler = (_, beat) => {
      beats.push(beat);
      return () => {};
    };
    let reason: unknown;
    const handler: JobHandler = async ({ signal }) => {
      clock.advance(60_000);
      beats[0]!();
      await aborted(signal);
      reason = signal.reason;
    };
    const outcomes = await tick(deps('node-a', { Work: handler }, { scheduler }), { jobs: everyMinute() });
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(outcomes).toMatchObject([{ outcome: 'ran', fence: 1, leaseLost: true }]);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'succeeded', leaseLost: true });
  });

  it('is recorded as lost when a successor took the lease before the run ended, even without a heartbeat', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const handler: JobHandler = async () => {
      clock.advance(MINUTE_MS + 1_000);
      await tick(deps('node-b', { Work: () => {} }), { jobs: everyMinute() });
    };
    const outcomes = await tick(deps('node-a', { Work: handler }), { jobs: everyMinute() });
    expect(outcomes).toMatchObject([{ outcome: 'ran', slot: iso(T0), fence: 1, leaseLost: true }]);
    const slot = await getSlot(ctx, 'report', T0);
    expect(slot).toMatchObject({ status: 'succeeded', fence: 1, leaseLost: true });
    expect(slot?.error).toBeUndefined();
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toMatchObject({ status: 'succeeded', fence: 2 });
    expect(await getLock(ctx, 'report')).toMatchObject({ fence: 2, leaseUntilMs: 0 });
  });

  it('fires with a DeadlineError before the invocation deadline', async () => {
    const { clock, deps } = await cluster(T0 + 500);
    let reason: unknown;
    const handler: JobHandler = async ({ signal }) => {
      await aborted(signal);
      reason = signal.reason;
    };
    const outcomes = await tick(deps('node-a', { Work: handler }, { deadlineMarginMs: 5_000 }), {
      jobs: everyMinute(),
      deadlineMs: clock() + 5_000,
    });
    expect(reason).toBeInstanceOf(DeadlineError);
    expect(outcomes).toMatchObject([{ outcome: 'ran', leaseLost: false }]);
  });

  it('fires when the node shuts down', async () => {
    const { deps } = await cluster(T0 + 500);
    let aborted: boolean | undefined;
    const outcomes = await tick(
      deps(
        'node-a',
        {
          Work: ({ signal }) => {
            aborted = signal.aborted;
          },
        },
        { shutdown: AbortSignal.abort() },
      ),
      { jobs: everyMinute() },
    );
    expect(aborted).toBe(true);
    expect(outcomes).toMatchObject([{ outcome: 'ran' }]);
  });
});

describe('a node that remembers claimed slots', () => {
  it('reports a slot another node ran once, then stops reading the table for it', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    await tick(deps('node-a', { Work: () => {} }), { jobs: everyMinute() });

    // Reads of the job's items (the due index is read once a tick, one Query a shard).
    let reads = 0;
    const client = interpose(ctx.client, async (command) => {
      if (!(command as { input: { IndexName?: string } }).input.IndexName) reads++;
    });
    const memory = new SlotMemory();
    const nodeB = { ...deps('node-b', { Work: () => {} }), client };
    clock.advance(1_000);
    expect(await tick(nodeB, { jobs: everyMinute(), memory })).toMatchObject([{ outcome: 'duplicate', slot: iso(T0) }]);
    const readsAfterFirst = reads;
    expect(readsAfterFirst).toBeGreaterThan(0);

    clock.advance(1_000);
    expect(await tick(nodeB, { jobs: everyMinute(), memory })).toEqual([
      { outcome: 'not-due', job: 'report', nextSlot: iso(T0 + MINUTE_MS) },
    ]);
    expect(reads).toBe(readsAfterFirst);
  });

  it('does not run or report its own slot again on the next tick', async () => {
    const { clock, deps } = await cluster(T0 + 500);
    const memory = new SlotMemory();
    let runs = 0;
    const node = deps('node-a', { Work: () => void runs++ });
    expect(await tick(node, { jobs: everyMinute(), memory })).toMatchObject([{ outcome: 'ran' }]);
    clock.advance(1_000);
    expect(await tick(node, { jobs: everyMinute(), memory })).toMatchObject([{ outcome: 'not-due' }]);
    expect(runs).toBe(1);
  });
});

/**
 * The due index against the local server through the real SDK (due-jobs.ts, due-times.ts,
 * due-advance.ts): a tick reads only the runtime jobs due, and `nextDueMs` moves past a slot
 * only once it is decided, in the write that decides it or just after.
 */

import { createHash } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { dueKeyMs, listedSlotMs } from '../../functions/core/due-times.js';
import { DUE_INDEX, RUNTIME_INDEX, runtimeShardOf } from '../../functions/core/job-definitions.js';
import { getLock } from '../../functions/core/store.js';
import { tick } from '../../functions/core/tick.js';
import type { JobHandler, TickOutcome } from '../../functions/core/types.js';
import { defineConfig } from '../../functions/define.js';
import { removeJob, upsertJob } from '../../functions/job-operations.js';
import { ensureTable } from '../../functions/local/table.js';
import { status } from '../../functions/operations.js';
import { memoryLog, useLocalTables } from '../support/local-table.js';
import { cluster, deferred, interpose, iso, MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();

/** The slot a lock item's due-index entry lists (its nextDueMs is a fraction of a millisecond earlier: due-times.ts dueKeyMs). */
const listedAt = (lock: { nextDueMs?: number } | undefined) => (lock?.nextDueMs === undefined ? undefined : listedSlotMs(lock.nextDueMs));

async function setup(startMs: number, sync: JobHandler = () => {}) {
  const { ctx, clock, deps, log } = await cluster(tables, startMs);
  const config = defineConfig({ handlers: { Sync: sync }, jobs: {} });
  const options = { config, client: ctx.client, tableName: ctx.tableName, clock, log: memoryLog(), instance: 'api' };
  // The repair sweep has its own tests (due-repair.test.ts): off here, so the requests counted are the tick's own.
  const tickDeps = (instance: string) => deps(instance, { Sync: sync }, { dueRepair: { off: true } });
  return { ctx, clock, options, tickDeps, log };
}

/** Defines `count` jobs named `prefix-<n>` with `cron`, 25 at a time. */
async function defineMany(options: Awaited<ReturnType<typeof setup>>['options'], prefix: string, count: number, cron: string) {
  for (let from = 0; from < count; from += 25) {
    const batch = Array.from({ length: Math.min(25, count - from) }, (_, i) => from + i);
    await Promise.all(batch.map((n) => upsertJob({ ...options, job: { name: `${prefix}-${n}`, cron, class: 'Sync' } })));
  }
}

/** A client that writes down each command: its kind and the index it names. */
function counting(ctx: { client: Parameters<typeof interpose>[0] }) {
  const sent: string[] = [];
  const client = interpose(ctx.client, async (command) => {
    const input = (command as { input: { IndexName?: string } }).input;
    sent.push(`${(command as object).constructor.name.replace('Command', '')}${input.IndexName ? `@${input.IndexName}` : ''}`);
  });
  return { sent, client };
}

const ranSlots = (outcomes: TickOutcome[]) =>
  outcomes.filter((o) => o.outcome === 'ran').map((o) => `${o.job} ${'slot' in o ? o.slot : ''}`);

describe('a tick with many runtime jobs defined and few due', () => {
  it('sends the requests of the due jobs only: the same as with nothing else defined', async () => {
    // 300 jobs that fire at 03:00, 3 that fire every minute; the tick is at 10:01.
    const many = await setup(T0 - MINUTE_MS);
    await defineMany(many.options, 'idle', 300, '0 3 * * *');
    await defineMany(many.options, 'due', 3, '* * * * *');
    const few = await setup(T0 - MINUTE_MS);
    await defineMany(few.options, 'due', 3, '* * * * *');

    const requests = async (world: typeof many) => {
      world.clock.set(T0 + MINUTE_MS + 200);
      const { sent, client } = counting(world.ctx);
      const outcomes = await tick({ ...world.tickDeps('n1'), client }, { jobs: [] });
      expect(ranSlots(outcomes).sort()).toEqual(['due-0', 'due-1', 'due-2'].map((name) => `${name} ${iso(T0 + MINUTE_MS)}`));
      return sent.sort();
    };
    const withMany = await requests(many);
    expect(withMany).toEqual(await requests(few));
    // Four listings (one a shard), then per due job its window read and three writes (acquire, record, release).
    expect(withMany.filter((kind) => kind === `Query@${DUE_INDEX.name}`)).toHaveLength(4);
    expect(withMany.filter((kind) => kind === 'Query')).toHaveLength(3);
    expect(withMany.filter((kind) => kind === 'Update' || kind === 'Put')).toHaveLength(9);
    expect(withMany).toHaveLength(16);
  });
});

describe('jobs due at the same moment', () => {
  it('are all listed, even two whose index entries dynalite could not tell apart by their item keys', async () => {
    // dynalite tells index entries with equal keys apart by 24 bits of an md5 of the item's key
    // and keeps one of them. Two names in one shard whose 24 bits are equal (found by search):
    // with the same nextDueMs one of them vanished from the due index, so it never ran.
    const tail = (name: string) => createHash('md5').update('Outliers').update(`JOB#${name}`).update('STATE').digest('hex').slice(0, 6);
    const seen = new Map<string, string>();
    let pair: [string, string] | undefined;
    for (let n = 0; !pair; n++) {
      const name = `tenant-${n}`;
      const key = `${runtimeShardOf(name)}/${tail(name)}`;
      const other = seen.get(key);
      if (other !== undefined && dueKeyMs(other, T0) !== dueKeyMs(name, T0)) pair = [other, name];
      seen.set(key, name);
    }
    const { clock, options, tickDeps } = await setup(T0 - 30 * MINUTE_MS);
    for (const name of pair) await upsertJob({ ...options, job: { name, cron: '0 10 * * *', class: 'Sync' } });
    clock.set(T0 + 200);
    expect(ranSlots(await tick(tickDeps('n1'), { jobs: [] })).sort()).toEqual(pair.map((name) => `${name} ${iso(T0)}`).sort());
  });
});

describe('nextDueMs', () => {
  it('is the first slot on creation, moves in the acquire that claims a slot, and lists nothing not yet due', async () => {
    const { ctx, clock, options, tickDeps } = await setup(T0 + 10_000);
    await upsertJob({ ...options, job: { name: 'tenant', cron: '*/5 * * * *', class: 'Sync' } });
    expect(listedAt(await getLock(ctx, 'tenant'))).toBe(T0 + 5 * MINUTE_MS);
    clock.set(T0 + 4 * MINUTE_MS);
    expect(await tick(tickDeps('n1'), { jobs: [] })).toEqual([]);
    clock.set(T0 + 5 * MINUTE_MS + 100);
    const { sent, client } = counting(ctx);
    expect(ranSlots(await tick({ ...tickDeps('n1'), client }, { jobs: [] }))).toEqual([`tenant ${iso(T0 + 5 * MINUTE_MS)}`]);
    expect(listedAt(await getLock(ctx, 'tenant'))).toBe(T0 + 10 * MINUTE_MS);
    // No write of its own: the acquire carried it (the run's three writes: acquire, record, release).
    expect(sent.filter((kind) => kind === 'Update' || kind === 'Put')).toHaveLength(3);
  });

  it('moves past a slot skipped while the lease is held, with one write after the skip', async () => {
    const gate = deferred();
    const { ctx, clock, options, tickDeps } = await setup(T0 - 1_000, () => gate.promise);
    await upsertJob({ ...options, job: { name: 'slow', cron: '* * * * *', class: 'Sync', lease: '5m' } });
    clock.set(T0 + 100);
    const first = tick(tickDeps('n1'), { jobs: [] });
    await expect.poll(async () => (await getLock(ctx, 'slow'))?.holder).toBeDefined();
    clock.set(T0 + MINUTE_MS + 100);
    expect(await tick(tickDeps('n2'), { jobs: [] })).toMatchObject([{ outcome: 'locked', slot: iso(T0 + MINUTE_MS) }]);
    expect(listedAt(await getLock(ctx, 'slow'))).toBe(T0 + 2 * MINUTE_MS);
    gate.resolve();
    await first;
  });

  it('keeps a job whose slot passed its window unclaimed listed, and overdue, until its next slot runs', async () => {
    const { ctx, clock, options, tickDeps } = await setup(T0 - 1_000);
    await upsertJob({ ...options, job: { name: 'late', cron: '*/10 * * * *', class: 'Sync', catchupWindow: '30s' } });
    clock.set(T0 + 5 * MINUTE_MS);
    const outcomes = await tick(tickDeps('n1'), { jobs: [] });
    expect(outcomes).toMatchObject([
      { outcome: 'overdue', job: 'late', slot: iso(T0), lateMs: 5 * MINUTE_MS },
      { outcome: 'not-due', job: 'late' },
    ]);
    // Its latest slot had no run within its window: overdue at every tick (the OverdueJobs alarm stays on),
    // without a read of its items, until the next slot runs and moves it on.
    const { sent, client } = counting(ctx);
    clock.set(T0 + 9 * MINUTE_MS);
    expect(await tick({ ...tickDeps('n1'), client }, { jobs: [] })).toMatchObject([
      { outcome: 'overdue', job: 'late' },
      { outcome: 'not-due' },
    ]);
    expect(sent).toEqual(Array(4).fill(`Query@${DUE_INDEX.name}`));
    clock.set(T0 + 10 * MINUTE_MS + 100);
    expect(ranSlots(await tick(tickDeps('n1'), { jobs: [] }))).toEqual([`late ${iso(T0 + 10 * MINUTE_MS)}`]);
    expect(listedAt(await getLock(ctx, 'late'))).toBe(T0 + 20 * MINUTE_MS);
  });

  it('lists a removed job now, for its wind-down, and not at all once it is wound down', async () => {
    const { ctx, clock, options, tickDeps } = await setup(T0 - 1_000);
    await upsertJob({ ...options, job: { name: 'gone', cron: '0 3 * * *', class: 'Sync' } });
    clock.set(T0 + 1_000);
    await removeJob({ ...options, job: 'gone' });
    expect(listedAt(await getLock(ctx, 'gone'))).toBe(T0 + 1_000);
    // Listed until its wind-down is done: a catch-up window and a lease after the removal.
    await tick(tickDeps('n1'), { jobs: [] });
    expect((await getLock(ctx, 'gone'))?.[RUNTIME_INDEX.partitionKey]).toBeDefined();
    clock.set(T0 + 4 * MINUTE_MS);
    await tick(tickDeps('n1'), { jobs: [] });
    const lock = await getLock(ctx, 'gone');
    expect(lock?.[RUNTIME_INDEX.partitionKey]).toBeUndefined();
    const { sent, client } = counting(ctx);
    expect(await tick({ ...tickDeps('n1'), client }, { jobs: [] })).toEqual([]);
    expect(sent).toEqual(Array(4).fill(`Query@${DUE_INDEX.name}`));
  });

  it('is absent for a disabled job, and a change lists the job from the first slot a tick could still start', async () => {
    const { ctx, clock, options } = await setup(T0 + 45_000);
    await upsertJob({ ...options, job: { name: 'off', cron: '* * * * *', class: 'Sync', status: 'disabled' } });
    expect(await getLock(ctx, 'off')).not.toHaveProperty('nextDueMs');
    clock.set(T0 + MINUTE_MS + 30_000);
    // Enabled with a 90 s catch-up window: the slot at 10:01 (30 s ago) may still start under it.
    await upsertJob({ ...options, job: { name: 'off', cron: '* * * * *', class: 'Sync' } });
    expect(listedAt(await getLock(ctx, 'off'))).toBe(T0 + MINUTE_MS);
  });
});

describe('status with many runtime jobs', () => {
  it('shows the first page of them by name, or those of a prefix, not every one', async () => {
    const { options } = await setup(T0);
    await defineMany(options, 'tenant', 30, '0 3 * * *');
    const names = (rows: Awaited<ReturnType<typeof status>>) => rows.map((row) => row.job.name);
    expect(names(await status({ ...options, limit: 5 }))).toEqual(['tenant-0', 'tenant-1', 'tenant-10', 'tenant-11', 'tenant-12']);
    expect(names(await status({ ...options, prefix: 'tenant-2' }))).toEqual([
      'tenant-2',
      'tenant-20',
      'tenant-21',
      'tenant-22',
      'tenant-23',
      'tenant-24',
      'tenant-25',
      'tenant-26',
      'tenant-27',
      'tenant-28',
      'tenant-29',
    ]);
    expect(await status(options)).toHaveLength(30);
  });
});

describe('a table without the due index', () => {
  it('still ticks its runtime jobs, reading all of them, and says why once', async () => {
    const { ctx, clock, options, tickDeps, log } = await setup(T0 - 1_000);
    const tableName = `old-${Date.now()}`;
    await ctx.client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: RUNTIME_INDEX.partitionKey, AttributeType: 'N' },
          { AttributeName: RUNTIME_INDEX.sortKey, AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: RUNTIME_INDEX.name,
            KeySchema: [
              { AttributeName: RUNTIME_INDEX.partitionKey, KeyType: 'HASH' },
              { AttributeName: RUNTIME_INDEX.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...RUNTIME_INDEX.projected] },
          },
        ],
      }),
    );
    // Waits for it to be ACTIVE, adding nothing (create: false).
    await ensureTable(ctx.client, tableName, { create: false });
    await upsertJob({ ...options, tableName, job: { name: 'kept', cron: '* * * * *', class: 'Sync' } });
    clock.set(T0 + 200);
    expect(ranSlots(await tick({ ...tickDeps('n1'), tableName }, { jobs: [] }))).toEqual([`kept ${iso(T0)}`]);
    expect(log.events.filter((event) => event.message === 'due-index.unavailable')).toHaveLength(1);
  });
});

/**
 * The due index's repair sweep against the local server (due-repair.ts): it lists again a job
 * whose entry hides its next slot, leaves healthy entries alone, and takes one page a minute for
 * the whole cluster, however many ticks arrive.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DUE_REPAIR_KEY } from '../../functions/core/due-repair.js';
import { listedSlotMs } from '../../functions/core/due-times.js';
import { FanOutError } from '../../functions/core/errors.js';
import { partOf } from '../../functions/core/fan-out.js';
import { getLock } from '../../functions/core/store.js';
import { lockItemKey } from '../../functions/core/table-keys.js';
import { tick } from '../../functions/core/tick.js';
import type { TickOutcome } from '../../functions/core/types.js';
import { defineConfig } from '../../functions/define.js';
import { upsertJob } from '../../functions/job-operations.js';
import { memoryLog, useLocalTables } from '../support/local-table.js';
import { cluster, interpose, iso, MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();

/** The slot a lock item's due-index entry lists (its nextDueMs is a fraction of a millisecond earlier: due-times.ts dueKeyMs). */
const listedAt = (lock: { nextDueMs?: number } | undefined) => (lock?.nextDueMs === undefined ? undefined : listedSlotMs(lock.nextDueMs));

async function setup(jobCount: number) {
  const { ctx, clock, deps, log } = await cluster(tables, T0 - 30_000);
  const config = defineConfig({ handlers: { Sync: () => {} }, jobs: {} });
  const options = { config, client: ctx.client, tableName: ctx.tableName, clock, log: memoryLog(), instance: 'api' };
  for (let n = 0; n < jobCount; n++) await upsertJob({ ...options, job: { name: `tenant-${n}`, cron: '*/5 * * * *', class: 'Sync' } });
  const tickDeps = (instance: string, client = ctx.client) => deps(instance, { Sync: () => {} }, { client, dueRepair: { pageSize: 4 } });
  return { ctx, clock, log, tickDeps };
}

const repairs = (log: ReturnType<typeof memoryLog>) => log.events.filter((event) => event.message === 'due-index.repaired');

describe('the due index repair sweep', () => {
  it('lists again an entry dropped or moved on, within one round of the pages, and touches no healthy one', async () => {
    const { ctx, clock, log, tickDeps } = await setup(12);
    clock.set(T0 + 200);
    await tick(tickDeps('n1'), { jobs: [] });
    for (const [job, update] of [
      ['tenant-3', 'REMOVE nextDueMs'],
      ['tenant-7', 'SET nextDueMs = :later'],
    ] as const) {
      await ctx.client.send(
        new UpdateCommand({
          TableName: ctx.tableName,
          Key: lockItemKey(job),
          UpdateExpression: update,
          ...(update.startsWith('SET') && { ExpressionAttributeValues: { ':later': T0 + 24 * 60 * MINUTE_MS } }),
        }),
      );
    }
    // 12 jobs over 4 shards, 4 a page: a round is at most 8 pages, one a minute.
    for (let minute = 1; minute <= 9; minute++) {
      clock.set(T0 + minute * MINUTE_MS + 200);
      await tick(tickDeps('n1'), { jobs: [] });
    }
    expect(
      repairs(log)
        .map((event) => event.attributes.job)
        .sort(),
    ).toEqual(['tenant-3', 'tenant-7']);
    expect(repairs(log).find((event) => event.attributes.job === 'tenant-3')?.attributes).toMatchObject({ listedAt: 'none' });
    // Listed again, and the next slot runs for both (nothing else ran a second time).
    clock.set(T0 + 10 * MINUTE_MS + 200);
    const outcomes = await tick(tickDeps('n1'), { jobs: [] });
    const ran = outcomes.filter((o): o is Extract<TickOutcome, { outcome: 'ran' }> => o.outcome === 'ran');
    expect(ran.map((o) => o.job)).toContain('tenant-3');
    expect(ran.map((o) => o.job)).toContain('tenant-7');
    expect(ran.every((o) => o.slot === iso(T0 + 10 * MINUTE_MS))).toBe(true);
    expect(listedAt(await getLock(ctx, 'tenant-3'))).toBe(T0 + 15 * MINUTE_MS);
  });

  it('takes one page a minute for the cluster: of two ticks at once, one sweeps', async () => {
    const { ctx, clock, tickDeps } = await setup(6);
    // The sweep's writes of its cursor that the table accepted (a refused one is another tick's page).
    const taken: number[] = [];
    const client = {
      send: async (command: { input: { Key?: { pk?: string }; UpdateExpression?: string } }) => {
        const result = await ctx.client.send(command as never);
        if (command.input.Key?.pk === DUE_REPAIR_KEY.pk && command.input.UpdateExpression?.startsWith('SET sweptAtMs')) taken.push(clock());
        return result;
      },
    } as unknown as typeof ctx.client;
    clock.set(T0 + 200);
    await Promise.all([tick(tickDeps('n1', client), { jobs: [] }), tick(tickDeps('n2', client), { jobs: [] })]);
    expect(taken).toEqual([T0 + 200]);
    clock.set(T0 + 30_000);
    await tick(tickDeps('n1', client), { jobs: [] });
    expect(taken).toHaveLength(1);
    clock.set(T0 + MINUTE_MS + 300);
    await tick(tickDeps('n2', client), { jobs: [] });
    expect(taken).toEqual([T0 + 200, T0 + MINUTE_MS + 300]);
    const cursor = await ctx.client.send(new GetCommand({ TableName: ctx.tableName, Key: DUE_REPAIR_KEY }));
    expect(cursor.Item).toMatchObject({ sweptAtMs: T0 + MINUTE_MS + 300 });
  });

  it('writes nothing on a table without runtime jobs', async () => {
    const { ctx, clock, tickDeps } = await setup(0);
    const writes: string[] = [];
    const client = interpose(ctx.client, async (command) => {
      if (!(command instanceof GetCommand) && !(command instanceof QueryCommand)) writes.push((command as object).constructor.name);
    });
    clock.set(T0 + 200);
    await tick(tickDeps('n1', client), { jobs: [] });
    expect(writes).toEqual([]);
  });
});

describe('a tick with more runtime jobs due than one invocation takes', () => {
  it('runs itself only the parts that could not be sent, when the sender names them', async () => {
    const { ctx, clock, tickDeps } = await setup(0);
    const config = defineConfig({ handlers: { Sync: () => {} }, jobs: {} });
    const options = { config, client: ctx.client, tableName: ctx.tableName, clock, log: memoryLog(), instance: 'api' };
    const names = Array.from({ length: 9 }, (_, n) => `due-${n}`);
    for (const name of names) await upsertJob({ ...options, job: { name, cron: '* * * * *', class: 'Sync' } });
    clock.set(T0 + 200);
    const partly = {
      ...tickDeps('n1'),
      maxJobsPerTick: 3,
      fanOut: async () => {
        throw new FanOutError('part 2 of 3 was throttled', [2]);
      },
    };
    const ran = (await tick(partly, { jobs: [] })).filter((o) => o.outcome === 'ran').map((o) => o.job);
    expect(ran.sort()).toEqual(names.filter((name) => partOf(name, 3) !== 1).sort());
  });

  it('sends the other parts away and runs its own; the parts together run every job once', async () => {
    const { ctx, clock, tickDeps } = await setup(0);
    const config = defineConfig({ handlers: { Sync: () => {} }, jobs: {} });
    const options = { config, client: ctx.client, tableName: ctx.tableName, clock, log: memoryLog(), instance: 'api' };
    const names = Array.from({ length: 7 }, (_, n) => `due-${n}`);
    for (const name of names) await upsertJob({ ...options, job: { name, cron: '* * * * *', class: 'Sync' } });
    clock.set(T0 + 200);
    const requests: unknown[] = [];
    const coordinator = { ...tickDeps('n1'), maxJobsPerTick: 3, fanOut: async (request: unknown) => void requests.push(request) };
    const ranBy = (outcomes: TickOutcome[]) => outcomes.filter((o) => o.outcome === 'ran').map((o) => o.job);
    const first = await tick(coordinator, { jobs: [] });
    expect(requests).toEqual([{ parts: 3 }]);
    expect(first[0]).toEqual({ outcome: 'fanned-out', job: '*', parts: 3, due: 7 });
    expect(ranBy(first).sort()).toEqual(names.filter((name) => partOf(name, 3) === 0).sort());
    const rest = await Promise.all([1, 2].map((part) => tick(tickDeps(`part-${part}`), { jobs: [], part: { part, parts: 3 } })));
    expect([...ranBy(first), ...rest.flatMap(ranBy)].sort()).toEqual([...names].sort());
  });

  it('runs them all itself when the parts cannot be sent', async () => {
    const { ctx, clock, tickDeps, log } = await setup(0);
    const config = defineConfig({ handlers: { Sync: () => {} }, jobs: {} });
    const options = { config, client: ctx.client, tableName: ctx.tableName, clock, log: memoryLog(), instance: 'api' };
    for (let n = 0; n < 5; n++) await upsertJob({ ...options, job: { name: `due-${n}`, cron: '* * * * *', class: 'Sync' } });
    clock.set(T0 + 200);
    const failing = {
      ...tickDeps('n1'),
      maxJobsPerTick: 2,
      fanOut: async () => {
        throw new Error('Rate exceeded');
      },
    };
    const outcomes = await tick(failing, { jobs: [] });
    expect(outcomes.filter((o) => o.outcome === 'ran')).toHaveLength(5);
    expect(log.events.find((event) => event.message === 'tick.fan-out.error')?.attributes).toMatchObject({
      parts: 3,
      error: 'Error: Rate exceeded',
    });
  });
});

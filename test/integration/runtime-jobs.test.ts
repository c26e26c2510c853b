/**
 * Runtime jobs against the local server through the real SDK: the package API (upsertJob,
 * removeJob, getJob, listJobs), and ticks, runs and operations on the jobs it stores.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ScheduleError } from '../../functions/core/errors.js';
import { continuationPayload, parseTickPayload } from '../../functions/core/payload.js';
import { getLock, getSlot } from '../../functions/core/store.js';
import { type Continuation, runTickCommand, tick } from '../../functions/core/tick.js';
import type { JobHandler, RunContext, TickOutcome } from '../../functions/core/types.js';
import { defineConfig, defineJob } from '../../functions/define.js';
import { getJob, listJobs, removeJob, upsertJob } from '../../functions/job-operations.js';
import { history, pause, resume, status, trigger } from '../../functions/operations.js';
import { resolveConfig } from '../../functions/resolve-config.js';
import { memoryLog, useLocalTables } from '../support/local-table.js';
import { deferred, cluster as harnessCluster, interpose, iso, MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();

/** A table, a fake clock, the package API's options on them, and tick deps whose `Sync` handler is `sync`. */
async function setup(startMs: number, sync: JobHandler = () => {}) {
  const { ctx, clock, deps } = await harnessCluster(tables, startMs);
  const config = defineConfig({ handlers: { Sync: sync }, jobs: { nightly: defineJob({ cron: '0 3 * * *', handler: () => {} }) } });
  const options = { config, client: ctx.client, tableName: ctx.tableName, clock, log: memoryLog(), instance: 'api' };
  const tickDeps = (instance: string) => deps(instance, { Sync: sync });
  return { ctx, clock, options, tickDeps };
}

const ran = (outcomes: TickOutcome[]) => outcomes.filter((o): o is Extract<TickOutcome, { outcome: 'ran' }> => o.outcome === 'ran');

describe('runtime jobs through the package API', () => {
  it('stores a job once: the same definition again changes nothing, a different one is a new version', async () => {
    const { options } = await setup(T0);
    const job = { name: 'tenant-1', cron: '*/15 * * * *', class: 'Sync', args: { tenant: 1 } };
    expect(await upsertJob({ ...options, job })).toEqual({ name: 'tenant-1', version: 1, changed: true });
    // The same keys in another order are the same definition.
    expect(await upsertJob({ ...options, job: { args: { tenant: 1 }, class: 'Sync', cron: '*/15 * * * *', name: 'tenant-1' } })).toEqual({
      name: 'tenant-1',
      version: 1,
      changed: false,
    });
    expect(await upsertJob({ ...options, job: { ...job, cron: '*/5 * * * *' } })).toEqual({ name: 'tenant-1', version: 2, changed: true });
    expect(await getJob({ ...options, job: 'tenant-1' })).toMatchObject({
      name: 'tenant-1',
      version: 2,
      definition: { name: 'tenant-1', cron: '*/5 * * * *', class: 'Sync', args: { tenant: 1 } },
    });
    expect(await getJob({ ...options, job: 'nobody' })).toBeUndefined();
  });

  it('refuses what the schedule file refuses, naming the job, the key and the value', async () => {
    const { options } = await setup(T0);
    const refusal = (job: Parameters<typeof upsertJob>[0]['job']) => upsertJob({ ...options, job }).catch((error: unknown) => error);
    const badCron = await refusal({ name: 't', cron: '61 * * * *', class: 'Sync' });
    expect(badCron).toBeInstanceOf(ScheduleError);
    expect(String(badCron)).toMatch(/job "t".*cron.*61 \* \* \* \*/s);
    const unknownClass = await refusal({ name: 't', cron: '* * * * *', class: 'Nope' });
    expect(unknownClass).toMatchObject({ details: { job: 't', key: 'class', value: 'Nope' } });
    expect(String(unknownClass)).toContain('"Nope", which is not a registered handler (registered: Sync)');
    // A code job's handler is that job's: a runtime job cannot name it as its class.
    expect(await refusal({ name: 't', cron: '* * * * *', class: 'nightly' })).toMatchObject({
      details: { key: 'class', value: 'nightly' },
    });
    const taken = await refusal({ name: 'nightly', cron: '* * * * *', class: 'Sync' });
    expect(taken).toMatchObject({ details: { job: 'nightly', key: 'name', value: 'nightly' } });
    expect(String(taken)).toContain('job "nightly" is defined by the config');
    expect(await getJob({ ...options, job: 't' })).toBeUndefined();
  });

  it('lists jobs in name order, by prefix, a page at a time', async () => {
    const { options } = await setup(T0);
    for (const name of ['b-2', 'a-1', 'b-1', 'b-3', 'c-1'])
      await upsertJob({ ...options, job: { name, cron: '* * * * *', class: 'Sync' } });
    await removeJob({ ...options, job: 'c-1' });
    expect((await listJobs(options)).jobs.map((job) => job.name)).toEqual(['a-1', 'b-1', 'b-2', 'b-3']);
    const first = await listJobs({ ...options, prefix: 'b-', limit: 2 });
    expect(first.jobs.map((job) => job.name)).toEqual(['b-1', 'b-2']);
    const second = await listJobs({ ...options, prefix: 'b-', limit: 2, ...(first.cursor && { cursor: first.cursor }) });
    expect(second.jobs.map((job) => job.name)).toEqual(['b-3']);
    expect(second.cursor).toBeUndefined();
  });

  it('ticks a runtime job from its next slot after creation, and a change from the next slot on', async () => {
    const seen: unknown[] = [];
    const { clock, options, tickDeps } = await setup(T0 + 30_000, ({ args }: RunContext) => void seen.push(args));
    await upsertJob({ ...options, job: { name: 'tenant-1', cron: '* * * * *', class: 'Sync', args: { v: 1 } } });
    // The slot at T0 is before the job existed.
    clock.set(T0 + 31_000);
    expect(ran(await tick(tickDeps('n1'), { jobs: [] }))).toEqual([]);
    clock.set(T0 + MINUTE_MS + 500);
    expect(ran(await tick(tickDeps('n1'), { jobs: [] })).map((o) => o.slot)).toEqual([iso(T0 + MINUTE_MS)]);
    await upsertJob({ ...options, job: { name: 'tenant-1', cron: '* * * * *', class: 'Sync', args: { v: 2 } } });
    clock.set(T0 + 2 * MINUTE_MS + 500);
    expect(ran(await tick(tickDeps('n2'), { jobs: [] })).map((o) => o.fence)).toEqual([2]);
    expect(seen).toEqual([{ v: 1 }, { v: 2 }]);
  });

  it('refuses the acquire of a tick that read the definition before a change, and decides the slot again under the new one', async () => {
    const seen: unknown[] = [];
    const { ctx, clock, options, tickDeps } = await setup(T0 - 30_000, ({ args }: RunContext) => void seen.push(args));
    await upsertJob({ ...options, job: { name: 'tenant-1', cron: '* * * * *', class: 'Sync', args: { v: 1 } } });
    clock.set(T0 + 500);
    let changed = false;
    const client = interpose(ctx.client, async (command) => {
      const acquire = command instanceof UpdateCommand && (command.input.UpdateExpression ?? '').includes('ADD fence');
      if (acquire && !changed) {
        changed = true;
        await upsertJob({ ...options, job: { name: 'tenant-1', cron: '* * * * *', class: 'Sync', args: { v: 2 } } });
      }
    });
    const outcomes = await tick({ ...tickDeps('n1'), client }, { jobs: [] });
    expect(changed).toBe(true);
    expect(ran(outcomes).map((o) => o.slot)).toEqual([iso(T0)]);
    expect(seen).toEqual([{ v: 2 }]);
    expect((await getLock(ctx, 'tenant-1'))?.fence).toBe(1);
  });

  it('lets a run in progress finish under the definition it started with; a removal starts no new slot but records the run', async () => {
    const gate = deferred();
    const seen: unknown[] = [];
    const { ctx, clock, options, tickDeps } = await setup(T0 - 30_000, async ({ args }: RunContext) => {
      seen.push(args);
      await gate.promise;
    });
    await upsertJob({ ...options, job: { name: 'tenant-1', cron: '* * * * *', class: 'Sync', args: { v: 1 }, lease: '5m' } });
    clock.set(T0 + 500);
    const running = tick(tickDeps('n1'), { jobs: [] });
    for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual([{ v: 1 }]);
    expect(await removeJob({ ...options, job: 'tenant-1' })).toEqual({ removed: true });
    expect(await removeJob({ ...options, job: 'tenant-1' })).toEqual({ removed: false });
    // The next slot comes while the run still holds its lease: a removed job is not ticked.
    clock.set(T0 + MINUTE_MS + 500);
    expect(await tick(tickDeps('n2'), { jobs: [] })).toEqual([]);
    gate.resolve();
    expect(ran(await running)).toHaveLength(1);
    expect(await getSlot(ctx, 'tenant-1', T0)).toMatchObject({ status: 'succeeded', fence: 1 });
    expect(await getSlot(ctx, 'tenant-1', T0 + MINUTE_MS)).toBeUndefined();
    expect((await getLock(ctx, 'tenant-1'))?.holder).toBeUndefined();
  });

  it('records the slot of a removed job whose holder died, then takes the job out of the index', async () => {
    const { ctx, clock, options, tickDeps } = await setup(T0 - 30_000, () => new Promise<void>(() => {}));
    await upsertJob({ ...options, job: { name: 'tenant-1', cron: '* * * * *', class: 'Sync', lease: '30s' } });
    clock.set(T0 + 500);
    // Its holder's handler never returns and never renews: the process died with the lease.
    void tick(tickDeps('n1'), { jobs: [] });
    for (let i = 0; i < 50 && (await getLock(ctx, 'tenant-1'))?.holder === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    await removeJob({ ...options, job: 'tenant-1' });
    clock.set(T0 + 40_000);
    expect(await tick(tickDeps('n2'), { jobs: [] })).toEqual([]);
    expect(await getSlot(ctx, 'tenant-1', T0)).toMatchObject({ status: 'lost', fence: 1 });
    expect((await getLock(ctx, 'tenant-1'))?.runtimeShard).toBeDefined();
    // Past a catch-up window and a lease after the removal nothing can still be under way: it leaves the index.
    clock.set(T0 + 3 * MINUTE_MS);
    await tick(tickDeps('n2'), { jobs: [] });
    const lock = await getLock(ctx, 'tenant-1');
    expect(lock).toMatchObject({ fence: 1 });
    expect(lock?.runtimeShard).toBeUndefined();
    expect(lock?.holder).toBeUndefined();
  });

  it('ends a handed-off continuation whose job changed after the hand-over: its slot is skipped redefined, the lease freed', async () => {
    const seen: unknown[] = [];
    const { ctx, clock, options, tickDeps } = await setup(T0 - 30_000, ({ args }: RunContext) => {
      seen.push(args);
      clock.advance(5_000);
    });
    const job = { name: 'drain', cron: '* * * * *', class: 'Sync', continuous: true, lease: '30s', args: { v: 1 } };
    await upsertJob({ ...options, job });
    clock.set(T0 + 500);
    const sent: Continuation[] = [];
    const handOff = async (continuation: Continuation) => void sent.push(JSON.parse(JSON.stringify(continuation)) as Continuation);
    const outcomes = await tick({ ...tickDeps('lambda:a'), handOff }, { jobs: [], deadlineMs: T0 + 12_500 });
    expect(outcomes.map((o) => o.outcome)).toEqual(['ran', 'handed-off']);
    expect(sent[0]).toMatchObject({ job: 'drain', fence: 2, definitionVersion: 1 });
    await upsertJob({ ...options, job: { ...job, args: { v: 2 } } });
    const payload = JSON.parse(JSON.stringify(continuationPayload(sent[0]!)));
    const command = parseTickPayload(payload, [], clock(), 1_000, { runtimeJobs: ['drain'] });
    expect(await runTickCommand(tickDeps('lambda:b'), [], command)).toMatchObject([{ outcome: 'redefined', job: 'drain' }]);
    expect(seen).toEqual([{ v: 1 }]);
    expect(await getSlot(ctx, 'drain', sent[0]!.slotMs)).toMatchObject({ status: 'skipped', reason: 'redefined' });
    expect((await getLock(ctx, 'drain'))?.holder).toBeUndefined();
  });

  it('never reuses a fence when a job is removed and created again under the same name', async () => {
    const { ctx, clock, options, tickDeps } = await setup(T0 - 30_000);
    const job = { name: 'tenant-1', cron: '* * * * *', class: 'Sync' };
    await upsertJob({ ...options, job });
    clock.set(T0 + 500);
    expect(ran(await tick(tickDeps('n1'), { jobs: [] })).map((o) => o.fence)).toEqual([1]);
    await removeJob({ ...options, job: 'tenant-1' });
    expect(await getJob({ ...options, job: 'tenant-1' })).toBeUndefined();
    clock.set(T0 + MINUTE_MS - 10_000);
    expect(await upsertJob({ ...options, job })).toEqual({ name: 'tenant-1', version: 3, changed: true });
    clock.set(T0 + MINUTE_MS + 500);
    expect(ran(await tick(tickDeps('n1'), { jobs: [] })).map((o) => o.fence)).toEqual([2]);
    expect((await getLock(ctx, 'tenant-1'))?.fence).toBe(2);
  });

  it("status, history, trigger, pause and resume work on a runtime job as on the file's", async () => {
    const { clock, options } = await setup(T0 - 30_000);
    await upsertJob({ ...options, job: { name: 'tenant-1', cron: '* * * * *', class: 'Sync' } });
    clock.set(T0 + 500);
    expect((await trigger({ ...options, job: 'tenant-1' })).map((o) => o.outcome)).toEqual(['ran']);
    expect((await pause({ ...options, job: 'tenant-1' })).paused).toBe(true);
    expect((await status({ ...options, job: 'tenant-1' })).job.name).toBe('tenant-1');
    expect((await status(options)).map((summary) => summary.job.name)).toEqual(['nightly', 'tenant-1']);
    expect((await resume({ ...options, job: 'tenant-1' })).paused).toBe(false);
    const { slots } = await history({ ...options, job: 'tenant-1' });
    expect(slots.map((slot) => [slot.trigger, slot.status])).toEqual([['manual', 'succeeded']]);
  });

  it("calls the config's onFailure for a runtime job that fails (runtime jobs have no hook of their own)", async () => {
    const { ctx, clock, deps } = await harnessCluster(tables, T0 - 30_000);
    const failed: { job: string; error: string; args: unknown }[] = [];
    const config = defineConfig({
      handlers: { Sync: () => Promise.reject(new Error('tenant API down')) },
      onFailure: ({ job, args }: RunContext, error: Error) => void failed.push({ job, error: error.message, args }),
      jobs: { nightly: defineJob({ cron: '0 3 * * *', handler: () => {} }) },
    });
    const options = { config, client: ctx.client, tableName: ctx.tableName, clock, log: memoryLog(), instance: 'api' };
    await upsertJob({ ...options, job: { name: 'tenant-9', cron: '* * * * *', class: 'Sync', args: { tenant: 9 } } });
    const { failureHooks, handlers } = resolveConfig(config, 'config');
    clock.set(T0 + 500);
    const outcomes = await tick(deps('n1', handlers, { ...(failureHooks && { failureHooks }) }), { jobs: [] });
    expect(outcomes.map((o) => o.outcome)).toEqual(['failed']);
    expect(failed).toEqual([{ job: 'tenant-9', error: 'tenant API down', args: { tenant: 9 } }]);
  });
});

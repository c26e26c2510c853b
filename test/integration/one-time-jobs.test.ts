/**
 * One-time (`at`) and bounded (`startAt`, `endAt`) jobs against the local server through the
 * real SDK: a runtime reminder runs once and is then done with its history kept; a file job
 * starts no slot outside its bounds; a definition that could never run is refused where it is written.
 */
import { describe, expect, it } from 'vitest';
import { ScheduleError } from '../../functions/core/errors.js';
import { RUNTIME_SHARD_COUNT } from '../../functions/core/job-definitions.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { getLock, getSlot } from '../../functions/core/store.js';
import { tick } from '../../functions/core/tick.js';
import type { RunContext, TickOutcome } from '../../functions/core/types.js';
import { defineConfig, defineJob } from '../../functions/define.js';
import { getJob, upsertJob } from '../../functions/job-operations.js';
import { history, status } from '../../functions/operations.js';
import { memoryLog, useLocalTables } from '../support/local-table.js';
import { cluster, interpose, iso, MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();

async function setup(startMs: number) {
  const seen: unknown[] = [];
  const { ctx, clock, deps } = await cluster(tables, startMs);
  const remind = ({ args }: RunContext) => void seen.push(args);
  const config = defineConfig({ handlers: { Remind: remind }, jobs: { nightly: defineJob({ cron: '0 3 * * *', handler: () => {} }) } });
  const options = { config, client: ctx.client, tableName: ctx.tableName, clock, log: memoryLog(), instance: 'api' };
  return { ctx, clock, options, seen, tickDeps: (instance: string) => deps(instance, { Remind: remind }) };
}

const ran = (outcomes: TickOutcome[]) => outcomes.filter((o): o is Extract<TickOutcome, { outcome: 'ran' }> => o.outcome === 'ran');

describe('a one-time runtime job (at)', () => {
  it('runs once at its time, on one of two instances, and is then done with its history kept', async () => {
    const { ctx, clock, options, seen, tickDeps } = await setup(T0);
    const atMs = T0 + 5 * MINUTE_MS;
    // A Date is taken and stored as its ISO string.
    await upsertJob({ ...options, job: { name: 'remind-ann', at: new Date(atMs), class: 'Remind', args: { who: 'ann' } } });
    expect((await getJob({ ...options, job: 'remind-ann' }))?.definition).toMatchObject({ at: iso(atMs) });

    // Before its time the due index does not list it: a tick reads nothing of it.
    clock.set(T0 + MINUTE_MS + 500);
    expect(await tick(tickDeps('n1'), { jobs: [] })).toEqual([]);
    clock.set(atMs + 500);
    const both = await Promise.all([tick(tickDeps('n1'), { jobs: [] }), tick(tickDeps('n2'), { jobs: [] })]);
    expect(both.flatMap(ran).map((o) => o.slot)).toEqual([iso(atMs)]);
    expect(seen).toEqual([{ who: 'ann' }]);

    // Past its catch-up window, a tick finds no next slot and winds the job down (ended-jobs.ts):
    // its lock item loses nextDueMs, and later ticks pass over it without reading it.
    clock.set(atMs + 2 * MINUTE_MS);
    expect(await tick(tickDeps('n1'), { jobs: [] })).toEqual([{ outcome: 'not-due', job: 'remind-ann' }]);
    expect(await getLock(ctx, 'remind-ann')).not.toHaveProperty('nextDueMs');
    for (const laterMs of [atMs + 60 * MINUTE_MS, atMs + 400 * 24 * 60 * MINUTE_MS]) {
      clock.set(laterMs);
      const sent: string[] = [];
      const client = interpose(ctx.client, async (command) => void sent.push(JSON.stringify((command as { input: unknown }).input)));
      // (The due index's repair sweep, once a minute for the cluster, is tested on its own: due-repair.test.ts.)
      expect(await tick({ ...tickDeps('n1'), client, dueRepair: { off: true } }, { jobs: [] })).toEqual([]);
      // Only the due index's listing, one Query per shard: nothing reads the job's own items.
      expect(sent).toHaveLength(RUNTIME_SHARD_COUNT);
      expect(sent.every((input) => input.includes('"IndexName":"dueJobs"'))).toBe(true);
      expect(sent.filter((input) => input.includes('JOB#remind-ann'))).toEqual([]);
    }
    expect(seen).toHaveLength(1);
    const shown = await status({ ...options, job: 'remind-ann' });
    expect(shown).toMatchObject({ done: true, nextMs: [] });
    expect(shown.counters).toMatchObject({ runs: 1, succeeded: 1, missed: 0 });
    expect((await history({ ...options, job: 'remind-ann' })).slots.map((item) => item.status)).toEqual(['succeeded']);
    expect(await getSlot(ctx, 'remind-ann', atMs)).toMatchObject({ status: 'succeeded', fence: 1 });
  });

  it('is not done before its time, nor while its time is within the catch-up window', async () => {
    const { clock, options } = await setup(T0);
    await upsertJob({ ...options, job: { name: 'later', at: iso(T0 + MINUTE_MS), class: 'Remind' } });
    expect(await status({ ...options, job: 'later' })).toMatchObject({ done: false, nextMs: [T0 + MINUTE_MS] });
    clock.set(T0 + MINUTE_MS + 30_000);
    expect(await status({ ...options, job: 'later' })).toMatchObject({ done: false, nextMs: [] });
  });

  it('still runs when created just after its time, within its catch-up window', async () => {
    const { clock, options, seen, tickDeps } = await setup(T0 + 20_000);
    await upsertJob({ ...options, job: { name: 'now', at: iso(T0 + 10_000), class: 'Remind', args: { n: 1 } } });
    clock.set(T0 + 21_000);
    expect(ran(await tick(tickDeps('n1'), { jobs: [] })).map((o) => o.slot)).toEqual([iso(T0 + 10_000)]);
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('refuses a time past its catch-up window, or an end already passed, naming the key and value; nothing is stored', async () => {
    const { options } = await setup(T0);
    const refusal = (job: Parameters<typeof upsertJob>[0]['job']) => upsertJob({ ...options, job }).catch((error: unknown) => error);
    const late = await refusal({ name: 'late', at: '2026-11-26T09:00:00Z', class: 'Remind' });
    expect(late).toBeInstanceOf(ScheduleError);
    expect(String(late)).toContain(
      'job "late": key "at" has value "2026-11-26T09:00:00Z", which is more than its catch-up window (90s) ago: it would never run',
    );
    expect(late).toMatchObject({ details: { job: 'late', key: 'at', value: '2026-11-26T09:00:00Z' } });
    const ended = await refusal({ name: 'ended', cron: '* * * * *', endAt: '2026-11-26T09:00:00Z', class: 'Remind' });
    expect(ended).toMatchObject({ details: { job: 'ended', key: 'endAt', value: '2026-11-26T09:00:00Z' } });
    expect(String(ended)).toContain(
      'job "ended": key "endAt" has value "2026-11-26T09:00:00Z", which leaves no slot from now on: it would never run',
    );
    const both = await refusal({ name: 'both', cron: '* * * * *', at: iso(T0 + MINUTE_MS), class: 'Remind' });
    expect(both).toMatchObject({ details: { job: 'both', key: 'at' } });
    for (const name of ['late', 'ended', 'both']) expect(await getJob({ ...options, job: name })).toBeUndefined();
  });
});

describe('a bounded file job (startAt, endAt)', () => {
  it('starts no slot before its start or after its end, and is done after it', async () => {
    const { ctx, clock, deps } = await cluster(tables, T0);
    const seen: number[] = [];
    const jobs = parseSchedule(
      `campaign:\n  cron: "* * * * *"\n  class: Work\n  catchupWindow: 30s\n  startAt: "${iso(T0 + 2 * MINUTE_MS)}"\n  endAt: "${iso(T0 + 3 * MINUTE_MS)}"\n`,
      { handlers: ['Work'] },
    );
    const nodeDeps = deps('n1', { Work: ({ slot }: RunContext) => void seen.push(slot.getTime()) });
    for (let minute = 0; minute <= 5; minute++) {
      clock.set(T0 + minute * MINUTE_MS + 500);
      await tick(nodeDeps, { jobs });
    }
    expect(seen).toEqual([T0 + 2 * MINUTE_MS, T0 + 3 * MINUTE_MS]);
    const options = {
      config: { source: 'test', jobs, handlers: {} },
      client: ctx.client,
      tableName: ctx.tableName,
      clock,
      log: memoryLog(),
    };
    const shown = await status({ ...options, job: 'campaign' });
    expect(shown).toMatchObject({ done: true, nextMs: [] });
    // Before its start and after its end there is nothing to count as missed.
    expect(shown.counters).toMatchObject({ runs: 2, missed: 0 });
  });
});

describe('the wind-down of an ended job', () => {
  it("records a one-time job's run lost when its holder died mid-run, though no later slot comes", async () => {
    const { ctx, clock, deps } = await cluster(tables, T0);
    const atMs = T0 + MINUTE_MS;
    const jobs = parseSchedule(`remind:\n  at: "${iso(atMs)}"\n  class: Work\n  lease: 30s\n`, { handlers: ['Work'] });
    clock.set(atMs + 500);
    // The holder's process dies mid-run: its handler never returns and its heartbeats never come.
    void tick(deps('dies', { Work: () => new Promise<void>(() => {}) }), { jobs });
    for (let i = 0; i < 50 && (await getLock(ctx, 'remind'))?.holder === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await getLock(ctx, 'remind'))?.holder).toBeDefined();
    const survivor = deps('survivor', { Work: () => {} });
    // Within the lease nothing is judged; past it (and the catch-up window) the run is recorded lost.
    clock.set(atMs + 20_000);
    await tick(survivor, { jobs });
    expect(await getSlot(ctx, 'remind', atMs)).toBeUndefined();
    clock.set(atMs + 2 * MINUTE_MS);
    expect(await tick(survivor, { jobs })).toEqual([{ outcome: 'not-due', job: 'remind' }]);
    expect(await getSlot(ctx, 'remind', atMs)).toMatchObject({ status: 'lost' });
    expect((await getSlot(ctx, 'remind', atMs))?.error).toContain('after its last slot');
    // The lapsed holder's fields are gone: the job shows as free and done.
    const lock = await getLock(ctx, 'remind');
    expect(lock?.holder).toBeUndefined();
    expect(lock?.fence).toBe(1);
  });
});

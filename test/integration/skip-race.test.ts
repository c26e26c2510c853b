/**
 * A skip that loses its race to the lock (seeds 20174, 20213, 20898 of issue 12): a tick reads
 * the lock while its holder runs, the holder releases, another tick claims the same scheduled
 * slot on the lock and runs it, then the first tick's skip lands on the slot item. No
 * condition spans two items, so the store holds both; every reader shows the run.
 */
import { describe, expect, it } from 'vitest';
import { jobStatus } from '../../functions/core/job-status.js';
import {
  acquireLease,
  claimSlot,
  getSlot,
  recordRun,
  releaseLease,
  SkipReason,
  SlotStatus,
  type StoreContext,
} from '../../functions/core/store.js';
import { Trigger } from '../../functions/core/types.js';
import { readJobView } from '../../functions/ui/job-view.js';
import { fakeClock, useLocalTables } from '../support/local-table.js';
import { everyMinute, MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();
const [job] = everyMinute('lease: 5m');
const SLOT_MS = T0 + MINUTE_MS;
const RETENTION_MS = 86_400_000;

/** a#1 ran the slot before; b#2 now runs SLOT_MS, claimed on the lock; c#3's late skip landed. */
async function raced(): Promise<StoreContext> {
  const ctx: StoreContext = { client: tables.client(), tableName: await tables.newTable(), clock: fakeClock(SLOT_MS + 100) };
  const lease = { job: job!.name, instance: 'n', leaseMs: job!.leaseMs, trigger: Trigger.schedule, claimOnLock: true };
  expect(await acquireLease(ctx, { ...lease, token: 'a#1', slotMs: T0 })).toMatchObject({ acquired: true, fence: 1 });
  expect(await releaseLease(ctx, job!.name, 'a#1')).toMatchObject({ released: true });
  expect(await acquireLease(ctx, { ...lease, token: 'b#2', slotMs: SLOT_MS })).toMatchObject({ acquired: true, fence: 2 });
  const skip = { job: job!.name, slotMs: SLOT_MS, token: 'c#3', instance: 'c', trigger: Trigger.schedule, retentionMs: RETENTION_MS };
  expect(
    await claimSlot(ctx, { ...skip, status: SlotStatus.skipped, reason: SkipReason.locked, heldBy: 'a#1', heldFence: 1 }),
  ).toMatchObject({ won: true });
  return ctx;
}

describe('a skip that lands after its slot was claimed on the lock', () => {
  it('is shown as the run the lock holds, not as skipped, and not counted as a skip', async () => {
    const ctx = await raced();
    const view = await readJobView(ctx, job!, ctx.clock());
    expect(view.runs[0]).toMatchObject({ slotMs: SLOT_MS, status: 'running', fence: 2 });
    expect(view.runs.some((run) => run.status === SlotStatus.skipped)).toBe(false);
    const status = await jobStatus(ctx, job!, ctx.clock());
    expect(status.counters).toMatchObject({ skippedByOverlap: 0, missed: 0 });
    expect(status.recent.map((item) => item.status)).not.toContain(SlotStatus.skipped);
  });

  it('is replaced by the run record when the run ends, leaving none of its attributes', async () => {
    const ctx = await raced();
    const identity = { trigger: Trigger.schedule, instance: 'n', claimedAtMs: SLOT_MS, retentionMs: RETENTION_MS };
    const record = { status: SlotStatus.succeeded, fence: 2, startedAtMs: SLOT_MS, finishedAtMs: SLOT_MS + 50, leaseLost: false };
    expect(await recordRun(ctx, { job: job!.name, slotMs: SLOT_MS, token: 'b#2', run: record, identity })).toBe(true);
    const item = await getSlot(ctx, job!.name, SLOT_MS);
    expect(item).toMatchObject({ status: SlotStatus.succeeded, fence: 2, claimedBy: 'b#2' });
    expect(item).not.toHaveProperty('heldBy');
    expect((await readJobView(ctx, job!, ctx.clock())).runs[0]).toMatchObject({ slotMs: SLOT_MS, status: SlotStatus.succeeded });
  });

  it('stays a skip when the lock names another slot (a skip that did not race)', async () => {
    const ctx = await raced();
    const skipAt = SLOT_MS + MINUTE_MS;
    const skip = { job: job!.name, slotMs: skipAt, token: 'c#4', instance: 'c', trigger: Trigger.schedule, retentionMs: RETENTION_MS };
    await claimSlot(ctx, { ...skip, status: SlotStatus.skipped, reason: SkipReason.locked, heldBy: 'b#2', heldFence: 2 });
    const status = await jobStatus(ctx, job!, skipAt + 100);
    expect(status.recent.find((item) => item.slotMs === skipAt)).toMatchObject({ status: SlotStatus.skipped });
    expect(status.counters.skippedByOverlap).toBe(1);
  });
});

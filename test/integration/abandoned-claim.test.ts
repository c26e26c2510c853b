/**
 * Regression (found by the simulation, SIM_SEED=3): a slot claimed by a tick that then failed
 * before taking the lease (crash, throttled acquire, lost connection) must still get a fate.
 * Ticks read claims back two leases and a catch-up window, and at least to the slot before
 * their window, so a job that runs less often than that settles it at its next slot.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Scheduler } from '../../functions/core/lease.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { claimedSlotsAfter, getSlot } from '../../functions/core/store.js';
import { tick, triggerJob } from '../../functions/core/tick.js';
import { fakeClock, memoryLog, useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
const manualBeats: Scheduler = () => () => {};

describe('a claim abandoned between claim and acquire', () => {
  it('gets a fate even when the job runs less often than its catch-up window plus lease', async () => {
    const jobs = parseSchedule('report:\n  cron: "*/10 * * * * *"\n  class: Work\n  lease: 3s\n  catchupWindow: 2s\n', {
      handlers: ['Work'],
    });
    const slotMs = Date.parse('2026-11-26T10:00:00.000Z');
    const clock = fakeClock(slotMs + 100);
    const tableName = await tables.newTable();
    const real = tables.client();
    const throttledAcquire = {
      send: async (command: unknown) => {
        if (command instanceof UpdateCommand && command.input.UpdateExpression?.includes('ADD fence')) {
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
            name: 'ProvisionedThroughputExceededException',
          });
        }
        return real.send(command as UpdateCommand);
      },
    } as unknown as DynamoDBDocumentClient;
    const base = { tableName, clock, log: memoryLog(), handlers: { Work: () => undefined }, scheduler: manualBeats, maxClockSkewMs: 1_000 };
    // A scheduled slot is claimed in the acquire itself: a refused acquire leaves no claim.
    const [scheduled] = await tick({ ...base, client: throttledAcquire, instance: 'a' }, { jobs });
    expect(scheduled?.outcome).toBe('error');
    expect(await getSlot({ ...base, client: real }, 'report', slotMs)).toBeUndefined();
    // A manual run claims its slot item first; its acquire fails and the claim is abandoned.
    const [manual] = await triggerJob({ ...base, client: throttledAcquire, instance: 'a' }, jobs[0]!);
    expect(manual?.outcome).toBe('error');
    const claimed = await claimedSlotsAfter({ ...base, client: real }, 'report', slotMs);
    expect([...claimed.values()].map((claim) => claim.status)).toEqual(['claimed']);
    const abandonedMs = [...claimed.keys()][0]!;
    // A healthy node then ticks every second for a minute.
    for (let second = 1; second <= 60; second++) {
      clock.set(slotMs + second * 1_000 + 100);
      await tick({ ...base, client: real, instance: 'b' }, { jobs });
    }
    expect((await getSlot({ ...base, client: real }, 'report', abandonedMs))?.status).toBe('lost');
  });
});

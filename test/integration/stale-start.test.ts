/**
 * Regression (found by the simulation, SIM_SEED=49): a holder held up between the acquire
 * landing and its handler starting (a GC pause, a slow response) must not start the handler
 * once its lease has lapsed by its own clock: a successor may hold it by now.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Scheduler } from '../../functions/core/lease.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { runSlot } from '../../functions/core/slot-decision.js';
import { Trigger } from '../../functions/core/types.js';
import { fakeClock, memoryLog, useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
const manualBeats: Scheduler = () => () => {};

describe('a holder held up between acquire and start', () => {
  it('does not start its handler once its lease has lapsed by its own clock', async () => {
    const [job] = parseSchedule('report:\n  cron: "* * * * * *"\n  class: Work\n  lease: 3s\n', { handlers: ['Work'] });
    const slotMs = Date.parse('2026-11-26T10:00:00.000Z');
    const clock = fakeClock(slotMs + 100);
    const real = tables.client();
    // The acquire lands, then the process stalls for longer than the lease before it reads the answer.
    const client = {
      send: async (command: unknown) => {
        const result = await real.send(command as UpdateCommand);
        if (command instanceof UpdateCommand && command.input.UpdateExpression?.includes('ADD fence')) clock.advance(job!.leaseMs + 1_000);
        return result;
      },
    } as unknown as DynamoDBDocumentClient;
    let started = false;
    const outcome = await runSlot(
      {
        client,
        tableName: await tables.newTable(),
        clock,
        instance: 'a',
        log: memoryLog(),
        handlers: {
          Work: () => {
            started = true;
          },
        },
        scheduler: manualBeats,
        maxClockSkewMs: 1_000,
      },
      job!,
      slotMs,
      { trigger: Trigger.schedule },
    );
    expect(started, `the handler ran on a lapsed lease; outcome ${JSON.stringify(outcome)}`).toBe(false);
  });
});

/**
 * A node with runtime jobs only (a SaaS's config of handlers), on a fake clock and fake timers
 * against the local server: it finds its jobs through the due index, and a job that fires at
 * second 30 keeps the node ticking every second although no job is due at the ticks between.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../functions/define.js';
import { startNode } from '../../functions/embedded-node.js';
import { upsertJob } from '../../functions/job-operations.js';
import { fakeTimers } from '../support/fake-timers.js';
import { memoryLog, useLocalTables } from '../support/local-table.js';
import { cluster, iso, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();

describe('a node with runtime jobs only', () => {
  it('runs a job at second 30 of each minute: the listing looks ahead, so the node keeps a 1 s period', async () => {
    const { ctx, clock } = await cluster(tables, T0 + 1_000);
    const timers = fakeTimers(clock);
    const config = defineConfig({ handlers: { Sync: () => undefined }, jobs: {} });
    const options = { config, client: ctx.client, tableName: ctx.tableName, clock, log: memoryLog(), instance: 'api' };
    await upsertJob({ ...options, job: { name: 'half-past', cron: '30 * * * * *', class: 'Sync' } });
    const ran: string[] = [];
    const node = await startNode({
      config,
      client: ctx.client,
      tableName: ctx.tableName,
      instance: 'node-a',
      log: memoryLog(),
      clock,
      timers,
      onOutcome: (outcome) => outcome.outcome === 'ran' && ran.push(outcome.slot),
    });
    // Second by second, each tick given time to finish against the server.
    for (let second = 1; second <= 95 && ran.length < 2; second++) {
      for (let waitedMs = 0; timers.pending() < 1 && waitedMs < 2_000; waitedMs += 5) await sleep(5);
      timers.advance(1_000);
      await sleep(15);
    }
    for (let waitedMs = 0; ran.length < 2 && waitedMs < 3_000; waitedMs += 20) await sleep(20);
    expect(ran).toEqual([iso(T0 + 30_000), iso(T0 + 90_000)]);
    await node.stop('test');
  });
});

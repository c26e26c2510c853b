/**
 * Bad luck a run can meet that the other tests do not cover: the local server going down or
 * restarting in the middle of a run, and a handler that ignores its abort signal (whose late
 * writes a fenced store must then reject). Each against a real dynalite through the real SDK.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Scheduler } from '../../functions/core/lease.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { getLock, getSlot } from '../../functions/core/store.js';
import { type TickDeps, tick } from '../../functions/core/tick.js';
import type { RunContext } from '../../functions/core/types.js';
import { createDocumentClient } from '../../functions/dynamo-client.js';
import { type LocalDynamo, startLocalDynamo } from '../../functions/local/dynalite-server.js';
import { ensureTable } from '../../functions/local/table.js';
import { fakeClock, memoryLog, useLocalTables } from '../support/local-table.js';
import { deferred, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Heartbeats driven by hand: `beat()` calls every beat scheduled so far. */
function manualBeats(): { scheduler: Scheduler; beat: () => void } {
  const beats: (() => void)[] = [];
  return {
    scheduler: (_intervalMs, beat) => {
      beats.push(beat);
      return () => void beats.splice(beats.indexOf(beat), 1);
    },
    beat: () => {
      for (const beat of beats) beat();
    },
  };
}

/** A server of its own, with its data in a folder so it can be restarted on the same port. */
async function ownServer(): Promise<{ server: LocalDynamo; restart: () => Promise<LocalDynamo>; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cluster-cron-adversity-'));
  const server = await startLocalDynamo({ dataDir });
  return { server, dataDir, restart: () => startLocalDynamo({ dataDir, port: server.port }) };
}

/** A node on a server of its own, with a run of `report` under way: started, waiting for `finish`. */
async function runOnOwnServer() {
  const own = await ownServer();
  const client = createDocumentClient(own.server.endpoint, { maxAttempts: 1, requestTimeoutMs: 2_000 });
  await ensureTable(client, 'adversity', { create: true });
  const clock = fakeClock(T0 + 100);
  const log = memoryLog();
  const entered = deferred();
  const finish = deferred();
  const beats = manualBeats();
  const deps: TickDeps = {
    client,
    tableName: 'adversity',
    clock,
    instance: 'node-a',
    log,
    scheduler: beats.scheduler,
    handlers: {
      Work: async () => {
        entered.resolve();
        return await finish.promise;
      },
    },
  };
  const running = tick(deps, { jobs: everyMinute });
  await entered.promise;
  return { ...own, client, clock, log, finish, beats, deps, running };
}

const everyMinute = parseSchedule('report:\n  cron: "* * * * *"\n  class: Work\n  lease: 30s\n  catchupWindow: 30s\n', {
  handlers: ['Work'],
});

describe('the local server', () => {
  it('going down in the middle of a run: the outcome is an error naming the connection, and after it is back the slot is marked lost and the next slot runs with the next fence', async () => {
    const { server, restart, client, clock, log, finish, deps, running } = await runOnOwnServer();
    await server.close();
    finish.resolve();
    expect(await running).toEqual([{ outcome: 'error', job: 'report', error: expect.stringMatching(/ECONNREFUSED|connect/i) }]);
    expect(log.events).toContainEqual(
      expect.objectContaining({
        message: 'run.record.error',
        attributes: expect.objectContaining({ note: 'the lease will lapse and the slot be marked lost' }),
      }),
    );
    client.destroy();

    const back = await restart();
    const client2 = createDocumentClient(back.endpoint, { maxAttempts: 1 });
    try {
      clock.set(T0 + 60_000 + 100);
      const outcomes = await tick({ ...deps, client: client2, handlers: { Work: () => undefined } }, { jobs: everyMinute });
      expect(outcomes).toEqual([expect.objectContaining({ outcome: 'ran', fence: 2, slot: new Date(T0 + 60_000).toISOString() })]);
      const ctx = { client: client2, tableName: 'adversity', clock };
      expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'lost', claimedBy: expect.stringMatching(/^node-a#/) });
      expect(await getSlot(ctx, 'report', T0 + 60_000)).toMatchObject({ status: 'succeeded', fence: 2 });
    } finally {
      client2.destroy();
      await back.close();
    }
  });

  it('restarting in the middle of a run: a heartbeat fails while it is down, the lease is kept, and the run is recorded once it is back', async () => {
    const { server, restart, client, clock, log, finish, beats, running } = await runOnOwnServer();
    await server.close();
    clock.advance(10_000);
    beats.beat();
    await until(() => log.events.some((event) => event.message === 'lease.renew.error'), 'a failed heartbeat');
    const back = await restart();
    try {
      clock.advance(5_000);
      beats.beat();
      const ctx = { client, tableName: 'adversity', clock };
      await until(
        async () => (await getLock(ctx, 'report').catch(() => undefined))?.leaseUntilMs === T0 + 100 + 15_000 + 30_000,
        'the renewed lease',
      );
      finish.resolve();
      expect(await running).toEqual([expect.objectContaining({ outcome: 'ran', fence: 1, leaseLost: false })]);
      expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'succeeded', fence: 1, leaseLost: false });
      expect(await getLock(ctx, 'report')).not.toHaveProperty('holder');
    } finally {
      client.destroy();
      await back.close();
    }
  });
});

/**
 * The README's example of a fenced write: the handler's own store takes a write only when no
 * higher fence has written before it, so a run that outlived its lease cannot overwrite its
 * successor's result.
 */
async function saveReport(client: DynamoDBDocumentClient, tableName: string, ctx: RunContext, body: string): Promise<void> {
  await client.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { pk: 'REPORT', sk: ctx.job },
      UpdateExpression: 'SET fence = :fence, body = :body',
      ConditionExpression: 'attribute_not_exists(fence) OR fence <= :fence',
      ExpressionAttributeValues: { ':fence': ctx.fence, ':body': body },
    }),
  );
}

describe('a handler that ignores its abort signal', () => {
  it('runs on after its lease is lost, but its late write is rejected by the fence and its record says the lease was lost', async () => {
    const tableName = await tables.newTable();
    const client = tables.client();
    const clock = fakeClock(T0 + 100);
    const log = memoryLog();
    const jobs = parseSchedule('report:\n  cron: "* * * * * *"\n  class: Work\n  lease: 3s\n  catchupWindow: 1s\n', { handlers: ['Work'] });
    const beats = manualBeats();
    const entered = deferred();
    const finish = deferred();
    let staleWrite: unknown;
    let signalled = false;
    const deaf = async (ctx: RunContext): Promise<void> => {
      entered.resolve();
      await finish.promise; // ignores ctx.signal
      signalled = ctx.signal.aborted;
      staleWrite = await saveReport(client, tableName, ctx, 'from the stale run').catch((error: unknown) => error);
    };
    const base = { client, tableName, clock, log, scheduler: beats.scheduler, maxClockSkewMs: 1_000 };
    const stale = tick({ ...base, instance: 'node-a', handlers: { Work: deaf } }, { jobs });
    await entered.promise;
    clock.advance(5_000);
    beats.beat(); // the lease ran out by node-a's clock: its signal fires, and it does not listen
    const successor = await tick(
      { ...base, instance: 'node-b', handlers: { Work: (ctx: RunContext) => saveReport(client, tableName, ctx, 'from the successor') } },
      { jobs },
    );
    expect(successor).toEqual([expect.objectContaining({ outcome: 'ran', fence: 2 })]);
    finish.resolve();
    expect(await stale).toEqual([expect.objectContaining({ outcome: 'ran', fence: 1, leaseLost: true })]);
    expect(signalled).toBe(true);
    expect(staleWrite).toBeInstanceOf(ConditionalCheckFailedException);
    const ctx = { client, tableName, clock };
    expect(
      (
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: 'REPORT', sk: 'report' },
            UpdateExpression: 'SET seen = :t',
            ExpressionAttributeValues: { ':t': true },
            ReturnValues: 'ALL_NEW',
          }),
        )
      ).Attributes,
    ).toMatchObject({ fence: 2, body: 'from the successor' });
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'succeeded', fence: 1, leaseLost: true });
    expect(await getLock(ctx, 'report')).toMatchObject({ fence: 2 });
  });
});

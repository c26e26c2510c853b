/**
 * Differential test: the simulation's in-memory table must behave as DynamoDB does. The same
 * random sequences of store operations (the core's own functions in store.ts) and of raw
 * condition/update expressions run against the memory table and against real dynalite
 * through the real SDK; every answer and the final items must be identical.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import * as store from '../../functions/core/store.js';
import { Trigger } from '../../functions/core/types.js';
import { useLocalTables } from '../support/local-table.js';
import { MemoryDynamo, memoryDocumentClient } from './memory-dynamo.js';
import { type Prng, prng } from './prng.js';

const tables = useLocalTables();

/** What a call gave: its value, or the name (and for validation, nothing more) of its error. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: normalize(await run()) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

function normalize(value: unknown): unknown {
  if (value === undefined || value === null || typeof value !== 'object') return value;
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [k, normalize(v)]);
  if (value instanceof Set) return [...value].sort();
  if (Array.isArray(value)) return value.map(normalize);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, v]) => key !== '$metadata' && v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, v]) => [key, normalize(v)]),
  );
}

const JOBS = ['alpha', 'beta'];
const TOKENS = ['t1', 't2', 't3', 't4'];

/** One random store operation, as the core would call it, with a random clock. */
function randomStoreOp(rand: Prng): { label: string; run: (ctx: store.StoreContext) => Promise<unknown> } {
  const job = rand.pick(JOBS);
  const token = rand.pick(TOKENS);
  const slotMs = Date.UTC(2026, 0, 1) + rand.int(0, 5) * 1_000;
  const leaseMs = rand.pick([1_000, 5_000, 30_000]);
  switch (rand.int(0, 11)) {
    case 0:
    case 1: {
      const trigger = rand.pick([Trigger.schedule, Trigger.catchUp, Trigger.manual]);
      const skipped = rand.chance(0.3) && {
        status: store.SlotStatus.skipped,
        reason: store.SkipReason.locked,
        heldBy: rand.pick(TOKENS),
        heldFence: rand.int(0, 4),
      };
      return {
        label: `claim ${job} ${slotMs} ${token}`,
        run: (ctx) => store.claimSlot(ctx, { job, slotMs, token, instance: 'i', trigger, retentionMs: 60_000, ...skipped }),
      };
    }
    case 2:
    case 3: {
      const ignorePause = rand.chance(0.3);
      return {
        label: `acquire ${job} ${token}`,
        run: (ctx) => store.acquireLease(ctx, { job, token, instance: 'i', slotMs, leaseMs, ...(ignorePause && { ignorePause }) }),
      };
    }
    case 4:
      return { label: `renew ${job} ${token}`, run: (ctx) => store.renewLease(ctx, job, token, ctx.clock() + leaseMs) };
    case 5:
      return { label: `release ${job} ${token}`, run: (ctx) => store.releaseLease(ctx, job, token) };
    case 6: {
      const failed = rand.chance(0.5);
      const startedAtMs = slotMs + rand.int(0, 500);
      const run: store.RunRecord = {
        status: failed ? store.SlotStatus.failed : store.SlotStatus.succeeded,
        fence: rand.int(1, 6),
        startedAtMs,
        finishedAtMs: startedAtMs + rand.int(0, 3_000),
        leaseLost: rand.chance(0.3),
        ...(failed && { error: 'boom' }),
      };
      return { label: `recordRun ${job} ${slotMs} ${token}`, run: (ctx) => store.recordRun(ctx, { job, slotMs, token, run }) };
    }
    case 7: {
      const held = rand.chance(0.5);
      return {
        label: `recordSkip ${job} ${slotMs} ${token}`,
        run: (ctx) =>
          store.recordSkip(ctx, { job, slotMs, token, reason: store.SkipReason.locked, ...(held && { heldBy: 't9', heldFence: 3 }) }),
      };
    }
    case 8:
      return { label: `recordLost ${job} ${slotMs} ${token}`, run: (ctx) => store.recordLost(ctx, { job, slotMs, token, why: 'gone' }) };
    case 9: {
      const paused = rand.chance(0.5);
      const note = rand.chance(0.5) ? 'maintenance' : undefined;
      return { label: `setPaused ${job} ${paused}`, run: (ctx) => store.setPaused(ctx, job, paused, note) };
    }
    case 10: {
      const fromMs = slotMs - rand.int(0, 3) * 1_000;
      return { label: `claimedSlotsAfter ${job}`, run: (ctx) => store.claimedSlotsAfter(ctx, job, fromMs) };
    }
    default: {
      const limit = rand.int(1, 4);
      return rand.chance(0.5)
        ? { label: `getLock ${job}`, run: (ctx) => store.getLock(ctx, job) }
        : { label: `recentSlots ${job}`, run: (ctx) => store.recentSlots(ctx, job, limit) };
    }
  }
}

async function allItems(client: DynamoDBDocumentClient, tableName: string): Promise<unknown> {
  const items = [];
  for (const job of JOBS) {
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': store.jobKey(job) },
      }),
    );
    items.push(...(result.Items ?? []));
  }
  return normalize(items);
}

describe('the memory table against dynalite', () => {
  it('gives the same answers to random sequences of the store operations', async () => {
    const sequences = Number(process.env.DIFF_SEQUENCES ?? 3);
    for (let seed = 1; seed <= sequences; seed++) {
      const tableName = await tables.newTable();
      const db = new MemoryDynamo();
      db.createTable(tableName);
      const memory = memoryDocumentClient(db);
      const rand = prng(seed);
      let nowMs = Date.UTC(2026, 0, 1);
      for (let step = 0; step < 60; step++) {
        nowMs += rand.pick([0, 1, 400, 2_000, 6_000]);
        const clock = (): number => nowMs;
        const op = randomStoreOp(rand);
        const real = await outcome(() => op.run({ client: tables.client(), tableName, clock }));
        const fake = await outcome(() => op.run({ client: memory, tableName, clock }));
        expect(fake, `seed ${seed} step ${step}: ${op.label}`).toEqual(real);
      }
      expect(await allItems(memory, tableName), `seed ${seed}: final items`).toEqual(await allItems(tables.client(), tableName));
    }
  });

  it('evaluates random condition and update expressions as DynamoDB does', async () => {
    for (let seed = 1; seed <= Number(process.env.DIFF_SEQUENCES ?? 3); seed++) await expressionsAgree(seed);
  });
});

async function expressionsAgree(seed: number): Promise<void> {
  const tableName = await tables.newTable();
  const db = new MemoryDynamo();
  db.createTable(tableName);
  const memory = memoryDocumentClient(db);
  const rand = prng(seed);
  const attrs = ['a', 'b', 'c'];
  const values = [0, 1, 5, 'x', 'y', true, false];
  const value = (used: Record<string, unknown>, from: readonly unknown[]): string => {
    const name = `:v${Object.keys(used).length}`;
    used[name] = rand.pick(from);
    return name;
  };
  const operand = (used: Record<string, unknown>): string => (rand.chance(0.5) ? rand.pick(attrs) : value(used, values));
  // The core's own shapes: equality on anything; order only between an attribute and a
  // number or string (dynalite also orders booleans and equates two missing attributes,
  // which the core never relies on).
  const comparison = (used: Record<string, unknown>): string =>
    rand.chance(0.5)
      ? `${operand(used)} ${rand.pick(['=', '<>'])} ${operand(used)}`
      : `${rand.pick(attrs)} ${rand.pick(['<', '<=', '>', '>='])} ${value(used, [0, 1, 5, 'x', 'y'])}`;
  const condition = (used: Record<string, unknown>, depth: number): string => {
    const kind = rand.int(0, depth > 1 ? 3 : 6);
    if (kind === 0) return `attribute_exists(${rand.pick(attrs)})`;
    if (kind === 1) return `attribute_not_exists(${rand.pick(attrs)})`;
    if (kind === 2 || kind === 3) return comparison(used);
    if (kind === 4) return `NOT (${condition(used, depth + 1)})`;
    return `(${condition(used, depth + 1)}) ${rand.pick(['AND', 'OR'])} (${condition(used, depth + 1)})`;
  };
  for (let step = 0; step < 250; step++) {
    const key = { pk: 'P', sk: `S${rand.int(0, 2)}` };
    const used: Record<string, unknown> = {};
    const cond = condition(used, 0);
    let command: () => PutCommand | UpdateCommand;
    if (rand.chance(0.3)) {
      const item: Record<string, unknown> = { ...key };
      for (const name of attrs) if (rand.chance(0.6)) item[name] = rand.pick(values);
      command = () =>
        new PutCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: cond,
          ...(Object.keys(used).length > 0 && { ExpressionAttributeValues: used }),
          ReturnValues: 'ALL_OLD',
        });
    } else {
      const target = rand.pick(attrs);
      const action = rand.pick(['set', 'add', 'remove', 'set-if-not-exists']);
      const values2 = { ...used, ':n': rand.pick([1, 2]), ':s': rand.pick(values) };
      const update =
        action === 'set'
          ? `SET ${target} = :s`
          : action === 'add'
            ? `ADD ${target} :n`
            : action === 'remove'
              ? `REMOVE ${target}`
              : `SET ${target} = if_not_exists(${target}, :s)`;
      const returnValues = rand.pick(['ALL_OLD', 'ALL_NEW', 'NONE'] as const);
      const needed = Object.fromEntries(Object.entries(values2).filter(([name]) => update.includes(name) || cond.includes(name)));
      command = () =>
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: update,
          ConditionExpression: cond,
          ...(Object.keys(needed).length > 0 && { ExpressionAttributeValues: needed }),
          ReturnValues: returnValues,
        });
    }
    const before = JSON.stringify((await memory.send(new GetCommand({ TableName: tableName, Key: key }))).Item ?? {});
    const real = await outcome(() => tables.client().send(command() as UpdateCommand));
    const fake = await outcome(() => memory.send(command() as UpdateCommand));
    expect(fake, `seed ${seed} step ${step}: ${cond} with ${JSON.stringify(used)} on ${before}`).toEqual(real);
    const read = () => new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true });
    expect(await outcome(() => memory.send(read())), `seed ${seed} step ${step}: item after`).toEqual(
      await outcome(() => tables.client().send(read())),
    );
  }
}

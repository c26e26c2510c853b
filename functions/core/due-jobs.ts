/**
 * The tick's listing of runtime jobs: those the due index (DUE_INDEX) lists by `untilMs`, one
 * Query per shard, so a tick's cost grows with the jobs due, not the jobs defined. Eventually
 * consistent: a listing is discovery only. Correctness never rests on it: every acquisition is
 * conditioned on the definition version, the tick's window read of the lock is consistent, and
 * an entry listed early or late by the index's lag only moves when a tick looks at the job.
 * A table made before the due index (a local one: dynalite cannot add an index) falls back to
 * one Scan of the runtime-jobs index, with a warning once.
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { errorMessage } from './errors.js';
import { DUE_INDEX, RUNTIME_INDEX, RUNTIME_SHARD_COUNT } from './job-definitions.js';
import { eachPage, type ReadPage } from './reads.js';
import { type ListedDefinition, listedOrRemoved } from './runtime-listing.js';
import type { StoreContext } from './table-keys.js';
import type { EventLog } from './types.js';

/** True when the table lacks the index a request named (a table made before it). */
export function isMissingIndex(error: unknown): boolean {
  const { name, message } = error as { name?: string; message?: string };
  return name === 'ValidationException' && /index/i.test(message ?? '');
}

/**
 * The runtime jobs listed due by `untilMs` (their `nextDueMs` at or before it), in name order;
 * removed jobs still winding down go to `removed`. Falls back to every runtime job on a table
 * without the due index. @throws the store's error, or ValidationException without either index.
 */
export async function listDueDefinitions(
  ctx: StoreContext & { log: EventLog },
  untilMs: number,
  removed: string[],
): Promise<ListedDefinition[]> {
  let found: ListedDefinition[];
  try {
    const perShard = await Promise.all(
      Array.from({ length: RUNTIME_SHARD_COUNT }, (_, shard) => queryDueShard(ctx, shard, untilMs, removed)),
    );
    found = perShard.flat();
  } catch (error) {
    if (!isMissingIndex(error)) throw error;
    warnOnce(ctx.log, ctx.tableName, errorMessage(error));
    found = await scanDefinitions(ctx, removed);
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function queryDueShard(ctx: StoreContext, shard: number, untilMs: number, removed: string[]): Promise<ListedDefinition[]> {
  const found: ListedDefinition[] = [];
  await eachPage(
    (startKey) =>
      ctx.client.send(
        new QueryCommand({
          TableName: ctx.tableName,
          IndexName: DUE_INDEX.name,
          KeyConditionExpression: `${DUE_INDEX.partitionKey} = :shard AND ${DUE_INDEX.sortKey} <= :until`,
          ExpressionAttributeValues: { ':shard': shard, ':until': untilMs },
          ExclusiveStartKey: startKey,
        }),
      ),
    (page) => collect(page, found, removed),
  );
  return found;
}

/** Every runtime job: one Scan of the runtime-jobs index (a table without the due index). */
async function scanDefinitions(ctx: StoreContext, removed: string[]): Promise<ListedDefinition[]> {
  const found: ListedDefinition[] = [];
  await eachPage(
    (startKey) =>
      ctx.client.send(new ScanCommand({ TableName: ctx.tableName, IndexName: RUNTIME_INDEX.name, ExclusiveStartKey: startKey })),
    (page) => collect(page, found, removed),
  );
  return found;
}

/** A page's items as definitions into `found`, tombstones into `removed`. */
function collect(page: ReadPage, found: ListedDefinition[], removed: string[]): void {
  for (const item of page.Items ?? []) {
    const definition = listedOrRemoved(item, removed);
    if (definition) found.push(definition);
  }
}

const warnedTables = new Set<string>();

function warnOnce(log: EventLog, tableName: string, error: string): void {
  if (warnedTables.has(tableName)) return;
  warnedTables.add(tableName);
  log.warn('due-index.unavailable', {
    table: tableName,
    error,
    note: `the table has no ${DUE_INDEX.name} index: each tick reads every runtime job (deploy the stack again; a local table: delete it and run cluster-cron db)`,
  });
}

/**
 * Table bootstrap for local servers: create the table if missing (tolerating a concurrent
 * create and the local server's missing TTL API) and check the key schema of one that exists.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TableError } from '../core/errors.js';
import { DUE_INDEX, RUNTIME_INDEX } from '../core/job-definitions.js';
import { TABLE_SCHEMA } from '../core/store.js';

const { partitionKey, sortKey, ttlAttribute } = TABLE_SCHEMA;

/** The runtime-jobs index as CreateTable and UpdateTable take it (the construct declares the same). */
const RUNTIME_INDEX_SPEC = {
  IndexName: RUNTIME_INDEX.name,
  KeySchema: [
    { AttributeName: RUNTIME_INDEX.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: RUNTIME_INDEX.sortKey, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...RUNTIME_INDEX.projected] },
};
/** The due-time index, the same way. */
const DUE_INDEX_SPEC = {
  IndexName: DUE_INDEX.name,
  KeySchema: [
    { AttributeName: DUE_INDEX.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: DUE_INDEX.sortKey, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...DUE_INDEX.projected] },
};
const INDEX_ATTRIBUTES = [
  { AttributeName: RUNTIME_INDEX.partitionKey, AttributeType: 'N' as const },
  { AttributeName: RUNTIME_INDEX.sortKey, AttributeType: 'S' as const },
  { AttributeName: DUE_INDEX.sortKey, AttributeType: 'N' as const },
];

function isNamed(error: unknown, name: string): boolean {
  return (error as { name?: string })?.name === name;
}

async function describe(client: DynamoDBDocumentClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException || isNamed(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
}

/** Throws TableError unless the table has the string key schema the core writes. */
export function checkKeySchema(table: TableDescription, tableName: string): void {
  const keyType = (name: string): string | undefined => table.KeySchema?.find((key) => key.AttributeName === name)?.KeyType;
  const attributeType = (name: string): string | undefined =>
    table.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
  const ok =
    table.KeySchema?.length === 2 &&
    keyType(partitionKey) === 'HASH' &&
    keyType(sortKey) === 'RANGE' &&
    attributeType(partitionKey) === 'S' &&
    attributeType(sortKey) === 'S';
  if (!ok) {
    const found = (table.KeySchema ?? []).map((key) => `${key.AttributeName} (${key.KeyType})`).join(', ');
    throw new TableError(
      `table "${tableName}" has key schema [${found}]; cluster-cron needs ${partitionKey} (HASH, string) and ${sortKey} (RANGE, string). Use another table (CLUSTER_CRON_TABLE) or recreate it.`,
      tableName,
    );
  }
}

/** How often waitActive asks (the SDK waiter's default is 20 s). */
const ACTIVE_POLL_MS = 50;

/** Waits until the table is ACTIVE, polling every ACTIVE_POLL_MS. */
async function waitActive(client: DynamoDBDocumentClient, tableName: string, timeoutMs: number): Promise<TableDescription> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const table = await describe(client, tableName);
    if (table?.TableStatus === 'ACTIVE') return table;
    if (Date.now() > giveUpAt) throw new TableError(`table "${tableName}" did not become ACTIVE within ${timeoutMs} ms`, tableName);
    await new Promise((resolve) => setTimeout(resolve, ACTIVE_POLL_MS));
  }
}

/**
 * Makes sure the table exists with the right keys; creates it (on demand billing, TTL on
 * `ttlEpochSec` where the server supports it) when `create` is true, else throws TableError.
 */
export async function ensureTable(
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { create: boolean; timeoutMs?: number } = { create: true },
): Promise<void> {
  const existing = await describe(client, tableName);
  if (existing) {
    checkKeySchema(existing, tableName);
    if (existing.TableStatus !== 'ACTIVE') await waitActive(client, tableName, options.timeoutMs ?? 30_000);
    if (options.create) await addRuntimeIndex(client, existing, options.timeoutMs ?? 30_000);
    return;
  }
  if (!options.create) {
    throw new TableError(
      `table "${tableName}" does not exist (deploy the stack, or set CLUSTER_CRON_TABLE to the deployed table's name)`,
      tableName,
    );
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
          ...INDEX_ATTRIBUTES,
        ],
        GlobalSecondaryIndexes: [RUNTIME_INDEX_SPEC, DUE_INDEX_SPEC],
      }),
    );
  } catch (error) {
    // Another process created it at the same moment: theirs is as good as ours.
    if (!isNamed(error, 'ResourceInUseException')) throw error;
  }
  const table = await waitActive(client, tableName, options.timeoutMs ?? 30_000);
  checkKeySchema(table, tableName);
  try {
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: ttlAttribute } }),
    );
  } catch (error) {
    // dynalite has no TTL API; history then simply stays. Correctness never depends on TTL.
    if (!isNamed(error, 'UnknownOperationException') && !isNamed(error, 'ValidationException')) throw error;
  }
}

/**
 * A local table made before runtime jobs (or their due index) gains the indexes it lacks, one
 * UpdateTable each (the deployed one gains them from the construct), tolerated when another
 * process added one at the same moment. dynalite ignores these: the tick then falls back
 * (core/due-jobs.ts), and recreating the table gives it both.
 */
async function addRuntimeIndex(client: DynamoDBDocumentClient, table: TableDescription, timeoutMs: number): Promise<void> {
  const tableName = table.TableName ?? '';
  for (const spec of [RUNTIME_INDEX_SPEC, DUE_INDEX_SPEC]) {
    if (table.GlobalSecondaryIndexes?.some((index) => index.IndexName === spec.IndexName)) continue;
    try {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: INDEX_ATTRIBUTES,
          GlobalSecondaryIndexUpdates: [{ Create: spec }],
        }),
      );
    } catch (error) {
      if (!isNamed(error, 'ResourceInUseException') && !isNamed(error, 'ValidationException')) throw error;
    }
    await waitActive(client, tableName, timeoutMs);
  }
}

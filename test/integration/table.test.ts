import { randomUUID } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { TableError } from '../../functions/core/errors.js';
import { ensureTable } from '../../functions/local/table.js';
import { useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
const name = () => `table-${randomUUID().slice(0, 8)}`;

describe('ensureTable', () => {
  it('creates a missing table that the core can use, despite the local server having no TTL API', async () => {
    const tableName = name();
    await ensureTable(tables.client(), tableName, { create: true });
    await expect(ensureTable(tables.client(), tableName, { create: false })).resolves.toBeUndefined();
  });

  it('lets ten processes create the same table at once: one creates, the rest wait for it', async () => {
    const tableName = name();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => ensureTable(tables.client(), tableName, { create: true })));
    expect(results.map((result) => result.status)).toEqual(Array(10).fill('fulfilled'));
  });

  it('refuses a missing table when it may not create one, naming the table', async () => {
    const tableName = name();
    const attempt = ensureTable(tables.client(), tableName, { create: false });
    await expect(attempt).rejects.toBeInstanceOf(TableError);
    await expect(attempt).rejects.toThrow(`table "${tableName}" does not exist`);
  });

  it('refuses a table with the wrong key schema, naming what it found and what it needs', async () => {
    const tableName = name();
    await tables.client().send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );
    const attempt = ensureTable(tables.client(), tableName, { create: true });
    await expect(attempt).rejects.toThrow(
      `table "${tableName}" has key schema [id (HASH)]; cluster-cron needs pk (HASH, string) and sk (RANGE, string)`,
    );
  });
});

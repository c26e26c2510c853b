/**
 * Condition fragments (functions/core/conditions.ts) as the local server evaluates them through
 * the real SDK: every slot status makes a valid placeholder, `timed-out` included.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { allOf, isConditionFailure, notARun, statusIs } from '../../functions/core/conditions.js';
import { SlotStatus } from '../../functions/core/table-keys.js';
import { useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();

/** Writes a slot item with `status`, then a conditional update under `condition`: true when it applied. */
async function appliesTo(status: string, condition: ReturnType<typeof statusIs>): Promise<boolean> {
  const tableName = await tables.newTable();
  const key = { pk: 'JOB#conditions', sk: 'SLOT#0001' };
  await tables.client().send(new PutCommand({ TableName: tableName, Item: { ...key, status } }));
  try {
    await tables.client().send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET checked = :true',
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...condition.values, ':true': true },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

describe('statusIs', () => {
  it('matches every slot status by a valid placeholder, timed-out included', async () => {
    for (const status of Object.values(SlotStatus)) {
      expect(await appliesTo(status, statusIs(status)), status).toBe(true);
    }
    expect(await appliesTo(SlotStatus.failed, statusIs(SlotStatus.timedOut, SlotStatus.succeeded))).toBe(false);
    expect(await appliesTo(SlotStatus.timedOut, statusIs(SlotStatus.failed, SlotStatus.timedOut))).toBe(true);
  });

  it('combines with notARun, which names timed-out too, without a placeholder bound twice', async () => {
    expect(await appliesTo(SlotStatus.claimed, allOf(notARun, statusIs(SlotStatus.claimed)))).toBe(true);
    expect(await appliesTo(SlotStatus.timedOut, allOf(notARun, statusIs(SlotStatus.timedOut)))).toBe(false);
  });
});

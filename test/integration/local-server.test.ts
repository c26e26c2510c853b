import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimSlot, getSlot } from '../../functions/core/store.js';
import { createDocumentClient } from '../../functions/dynamo-client.js';
import { isListening, startLocalDynamo } from '../../functions/local/dynalite-server.js';
import { ensureTable } from '../../functions/local/table.js';

const SLOT_MS = Date.parse('2026-11-26T10:00:00Z');

describe('the local DynamoDB server', () => {
  it('keeps its data in a folder across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cluster-cron-data-'));
    const first = await startLocalDynamo({ dataDir });
    const firstClient = createDocumentClient(first.endpoint);
    const store = { client: firstClient, tableName: 'persisted', clock: () => SLOT_MS };
    await ensureTable(firstClient, 'persisted', { create: true });
    await claimSlot(store, {
      job: 'print',
      slotMs: SLOT_MS,
      token: 'node-a#1',
      instance: 'node-a',
      trigger: 'schedule',
      retentionMs: 60_000,
    });
    firstClient.destroy();
    await first.close();
    expect(await isListening(first.port)).toBe(false);

    const second = await startLocalDynamo({ dataDir });
    const secondClient = createDocumentClient(second.endpoint);
    try {
      const item = await getSlot({ ...store, client: secondClient }, 'print', SLOT_MS);
      expect(item).toMatchObject({ claimedBy: 'node-a#1', status: 'claimed', slot: '2026-11-26T10:00:00.000Z' });
    } finally {
      secondClient.destroy();
      await second.close();
    }
  });

  it('reports a taken port as EADDRINUSE, so a second embedded server uses the first', async () => {
    const first = await startLocalDynamo();
    try {
      expect(await isListening(first.port)).toBe(true);
      await expect(startLocalDynamo({ port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });
});

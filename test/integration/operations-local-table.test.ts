/**
 * The operations as a user's script calls them, with only an endpoint: on a local server the
 * table is created on first use, as the CLI does, instead of failing with ResourceNotFound.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defineConfig, defineJob, listJobs, status, upsertJob } from '../../functions/index.js';
import { useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
const config = defineConfig({
  jobs: { heartbeat: defineJob({ cron: '0 3 * * *', handler: () => undefined }) },
  handlers: { SyncCustomer: () => undefined },
});

describe('operations on a local server with a table that does not exist yet', () => {
  it('create the table on first use, with the runtime jobs index, and work on it', async () => {
    const tableName = `fresh-${randomUUID().slice(0, 8)}`;
    const options = { config, endpoint: tables.endpoint(), tableName };
    expect(await upsertJob({ ...options, job: { name: 'sync-acme', cron: '*/15 * * * *', class: 'SyncCustomer' } })).toEqual({
      name: 'sync-acme',
      version: 1,
      changed: true,
    });
    expect((await listJobs(options)).jobs.map((job) => job.name)).toEqual(['sync-acme']);
    expect((await status(options)).map((summary) => summary.job.name)).toEqual(['heartbeat', 'sync-acme']);
  });
});

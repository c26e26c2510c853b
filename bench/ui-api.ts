/**
 * `npx tsx bench/ui-api.ts [--jobs 3] [--history 1000] [--requests 30]`: how long the status
 * page's `GET /api/jobs` takes against the local server when every job has a full history (the
 * view reads up to 1,000 slot items per job for its counters), and how large the answer is.
 * Measures only; asserts nothing.
 */
import './quiet-sdk.js';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Command } from 'commander';
import { parseSchedule } from '../functions/core/schedule.js';
import { jobKey, slotKey } from '../functions/core/store.js';
import { systemClock, toIso } from '../functions/core/time.js';
import { createDocumentClient } from '../functions/dynamo-client.js';
import { startLocalDynamo } from '../functions/local/dynalite-server.js';
import { ensureTable } from '../functions/local/table.js';
import { startUiServer } from '../functions/ui/ui-server.js';

const options = new Command('ui-api')
  .option('--jobs <n>', 'jobs in the schedule', Number, 3)
  .option('--history <n>', 'slot items per job', Number, 1_000)
  .option('--requests <n>', 'GET /api/jobs requests, one at a time', Number, 30)
  .parse()
  .opts<{ jobs: number; history: number; requests: number }>();

const server = await startLocalDynamo();
const client = createDocumentClient(server.endpoint);
const tableName = 'bench-ui';
await ensureTable(client, tableName, { create: true });
const names = Array.from({ length: options.jobs }, (_, i) => `job${i}`);
const jobs = parseSchedule(names.map((name) => `${name}:\n  cron: "* * * * * *"\n  class: Work\n`).join(''), { handlers: ['Work'] });

// A per-second job's history, every slot a 200 ms run.
const nowMs = Math.floor(systemClock() / 1_000) * 1_000;
for (const name of names) {
  const items = Array.from({ length: options.history }, (_, i) => {
    const slotMs = nowMs - (i + 1) * 1_000;
    return {
      pk: jobKey(name),
      sk: slotKey(slotMs),
      job: name,
      slot: toIso(slotMs),
      slotMs,
      status: 'succeeded',
      trigger: 'schedule',
      claimedBy: `bench#${i}`,
      instance: 'bench',
      claimedAtMs: slotMs + 5,
      fence: options.history - i,
      startedAtMs: slotMs + 6,
      finishedAtMs: slotMs + 206,
      durationMs: 200,
      leaseLost: false,
      ttlEpochSec: Math.floor(slotMs / 1_000) + 86_400,
    };
  });
  for (let at = 0; at < items.length; at += 25) {
    await client.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: items.slice(at, at + 25).map((Item) => ({ PutRequest: { Item } })) } }),
    );
  }
}

const log = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (message: string, attributes?: Record<string, unknown>) => console.error(message, attributes),
};
const ui = await startUiServer({
  deps: { client, tableName, clock: systemClock, instance: 'bench', log, handlers: {} },
  jobs,
  port: 0,
  assetsDir: '/nonexistent',
});
const timesMs: number[] = [];
let bytes = 0;
for (let i = 0; i < options.requests; i += 1) {
  const startMs = performance.now();
  const response = await fetch(`${ui.origin}/api/jobs`);
  const body = await response.arrayBuffer();
  timesMs.push(performance.now() - startMs);
  if (response.status !== 200) throw new Error(`GET /api/jobs answered ${response.status}`);
  bytes = body.byteLength;
}
await ui.close();
client.destroy();
await server.close();

timesMs.sort((a, b) => a - b);
const at = (q: number): string => timesMs[Math.min(timesMs.length - 1, Math.floor(q * timesMs.length))]!.toFixed(0);
console.log(
  `GET /api/jobs (${options.jobs} jobs x ${options.history} slot items, 50 runs each): p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms over ${options.requests} requests; ${(bytes / 1024).toFixed(0)} KB per answer`,
);

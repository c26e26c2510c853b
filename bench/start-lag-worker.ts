/**
 * One worker of the start-lag scenario (scenarios/start-lag.ts), in its own process: connects
 * to the server, says `ready`, reads the slot time (epoch ms) from stdin, ticks once 5 ms after
 * it on the real clock (as a node wakes just after a boundary), and prints as JSON each handler
 * start's lag from its slot (`Date.now() - context.slot`) and the tick's outcomes by kind.
 * `node --import tsx bench/start-lag-worker.ts <endpoint> <table> <instance>`
 */
import './quiet-sdk.js';
import { createInterface } from 'node:readline';
import { tick } from '../functions/core/tick.js';
import type { JobHandler } from '../functions/core/types.js';
import { createDocumentClient } from '../functions/dynamo-client.js';
import { ensureTable } from '../functions/local/table.js';
import { benchDeps, MINUTE_MS, manualClock } from './bench-env.js';
import { groupSpecs, writeDefinitions } from './runtime-definitions.js';

const [endpoint, tableName, instance] = process.argv.slice(2);
if (!endpoint || !tableName || !instance) throw new Error('usage: start-lag-worker.ts <endpoint> <table> <instance>');
const client = createDocumentClient(endpoint);
// Warm-up, as a node that has been running: two ticks of 20 runtime jobs in a table of its own
// (an injected clock), so the slot's tick does not pay for the first requests and the JIT.
{
  const warmTable = `${tableName}-warm-${instance}`;
  await ensureTable(client, warmTable, { create: true });
  const clock = manualClock(Date.parse('2026-01-05T10:00:00.000Z'));
  await writeDefinitions(client, warmTable, groupSpecs('warm', [{ count: 20, cron: '* * * * *' }]), { clock });
  for (const minute of [1, 2]) {
    clock.set(Date.parse('2026-01-05T10:00:00.500Z') + minute * MINUTE_MS);
    await tick(benchDeps(client, warmTable, instance, { Work: () => {} }, { clock }), { jobs: [] });
  }
}
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
const slotMs = Number(await new Promise<string>((resolve) => lines.once('line', resolve)));
lines.close();
await new Promise((resolve) => setTimeout(resolve, Math.max(0, slotMs + 5 - Date.now())));

const lagsMs: number[] = [];
const jobs: string[] = [];
const handler: JobHandler = (context) => {
  lagsMs.push(Date.now() - context.slot.getTime());
  jobs.push(context.job);
};
const tickStartMs = Date.now();
const outcomes = await tick(benchDeps(client, tableName, instance, { Work: handler }, { maxJobsPerTick: 100_000 }), { jobs: [] });
const tickMs = Date.now() - tickStartMs;
const byOutcome: Record<string, number> = {};
for (const outcome of outcomes) byOutcome[outcome.outcome] = (byOutcome[outcome.outcome] ?? 0) + 1;
client.destroy();
process.stdout.write(`${JSON.stringify({ instance, lagsMs, jobs, tickStartLagMs: tickStartMs - slotMs, tickMs, byOutcome })}\n`);

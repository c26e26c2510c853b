/**
 * A node ticking N jobs against a running server, for the memory scenario: bundled like the
 * Lambda and run in its own process. Prints its peak RSS as JSON. Argument: a JSON object
 * `{ endpoint, tableName, jobs, ticks }`; the scenario compares N jobs with one.
 */
import { parseScheduleObject } from '../functions/core/schedule.js';
import { tick } from '../functions/core/tick.js';
import type { TickOutcome } from '../functions/core/types.js';
import { createDocumentClient } from '../functions/dynamo-client.js';

const MINUTE_MS = 60_000;
const {
  endpoint,
  tableName,
  jobs: jobCount,
  ticks,
} = JSON.parse(process.argv[2] ?? '{}') as { endpoint: string; tableName: string; jobs: number; ticks: number };
const client = createDocumentClient(endpoint);
const raw: Record<string, unknown> = {};
for (let i = 0; i < jobCount; i++) raw[`job-${i}`] = { cron: '* * * * *', class: 'Work', catchupWindow: '30s' };
const jobs = jobCount > 0 ? parseScheduleObject(raw, { handlers: ['Work'] }) : [];
const silent = (): void => {};
const log = { debug: silent, info: silent, warn: silent, error: silent };
const outcomes: Record<string, number> = {};
let peakHeapUsedBytes = process.memoryUsage().heapUsed;
const sampler = setInterval(() => (peakHeapUsedBytes = Math.max(peakHeapUsedBytes, process.memoryUsage().heapUsed)), 20);
const firstSlotMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
// Ticks cover new minutes, each with a run per job; the last repeats the previous minute
// (every job a duplicate), as a second node or a retried event would.
for (let i = 0; i < ticks && jobCount > 0; i++) {
  const minute = i === ticks - 1 && ticks > 1 ? i - 1 : i;
  const result: TickOutcome[] = await tick(
    { client, tableName, clock: Date.now, instance: 'memory-node', log, handlers: { Work: () => {} } },
    { jobs, atMs: firstSlotMs + minute * MINUTE_MS + 500 },
  );
  for (const outcome of result) outcomes[outcome.outcome] = (outcomes[outcome.outcome] ?? 0) + 1;
}
clearInterval(sampler);
peakHeapUsedBytes = Math.max(peakHeapUsedBytes, process.memoryUsage().heapUsed);
client.destroy();
process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, peakHeapUsedBytes, outcomes })}\n`);

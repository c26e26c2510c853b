/**
 * One tick of N due jobs against the embedded dynalite, repeated, for a CPU profile of what runs
 * between the requests: `node --cpu-prof --cpu-prof-dir=bench/.out/prof --import tsx
 * bench/profile-tick.ts 10 20` (N jobs, ticks). Prints the median tick time; asserts nothing.
 */
import './quiet-sdk.js';
import { tick } from '../functions/core/tick.js';
import { createDocumentClient } from '../functions/dynamo-client.js';
import { benchDeps, justAfterSlotMs, makeJobs, median, RunTally, startBenchEnv, timed } from './bench-env.js';

const jobCount = Number(process.argv[2] ?? 10);
const ticks = Number(process.argv[3] ?? 20);
const env = await startBenchEnv();
const client = createDocumentClient(env.endpoint);
const jobs = makeJobs(jobCount);
const tickMs: number[] = [];
for (let i = 0; i < ticks; i++) {
  const tableName = await env.newTable();
  const tally = new RunTally();
  const { ms } = await timed(() =>
    tick(benchDeps(client, tableName, 'node-a', { Work: tally.handler }), { jobs, atMs: justAfterSlotMs() }),
  );
  if (tally.total !== jobCount) throw new Error(`tick ran ${tally.total} of ${jobCount} jobs`);
  tickMs.push(ms);
}
process.stdout.write(`${jobCount} jobs, ${ticks} ticks: median ${median(tickMs).toFixed(1)} ms\n`);
client.destroy();
await env.close();

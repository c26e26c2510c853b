/**
 * Scenario 3: K instances (own client and instance name each, one table) tick the same due
 * slots at once. Total time, requests, and the proof: every slot started exactly once.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { tick } from '../../functions/core/tick.js';
import { type BenchEnv, benchDeps, justAfterSlotMs, makeJobs, median, RunTally, round2, type ScenarioResult, timed } from '../bench-env.js';
import { RequestCounter, type RequestCounts } from '../request-counter.js';

/** One K of scenario 3. */
export interface ContentionRow {
  instances: number;
  jobs: number;
  totalMs: number[];
  medianMs: number;
  /** Requests of the median-time repeat, all instances together. */
  counts: RequestCounts;
  requestsPerSlot: number;
  handlerStarts: number;
  slotsStartedTwice: number;
  outcomes: Record<string, number>;
}

/** Runs scenario 3 for each K with `jobs` due jobs, `repeats` times each. */
export async function contention(
  env: BenchEnv,
  options: { instanceCounts: number[]; jobs: number; repeats: number },
): Promise<ScenarioResult<ContentionRow[]>> {
  const failures: string[] = [];
  const rows: ContentionRow[] = [];
  const jobs = makeJobs(options.jobs);
  for (const k of options.instanceCounts) {
    const reps: { ms: number; counts: RequestCounts; tally: RunTally; outcomes: Record<string, number> }[] = [];
    for (let rep = 0; rep < options.repeats; rep++) {
      const tableName = await env.newTable();
      const counter = new RequestCounter();
      const clients = Array.from({ length: k }, () => counter.client(env.endpoint));
      // Each client sends one request first, so no instance pays connection set-up in the race.
      await Promise.all(
        clients.map((client) => client.send(new GetCommand({ TableName: tableName, Key: { pk: 'warm-up', sk: 'warm-up' } }))),
      );
      counter.reset();
      const tally = new RunTally();
      const atMs = justAfterSlotMs();
      const { ms, value } = await timed(() =>
        Promise.all(clients.map((client, i) => tick(benchDeps(client, tableName, `node-${i}`, { Work: tally.handler }), { jobs, atMs }))),
      );
      const outcomes: Record<string, number> = {};
      for (const outcome of value.flat()) outcomes[outcome.outcome] = (outcomes[outcome.outcome] ?? 0) + 1;
      reps.push({ ms, counts: counter.snapshot(), tally, outcomes });
      for (const client of clients) client.destroy();
      const label = `${k} instances, ${options.jobs} jobs`;
      if (tally.total !== options.jobs || tally.startedTwice.length > 0 || tally.starts.size !== options.jobs) {
        failures.push(
          `${label}: ${tally.total} handler starts for ${options.jobs} slots (started twice: ${JSON.stringify(tally.startedTwice)})`,
        );
      }
      if (outcomes.ran !== options.jobs || (outcomes.duplicate ?? 0) !== options.jobs * (k - 1)) {
        failures.push(
          `${label}: outcomes ${JSON.stringify(outcomes)}, expected ${options.jobs} ran and ${options.jobs * (k - 1)} duplicate`,
        );
      }
    }
    const sorted = [...reps].sort((a, b) => a.ms - b.ms);
    const mid = sorted[Math.floor(sorted.length / 2)]!;
    const total = mid.counts.reads + mid.counts.writes;
    rows.push({
      instances: k,
      jobs: options.jobs,
      totalMs: reps.map((r) => round2(r.ms)),
      medianMs: round2(median(reps.map((r) => r.ms))),
      counts: mid.counts,
      requestsPerSlot: round2(total / options.jobs),
      handlerStarts: mid.tally.total,
      slotsStartedTwice: mid.tally.startedTwice.length,
      outcomes: mid.outcomes,
    });
  }
  return { name: 'contention', data: rows, failures };
}

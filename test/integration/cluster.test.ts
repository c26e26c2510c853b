/**
 * The seed's demo as a test: several real `cluster-cron start` processes on one local
 * DynamoDB, a per-second cron and a job longer than its slot. Their logs must show no two runs
 * overlapping and no slot started twice; a holder killed with SIGKILL blocks its job for one
 * lease at most, and its slot is recorded as lost.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recentSlots } from '../../functions/core/store.js';
import { checkRuns, parseRuns } from '../../functions/local/run-log.js';
import { type CliProcess, spawnCli } from '../support/cli-process.js';
import { useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();

function startNodes(count: number, schedule: string, tableName: string): CliProcess[] {
  return Array.from({ length: count }, () =>
    spawnCli(['start', '--schedule', schedule], { ...process.env, DYNAMODB_ENDPOINT: tables.endpoint(), CLUSTER_CRON_TABLE: tableName }),
  );
}

function writeSchedule(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cluster-cron-')), 'schedule.yml');
  writeFileSync(path, yaml);
  return path;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const events = (nodes: CliProcess[], message: string) =>
  nodes.flatMap((node) =>
    node.lines.filter((line) => line.includes(`"message":"${message}"`)).map((line) => JSON.parse(line) as Record<string, unknown>),
  );

describe('several local nodes on one table', () => {
  it('start each slot at most once and never run the job twice at once', async () => {
    const tableName = `cluster-${randomUUID().slice(0, 8)}`;
    const schedule = writeSchedule(
      'print:\n  cron: "* * * * * *"\n  class: PrintWorker\n  args: {sleepSeconds: 1.5}\n  lease: 3s\n  catchupWindow: 2s\n',
    );
    const nodes = startNodes(3, schedule, tableName);
    await until(() => events(nodes, 'run.end').length >= 3, 20_000);
    for (const node of nodes) node.child.kill('SIGINT');
    expect(await Promise.all(nodes.map((node) => node.exited))).toEqual([0, 0, 0]);

    const check = checkRuns(parseRuns(nodes.flatMap((node) => node.lines)));
    expect(check.runs.length).toBeGreaterThanOrEqual(3);
    expect(check.overlaps).toEqual([]);
    expect(check.duplicateStarts).toEqual([]);
    expect(check.fenceOrder).toEqual([]);
    // Slots that arrived while a run held the lease were skipped, and say so in the table.
    const items = await recentSlots({ client: tables.client(), tableName, clock: Date.now }, 'print', 100);
    expect(items.filter((item) => item.status === 'skipped' && item.reason === 'locked').length).toBeGreaterThan(0);
    // Every node released what it held on Ctrl-C.
    expect(events(nodes, 'node.stop')).toHaveLength(3);
  });

  it('let another node take over one lease after the holder is killed, and record the dead run as lost', async () => {
    const tableName = `cluster-${randomUUID().slice(0, 8)}`;
    const schedule = writeSchedule(
      'print:\n  cron: "* * * * * *"\n  class: PrintWorker\n  args: {sleepSeconds: 30}\n  lease: 3s\n  catchupWindow: 2s\n',
    );
    const nodes = startNodes(3, schedule, tableName);
    await until(() => events(nodes, 'run.start').length >= 1, 20_000);
    const first = events(nodes, 'run.start')[0]!;
    const holder = nodes.find((node) => node.lines.some((line) => line.includes(`"holder":"${String(first.holder)}"`)))!;
    holder.child.kill('SIGKILL');
    const survivors = nodes.filter((node) => node !== holder);
    await until(() => events(survivors, 'run.start').length >= 1, 20_000);
    for (const node of survivors) node.child.kill('SIGINT');
    await Promise.all(survivors.map((node) => node.exited));

    const takeover = events(survivors, 'run.start')[0]!;
    expect(Number(takeover.fence)).toBe(Number(first.fence) + 1);
    expect(events(survivors, 'lease.takeover')[0]).toMatchObject({ previousHolder: first.holder, previousSlot: first.slot });
    const items = await recentSlots({ client: tables.client(), tableName, clock: Date.now }, 'print', 100);
    expect(items.find((item) => item.slot === first.slot)).toMatchObject({ status: 'lost', claimedBy: first.holder });
  });
});

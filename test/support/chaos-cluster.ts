/**
 * The multi-process chaos run: several real `cluster-cron start` processes on one local
 * DynamoDB, reached through a fault proxy; the current holder is killed with SIGKILL (and a
 * fresh node started), or stopped with SIGSTOP past its lease and continued. Afterwards the
 * nodes' JSON logs and the table are checked for I1..I4 (`checkChaos`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { getLock } from '../../functions/core/store.js';
import { type CliProcess, spawnCli } from './cli-process.js';
import { type FaultProxy, type ProxyFaults, startFaultProxy } from './fault-proxy.js';

/** One node process and everything it printed. */
export interface ChaosNode extends CliProcess {
  /** When it was killed (SIGKILL), if it was. */
  killedMs?: number;
  /** Its SIGSTOP..SIGCONT intervals. */
  stops: { fromMs: number; toMs: number }[];
}

/** One run as the logs tell it. */
export interface ChaosRun {
  job: string;
  slot: string;
  fence: number;
  holder: string;
  pid: number;
  startMs: number;
  endMs?: number;
  leaseLost?: boolean;
}

/** What a chaos run produced. */
export interface ChaosResult {
  nodes: ChaosNode[];
  runs: ChaosRun[];
  items: Record<string, unknown>[];
  lock: Record<string, unknown> | undefined;
  proxy: FaultProxy['counts'];
  kills: number;
  stops: number;
  endMs: number;
  leaseMs: number;
}

/** Options of a chaos run. */
export interface ChaosOptions {
  /** The table's server, reached directly (for setup and the final read). */
  endpoint: string;
  client: DynamoDBDocumentClient;
  tableName: string;
  nodeCount: number;
  durationMs: number;
  faults: ProxyFaults;
}

const LEASE_MS = 3_000;
const SCHEDULE = `print:\n  cron: "* * * * * *"\n  class: PrintWorker\n  args: {sleepSeconds: 1.5}\n  lease: 3s\n  catchupWindow: 2s\n`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function startNode(schedule: string, endpoint: string, tableName: string): ChaosNode {
  const env = {
    ...process.env,
    DYNAMODB_ENDPOINT: endpoint,
    CLUSTER_CRON_TABLE: tableName,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return { ...spawnCli(['start', '--schedule', schedule], env), stops: [] };
}

function parse(node: ChaosNode): Record<string, unknown>[] {
  return node.lines.flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return []; // a line cut off by SIGKILL
    }
  });
}

/** The runs in the nodes' logs, paired start to end by holder token. */
function runsOf(nodes: ChaosNode[]): ChaosRun[] {
  const byHolder = new Map<string, ChaosRun>();
  for (const node of nodes) {
    for (const event of parse(node)) {
      const holder = String(event.holder ?? '');
      if (event.message === 'run.start') {
        byHolder.set(holder, {
          job: String(event.job),
          slot: String(event.slot),
          fence: Number(event.fence),
          holder,
          pid: node.child.pid!,
          startMs: Date.parse(String(event.timestamp)),
        });
      } else if (event.message === 'run.end' && byHolder.has(holder)) {
        Object.assign(byHolder.get(holder)!, { endMs: Date.parse(String(event.timestamp)), leaseLost: event.leaseLost === true });
      }
    }
  }
  return [...byHolder.values()].sort((a, b) => a.startMs - b.startMs);
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Runs the cluster for `durationMs` of chaos, then stops every node with SIGINT. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const schedule = join(mkdtempSync(join(tmpdir(), 'cluster-cron-chaos-')), 'schedule.yml');
  writeFileSync(schedule, SCHEDULE);
  const proxy = await startFaultProxy(options.endpoint, options.faults);
  const nodes: ChaosNode[] = [];
  const live = (): ChaosNode[] => nodes.filter((node) => node.killedMs === undefined);
  const spawnNode = (): void => void nodes.push(startNode(schedule, proxy.endpoint, options.tableName));
  let kills = 0;
  let stops = 0;
  try {
    for (let i = 0; i < options.nodeCount; i++) spawnNode();
    await until(() => runsOf(nodes).length >= 1, 30_000);
    // The node holding the lease right now (runs are released between slots: wait for one).
    const holderNode = async (): Promise<ChaosNode | undefined> => {
      for (let attempt = 0; attempt < 40; attempt++) {
        const lock = await getLock({ client: options.client, tableName: options.tableName, clock: Date.now }, 'print');
        const pid = Number(
          String(lock?.holderInstance ?? '')
            .split(':')
            .at(-1),
        );
        const node = live().find((candidate) => candidate.child.pid === pid);
        if (node) return node;
        await sleep(100);
      }
      return undefined;
    };
    const chaosEndMs = Date.now() + options.durationMs;
    // Each round: kill the holder (a fresh node replaces it), then stop the next holder for
    // longer than its lease and let it continue.
    while (Date.now() + 9_000 < chaosEndMs) {
      await sleep(2_000);
      const victim = await holderNode();
      if (victim) {
        victim.child.kill('SIGKILL');
        victim.killedMs = Date.now();
        kills++;
        await sleep(1_000);
        spawnNode();
      }
      await sleep(2_000);
      const sleeper = await holderNode();
      if (sleeper) {
        const fromMs = Date.now();
        sleeper.child.kill('SIGSTOP');
        await sleep(LEASE_MS + 2_000);
        sleeper.child.kill('SIGCONT');
        sleeper.stops.push({ fromMs, toMs: Date.now() });
        stops++;
      }
    }
    await sleep(Math.max(0, chaosEndMs - Date.now()));
    // A calm end: faults off, one lease and a bit for the cluster to settle, then Ctrl-C.
    proxy.setFaults({ drop: 0, delay: 0, maxDelayMs: 0, loseResponse: 0 });
    await sleep(LEASE_MS + 2_000);
  } finally {
    for (const node of live()) node.child.kill('SIGINT');
    await Promise.race([Promise.all(live().map((node) => node.exited)), sleep(15_000)]);
    for (const node of live()) node.child.kill('SIGKILL');
    await proxy.close();
  }
  const endMs = Date.now();
  const page = await options.client.send(
    new QueryCommand({
      TableName: options.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'JOB#print' },
      ConsistentRead: true,
    }),
  );
  const items = (page.Items ?? []).filter((item) => String(item.sk).startsWith('SLOT#'));
  const lock = (page.Items ?? []).find((item) => item.sk === 'STATE');
  return { nodes, runs: runsOf(nodes), items, lock, proxy: proxy.counts, kills, stops, endMs, leaseMs: LEASE_MS };
}

/**
 * The invariants over a chaos run's logs and table: the violations (none means they held), and
 * how many overlaps were a stopped holder's, which it reported as a lost lease.
 */
export function checkChaos(result: ChaosResult): { violations: string[]; stoppedOverlaps: number } {
  const violations: string[] = [];
  let stoppedOverlaps = 0;
  const itemOf = new Map(result.items.map((item) => [String(item.slot), item]));
  const lostLease = (run: ChaosRun): boolean => run.leaseLost === true || itemOf.get(run.slot)?.leaseLost === true;
  const nodeOf = new Map(result.nodes.map((node) => [node.child.pid!, node]));
  const describe = (run: ChaosRun): string =>
    `fence ${run.fence} slot ${run.slot} (pid ${run.pid}, ${new Date(run.startMs).toISOString()}..${run.endMs ? new Date(run.endMs).toISOString() : 'killed'})`;
  // I1: a slot starts at most once.
  const slots = new Map<string, number>();
  for (const run of result.runs) slots.set(run.slot, (slots.get(run.slot) ?? 0) + 1);
  for (const [slot, count] of slots) if (count > 1) violations.push(`I1: slot ${slot} started ${count} times`);
  // I2: fences rise in start order, and the lock's fence is the highest.
  for (let i = 1; i < result.runs.length; i++) {
    const [earlier, later] = [result.runs[i - 1]!, result.runs[i]!];
    if (later.fence > earlier.fence) continue;
    violations.push(`I2: fences out of start order: ${describe(earlier)} then ${describe(later)}`);
  }
  const highest = Math.max(0, ...result.runs.map((run) => run.fence));
  if (Number(result.lock?.fence ?? 0) < highest)
    violations.push(`I2: the lock's fence ${String(result.lock?.fence)} is below a run's fence ${highest}`);
  // I2: two runs overlap only when the earlier one's process was stopped (SIGSTOP) when the
  // later one started, and the earlier one then reported its lease lost (in its log, or on its
  // slot once its release was refused). A killed run ends when its process died.
  for (const later of result.runs) {
    for (const earlier of result.runs) {
      if (earlier.fence >= later.fence) continue;
      const node = nodeOf.get(earlier.pid)!;
      const endMs = earlier.endMs ?? node.killedMs ?? result.endMs;
      if (endMs <= later.startMs) continue;
      const stopped = node.stops.some((stop) => stop.fromMs <= later.startMs && later.startMs <= stop.toMs);
      if (stopped && lostLease(earlier)) {
        stoppedOverlaps++;
        continue;
      }
      violations.push(
        `I2: ${describe(earlier)} still running when ${describe(later)} started (stopped: ${stopped}, lease lost: ${String(earlier.leaseLost)})`,
      );
    }
  }
  // I4: every run's slot says what happened to it; no slot is left claimed by a gone process.
  for (const run of result.runs) {
    const item = itemOf.get(run.slot);
    if (!item) violations.push(`I4: ${describe(run)} has no slot item`);
    else if (item.status === 'skipped') violations.push(`I4: ${describe(run)} is recorded as skipped`);
    else if ((item.status === 'succeeded' || item.status === 'failed') && Number(item.fence) !== run.fence)
      violations.push(`I4: ${describe(run)} is recorded with fence ${String(item.fence)}`);
  }
  const settledBeforeMs = result.endMs - result.leaseMs - 5_000;
  for (const item of result.items) {
    if (item.status === 'claimed' && Number(item.slotMs) < settledBeforeMs)
      violations.push(`I4: slot ${String(item.slot)} is still claimed by ${String(item.claimedBy)}`);
  }
  return { violations, stoppedOverlaps };
}

/** The longest time after a kill before the job ran again (I3, measured, not asserted tightly). */
export function takeoverGapsMs(result: ChaosResult): number[] {
  return result.nodes
    .filter((node) => node.killedMs !== undefined)
    .map((node) => {
      const next = result.runs.find((run) => run.startMs > node.killedMs!);
      return next ? next.startMs - node.killedMs! : Number.POSITIVE_INFINITY;
    });
}

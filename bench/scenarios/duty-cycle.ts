/**
 * Duty cycle: a job that always has work (each run takes 2.5 slot periods) on a per-second
 * cron, run by several real local nodes (`cluster-cron start` processes) on one local server
 * (`cluster-cron db --memory`, its own process, fresh for each policy: what a user runs, not
 * a server warmed by the other scenarios) for a fixed wall time, once per overlap policy. Reads the nodes' logs back and measures the
 * fraction of wall time a run was active, the gaps between one run's end and the next start,
 * overlaps (must be 0), and, for a holder killed with SIGKILL, how long the job stalled.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/dynamo-client.js';
import { checkRuns, type LoggedRun, parseRuns } from '../../functions/local/run-log.js';
import { ensureTable } from '../../functions/local/table.js';

const CLI = fileURLToPath(new URL('../../bin/cluster-cron.mjs', import.meta.url));

/** One policy's measurement. */
export interface DutyCycleRow {
  policy: string;
  nodes: number;
  wallSec: number;
  runs: number;
  /** Fraction of the measured window in which a run was active. */
  dutyCycle: number;
  medianGapMs: number;
  worstGapMs: number;
  overlaps: number;
  slotsStartedTwice: number;
  /** Only for the kill scenario: from the SIGKILL to the next run's start, and the lease. */
  stallAfterKillMs?: number;
  leaseMs?: number;
  /** What was left of the killed holder's lease at the kill (its lock read just after): the part of the stall no successor may shorten. */
  leaseLeftAtKillMs?: number;
  /** Reference from the same run: median time of one conditional write to the same server, back to back. */
  refWriteMs: number;
  /**
   * The same write spaced as a node's writes are (one every 250 ms), so neither this process nor
   * the server is hot: what one write of a hand-over costs. The record and the hand-over are two
   * such writes, which the single-threaded local server handles one after the other.
   */
  refWriteSpacedMs: number;
}

/** Result in the shape the bench runner collects: data plus what broke. */
export interface DutyCycleResult {
  name: string;
  data: DutyCycleRow[];
  failures: string[];
}

interface Variant {
  policy: string;
  keys: string[];
  kill?: boolean;
  /** No `lease:` key: the default lease (60 s), whose heartbeat (every 20 s) never sees a buffered slot during a 2.5 s run. */
  defaultLease?: boolean;
}

const SLOT_MS = 1_000;
const RUN_SECONDS = 2.5;
const LEASE_MS = 5_000;

const VARIANTS: Variant[] = [
  { policy: 'skip', keys: ['overlap: skip'] },
  { policy: 'bufferOne', keys: ['overlap: bufferOne'] },
  { policy: 'bufferOne, default lease', keys: ['overlap: bufferOne'], defaultLease: true },
  { policy: 'continuous', keys: ['overlap: skip', 'continuous: true'] },
  { policy: 'bufferOne, holder killed', keys: ['overlap: bufferOne'], kill: true },
];

function scheduleText(keys: string[], defaultLease = false): string {
  return [
    'work:',
    '  cron: "* * * * * *"',
    '  class: PrintWorker',
    `  args: { sleepSeconds: ${RUN_SECONDS} }`,
    ...(defaultLease ? [] : [`  lease: ${LEASE_MS / 1_000}s`]),
    '  catchupWindow: 2s',
    ...keys.map((key) => `  ${key}`),
  ].join('\n');
}

/** Union of the runs' active intervals inside [fromMs, toMs], in ms. */
function busyMs(runs: LoggedRun[], fromMs: number, toMs: number): number {
  const intervals = runs
    .map((run) => [Math.max(run.startMs, fromMs), Math.min(run.endMs ?? toMs, toMs)] as const)
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [curStart, curEnd] = [Number.NaN, Number.NaN];
  for (const [start, end] of intervals) {
    if (Number.isNaN(curStart) || start > curEnd) {
      if (!Number.isNaN(curStart)) total += curEnd - curStart;
      [curStart, curEnd] = [start, end];
    } else curEnd = Math.max(curEnd, end);
  }
  if (!Number.isNaN(curStart)) total += curEnd - curStart;
  return total;
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Median time of one conditional update against the server, from this process: the cost a
 * hand-over cannot go below. Back to back (`spacedMs` 0), or spaced as a node's writes are.
 */
async function conditionalWriteMs(endpoint: string, spacedMs = 0): Promise<number> {
  const client = createDocumentClient(endpoint);
  const tableName = `duty-ref-${Date.now()}`;
  await ensureTable(client, tableName, { create: true });
  const times: number[] = [];
  for (let i = 0; i < (spacedMs > 0 ? 17 : 40); i++) {
    if (spacedMs > 0) await new Promise((resolve) => setTimeout(resolve, spacedMs));
    const started = performance.now();
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: 'JOB#ref', sk: 'STATE' },
        UpdateExpression: 'SET holder = :next ADD fence :one',
        ConditionExpression: 'attribute_not_exists(holder) OR holder = :me',
        ExpressionAttributeValues: { ':next': `t${i + 1}`, ':me': `t${i}`, ':one': 1 },
      }),
    );
    times.push(performance.now() - started);
  }
  client.destroy();
  return Math.round(median(times.slice(5)) * 100) / 100;
}

/** The job's lease end as its lock shows it, less `atMs`. */
async function leaseLeftMs(endpoint: string, table: string, atMs: number): Promise<number | undefined> {
  const client = createDocumentClient(endpoint);
  try {
    const { Item } = await client.send(new GetCommand({ TableName: table, Key: { pk: 'JOB#work', sk: 'STATE' }, ConsistentRead: true }));
    return typeof Item?.leaseUntilMs === 'number' ? Item.leaseUntilMs - atMs : undefined;
  } finally {
    client.destroy();
  }
}

async function measure(
  variant: Variant,
  options: { seconds: number; nodes: number; endpoint: string; outDir: string },
): Promise<Omit<DutyCycleRow, 'refWriteMs' | 'refWriteSpacedMs'>> {
  const file = join(options.outDir, `duty-${variant.policy.replace(/\W+/g, '-')}.yml`);
  writeFileSync(file, scheduleText(variant.keys, variant.defaultLease));
  const table = `duty-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const lines: string[] = [];
  const children: ChildProcess[] = [];
  const exited: Promise<void>[] = [];
  for (let index = 0; index < options.nodes; index++) {
    const child = spawn(process.execPath, [CLI, 'start', '--schedule', file], {
      env: { ...process.env, DYNAMODB_ENDPOINT: options.endpoint, CLUSTER_CRON_TABLE: table, POWERTOOLS_LOG_LEVEL: 'INFO' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(child);
    exited.push(new Promise((resolve) => child.once('exit', () => resolve())));
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  }
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  let killedAtMs: number | undefined;
  let leaseLeftAtKillMs: number | undefined;
  try {
    if (variant.kill) {
      await sleep((options.seconds * 1_000) / 2);
      // The holder: the node whose latest run has started and not ended.
      const open = parseRuns(lines)
        .filter((run) => run.endMs === undefined)
        .sort((a, b) => b.startMs - a.startMs)[0];
      const victim = children.find((child) => open && open.instance === `${hostname()}:${child.pid}`);
      if (victim) {
        killedAtMs = Date.now();
        victim.kill('SIGKILL');
        leaseLeftAtKillMs = await leaseLeftMs(options.endpoint, table, killedAtMs);
      }
      await sleep((options.seconds * 1_000) / 2);
    } else {
      await sleep(options.seconds * 1_000);
    }
  } finally {
    const stopMs = Date.now();
    for (const child of children) if (child.exitCode === null) child.kill('SIGINT');
    await Promise.race([Promise.all(exited), sleep(15_000)]);
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    lines.push(JSON.stringify({ message: 'bench.stop', timestamp: new Date(stopMs).toISOString() }));
  }
  const stopMs = Date.parse(String((JSON.parse(lines[lines.length - 1]!) as { timestamp: string }).timestamp));
  const runs = parseRuns(lines).sort((a, b) => a.startMs - b.startMs);
  const fromMs = runs[0]?.startMs ?? stopMs;
  // The run the killed node had going never ends in the logs: it counts as active until the kill.
  const ended = runs.map((run) =>
    run.endMs === undefined && killedAtMs !== undefined && run.startMs < killedAtMs ? { ...run, endMs: killedAtMs } : run,
  );
  const check = checkRuns(ended, stopMs);
  const gaps: number[] = [];
  for (let i = 1; i < ended.length; i++) gaps.push(ended[i]!.startMs - (ended[i - 1]!.endMs ?? ended[i]!.startMs));
  const stall = killedAtMs !== undefined ? (ended.find((run) => run.startMs > killedAtMs!)?.startMs ?? stopMs) - killedAtMs : undefined;
  return {
    policy: variant.policy,
    nodes: options.nodes,
    wallSec: Math.round((stopMs - fromMs) / 100) / 10,
    runs: runs.length,
    dutyCycle: Math.round((busyMs(ended, fromMs, stopMs) / Math.max(1, stopMs - fromMs)) * 10_000) / 10_000,
    medianGapMs: median(gaps.filter((gap) => stall === undefined || gap < stall - SLOT_MS)),
    worstGapMs: Math.max(0, ...gaps),
    overlaps: check.overlaps.length,
    slotsStartedTwice: check.duplicateStarts.length,
    ...(stall !== undefined && { stallAfterKillMs: stall, leaseMs: LEASE_MS }),
    ...(leaseLeftAtKillMs !== undefined && { leaseLeftAtKillMs }),
  };
}

/** `cluster-cron db --memory` in its own process on a free port, as a user starts it. */
export async function startServerProcess(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, [CLI, 'db', '--memory', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = once(child, 'exit');
  const endpoint = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stderr! });
    lines.on('line', (line) => {
      const found = /listening on (http:\/\/\S+)/.exec(line);
      if (found) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`cluster-cron db exited (${code}) before listening`)));
  });
  return {
    endpoint,
    async close() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * Runs every policy for `seconds` of wall time with `nodes` local nodes. Fails (in
 * `failures`) on any overlap or slot started twice, and on a stall after a kill longer than
 * the lease plus one slot; speed itself is reported, never asserted.
 */
export async function dutyCycle(options: { seconds: number; nodes: number; outDir: string }): Promise<DutyCycleResult> {
  mkdirSync(options.outDir, { recursive: true });
  const data: DutyCycleRow[] = [];
  const failures: string[] = [];
  for (const variant of VARIANTS) {
    const server = await startServerProcess();
    try {
      // A killed holder needs a lease and a slot to be replaced: give that run room for it.
      const seconds = variant.kill ? Math.max(options.seconds, 2 * (LEASE_MS / 1_000 + 2)) : options.seconds;
      const measured = await measure(variant, { ...options, seconds, endpoint: server.endpoint });
      const row = {
        ...measured,
        refWriteSpacedMs: await conditionalWriteMs(server.endpoint, 250),
        refWriteMs: await conditionalWriteMs(server.endpoint),
      };
      data.push(row);
      if (row.runs === 0) failures.push(`duty cycle ${row.policy}: no run started`);
      if (row.overlaps > 0) failures.push(`duty cycle ${row.policy}: ${row.overlaps} overlapping run(s)`);
      if (row.slotsStartedTwice > 0) failures.push(`duty cycle ${row.policy}: ${row.slotsStartedTwice} slot(s) started twice`);
      if (row.stallAfterKillMs !== undefined && row.stallAfterKillMs > LEASE_MS + 2 * SLOT_MS) {
        failures.push(
          `duty cycle ${row.policy}: stalled ${row.stallAfterKillMs} ms after the kill, more than the lease (${LEASE_MS} ms) plus a slot`,
        );
      }
    } finally {
      await server.close();
    }
  }
  return { name: 'duty cycle', data, failures };
}

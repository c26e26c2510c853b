/**
 * Scale scenario, part 2: start lag. N runtime jobs all due at one slot, ticked on the real
 * clock by 1 or K worker processes (start-lag-worker.ts, each running tick() once just after the
 * slot, as a node does at a boundary) against one local server in its own process
 * (`cluster-cron db --memory`). Each handler records `Date.now() - slot`; the last start is
 * compared with the jobs' catch-up window (default 90 s), past which a slot is missed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { JOB_DEFAULTS } from '../../functions/core/schedule.js';
import { parseDurationMs } from '../../functions/core/time.js';
import { createDocumentClient } from '../../functions/dynamo-client.js';
import { ensureTable } from '../../functions/local/table.js';
import { round2 } from '../bench-env.js';
import { groupSpecs, writeDefinitions } from '../runtime-definitions.js';
import { percentile } from '../scale-math.js';
import { startServerProcess } from './duty-cycle.js';

const WORKER = fileURLToPath(new URL('../start-lag-worker.ts', import.meta.url));

/** One (jobs, workers) measurement. */
export interface StartLagRow {
  jobs: number;
  workers: number;
  /** Over every handler start: slot to start. */
  p50Ms: number;
  p99Ms: number;
  /** The last job's start after its slot. */
  lastMs: number;
  /** The catch-up window (the default): a start later than it is a missed slot. */
  catchupWindowMs: number;
  /** lastMs / catchupWindowMs: at 1 the last jobs are missed. */
  windowUsed: number;
  /** The jobs one slot could start within the window at this rate (jobs x window / last start), rounded. */
  jobsWithinWindow: number;
  starts: number;
  /** Jobs no worker started (every worker that reached them found the slot past its window: missed). */
  notStarted: number;
  slotsStartedTwice: number;
  /** Outcomes of every worker's tick, by kind (ran, duplicate, locked, missed, ...). */
  outcomes: Record<string, number>;
  /** Per worker: its tick's start after the slot and its length. */
  workerTicks: { tickStartLagMs: number; tickMs: number; ran: number }[];
  writeMs: number;
}

interface WorkerResult {
  instance: string;
  lagsMs: number[];
  jobs: string[];
  tickStartLagMs: number;
  tickMs: number;
  byOutcome: Record<string, number>;
}

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  result: Promise<WorkerResult>;
}

function startWorker(endpoint: string, table: string, instance: string): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, endpoint, table, instance], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk));
  const lines = createInterface({ input: child.stdout! });
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const result = new Promise<WorkerResult>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line === 'ready') markReady();
      else if (line.startsWith('{')) resolve(JSON.parse(line) as WorkerResult);
    });
    child.once('exit', (code) => reject(new Error(`start-lag worker ${instance} exited (${code}) without a result: ${err.slice(0, 500)}`)));
  });
  // A worker that dies before `ready` rejects `ready` too.
  return { child, ready: Promise.race([ready, result.then(() => undefined)]), result };
}

const cronAt = (slotMs: number): string => {
  const at = new Date(slotMs);
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} * * * *`;
};

/** One row: a fresh table, `workers` ready, `jobs` definitions for a slot far enough ahead, then the slot. */
async function measureRow(endpoint: string, jobs: number, workers: number, estimateMsPerJob: number): Promise<StartLagRow> {
  const admin = createDocumentClient(endpoint);
  const table = `lag-${randomUUID().slice(0, 8)}`;
  await ensureTable(admin, table, { create: true });
  const started = Array.from({ length: workers }, (_, i) => startWorker(endpoint, table, `worker-${i + 1}`));
  try {
    await Promise.all(started.map((w) => w.ready));
    // The slot: a whole second after the definitions are written (estimated), so every job exists before it.
    const slotMs = Math.ceil((Date.now() + 1_500 + 2 * estimateMsPerJob * jobs) / 1000) * 1000;
    const { ms: writeMs } = await writeDefinitions(admin, table, groupSpecs('lag', [{ count: jobs, cron: cronAt(slotMs) }]));
    if (Date.now() > slotMs - 200) throw new Error(`writing ${jobs} definitions took ${Math.round(writeMs)} ms, past the slot`);
    for (const w of started) w.child.stdin!.end(`${slotMs}\n`);
    const results = await Promise.all(started.map((w) => w.result));
    const lagsMs = results.flatMap((r) => r.lagsMs);
    const perJob = new Map<string, number>();
    for (const name of results.flatMap((r) => r.jobs)) perJob.set(name, (perJob.get(name) ?? 0) + 1);
    const outcomes: Record<string, number> = {};
    for (const r of results) for (const [kind, n] of Object.entries(r.byOutcome)) outcomes[kind] = (outcomes[kind] ?? 0) + n;
    const catchupWindowMs = parseDurationMs(JOB_DEFAULTS.catchupWindow)!;
    const lastMs = Math.max(...lagsMs);
    return {
      jobs,
      workers,
      p50Ms: round2(percentile(lagsMs, 50)),
      p99Ms: round2(percentile(lagsMs, 99)),
      lastMs: round2(lastMs),
      catchupWindowMs,
      windowUsed: round2(lastMs / catchupWindowMs),
      jobsWithinWindow: Math.round((jobs * catchupWindowMs) / Math.max(1, lastMs)),
      starts: lagsMs.length,
      notStarted: jobs - perJob.size,
      slotsStartedTwice: [...perJob.values()].filter((n) => n > 1).length,
      outcomes,
      workerTicks: results.map((r) => ({ tickStartLagMs: r.tickStartLagMs, tickMs: r.tickMs, ran: r.lagsMs.length })),
      writeMs: Math.round(writeMs),
    };
  } finally {
    for (const w of started) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.allSettled(started.map((w) => w.result));
    admin.destroy();
  }
}

/** Runs part 2 for each job count and worker count, on one server process (a fresh table each). */
export async function startLag(options: { jobCounts: number[]; workerCounts: number[] }, failures: string[]): Promise<StartLagRow[]> {
  const server = await startServerProcess();
  const rows: StartLagRow[] = [];
  let estimateMsPerJob = 5;
  try {
    for (const jobs of options.jobCounts) {
      for (const workers of options.workerCounts) {
        try {
          const row = await measureRow(server.endpoint, jobs, workers, estimateMsPerJob);
          estimateMsPerJob = Math.max(estimateMsPerJob, row.writeMs / jobs);
          rows.push(row);
          // A slot missed (its turn came past its window) is a measurement; one started twice is a bug.
          if (row.slotsStartedTwice > 0)
            failures.push(`start lag ${jobs} jobs, ${workers} worker(s): ${row.slotsStartedTwice} slot(s) started twice`);
          if (row.starts === 0) failures.push(`start lag ${jobs} jobs, ${workers} worker(s): no handler started`);
        } catch (error) {
          failures.push(`start lag ${jobs} jobs, ${workers} worker(s): ${(error as Error).message}`);
        }
      }
    }
  } finally {
    await server.close();
  }
  return rows;
}

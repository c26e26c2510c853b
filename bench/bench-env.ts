/**
 * What every scenario shares: the local server (embedded dynalite in memory, or
 * DYNAMODB_ENDPOINT), a fresh table per measurement, generated schedules, counting handlers.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseScheduleObject } from '../functions/core/schedule.js';
import type { TickDeps } from '../functions/core/tick.js';
import type { EventLog, JobDefinition, JobHandler } from '../functions/core/types.js';
import { createDocumentClient } from '../functions/dynamo-client.js';
import { type LocalDynamo, startLocalDynamo } from '../functions/local/dynalite-server.js';
import { ensureTable } from '../functions/local/table.js';
import { RequestCounter } from './request-counter.js';

/** A minute, the period of every benchmark job. */
export const MINUTE_MS = 60_000;

/** The server the benchmarks talk to, and how to get tables and counted clients on it. */
export interface BenchEnv {
  endpoint: string;
  /** `dynalite (in-process, in memory)` or the DYNAMODB_ENDPOINT URL. */
  server: string;
  /** A new empty table with the core's key schema. */
  newTable(): Promise<string>;
  close(): Promise<void>;
}

/** Starts dynalite in this process (as the tests do), unless DYNAMODB_ENDPOINT names a server. */
export async function startBenchEnv(): Promise<BenchEnv> {
  const given = process.env.DYNAMODB_ENDPOINT;
  let local: LocalDynamo | undefined;
  if (!given) local = await startLocalDynamo();
  const endpoint = given ?? local!.endpoint;
  const admin = createDocumentClient(endpoint);
  return {
    endpoint,
    server: given ? given : 'dynalite (in-process, in memory)',
    async newTable() {
      const name = `bench-${randomUUID().slice(0, 12)}`;
      await ensureTable(admin, name, { create: true });
      return name;
    },
    async close() {
      admin.destroy();
      await local?.close();
    },
  };
}

/** Handler invocations per `job@slot`, to prove each slot started exactly once. */
export class RunTally {
  readonly starts = new Map<string, number>();
  /** performance.now() of every handler start, in order. */
  readonly startTimesMs: number[] = [];

  /** A handler that counts its start and returns at once. */
  readonly handler: JobHandler = (context) => {
    this.startTimesMs.push(performance.now());
    const key = `${context.job}@${context.slot.toISOString()}`;
    this.starts.set(key, (this.starts.get(key) ?? 0) + 1);
  };

  /** Total handler invocations. */
  get total(): number {
    return [...this.starts.values()].reduce((sum, n) => sum + n, 0);
  }

  /** Slots started more than once, with their counts. */
  get startedTwice(): [string, number][] {
    return [...this.starts].filter(([, n]) => n > 1);
  }
}

/**
 * `count` jobs named `job-0000`.. with handler `Work`; every minute unless `cron` says otherwise.
 * Extra keys (lease, catchupWindow) go to every job.
 */
export function makeJobs(count: number, extra: { cron?: string; lease?: string; catchupWindow?: string } = {}): JobDefinition[] {
  if (count === 0) return [];
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    raw[`job-${String(i).padStart(4, '0')}`] = {
      cron: extra.cron ?? '* * * * *',
      class: 'Work',
      catchupWindow: extra.catchupWindow ?? '30s',
      ...(extra.lease && { lease: extra.lease }),
    };
  }
  return parseScheduleObject(raw, { handlers: ['Work'], source: 'bench' });
}

/** A log that drops everything: the benchmarks measure the protocol, not log formatting. */
const silentLog: EventLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Tick dependencies for one instance on `client` and `tableName`. */
export function benchDeps(
  client: DynamoDBDocumentClient,
  tableName: string,
  instance: string,
  handlers: Record<string, JobHandler>,
  extra: Partial<TickDeps> = {},
): TickDeps {
  return { client, tableName, clock: Date.now, instance, log: silentLog, handlers, ...extra };
}

/** The start of the current minute plus `offsetMs`: tick "as of" a time just after a slot. */
export function justAfterSlotMs(offsetMs = 500, minutesAhead = 0): number {
  return Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS + minutesAhead * MINUTE_MS + offsetMs;
}

/** A clock that only moves when told (for scenarios that need two ticks a minute apart). */
export interface ManualClock {
  (): number;
  set(ms: number): void;
}

/** A clock fixed at `startMs` until `set`. */
export function manualClock(startMs: number): ManualClock {
  let nowMs = startMs;
  const clock = (() => nowMs) as ManualClock;
  clock.set = (ms) => (nowMs = ms);
  return clock;
}

/** A fresh counter with its own client, for scenarios that count one instance at a time. */
export function countedClient(env: BenchEnv): { counter: RequestCounter; client: DynamoDBDocumentClient } {
  const counter = new RequestCounter();
  return { counter, client: counter.client(env.endpoint) };
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds with two decimals, for tables and JSON. */
export const round2 = (value: number): number => Math.round(value * 100) / 100;

/** Time of `work` in ms (performance.now). */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/** What a scenario returns: its data, and the checks that failed (empty: it worked). */
export interface ScenarioResult<T = unknown> {
  name: string;
  data: T;
  failures: string[];
}

/**
 * Runs `node <args>` in a fresh process and resolves with the JSON it prints on stdout, plus how
 * long the process took from spawn to exit; rejects naming `label` when it fails or prints none.
 */
export function runJsonChild<T>(label: string, args: string[], env: NodeJS.ProcessEnv): Promise<T & { processMs: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const processMs = performance.now() - start;
      if (code !== 0) return reject(new Error(`${label} exited with ${code}: ${err.trim().slice(0, 500)}`));
      try {
        resolve({ ...(JSON.parse(out) as T), processMs });
      } catch {
        reject(new Error(`${label} printed no result: ${out.slice(0, 200)} ${err.slice(0, 300)}`));
      }
    });
  });
}

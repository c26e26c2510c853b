/**
 * Scale scenario, part 1: a tick's cost by the runtime jobs due, not defined. One table holds
 * many runtime jobs (10,000) of which 10, 100 or 1,000 are due at a tick; each reference table
 * holds only those due jobs. All are ticked with an injected clock at consecutive minutes (every
 * job the tick reads is then due, with or without the due index), the handler a no-op.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tick } from '../../functions/core/tick.js';
import { type BenchEnv, benchDeps, MINUTE_MS, manualClock, median, RunTally, round2, timed } from '../bench-env.js';
import { RequestCounter, type RequestCounts } from '../request-counter.js';
import { groupSpecs, type JobGroup, writeDefinitions } from '../runtime-definitions.js';

/** Requests of one tick by type (Query, Scan, Get, Update, Put, ...), and the part that listed the runtime jobs. */
export interface TickRequests {
  byType: Record<string, number>;
  total: number;
  readUnits: number;
  writeUnits: number;
  /** Reads of an index (the runtime jobs' listing: the Scan of runtimeJobs, or Queries of dueJobs). */
  listingRequests: number;
  listingReadUnits: number;
  /** Attempts that failed other than by their condition (TimeoutError, ...), by name: each was sent again, and counts in byType. */
  errors: Record<string, number>;
}

/** A tick that started fewer handlers than jobs were due (its jobs' requests failed for good). */
export interface ShortTick {
  minute: number;
  table: string;
  due: number;
  ran: number;
  outcomes: Record<string, number>;
  errors: Record<string, number>;
}

/** One due count: ticks with many jobs defined, next to ticks of a table with only the due jobs. */
export interface DueTickRow {
  defined: number;
  due: number;
  tickMs: number[];
  refMs: number[];
  tickMedianMs: number;
  refMedianMs: number;
  /** Median tick / median reference. */
  ratio: number;
  /** Median of tick/reference at the same minute (measured back to back). */
  pairedRatio: number;
  /** The last measured tick's requests, and the reference's. */
  requests: TickRequests;
  refRequests: TickRequests;
  /** Total requests, tick / reference. */
  requestsRatio: number;
  /** Read units, tick / reference (the listing's grow with the items it returns). */
  readUnitsRatio: number;
  /** Attempts that failed other than by their condition, over all the ticks of the row (tick, reference). */
  errors: Record<string, number>;
  refErrors: Record<string, number>;
  /** Ticks that started fewer handlers than were due. */
  shortTicks: ShortTick[];
}

/** What part 1 measured. */
export interface DueTickCost {
  defined: number;
  /** Wall time of storing the `defined` definitions (and per definition). */
  writeMs: number;
  writeMsPerJob: number;
  rows: DueTickRow[];
}

/** The first minute ticked: 10:00 UTC, far from the not-due jobs' 03:00 slot. */
const T0 = Date.parse('2026-01-05T10:00:00.000Z');
/** The jobs are created before the first minute ticked, so their first slot is that minute. */
const CREATED_MS = T0 - 30_000;
/** The not-due jobs: daily at 03:00 UTC, never inside a tick's window here. */
const NOT_DUE_CRON = '0 3 * * *';
/** Short enough that a minute a reference skips is not caught up at its next tick. */
const CATCHUP = '30s';

const TYPES: Record<string, string> = {
  QueryCommand: 'Query',
  ScanCommand: 'Scan',
  GetItemCommand: 'Get',
  UpdateItemCommand: 'Update',
  PutItemCommand: 'Put',
};

function requestsOf(counts: RequestCounts, listing: { requests: number; readUnits: number }): TickRequests {
  const byType: Record<string, number> = {};
  for (const [name, n] of Object.entries(counts.byCommand)) byType[TYPES[name] ?? name] = n;
  return {
    byType,
    total: counts.reads + counts.writes,
    readUnits: round2(counts.readUnits),
    writeUnits: round2(counts.writeUnits + counts.failedConditionalWrites),
    listingRequests: listing.requests,
    listingReadUnits: round2(listing.readUnits),
    errors: counts.otherErrors,
  };
}

/** Counts the requests that read an index, and the units they consumed. */
class IndexReads {
  requests = 0;
  readUnits = 0;

  attach(client: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next) => async (args) => {
        const indexed = (args.input as { IndexName?: string }).IndexName !== undefined;
        const result = await next(args);
        if (indexed) {
          this.requests++;
          this.readUnits += (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity?.CapacityUnits ?? 0;
        }
        return result;
      },
      { step: 'initialize', name: 'benchIndexReads' },
    );
  }

  reset(): void {
    this.requests = 0;
    this.readUnits = 0;
  }
}

/**
 * The due groups for `dueCounts` (ascending, at most 3): group i fires every 2^i minutes, so at
 * minute m the due count is dueCounts[j] for the largest j with m % 2^j = 0.
 */
export function dueGroups(dueCounts: readonly number[]): (JobGroup & { everyMinutes: number })[] {
  if (dueCounts.length > 3) throw new Error('at most 3 due counts (every 1, 2, 4 minutes)');
  return dueCounts.map((due, i) => {
    const everyMinutes = 2 ** i;
    return { count: due - (dueCounts[i - 1] ?? 0), cron: everyMinutes === 1 ? '* * * * *' : `*/${everyMinutes} * * * *`, everyMinutes };
  });
}

/** Which of `dueCounts` is due at minute `m` (its index). */
export function dueIndexAt(dueCounts: readonly number[], m: number): number {
  let index = 0;
  for (let i = 1; i < dueCounts.length; i++) if (m % 2 ** i === 0) index = i;
  return index;
}

interface Measured {
  ms: number;
  requests: TickRequests;
}

/** Runs part 1: `defined` jobs of which each of `dueCounts` is due at some minute; `repeats` ticks of the largest. */
export async function dueTickCost(
  env: BenchEnv,
  options: { defined: number; dueCounts: number[]; repeats: number },
  failures: string[],
): Promise<DueTickCost> {
  const dueCounts = [...options.dueCounts].sort((a, b) => a - b);
  const groups = dueGroups(dueCounts);
  const notDue = { count: options.defined - dueCounts.at(-1)!, cron: NOT_DUE_CRON };
  const counter = new RequestCounter();
  const indexReads = new IndexReads();
  const client = counter.client(env.endpoint);
  indexReads.attach(client);
  const writeClock = manualClock(CREATED_MS);
  const extra = { catchupWindow: CATCHUP };

  // Warm-up (JIT, sockets): a small table ticked twice, not recorded.
  {
    const table = await env.newTable();
    await writeDefinitions(client, table, groupSpecs('job', [{ count: 50, cron: '* * * * *' }], extra), { clock: writeClock });
    for (const m of [0, 1]) await tickAt(client, table, m, 50);
  }

  const bigTable = await env.newTable();
  const { ms: writeMs } = await writeDefinitions(client, bigTable, groupSpecs('job', [...groups, notDue], extra), { clock: writeClock });
  // Reference i: only the groups due at a minute of due count i, the same names and crons.
  const refTables: string[] = [];
  for (let i = 0; i < dueCounts.length; i++) {
    const table = await env.newTable();
    await writeDefinitions(client, table, groupSpecs('job', groups.slice(0, i + 1), extra), { clock: writeClock });
    refTables.push(table);
  }

  const big: Measured[][] = dueCounts.map(() => []);
  const ref: Measured[][] = dueCounts.map(() => []);
  const short: ShortTick[][] = dueCounts.map(() => []);
  const minutes = options.repeats * 2 ** (dueCounts.length - 1);
  for (let m = 0; m < minutes; m++) {
    const i = dueIndexAt(dueCounts, m);
    const due = dueCounts[i]!;
    const measure = async (table: string, into: Measured[][], label: string): Promise<void> => {
      counter.reset();
      indexReads.reset();
      const { ms, ran, outcomes } = await tickAt(client, table, m, due);
      const requests = requestsOf(counter.snapshot(), indexReads);
      // A job whose requests failed for good is a finding (reported), not a broken scenario; a start too many is.
      if (ran > due) failures.push(`ten-thousand: ${label} tick at minute ${m}: ${ran} handler starts, expected ${due}`);
      if (ran < due) short[i]!.push({ minute: m, table: label, due, ran, outcomes, errors: requests.errors });
      into[i]!.push({ ms, requests });
    };
    // Every minute ticks the big table (so no job it reads is undecided and not due); the reference of this due count alternates first.
    if (big[i]!.length % 2 === 0) {
      await measure(bigTable, big, `${options.defined} defined`);
      await measure(refTables[i]!, ref, 'reference');
    } else {
      await measure(refTables[i]!, ref, 'reference');
      await measure(bigTable, big, `${options.defined} defined`);
    }
  }
  client.destroy();

  const rows = dueCounts.map((due, i): DueTickRow => {
    const tickMs = big[i]!.map((t) => t.ms);
    const refMs = ref[i]!.map((t) => t.ms);
    const requests = big[i]!.at(-1)!.requests;
    const refRequests = ref[i]!.at(-1)!.requests;
    return {
      defined: options.defined,
      due,
      tickMs: tickMs.map(round2),
      refMs: refMs.map(round2),
      tickMedianMs: round2(median(tickMs)),
      refMedianMs: round2(median(refMs)),
      ratio: round2(median(tickMs) / median(refMs)),
      pairedRatio: round2(median(tickMs.map((ms, k) => ms / refMs[k]!))),
      requests,
      refRequests,
      requestsRatio: round2(requests.total / refRequests.total),
      readUnitsRatio: round2(requests.readUnits / Math.max(refRequests.readUnits, 0.5)),
      errors: sumErrors(big[i]!),
      refErrors: sumErrors(ref[i]!),
      shortTicks: short[i]!,
    };
  });
  return { defined: options.defined, writeMs: Math.round(writeMs), writeMsPerJob: round2(writeMs / options.defined), rows };
}

function sumErrors(ticks: readonly Measured[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const t of ticks) for (const [name, n] of Object.entries(t.requests.errors)) sum[name] = (sum[name] ?? 0) + n;
  return sum;
}

/** One tick of `table` as of minute `m` after T0 (just after its boundary); its wall time, handler starts and outcomes by kind. */
async function tickAt(
  client: DynamoDBDocumentClient,
  table: string,
  m: number,
  due: number,
): Promise<{ ms: number; ran: number; outcomes: Record<string, number> }> {
  const tally = new RunTally();
  const clock = manualClock(T0 + m * MINUTE_MS + 500);
  const { ms, value } = await timed(() =>
    tick(benchDeps(client, table, 'node-a', { Work: tally.handler }, { clock, maxJobsPerTick: Math.max(due, 1) }), { jobs: [] }),
  );
  const outcomes: Record<string, number> = {};
  for (const o of value) if (o.outcome !== 'not-due') outcomes[o.outcome] = (outcomes[o.outcome] ?? 0) + 1;
  return { ms, ran: tally.total, outcomes };
}

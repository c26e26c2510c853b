/**
 * The due index's repair: a slow sweep of the runtime jobs' definitions (by name, the
 * runtime-jobs index) against their `nextDueMs`, one page a minute for the whole cluster, which
 * lists again any job whose entry would hide a slot: none for an enabled job that has one, or
 * one later than its next slot (due-times.ts latestHealthyDueMs), and a removed job's tombstone
 * without one (its wind-down). The protocol's own writes never leave such an entry (due-times.ts);
 * what the sweep heals is what they cannot see: a table restored from a backup, an item edited
 * by hand or by another tool, an older version's writes, a next slot computed wrongly. It only
 * ever lists a job earlier, which is always safe. Where the sweep is: a cursor item
 * (`CLUSTER#due-repair`), whose conditional write gives each minute's page to one tick.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './conditions.js';
import { dueKeyMs, dueOnWriteMs, endedAtMs, latestHealthyDueMs, listedSlotMs } from './due-times.js';
import { errorMessage } from './errors.js';
import { RUNTIME_INDEX, RUNTIME_SHARD_COUNT, type RuntimeValidation, runtimeJobDefinition } from './job-definitions.js';
import { skewMs, type TickDeps } from './run.js';
import { lockItemKey } from './table-keys.js';
import { toIso } from './time.js';

/** The sweep's pace: one page of `pageSize` definitions every `everyMs`, across the cluster. */
export const DUE_REPAIR_DEFAULTS = { everyMs: 60_000, pageSize: 50 } as const;

/** The cursor item's key: where the sweep is, and when its last page was taken. */
export const DUE_REPAIR_KEY = { pk: 'CLUSTER#due-repair', sk: 'STATE' } as const;

interface RepairCursor {
  sweptAtMs?: number;
  shard?: number;
  after?: string;
}

/** A definition as the runtime-jobs index projects it (what the sweep judges). */
interface IndexedDefinition {
  job?: string;
  definitionVersion?: number;
  compiled?: string;
  definition?: Record<string, unknown>;
  createdAtMs?: number;
  removedAtMs?: number;
  nextDueMs?: number;
}

/**
 * Takes the sweep's next page when a minute (`everyMs`) has passed since the last, and lists
 * again the jobs whose entry hides a slot. Returns how many it repaired. Writes nothing when the
 * table has no runtime job (an empty shard passes the sweep to the next, all four in one go).
 * Never throws for the table's trouble: the tick goes on, and the next sweep takes the same page.
 */
export async function repairDueSlice(deps: TickDeps, validation: RuntimeValidation): Promise<number> {
  const everyMs = deps.dueRepair?.everyMs ?? DUE_REPAIR_DEFAULTS.everyMs;
  const nowMs = deps.clock();
  try {
    // Eventually consistent: a stale cursor only means the page is read twice; the take below decides.
    const read = await deps.client.send(new GetCommand({ TableName: deps.tableName, Key: DUE_REPAIR_KEY }));
    const cursor = (read.Item ?? {}) as RepairCursor;
    if (cursor.sweptAtMs !== undefined && nowMs - cursor.sweptAtMs < everyMs) return 0;
    let shard = cursor.shard ?? 0;
    let after = cursor.after;
    let page = await readPage(deps, shard, after);
    for (let tried = 1; (page.Items ?? []).length === 0 && tried < RUNTIME_SHARD_COUNT; tried++) {
      shard = (shard + 1) % RUNTIME_SHARD_COUNT;
      after = undefined;
      page = await readPage(deps, shard, after);
    }
    const items = (page.Items ?? []) as IndexedDefinition[];
    if (items.length === 0) return 0; // no runtime job at all: nothing to sweep
    const last = items.at(-1);
    const next =
      page.LastEvaluatedKey && last?.job !== undefined ? { shard, after: last.job } : { shard: (shard + 1) % RUNTIME_SHARD_COUNT };
    if (!(await takePage(deps, cursor.sweptAtMs, nowMs, next))) return 0;
    // Judged by the clock after the read: the page may show advances written while it was on its way.
    const readAtMs = deps.clock();
    let repaired = 0;
    for (const item of items) {
      if (await repairOne(deps, item, validation, readAtMs)) repaired++;
    }
    return repaired;
  } catch (error) {
    deps.log.error('due-index.repair.error', { table: deps.tableName, error: errorMessage(error), instance: deps.instance });
    return 0;
  }
}

/** One page of definitions by name from `after` in one shard. */
function readPage(deps: TickDeps, shard: number, after: string | undefined) {
  return deps.client.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: RUNTIME_INDEX.name,
      KeyConditionExpression: `${RUNTIME_INDEX.partitionKey} = :shard${after !== undefined ? ' AND #job > :after' : ''}`,
      ExpressionAttributeValues: { ':shard': shard, ...(after !== undefined && { ':after': after }) },
      ...(after !== undefined && { ExpressionAttributeNames: { '#job': RUNTIME_INDEX.sortKey } }),
      Limit: deps.dueRepair?.pageSize ?? DUE_REPAIR_DEFAULTS.pageSize,
    }),
  );
}

/**
 * The conditional write that gives this minute's page to one tick and moves the cursor past it.
 * A tick that dies after it leaves that page unrepaired for one round: each repair is one
 * conditional write, and the next round lists the job again.
 */
async function takePage(
  deps: TickDeps,
  readMs: number | undefined,
  nowMs: number,
  next: { shard: number; after?: string },
): Promise<boolean> {
  // expects:    the sweep's time still the one read (none: never swept)
  // sets:       sweptAtMs = now; the cursor past this page
  // fails when: another tick took a page since the read (means: it sweeps; nothing to do)
  // defends:    the sweep's pace: one page a minute for the cluster, however many ticks arrive
  const set = `SET sweptAtMs = :now, #shard = :shard${next.after !== undefined ? ', #after = :after' : ''}`;
  try {
    await deps.client.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: DUE_REPAIR_KEY,
        // `shard` is one of DynamoDB's reserved words: both are named by placeholders.
        UpdateExpression: next.after !== undefined ? set : `${set} REMOVE #after`,
        ConditionExpression: readMs === undefined ? 'attribute_not_exists(sweptAtMs)' : 'sweptAtMs = :read',
        ExpressionAttributeNames: { '#shard': 'shard', '#after': 'after' },
        ExpressionAttributeValues: {
          ':now': nowMs,
          ':shard': next.shard,
          ...(next.after !== undefined && { ':after': next.after }),
          ...(readMs !== undefined && { ':read': readMs }),
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Lists one job again when its entry hides a slot; true when it wrote. */
async function repairOne(deps: TickDeps, item: IndexedDefinition, validation: RuntimeValidation, nowMs: number): Promise<boolean> {
  const name = item.job;
  const version = item.definitionVersion;
  if (name === undefined || version === undefined) return false;
  let dueMs: number | undefined;
  if (item.removedAtMs !== undefined) {
    // A tombstone is listed from its removal until its wind-down takes it out of both indexes.
    if (item.nextDueMs !== undefined && item.nextDueMs <= nowMs + 2 * skewMs(deps)) return false;
    dueMs = dueKeyMs(name, nowMs);
  } else {
    let job: ReturnType<typeof runtimeJobDefinition>;
    try {
      job = runtimeJobDefinition(name, item.definition, { version, compiled: item.compiled }, validation);
    } catch {
      return false; // a definition this deployment cannot run: the tick that lists it records why
    }
    // Twice the skew: the writer that moved it on may run ahead of us by the whole of it.
    // Ended: listed for its wind-down, or wound down (which drops nextDueMs for good).
    const endMs = endedAtMs(job);
    if (endMs !== undefined && nowMs >= endMs) return false;
    const healthyMs = latestHealthyDueMs(job, nowMs, 2 * skewMs(deps));
    if (healthyMs === undefined) return false; // disabled: not in the index
    if (item.nextDueMs !== undefined && item.nextDueMs <= healthyMs) return false;
    dueMs = dueKeyMs(name, dueOnWriteMs(job, nowMs, item.createdAtMs ?? nowMs) ?? nowMs);
  }
  // expects:    the definition version the sweep read; nextDueMs still absent or later than the time it lists
  // sets:       nextDueMs = the first slot a tick could still start (a tombstone: now)
  // fails when: the definition changed (its write listed it afresh), or a tick moved it meanwhile (means: nothing to do)
  // defends:    no job silently stops: an entry that hides a slot is listed again within one sweep of every page
  try {
    await deps.client.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: lockItemKey(name),
        UpdateExpression: 'SET nextDueMs = :due',
        ConditionExpression: 'definitionVersion = :version AND (attribute_not_exists(nextDueMs) OR nextDueMs > :due)',
        ExpressionAttributeValues: { ':due': dueMs, ':version': version },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
  deps.log.warn('due-index.repaired', {
    job: name,
    listedAt: item.nextDueMs === undefined ? 'none' : toIso(listedSlotMs(item.nextDueMs)),
    nowListedAt: toIso(listedSlotMs(dueMs)),
    note: 'the job was listed too late (or not at all) for its next slot; listed again',
    instance: deps.instance,
  });
  return true;
}

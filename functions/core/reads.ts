/**
 * The reads of the protocol, all consistent: one lock item, one slot item, and the Queries over
 * a job's slots (the tick's window, which reads the lock in the same request, and the history).
 * Where each read sits in a run: docs/protocol.md.
 */
import { GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  jobKey,
  LOCK_SK,
  type LockItem,
  lockItemKey,
  SLOT_PREFIX,
  type SlotItem,
  type SlotStatus,
  type StoreContext,
  slotItemKey,
  slotKey,
} from './table-keys.js';
import type { Trigger } from './types.js';

/** Reads the lock item with a consistent read; undefined when the job never ran. */
export async function getLock(ctx: StoreContext, job: string): Promise<LockItem | undefined> {
  const result = await ctx.client.send(new GetCommand({ TableName: ctx.tableName, Key: lockItemKey(job), ConsistentRead: true }));
  return result.Item as LockItem | undefined;
}

/** Reads one slot item with a consistent read. */
export async function getSlot(ctx: StoreContext, job: string, slotMs: number): Promise<SlotItem | undefined> {
  const result = await ctx.client.send(new GetCommand({ TableName: ctx.tableName, Key: slotItemKey(job, slotMs), ConsistentRead: true }));
  return result.Item as SlotItem | undefined;
}

/** What the window Query returns of each claimed slot. */
export interface ClaimSummary {
  claimedBy: string;
  status: SlotStatus;
  claimedAtMs: number;
  trigger: Trigger;
}

/** What a claims Query reads of each slot item: enough to tell who claimed it and what became of it. */
const CLAIM_PROJECTION = {
  ExpressionAttributeNames: { '#status': 'status', '#trigger': 'trigger' },
  ProjectionExpression: 'sk, slotMs, claimedBy, #status, claimedAtMs, #trigger',
  ConsistentRead: true,
} as const;

function claimOf(item: Record<string, unknown>): ClaimSummary {
  return {
    claimedBy: String(item.claimedBy),
    status: item.status as SlotStatus,
    claimedAtMs: Number(item.claimedAtMs),
    trigger: item.trigger as Trigger,
  };
}

/**
 * Pages through a claims Query, adding each slot item to `claimed` until `keep` says stop (it
 * sees the item's slot time and returns false to end the read). The lock item, if the Query
 * reaches it, goes to `onLock`.
 */
async function readClaims(
  ctx: StoreContext,
  query: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  options: { keep?: (slotMs: number) => boolean; onLock?: (lock: LockItem) => void; wholeItems?: boolean } = {},
): Promise<Map<number, ClaimSummary>> {
  const claimed = new Map<number, ClaimSummary>();
  const projection = options.wholeItems ? { ConsistentRead: true } : CLAIM_PROJECTION;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.client.send(
      new QueryCommand({ TableName: ctx.tableName, ...projection, ...query, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) {
      if (item.sk === LOCK_SK) {
        options.onLock?.(item as LockItem);
        continue;
      }
      const slotMs = Number(item.slotMs);
      if (options.keep && !options.keep(slotMs)) return claimed;
      claimed.set(slotMs, claimOf(item));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return claimed;
}

/** The slots already claimed after `fromMs` (exclusive), with claimant and status: one Query. */
export async function claimedSlotsAfter(ctx: StoreContext, job: string, fromMs: number): Promise<Map<number, ClaimSummary>> {
  return readClaims(ctx, {
    KeyConditionExpression: 'pk = :pk AND sk > :from',
    ExpressionAttributeValues: { ':pk': jobKey(job), ':from': slotKey(fromMs) },
  });
}

/** What a tick reads of a job in one request: its claims and its lock. */
export interface JobWindow {
  claimed: Map<number, ClaimSummary>;
  lock: LockItem | undefined;
}

/** The most items one page of the newest-first window read asks for. */
export const WINDOW_PAGE_LIMIT = 100;

/**
 * About how many slots fall in `(fromMs, toMs]`, from the closest two of the slots already
 * known (ascending): a page size, not a bound (a wrong guess costs a page or a few items),
 * so the tick does not walk the cron over its whole look-back. Unknown spacing: a full page.
 */
export function slotsAbout(fromMs: number, toMs: number, known: readonly (number | undefined)[]): number {
  let gapMs = Number.POSITIVE_INFINITY;
  let previousMs: number | undefined;
  for (const slotMs of known) {
    if (slotMs === undefined) continue;
    if (previousMs !== undefined) gapMs = Math.min(gapMs, slotMs - previousMs);
    previousMs = slotMs;
  }
  return Number.isFinite(gapMs) && gapMs > 0 ? Math.ceil((toMs - fromMs) / gapMs) : WINDOW_PAGE_LIMIT;
}

/**
 * A tick's one read of a job: the claims after `afterMs` and the lock item (which sorts after
 * them), in one consistent Query. With `olderCount`, newest first, it also reads the
 * `olderCount` newest claims at or before `afterMs`, however old: they find a claim abandoned
 * just before a long outage of every tick, which a look-back bounded in time no longer reaches.
 * `pageSize` (at most WINDOW_PAGE_LIMIT): the items the caller expects to keep; more pages follow
 * while there are more. A page reads, and is billed for, every item it returns: a full page of a
 * job with a month of history was 100 items (about 9 read units) to keep a handful.
 */
export async function readJobWindow(
  ctx: StoreContext,
  job: string,
  afterMs: number,
  olderCount?: number,
  pageSize = WINDOW_PAGE_LIMIT,
): Promise<JobWindow> {
  let lock: LockItem | undefined;
  const onLock = (item: LockItem): void => {
    lock = item;
  };
  if (olderCount === undefined) {
    const claimed = await readClaims(
      ctx,
      { KeyConditionExpression: 'pk = :pk AND sk > :from', ExpressionAttributeValues: { ':pk': jobKey(job), ':from': slotKey(afterMs) } },
      { onLock, wholeItems: true },
    );
    return { claimed, lock };
  }
  let olderKept = 0;
  const keep = (slotMs: number): boolean => {
    if (slotMs > afterMs) return true;
    olderKept += 1;
    return olderKept <= olderCount;
  };
  const claimed = await readClaims(
    ctx,
    {
      KeyConditionExpression: 'pk = :pk AND sk <= :lock',
      ExpressionAttributeValues: { ':pk': jobKey(job), ':lock': LOCK_SK },
      ScanIndexForward: false,
      Limit: Math.max(1, Math.min(WINDOW_PAGE_LIMIT, Math.floor(pageSize))),
    },
    { keep, onLock, wholeItems: true },
  );
  return { claimed, lock };
}

/** The newest slot items of a job, newest first. */
export async function recentSlots(ctx: StoreContext, job: string, limit: number): Promise<SlotItem[]> {
  const result = await ctx.client.send(
    new QueryCommand({
      TableName: ctx.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :slot)',
      ExpressionAttributeValues: { ':pk': jobKey(job), ':slot': SLOT_PREFIX },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return (result.Items ?? []) as SlotItem[];
}

/** One page of a Query or a Scan: its items, its count, and where the next starts. */
export interface ReadPage {
  Items?: Record<string, unknown>[];
  Count?: number;
  LastEvaluatedKey?: Record<string, unknown>;
}

/** Reads every page of a Query or a Scan (`read` sends one from `startKey`), handing each to `onPage`. */
export async function eachPage(
  read: (startKey: Record<string, unknown> | undefined) => Promise<ReadPage>,
  onPage: (page: ReadPage) => void,
): Promise<void> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await read(startKey);
    onPage(page);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

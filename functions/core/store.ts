/**
 * The table: keys, items, and every conditional write of the protocol. The only core module
 * that imports the AWS SDK. Each step is one conditional write on one item (no transactions),
 * and each write that a retry could repeat compares the caller's token before it reports a loss.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Clock } from './time.js';
import { toEpochSec, toIso } from './time.js';
import { Trigger } from './types.js';

/** Attribute names of the table's key and TTL; infra and table bootstrap use the same. */
export const TABLE_SCHEMA = { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'ttlEpochSec' } as const;

/** What the core needs to reach the table: built by the caller, never by the core. */
export interface StoreContext {
  client: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
}

/** The lifecycle of a slot item. */
export const SlotStatus = {
  claimed: 'claimed',
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
  /** The holder's lease lapsed before it recorded an outcome (it crashed or was cut off). */
  lost: 'lost',
  /** Waiting for the lease: handed to it by the holder (bufferOne, or a continuous job's next link). */
  buffered: 'buffered',
} as const;
export type SlotStatus = (typeof SlotStatus)[keyof typeof SlotStatus];

/** Why a claimed slot did not run. */
export const SkipReason = { locked: 'locked', paused: 'paused', dropped: 'dropped' } as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/** The job's lock and state item. The fence only ever rises; the item is never deleted. */
export interface LockItem {
  pk: string;
  sk: string;
  fence?: number;
  holder?: string;
  holderInstance?: string;
  holderSlotMs?: number;
  /** Why the holder runs (a lapsed holder's slot is recorded lost with it). */
  holderTrigger?: Trigger;
  leaseUntilMs?: number;
  /**
   * The newest scheduled slot (schedule or catch-up) that took the lease or was parked for it:
   * a scheduled slot is claimed on the lock itself, in the acquire, so a run costs one write
   * less (I1: an acquire for a slot not newer than this is refused).
   */
  lastSlotMs?: number;
  acquiredAtMs?: number;
  lastReleasedBy?: string;
  releasedAtMs?: number;
  paused?: boolean;
  pausedNote?: string;
  pausedAtMs?: number;
  /** bufferOne: the one slot waiting for the lease, and the token that claimed it. */
  pendingSlotMs?: number;
  pendingToken?: string;
}

/**
 * Who holds `slotMs` on the lock: the holder running it, or the token it is parked under
 * (bufferOne); undefined when the lock names another slot or none.
 */
export function claimantOnLock(lock: LockItem | undefined, slotMs: number): string | undefined {
  if (lock?.holderSlotMs === slotMs) return lock.holder;
  if (lock?.pendingSlotMs === slotMs) return lock.pendingToken;
  return undefined;
}

/**
 * True while the lock has a holder whose lease has not yet passed by `nowMs`: the one reading of
 * "is this lease live?" that the status page and the CLI share, so they never disagree.
 */
export function liveHolder(lock: LockItem | undefined, nowMs: number): lock is LockItem & { holder: string; leaseUntilMs: number } {
  return lock?.holder !== undefined && lock.leaseUntilMs !== undefined && lock.leaseUntilMs >= nowMs;
}

/**
 * True for a skip or buffered mark that lost a race to the lock: a tick read the lock while
 * it was held, the holder let go, another tick claimed the same scheduled slot on the lock and
 * runs it, then the first tick's mark landed on the slot item. The run's record replaces the
 * mark when it ends (or the next acquirer's `lost`); until then the lock tells the slot's fate.
 */
export function supersededByLock(item: SlotItem, lock: LockItem | undefined): boolean {
  if (lock?.holder === undefined || lock.holderSlotMs !== item.slotMs || item.claimedBy === lock.holder) return false;
  return item.status === SlotStatus.skipped || item.status === SlotStatus.buffered;
}

/** The slot items as their fate stands: marks superseded by the lock's run are left out. */
export function withoutSupersededMarks(items: readonly SlotItem[], lock: LockItem | undefined): SlotItem[] {
  return items.filter((item) => !supersededByLock(item, lock));
}

/** One run-slot item: the fate of one (job, slot). */
export interface SlotItem {
  pk: string;
  sk: string;
  job: string;
  slot: string;
  slotMs: number;
  status: SlotStatus;
  trigger: Trigger;
  claimedBy: string;
  instance: string;
  claimedAtMs: number;
  reason?: SkipReason;
  heldBy?: string;
  heldFence?: number;
  /** A dropped slot: the buffered slot it found in the way. */
  bufferedSlotMs?: number;
  /** Declared by the job's overlap policy when it was claimed. */
  overlap?: string;
  fence?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  durationMs?: number;
  error?: string;
  leaseLost?: boolean;
  ttlEpochSec: number;
}

/**
 * The sort key of a job's lock (and state) item. It sorts after every `SLOT#` key, so one Query
 * reads a tick's window of slots and the lock together.
 */
const LOCK_SK = 'STATE';
const SLOT_PREFIX = 'SLOT#';

/** Partition key of every item of a job. */
export const jobKey = (job: string): string => `JOB#${job}`;
/** Sort key of a slot: ISO-8601 UTC with milliseconds, so keys sort in time order. */
export const slotKey = (slotMs: number): string => `${SLOT_PREFIX}${toIso(slotMs)}`;

/**
 * The item a refused write returns with ReturnValuesOnConditionCheckFailure. The document
 * client leaves it in attribute-value form; it is unmarshalled here.
 */
function itemOf<T>(error: unknown): T | undefined {
  const item = (error as { Item?: Record<string, unknown> }).Item;
  if (!item) return undefined;
  const marshalled = Object.values(item).every(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      Object.keys(value).length === 1 &&
      /^(S|N|B|BOOL|NULL|M|L|SS|NS|BS)$/.test(Object.keys(value)[0]!),
  );
  return (marshalled ? unmarshall(item as Parameters<typeof unmarshall>[0]) : item) as T;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

// Condition fragments, named so each write reads as the rule it enforces.
const notClaimed = 'attribute_not_exists(pk)';
const leaseFree = '(attribute_not_exists(holder) OR leaseUntilMs < :now)';
const notPaused = '(attribute_not_exists(paused) OR paused = :false)';
const heldByMe = 'holder = :token';
const heldByAnyone = '(attribute_exists(holder) AND leaseUntilMs >= :now)';
const nothingPending = 'attribute_not_exists(pendingSlotMs)';
const claimedByMe = 'claimedBy = :token';
/** A scheduled slot not yet taken on the lock: newer than the last one that was. */
const slotNewOnLock = '(attribute_not_exists(lastSlotMs) OR lastSlotMs < :slot)';
/** The lock's (live or lapsed) holder is not already on this very slot. */
const notHoldersSlot = '(attribute_not_exists(holderSlotMs) OR holderSlotMs <> :slot)';
/** Not a run's outcome: a claim, a skip, a buffered slot or a lost one, which a run of the slot may replace. */
const notARun = 'NOT (#status IN (:succeeded, :failed))';

/** Reads the lock item with a consistent read; undefined when the job never ran. */
export async function getLock(ctx: StoreContext, job: string): Promise<LockItem | undefined> {
  const result = await ctx.client.send(
    new GetCommand({ TableName: ctx.tableName, Key: { pk: jobKey(job), sk: LOCK_SK }, ConsistentRead: true }),
  );
  return result.Item as LockItem | undefined;
}

/** Reads one slot item with a consistent read. */
export async function getSlot(ctx: StoreContext, job: string, slotMs: number): Promise<SlotItem | undefined> {
  const result = await ctx.client.send(
    new GetCommand({ TableName: ctx.tableName, Key: { pk: jobKey(job), sk: slotKey(slotMs) }, ConsistentRead: true }),
  );
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

/**
 * A tick's one read of a job: the claims after `afterMs` and the lock item (which sorts after
 * them), in one consistent Query. With `olderCount`, newest first, it also reads the
 * `olderCount` newest claims at or before `afterMs`, however old: they find a claim abandoned
 * just before a long outage of every tick, which a look-back bounded in time no longer reaches.
 */
export async function readJobWindow(ctx: StoreContext, job: string, afterMs: number, olderCount?: number): Promise<JobWindow> {
  let lock: LockItem | undefined;
  const onLock = (item: LockItem): void => void (lock = item);
  if (olderCount === undefined) {
    const claimed = await readClaims(
      ctx,
      { KeyConditionExpression: 'pk = :pk AND sk > :from', ExpressionAttributeValues: { ':pk': jobKey(job), ':from': slotKey(afterMs) } },
      { onLock, wholeItems: true },
    );
    return { claimed, lock };
  }
  let older = 0;
  const claimed = await readClaims(
    ctx,
    {
      KeyConditionExpression: 'pk = :pk AND sk <= :lock',
      ExpressionAttributeValues: { ':pk': jobKey(job), ':lock': LOCK_SK },
      ScanIndexForward: false,
      Limit: 100,
    },
    { keep: (slotMs) => slotMs > afterMs || ++older <= olderCount, onLock, wholeItems: true },
  );
  return { claimed, lock };
}

/** The claims after `afterMs` and the `olderCount` newest before it, newest first (see readJobWindow). */
export async function recentClaims(
  ctx: StoreContext,
  job: string,
  afterMs: number,
  olderCount: number,
): Promise<Map<number, ClaimSummary>> {
  return (await readJobWindow(ctx, job, afterMs, olderCount)).claimed;
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

/** The slot record a claim writes; status `claimed` for a run, `skipped` when decided at once. */
export interface SlotClaim {
  job: string;
  slotMs: number;
  token: string;
  instance: string;
  trigger: Trigger;
  retentionMs: number;
  status?: typeof SlotStatus.claimed | typeof SlotStatus.skipped | typeof SlotStatus.buffered;
  reason?: SkipReason;
  heldBy?: string;
  heldFence?: number;
  overlap?: string;
}

/**
 * Claims a slot: a conditional put on the run-slot key (I1). A lost response followed by a
 * retry finds its own token on the item and still counts as won.
 */
export async function claimSlot(
  ctx: StoreContext,
  claim: SlotClaim,
): Promise<{ won: true; item: SlotItem } | { won: false; existing?: SlotItem }> {
  const nowMs = ctx.clock();
  const item: SlotItem = {
    pk: jobKey(claim.job),
    sk: slotKey(claim.slotMs),
    job: claim.job,
    slot: toIso(claim.slotMs),
    slotMs: claim.slotMs,
    status: claim.status ?? SlotStatus.claimed,
    trigger: claim.trigger,
    claimedBy: claim.token,
    instance: claim.instance,
    claimedAtMs: nowMs,
    ttlEpochSec: toEpochSec(Math.max(claim.slotMs, nowMs) + claim.retentionMs),
    ...(claim.reason !== undefined && { reason: claim.reason }),
    ...(claim.heldBy !== undefined && { heldBy: claim.heldBy }),
    ...(claim.heldFence !== undefined && { heldFence: claim.heldFence }),
    ...(claim.overlap !== undefined && { overlap: claim.overlap }),
  };
  try {
    await ctx.client.send(
      new PutCommand({
        TableName: ctx.tableName,
        Item: item,
        ConditionExpression: notClaimed,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { won: true, item };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const existing = itemOf<SlotItem>(error) ?? (await getSlot(ctx, claim.job, claim.slotMs));
    if (existing?.claimedBy === claim.token) return { won: true, item: existing };
    return { won: false, ...(existing && { existing }) };
  }
}

/** A request to take a job's lease. */
export interface AcquireRequest {
  job: string;
  token: string;
  instance: string;
  slotMs: number;
  leaseMs: number;
  /** Manual triggers run even while the job is paused. */
  ignorePause?: boolean;
  /** Written on the lock so a lapsed holder's slot can be recorded with it. */
  trigger?: Trigger;
  /** A scheduled slot: claim it on the lock in the same write (`lastSlotMs`). */
  claimOnLock?: boolean;
  /**
   * The holder the caller read (null: none). The write is refused if another took the lock
   * since, so a lapsed holder is replaced only after the caller recorded its slot's fate.
   */
  expectHolder?: string | null;
}

/** The result of an acquisition: the new fence, and a previous holder whose lease had lapsed. */
export type AcquireResult =
  | {
      acquired: true;
      fence: number;
      leaseUntilMs: number;
      expired?: { holder: string; slotMs?: number };
      stalePending?: { slotMs: number; token: string };
    }
  | { acquired: false; lock: LockItem | undefined };

/**
 * Takes the job's lease when it is free or expired, never waiting (I2). The fence rises by one
 * on every acquisition and is never reset. A retried acquire that finds its own token on the
 * item counts as acquired (its first attempt applied).
 */
export async function acquireLease(ctx: StoreContext, request: AcquireRequest): Promise<AcquireResult> {
  const nowMs = ctx.clock();
  const leaseUntilMs = nowMs + request.leaseMs;
  // Timeline: [holder H leases until L] ... now > L ... -> we may take it; while now <= L -> refused.
  // A scheduled slot: [last slot S0 < S] -> lastSlotMs = S, so a second acquire for S is refused.
  const conditions = [leaseFree];
  const values: Record<string, unknown> = {
    ':token': request.token,
    ':instance': request.instance,
    ':slot': request.slotMs,
    ':until': leaseUntilMs,
    ':now': nowMs,
    ':one': 1,
  };
  if (request.trigger !== undefined) values[':trigger'] = request.trigger;
  if (!request.ignorePause) {
    conditions.push(notPaused);
    values[':false'] = false;
  }
  if (request.claimOnLock) conditions.push(slotNewOnLock);
  if (request.expectHolder === null) conditions.push('attribute_not_exists(holder)');
  if (typeof request.expectHolder === 'string') {
    conditions.push('holder = :seen');
    values[':seen'] = request.expectHolder;
  }
  const claim = request.claimOnLock ? ', lastSlotMs = :slot' : '';
  try {
    const result = await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: { pk: jobKey(request.job), sk: LOCK_SK },
        UpdateExpression: `SET holder = :token, holderInstance = :instance, holderSlotMs = :slot, ${request.trigger !== undefined ? 'holderTrigger = :trigger, ' : ''}leaseUntilMs = :until, acquiredAtMs = :now${claim} ADD fence :one REMOVE pendingSlotMs, pendingToken${request.trigger !== undefined ? '' : ', holderTrigger'}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_OLD',
      }),
    );
    const old = result.Attributes as LockItem | undefined;
    const expired = old?.holder ? { holder: old.holder, ...(old.holderSlotMs !== undefined && { slotMs: old.holderSlotMs }) } : undefined;
    // A slot buffered behind a holder that died without handing over: the caller records its fate.
    const stalePending =
      old?.pendingSlotMs !== undefined && old.pendingToken ? { slotMs: old.pendingSlotMs, token: old.pendingToken } : undefined;
    return {
      acquired: true,
      fence: (old?.fence ?? 0) + 1,
      leaseUntilMs,
      ...(expired && { expired }),
      ...(stalePending && { stalePending }),
    };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const lock = await getLock(ctx, request.job);
    if (lock?.holder === request.token && lock.fence !== undefined && lock.leaseUntilMs !== undefined) {
      return { acquired: true, fence: lock.fence, leaseUntilMs: lock.leaseUntilMs };
    }
    return { acquired: false, lock };
  }
}

/**
 * Extends the lease to `leaseUntilMs` if the caller still holds it. Repeating it is harmless.
 * Returns the current lock item when the caller no longer holds it.
 */
export async function renewLease(
  ctx: StoreContext,
  job: string,
  token: string,
  leaseUntilMs: number,
): Promise<{ renewed: true; lock: LockItem } | { renewed: false; lock: LockItem | undefined }> {
  // Timeline: [we hold, until L] -> renew sets L' = now + lease; if another holder took over, refused.
  // The item comes back at no extra cost: the holder learns of a buffered slot or a pause early.
  try {
    const result = await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: { pk: jobKey(job), sk: LOCK_SK },
        UpdateExpression: 'SET leaseUntilMs = :until',
        ConditionExpression: heldByMe,
        ExpressionAttributeValues: { ':token': token, ':until': leaseUntilMs },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { renewed: true, lock: result.Attributes as LockItem };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { renewed: false, lock: await getLock(ctx, job) };
  }
}

/**
 * Releases the lease if the caller still holds it and no slot is buffered behind it; a lapsed
 * holder cannot release its successor's lease (ShedLock's bug). The fence is kept. A retried
 * release whose first attempt applied is recognised by `lastReleasedBy`. Refused with the lock
 * item (still held by the caller) when a slot is pending: the caller hands over instead.
 */
export async function releaseLease(
  ctx: StoreContext,
  job: string,
  token: string,
  options: { dropPending?: boolean } = {},
): Promise<{ released: true } | { released: false; lock: LockItem | undefined }> {
  // Timeline: [we hold] -> release clears holder; [successor holds] -> refused, successor untouched.
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: { pk: jobKey(job), sk: LOCK_SK },
        UpdateExpression: `REMOVE holder, holderInstance, holderSlotMs, holderTrigger${options.dropPending ? ', pendingSlotMs, pendingToken' : ''} SET leaseUntilMs = :zero, lastReleasedBy = :token, releasedAtMs = :now`,
        ConditionExpression: options.dropPending ? heldByMe : `${heldByMe} AND ${nothingPending}`,
        ExpressionAttributeValues: { ':token': token, ':zero': 0, ':now': ctx.clock() },
        // DynamoDB returns the item with the refusal (no read before a hand-over); dynalite does not.
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { released: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const lock = itemOf<LockItem>(error) ?? (await getLock(ctx, job));
    // Only this token's own release writes it there: the first attempt applied, even if a
    // successor has taken the lease since.
    if (lock?.lastReleasedBy === token) return { released: true };
    return { released: false, lock };
  }
}

/** The outcome of a run, as written to its slot item. */
export interface RunRecord {
  status: typeof SlotStatus.succeeded | typeof SlotStatus.failed;
  fence: number;
  startedAtMs: number;
  finishedAtMs: number;
  error?: string;
  leaseLost: boolean;
  /** Set when the run's reason changed since the claim (a scheduled slot that ran from the buffer). */
  trigger?: Trigger;
}

/**
 * Who a slot item belongs to, for a run claimed on the lock (a scheduled slot's fast path): its
 * item is first written with the outcome.
 */
export interface SlotIdentity {
  trigger: Trigger;
  instance: string;
  claimedAtMs: number;
  retentionMs: number;
  overlap?: string;
}

/** The attributes that make a slot item whole, for writes that may create it. */
function identityOf(slotMs: number, job: string, identity: SlotIdentity): Record<string, unknown> {
  return {
    job,
    slot: toIso(slotMs),
    slotMs,
    '#trigger': identity.trigger,
    instance: identity.instance,
    claimedAtMs: identity.claimedAtMs,
    ttlEpochSec: toEpochSec(Math.max(slotMs, identity.claimedAtMs) + identity.retentionMs),
    ...(identity.overlap !== undefined && { overlap: identity.overlap }),
  };
}

/**
 * The SET clauses (and values) that write a slot item's identity, for writes that may create the
 * item. `keepExisting` leaves attributes the item already has (a claim's trigger and times).
 */
function identityClauses(
  slotMs: number,
  job: string,
  identity: SlotIdentity,
  keepExisting = false,
): { clauses: string; values: Record<string, unknown> } {
  const values: Record<string, unknown> = {};
  let clauses = '';
  for (const [name, value] of Object.entries(identityOf(slotMs, job, identity))) {
    const key = `:${name.replace('#', '')}`;
    clauses += keepExisting ? `, ${name} = if_not_exists(${name}, ${key})` : `, ${name} = ${key}`;
    values[key] = value;
  }
  return { clauses, values };
}

/**
 * Records a run's outcome on its slot item, only for the claimant (I4). A run claimed on the lock
 * (`identity` given) creates the item here; it may replace a skip, a buffered or a lost mark
 * that another instance wrote for the slot meanwhile, never another run's outcome.
 */
export async function recordRun(
  ctx: StoreContext,
  job: string,
  slotMs: number,
  token: string,
  run: RunRecord,
  identity?: SlotIdentity,
): Promise<boolean> {
  const values: Record<string, unknown> = {
    ':token': token,
    ':status': run.status,
    ':fence': run.fence,
    ':started': run.startedAtMs,
    ':finished': run.finishedAtMs,
    ':duration': run.finishedAtMs - run.startedAtMs,
    ':lost': run.leaseLost,
  };
  let update =
    'SET #status = :status, fence = :fence, startedAtMs = :started, finishedAtMs = :finished, durationMs = :duration, leaseLost = :lost';
  let condition = claimedByMe;
  if (identity) {
    const written = identityClauses(slotMs, job, identity);
    update += `${written.clauses}, claimedBy = :token`;
    Object.assign(values, written.values);
    condition = `attribute_not_exists(pk) OR ${claimedByMe} OR ${notARun}`;
    values[':succeeded'] = SlotStatus.succeeded;
    values[':failed'] = SlotStatus.failed;
  }
  if (run.trigger !== undefined && !identity) {
    update += ', #trigger = :trigger';
    values[':trigger'] = run.trigger;
  }
  // A skip or buffered mark this record replaces leaves none of its own attributes behind.
  const removed = identity ? ['reason', 'heldBy', 'heldFence', 'bufferedSlotMs'] : [];
  if (run.error !== undefined) {
    update += ', #error = :error';
    values[':error'] = run.error.slice(0, 4_000);
  } else {
    // A successor that took over a lapsed lease may have marked this slot lost (with an error)
    // while the run was still going; a run that then succeeds must not keep that error.
    removed.push('#error');
  }
  if (removed.length > 0) update += ` REMOVE ${removed.join(', ')}`;
  return conditionalUpdate(ctx, job, slotMs, update, condition, values, true);
}

/** Records that a claimed slot was skipped (lease held, or paused), only for the claimant (I4). */
export async function recordSkip(
  ctx: StoreContext,
  job: string,
  slotMs: number,
  token: string,
  skip: { reason: SkipReason; heldBy?: string; heldFence?: number; bufferedSlotMs?: number },
): Promise<boolean> {
  const values: Record<string, unknown> = { ':token': token, ':status': SlotStatus.skipped, ':reason': skip.reason };
  let update = 'SET #status = :status, reason = :reason';
  if (skip.bufferedSlotMs !== undefined) {
    update += ', bufferedSlotMs = :buffered';
    values[':buffered'] = skip.bufferedSlotMs;
  }
  if (skip.heldBy !== undefined) {
    update += ', heldBy = :heldBy';
    values[':heldBy'] = skip.heldBy;
  }
  if (skip.heldFence !== undefined) {
    update += ', heldFence = :heldFence';
    values[':heldFence'] = skip.heldFence;
  }
  return conditionalUpdate(ctx, job, slotMs, update, claimedByMe, values, false);
}

/**
 * Marks a claimed slot whose claimant vanished without an outcome as `lost`, so every claimed
 * slot has a recorded fate (I4): its lease lapsed, or it never took one. Does nothing when the
 * claimant recorded its outcome after all; a claimant that comes back later overwrites it.
 */
export async function recordLost(ctx: StoreContext, job: string, slotMs: number, holderToken: string, why: string): Promise<boolean> {
  return conditionalUpdate(
    ctx,
    job,
    slotMs,
    'SET #status = :lost, #error = :why',
    `${claimedByMe} AND (#status = :claimed OR #status = :buffered)`,
    { ':token': holderToken, ':lost': SlotStatus.lost, ':claimed': SlotStatus.claimed, ':buffered': SlotStatus.buffered, ':why': why },
    true,
  );
}

/**
 * The fate of a lapsed holder's slot, written before its lease is taken over: the lock's holder
 * fields are the only trace of a run claimed on the lock, and the acquisition overwrites them
 * (I4). Creates the item if the run never wrote one; leaves a recorded outcome alone.
 */
export async function recordLostRun(ctx: StoreContext, job: string, lock: LockItem, why: string, retentionMs: number): Promise<boolean> {
  if (lock.holder === undefined || lock.holderSlotMs === undefined) return false;
  const slotMs = lock.holderSlotMs;
  const identity: SlotIdentity = {
    trigger: lock.holderTrigger ?? Trigger.schedule,
    instance: lock.holderInstance ?? '?',
    claimedAtMs: lock.acquiredAtMs ?? ctx.clock(),
    retentionMs,
  };
  const values: Record<string, unknown> = {
    ':token': lock.holder,
    ':lost': SlotStatus.lost,
    ':why': why,
    ':succeeded': SlotStatus.succeeded,
    ':failed': SlotStatus.failed,
  };
  let update = 'SET #status = :lost, #error = :why, claimedBy = :token';
  if (lock.fence !== undefined) {
    // The dead holder's fence: its late writes downstream carry it.
    update += ', fence = :fence';
    values[':fence'] = lock.fence;
  }
  // A claim already on the item keeps its trigger and times; the holder's run is what it became.
  const written = identityClauses(slotMs, job, identity, true);
  update += written.clauses;
  Object.assign(values, written.values);
  return conditionalUpdate(ctx, job, slotMs, update, `attribute_not_exists(pk) OR ${notARun}`, values, true);
}

async function conditionalUpdate(
  ctx: StoreContext,
  job: string,
  slotMs: number,
  update: string,
  condition: string,
  values: Record<string, unknown>,
  namesError: boolean,
): Promise<boolean> {
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: { pk: jobKey(job), sk: slotKey(slotMs) },
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: {
          '#status': 'status',
          ...(namesError && { '#error': 'error' }),
          ...(update.includes('#trigger') && { '#trigger': 'trigger' }),
        },
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Pauses or resumes a job; the lease and fence are untouched. */
export async function setPaused(ctx: StoreContext, job: string, paused: boolean, note?: string): Promise<LockItem> {
  const result = await ctx.client.send(
    new UpdateCommand({
      TableName: ctx.tableName,
      Key: { pk: jobKey(job), sk: LOCK_SK },
      UpdateExpression:
        note !== undefined
          ? 'SET paused = :paused, pausedAtMs = :now, pausedNote = :note'
          : 'SET paused = :paused, pausedAtMs = :now REMOVE pausedNote',
      ExpressionAttributeValues: { ':paused': paused, ':now': ctx.clock(), ...(note !== undefined && { ':note': note }) },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return result.Attributes as LockItem;
}

/**
 * bufferOne: parks a claimed slot on the lock item while a run holds the lease, so the holder
 * starts it the moment it finishes. At most one: refused when a slot is already pending or the
 * lease is free by now (the caller then reads the lock and decides again). A retry whose first
 * attempt applied finds its own token and counts as buffered.
 */
export async function bufferSlot(
  ctx: StoreContext,
  job: string,
  slotMs: number,
  token: string,
  options: { claimOnLock?: boolean } = {},
): Promise<{ buffered: true } | { buffered: false; lock: LockItem | undefined }> {
  // Timeline: [H holds until L, nothing pending] -> pending = S; [lease free or S' pending] -> refused.
  // A scheduled slot is claimed on the lock as it is parked (lastSlotMs = S), like an acquire.
  const conditions = [heldByAnyone, nothingPending, notHoldersSlot, ...(options.claimOnLock ? [slotNewOnLock] : [])];
  try {
    await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: { pk: jobKey(job), sk: LOCK_SK },
        UpdateExpression: `SET pendingSlotMs = :slot, pendingToken = :token${options.claimOnLock ? ', lastSlotMs = :slot' : ''}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeValues: { ':slot': slotMs, ':token': token, ':now': ctx.clock() },
      }),
    );
    return { buffered: true };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const lock = await getLock(ctx, job);
    if (lock?.pendingToken === token) return { buffered: true };
    return { buffered: false, lock };
  }
}

/** Hands the lease from its holder straight to the next run: a buffered slot or a continuation. */
export interface HandOver {
  job: string;
  fromToken: string;
  toToken: string;
  instance: string;
  slotMs: number;
  trigger: Trigger;
  leaseMs: number;
  /** The buffered slot this hand-over consumes (bufferOne), checked and cleared in the write. */
  pendingSlotMs?: number;
  /** A continuation stops at a pause; a buffered slot does too (it is then recorded paused). */
  respectPause: boolean;
}

/**
 * One conditional write: the lease passes from `fromToken` to `toToken` with a new fence and no
 * moment in which it is free, so no other instance can slip in (I2) and no tick period is lost.
 * A retry whose first attempt applied finds `toToken` holding it and counts as handed over.
 */
export async function handOverLease(
  ctx: StoreContext,
  request: HandOver,
): Promise<{ handedOver: true; fence: number; leaseUntilMs: number } | { handedOver: false; lock: LockItem | undefined }> {
  const nowMs = ctx.clock();
  const leaseUntilMs = nowMs + request.leaseMs;
  // Timeline: [we hold (and S is pending)] -> holder = next, fence + 1, pending cleared; else refused.
  const conditions = [heldByMe];
  const values: Record<string, unknown> = {
    ':token': request.fromToken,
    ':next': request.toToken,
    ':instance': request.instance,
    ':slot': request.slotMs,
    ':trigger': request.trigger,
    ':until': leaseUntilMs,
    ':now': nowMs,
    ':one': 1,
  };
  let update =
    'SET holder = :next, holderInstance = :instance, holderSlotMs = :slot, holderTrigger = :trigger, leaseUntilMs = :until, acquiredAtMs = :now ADD fence :one';
  if (request.pendingSlotMs !== undefined) {
    conditions.push('pendingSlotMs = :pending');
    values[':pending'] = request.pendingSlotMs;
    update += ' REMOVE pendingSlotMs, pendingToken';
  }
  if (request.respectPause) {
    conditions.push(notPaused);
    values[':false'] = false;
  }
  try {
    const result = await ctx.client.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: { pk: jobKey(request.job), sk: LOCK_SK },
        UpdateExpression: update,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeValues: values,
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return { handedOver: true, fence: Number(result.Attributes?.fence), leaseUntilMs };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const lock = await getLock(ctx, request.job);
    if (lock?.holder === request.toToken && lock.fence !== undefined && lock.leaseUntilMs !== undefined) {
      return { handedOver: true, fence: lock.fence, leaseUntilMs: lock.leaseUntilMs };
    }
    return { handedOver: false, lock };
  }
}

/** A claimed slot that ended up waiting for the lease (bufferOne, after a race): mark it so in its history. */
export async function markBuffered(ctx: StoreContext, job: string, slotMs: number, token: string): Promise<boolean> {
  return conditionalUpdate(
    ctx,
    job,
    slotMs,
    'SET #status = :buffered',
    `${claimedByMe} AND #status = :claimed`,
    { ':token': token, ':claimed': SlotStatus.claimed, ':buffered': SlotStatus.buffered },
    false,
  );
}

/**
 * A handed-over slot is started once: `buffered` -> `claimed` for its token. A second delivery
 * of the same continuation (Lambda's async invocation is at-least-once) is refused.
 */
export async function startBufferedSlot(ctx: StoreContext, job: string, slotMs: number, token: string): Promise<boolean> {
  return conditionalUpdate(
    ctx,
    job,
    slotMs,
    'SET #status = :claimed, startedBy = :now',
    `${claimedByMe} AND #status = :buffered`,
    { ':token': token, ':claimed': SlotStatus.claimed, ':buffered': SlotStatus.buffered, ':now': ctx.clock() },
    false,
  );
}

/**
 * overlap `allow`: a run takes no lease, but still a fence from the same counter, so downstream
 * stores can order its writes. One unconditional update.
 */
export async function nextFence(ctx: StoreContext, job: string): Promise<number> {
  const result = await ctx.client.send(
    new UpdateCommand({
      TableName: ctx.tableName,
      Key: { pk: jobKey(job), sk: LOCK_SK },
      UpdateExpression: 'ADD fence :one',
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(result.Attributes?.fence);
}

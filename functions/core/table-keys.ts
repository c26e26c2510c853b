/**
 * The table's keys and the shapes of its two items: a job's lock item (`sk = STATE`) and its
 * slot items (`sk = SLOT#<slot>`), with the statuses and skip reasons a slot item records.
 * What each field means to the protocol, and how the items move between states, is mapped in
 * docs/protocol.md.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredDefinitionFields } from './job-definitions.js';
import { type Clock, toIso } from './time.js';
import type { Trigger } from './types.js';

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
  /** The run's last attempt passed the job's `timeout` (its signal fired with a TimeoutError). */
  timedOut: 'timed-out',
  skipped: 'skipped',
  /** The holder's lease lapsed before it recorded an outcome (it crashed or was cut off). */
  lost: 'lost',
  /** Waiting for the lease: handed to it by the holder (bufferOne, or a continuous job's next link). */
  buffered: 'buffered',
} as const;
export type SlotStatus = (typeof SlotStatus)[keyof typeof SlotStatus];

/** Why a claimed slot did not run (`redefined`: a runtime job changed or was removed between the claim and the lease). */
export const SkipReason = { locked: 'locked', paused: 'paused', dropped: 'dropped', redefined: 'redefined' } as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/**
 * The job's lock and state item. The fence only ever rises; the item is never deleted. A runtime
 * job's definition lives on it too (job-definitions.ts).
 */
export interface LockItem extends StoredDefinitionFields {
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
   * The newest scheduled slot (schedule or catch-up) that took the lease or was parked for it
   * (I1: an acquire for a slot not newer than this is refused). Why a scheduled slot is claimed
   * here rather than on its slot item: slot-decision.ts.
   */
  lastSlotMs?: number;
  acquiredAtMs?: number;
  lastReleasedBy?: string;
  releasedAtMs?: number;
  paused?: boolean;
  pausedNote?: string;
  pausedAtMs?: number;
  /** `failures` when the job paused itself (pauseAfterFailures), with the slot and error it paused after. */
  pausedReason?: string;
  pausedAfterSlotMs?: number;
  pausedError?: string;
  /** pauseAfterFailures: consecutive failed slots, written by each run's last write (failure-streak.ts). */
  failureStreak?: number;
  /** bufferOne: the one slot waiting for the lease, and the token that claimed it. */
  pendingSlotMs?: number;
  pendingToken?: string;
  /**
   * A slot buffered behind a holder that died was handed the lease by this taker's token
   * (takeOverLease): tells a retry of that write it applied, and the dead holder's late hand-over
   * that it did not. Removed by the next acquire, hand-over or release.
   */
  takenOverBy?: string;
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
  /** Each attempt of a run its job's `retry` tried more than once (attempts.ts), oldest first. */
  attempts?: AttemptRecord[];
  /** Attempts the policy had left when something other than the handler stopped them (why: `retryStopped`). */
  attemptsLeft?: number;
  /** Why a failed run was not tried again while it had attempts left (a RetryStop). */
  retryStopped?: string;
  /** The handler ignored its timeout and was cut off from the lease after the grace period. */
  cutOff?: boolean;
  ttlEpochSec: number;
}

/** One attempt of a run, as its slot item records it. */
export interface AttemptRecord {
  attempt: number;
  status: typeof SlotStatus.succeeded | typeof SlotStatus.failed | typeof SlotStatus.timedOut;
  startedAtMs: number;
  durationMs: number;
  error?: string;
}

/**
 * The sort key of a job's lock (and state) item. It sorts after every `SLOT#` key, so one Query
 * reads a tick's window of slots and the lock together.
 */
export const LOCK_SK = 'STATE';
/** The prefix of every slot item's sort key. */
export const SLOT_PREFIX = 'SLOT#';

/** Partition key of every item of a job. */
export const jobKey = (job: string): string => `JOB#${job}`;
/** Sort key of a slot: ISO-8601 UTC with milliseconds, so keys sort in time order. */
export const slotKey = (slotMs: number): string => `${SLOT_PREFIX}${toIso(slotMs)}`;
/** The key of a job's lock item. */
export const lockItemKey = (job: string): { pk: string; sk: string } => ({ pk: jobKey(job), sk: LOCK_SK });
/** The key of one slot item. */
export const slotItemKey = (job: string, slotMs: number): { pk: string; sk: string } => ({ pk: jobKey(job), sk: slotKey(slotMs) });

/**
 * The one reading of a job's lock item: who holds the lease (live or lapsed) by a given clock,
 * which slot is claimed on it, whether the job is paused, what is buffered behind the holder,
 * and which slot-item marks the lock's run supersedes. Pure, so the core, the CLI and the status
 * page read a lock alike and never disagree. The lock's states: lock-writes.ts, docs/protocol.md.
 *
 * A lease is judged by the reader's clock against `leaseUntilMs`, exactly as the writes' own
 * conditions judge it (`leaseUntilMs < :now` is free): live while `leaseUntilMs >= nowMs`. The
 * skew margin is the holder's side alone (it gives up its lease `maxClockSkewMs` early, lease.ts).
 */
import { type LockItem, type SlotItem, SlotStatus } from './table-keys.js';

/** True while the lock has a holder whose lease has not yet passed by `nowMs`. */
export function liveHolder(lock: LockItem | undefined, nowMs: number): lock is LockItem & { holder: string; leaseUntilMs: number } {
  return lock?.holder !== undefined && lock.leaseUntilMs !== undefined && lock.leaseUntilMs >= nowMs;
}

/** True when the lock still names a holder whose lease has passed by `nowMs`: it crashed or was cut off, and may be taken over. */
export function lapsedHolder(lock: LockItem | undefined, nowMs: number): lock is LockItem & { holder: string } {
  return lock?.holder !== undefined && !liveHolder(lock, nowMs);
}

/**
 * The fence and lease end `token` holds the lock with; undefined when another (or nobody) holds
 * it. A refused acquire or hand-over that finds this was a retry whose first attempt applied.
 */
export function leaseHeldBy(lock: LockItem | undefined, token: string): { fence: number; leaseUntilMs: number } | undefined {
  if (lock?.holder !== token || lock.fence === undefined || lock.leaseUntilMs === undefined) return undefined;
  return { fence: lock.fence, leaseUntilMs: lock.leaseUntilMs };
}

/** The slot the lock's (live or lapsed) holder runs, and its token; undefined when nobody holds it. */
export function holderRun(lock: LockItem | undefined): { holder: string; slotMs: number } | undefined {
  if (lock?.holder === undefined || lock.holderSlotMs === undefined) return undefined;
  return { holder: lock.holder, slotMs: lock.holderSlotMs };
}

/**
 * Who holds `slotMs` on the lock: the holder running it, or the token it is parked under
 * (bufferOne); undefined when the lock names another slot or none.
 */
export function claimedOnLock(lock: LockItem | undefined, slotMs: number): string | undefined {
  if (lock?.holderSlotMs === slotMs) return lock.holder;
  if (lock?.pendingSlotMs === slotMs) return lock.pendingToken;
  return undefined;
}

/** The newest scheduled slot claimed on the lock (`lastSlotMs`); -Infinity when none ever was. */
export function lastSlotOnLockMs(lock: LockItem | undefined): number {
  return lock?.lastSlotMs ?? Number.NEGATIVE_INFINITY;
}

/** True when `slotMs` is already taken on the lock: running, ran, or parked behind the holder. */
export function takenOnLock(lock: LockItem | undefined, slotMs: number): boolean {
  return lastSlotOnLockMs(lock) >= slotMs || lock?.holderSlotMs === slotMs;
}

/** True when the job is paused for a run; a manual run or a backfill (`ignorePause`) runs anyway. */
export function pausedFor(lock: LockItem | undefined, run: { ignorePause?: boolean | undefined } = {}): lock is LockItem {
  return lock?.paused === true && !run.ignorePause;
}

/** The slot buffered behind the holder (bufferOne), and the token that claimed it; undefined when none. */
export function bufferedOnLock(lock: LockItem | undefined): { slotMs: number; token: string } | undefined {
  if (lock?.pendingSlotMs === undefined || !lock.pendingToken) return undefined;
  return { slotMs: lock.pendingSlotMs, token: lock.pendingToken };
}

/** What a skip records of the holder in its way: its token and fence; nothing when the lock has no holder. */
export function heldByOnLock(lock: LockItem | undefined): { heldBy?: string; heldFence?: number } {
  return lock?.holder !== undefined ? { heldBy: lock.holder, heldFence: lock.fence ?? 0 } : {};
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

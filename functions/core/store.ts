/**
 * The table, as one import: keys and item shapes (table-keys.ts), the reads (reads.ts), the
 * lock item's writes (lock-writes.ts, lock-hand-over.ts), the slot item's writes (slot-writes.ts,
 * run-records.ts), and the one reading of a lock (lock-reading.ts). The condition fragments
 * they are built from are in conditions.ts. Every write, with the invariant it defends, is
 * mapped in docs/protocol.md. These are the only core modules that import the AWS SDK.
 */
export { type BufferRequest, bufferSlot, type HandOver, handOverLease, type TakeOver, takeOverLease } from './lock-hand-over.js';
export {
  bufferedOnLock,
  claimedOnLock,
  heldByOnLock,
  holderRun,
  lapsedHolder,
  lastSlotOnLockMs,
  leaseHeldBy,
  liveHolder,
  pausedFor,
  supersededByLock,
  takenOnLock,
  withoutSupersededMarks,
} from './lock-reading.js';
export { type AcquireRequest, type AcquireResult, acquireLease, nextFence, releaseLease, renewLease, setPaused } from './lock-writes.js';
export {
  type ClaimSummary,
  claimedSlotsAfter,
  getLock,
  getSlot,
  type JobWindow,
  readJobWindow,
  recentSlots,
  slotsAbout,
  WINDOW_PAGE_LIMIT,
} from './reads.js';
export { type LostRunRequest, type RunRecord, type RunRecordRequest, recordLostRun, recordRun, type SlotIdentity } from './run-records.js';
export {
  claimSlot,
  markBuffered,
  recordLost,
  recordSkip,
  type Skip,
  type SlotClaim,
  type SlotRef,
  startBufferedSlot,
} from './slot-writes.js';
export {
  type AttemptRecord,
  jobKey,
  type LockItem,
  SkipReason,
  type SlotItem,
  SlotStatus,
  type StoreContext,
  slotKey,
  TABLE_SCHEMA,
} from './table-keys.js';

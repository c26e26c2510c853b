/** Terminal output of the CLI: tables (cli-table3) and times in UTC and the job's zone. */
import Table from 'cli-table3';
import { DateTime } from 'luxon';
import type { LockItem, SlotItem } from '../core/store.js';
import type { TickOutcome } from '../core/types.js';

/** A table with our defaults: no colour codes, so logs and CI output stay plain. */
export function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] } });
}

/** `2026-11-26T10:00:00Z`, plus the local time when the zone is not UTC. */
export function formatTime(ms: number | undefined, zone = 'UTC'): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  const utc = new Date(ms).toISOString().replace('.000Z', 'Z');
  if (zone === 'UTC') return utc;
  return `${utc} (${DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm:ss ZZZZ')})`;
}

/** Milliseconds as `850ms`, `12.3s` or `4m05s`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (Math.abs(ms) < 1_000) return `${Math.round(ms)}ms`;
  if (Math.abs(ms) < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${String(Math.round((ms % 60_000) / 1_000)).padStart(2, '0')}s`;
}

/** The lock as one phrase: who holds it until when, or free. */
export function describeLock(lock: LockItem | undefined, nowMs: number): string {
  if (!lock?.holder) return 'free';
  const untilMs = lock.leaseUntilMs ?? 0;
  const state = untilMs >= nowMs ? `until ${formatTime(untilMs)}` : `EXPIRED ${formatMs(nowMs - untilMs)} ago`;
  return `held by ${lock.holder} ${state}`;
}

/** One line per fate of a slot item, for history and status. */
export function describeSlot(item: SlotItem, lock: LockItem | undefined): string {
  if (item.status === 'skipped') return item.reason === 'locked' ? `skipped: locked by ${item.heldBy ?? '?'} (fence ${item.heldFence ?? '?'})` : `skipped: ${item.reason}`;
  if (item.status === 'failed') return `failed: ${item.error ?? ''}`;
  if (item.status === 'lost') return `lost: ${item.error ?? ''}`;
  if (item.status === 'claimed') {
    if (lock?.holder === item.claimedBy) return `running (fence ${lock.fence ?? '?'})`;
    return 'claimed, no outcome yet (recorded lost once its lease has passed)';
  }
  return item.status;
}

/** What an outcome adds beyond its kind. */
export function outcomeDetail(outcome: TickOutcome): string {
  switch (outcome.outcome) {
    case 'ran':
      return `fence ${outcome.fence}, ${formatMs(outcome.durationMs)}${outcome.leaseLost ? ', LEASE LOST' : ''}`;
    case 'failed':
      return `fence ${outcome.fence}, ${formatMs(outcome.durationMs)}: ${outcome.error}`;
    case 'duplicate':
      return `claimed by ${outcome.claimedBy ?? 'another instance'}`;
    case 'locked':
      return `held by ${outcome.heldBy ?? '?'} (fence ${outcome.heldFence ?? '?'}) until ${outcome.leaseUntil ?? '?'}`;
    case 'missed':
      return `${formatMs(outcome.lateMs)} late, outside the catch-up window`;
    case 'not-due':
      return outcome.nextSlot ? `next ${outcome.nextSlot}` : '';
    case 'error':
      return outcome.error;
    default:
      return '';
  }
}

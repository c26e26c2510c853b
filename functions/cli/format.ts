/** Terminal output of the CLI: tables (cli-table3) and times in UTC and the job's zone. */
import Table from 'cli-table3';
import { DateTime } from 'luxon';
import { type JobStatus, jobDone } from '../core/job-status.js';
import { describeRetryTimeout } from '../core/retry-timeout-keys.js';
import { type LockItem, lapsedHolder, liveHolder, pausedFor, type SlotItem } from '../core/store.js';
import { formatDurationMs } from '../core/time.js';
import type { JobDefinition, TickOutcome } from '../core/types.js';
import { describeCron } from '../describe-cron.js';
import { describeFanOut, describeOverdue } from '../outcome-notes.js';
import { attemptLines, attemptsNote } from './format-attempts.js';

export { describeCron };

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
  // Round to whole seconds first, so 119.6 s reads 2m00s, not 1m60s.
  const totalSec = Math.round(Math.abs(ms) / 1_000);
  return `${ms < 0 ? '-' : ''}${Math.floor(totalSec / 60)}m${String(totalSec % 60).padStart(2, '0')}s`;
}

/** The lock as one phrase: who holds it until when, or free. */
export function describeLock(lock: LockItem | undefined, nowMs: number): string {
  if (liveHolder(lock, nowMs)) return `held by ${lock.holder} until ${formatTime(lock.leaseUntilMs)}`;
  if (lapsedHolder(lock, nowMs)) return `held by ${lock.holder} EXPIRED ${formatMs(nowMs - (lock.leaseUntilMs ?? 0))} ago`;
  return 'free';
}

/**
 * One line per fate of a slot item, for history and status. With `nowMs`, a claim whose holder's
 * lease has passed is not running, as the status page shows it (the next acquirer records it lost).
 */
export function describeSlot(item: SlotItem, lock: LockItem | undefined, nowMs?: number): string {
  if (item.status === 'skipped') {
    if (item.reason === 'locked') return `skipped: locked by ${item.heldBy ?? '?'} (fence ${item.heldFence ?? '?'})`;
    if (item.reason === 'dropped')
      return `dropped: ${item.bufferedSlotMs !== undefined ? `slot ${formatTime(item.bufferedSlotMs)} was already buffered` : 'one slot was already buffered'}`;
    return `skipped: ${item.reason}`;
  }
  if (item.status === 'buffered') {
    if (lock?.pendingToken === item.claimedBy) return `buffered behind ${lock.holder ?? '?'} (fence ${lock.fence ?? '?'})`;
    if (lock?.holder === item.claimedBy) return `starting (fence ${lock.fence ?? '?'})`;
    return 'buffered, not started (recorded lost once a lease has passed)';
  }
  if (item.status === 'failed' || item.status === 'timed-out') return `${item.status}: ${item.error ?? ''}${attemptsNote(item)}`;
  if (item.status === 'lost') return `lost: ${item.error ?? ''}`;
  if (item.status === 'claimed') {
    if (nowMs !== undefined && lapsedHolder(lock, nowMs) && lock.holder === item.claimedBy) {
      return `claimed, no outcome yet: the lease of ${lock.holder} lapsed (recorded lost when the next run takes the lease)`;
    }
    if (lock?.holder === item.claimedBy) return `running (fence ${lock.fence ?? '?'})`;
    return 'claimed, no outcome yet (recorded lost once its lease has passed)';
  }
  return `${item.status}${attemptsNote(item)}`;
}

/** What an outcome adds beyond its kind. */
export function outcomeDetail(outcome: TickOutcome): string {
  switch (outcome.outcome) {
    case 'ran':
      return `fence ${outcome.fence}, ${formatMs(outcome.durationMs)}${outcome.attempts ? `, ${outcome.attempts} attempts` : ''}${outcome.leaseLost ? ', LEASE LOST' : ''}`;
    case 'failed':
      return `fence ${outcome.fence}, ${formatMs(outcome.durationMs)}${outcome.attempts ? `, ${outcome.attempts} attempts` : ''}${outcome.timedOut ? ', TIMED OUT' : ''}: ${outcome.error}`;
    case 'duplicate':
      return `claimed by ${outcome.claimedBy ?? 'another instance'}`;
    case 'locked':
      return `held by ${outcome.heldBy ?? '?'} (fence ${outcome.heldFence ?? '?'}) until ${outcome.leaseUntil ?? '?'}`;
    case 'missed':
      return outcome.why === 'limit'
        ? `${outcome.count ?? 1} slot(s) up to this one, over the catch-up limit (catchupLimit)`
        : `${formatMs(outcome.lateMs)} late, outside the catch-up window`;
    case 'buffered':
      return 'waits for the running holder; starts the moment it finishes';
    case 'dropped':
      return `a slot (${outcome.bufferedSlot ?? '?'}) is already buffered`;
    case 'handed-off':
      return `fence ${outcome.fence}, sent to a fresh invocation (${outcome.trigger})`;
    case 'fanned-out':
      return `${describeFanOut(outcome)}; parts 1 to ${outcome.parts - 1} sent to fresh invocations`;
    case 'overdue':
      return describeOverdue(outcome);
    case 'not-due':
      return outcome.nextSlot ? `next ${outcome.nextSlot}` : '';
    case 'error':
      return outcome.error;
    default:
      return '';
  }
}

/** A job's state for the status table and `status JOB`: disabled in its definition, done (jobDone), paused on its lock (with the note), or active. */
export function describeJobState(job: JobDefinition, lock: LockItem | undefined, nowMs: number): string {
  if (!job.enabled) return 'disabled';
  if (jobDone(job, lock, nowMs)) return job.atMs !== undefined ? 'done (one-time job)' : `done (ended ${formatTime(job.endAtMs)})`;
  return pausedFor(lock) ? `PAUSED${lock.pausedNote ? `: ${lock.pausedNote}` : ''}` : 'active';
}

/** When a job runs, for the status table: its cron (or a one-time job's time) and its bounds, a line each. */
export function describeSchedule(job: JobDefinition): string[] {
  if (job.atMs !== undefined) return [`once at ${formatTime(job.atMs, job.timezone)}`];
  return [
    job.cron,
    ...(job.startAtMs !== undefined ? [`from ${formatTime(job.startAtMs, job.timezone)}`] : []),
    ...(job.endAtMs !== undefined ? [`until ${formatTime(job.endAtMs, job.timezone)}`] : []),
  ];
}

/** `status JOB`: the job, its lock, counters, last runs and next fire times, as text. */
export function printJobStatus(status: JobStatus, nowMs: number): string {
  const { job, lock, counters } = status;
  const lines = [
    `${job.name}: ${job.description ?? job.handler}`,
    job.atMs !== undefined
      ? `  schedule   once at ${formatTime(job.atMs, job.timezone)}`
      : `  schedule   "${job.cron}" ${job.timezone} (${describeCron(job.cron)})${describeSchedule(job)
          .slice(1)
          .map((bound) => `, ${bound}`)
          .join('')}`,
    `  policy     overlap ${job.overlap}${job.continuous ? ', continuous' : ''}, lease ${formatDurationMs(job.leaseMs)}, catch-up window ${formatDurationMs(job.catchupWindowMs)}, catch-up limit ${job.catchupLimit}${describeRetryTimeout(job)}`,
    `  state      ${describeJobState(job, lock, nowMs)}; lock ${describeLock(lock, nowMs)}; fence ${lock?.fence ?? 0}${lock?.pendingSlotMs !== undefined ? `; buffered slot ${formatTime(lock.pendingSlotMs)}` : ''}`,
    `  counters   over the last ${counters.slots} slot(s)${counters.sinceMs !== undefined ? ` since ${formatTime(counters.sinceMs)}` : ''}: runs ${counters.runs} (failed ${counters.failures}, timed out ${counters.timedOut}, retried ${counters.retried}), skipped by overlap ${counters.skippedByOverlap}, dropped ${counters.dropped}, buffered ${counters.buffered}, paused ${counters.paused}, lost ${counters.lost}, missed ${counters.missed}`,
  ];
  const runs = table(['scheduled', 'started', 'lag', 'duration', 'outcome', 'fence', 'instance', 'trigger']);
  for (const item of status.recent) {
    runs.push([
      formatTime(item.slotMs),
      formatTime(item.startedAtMs),
      formatMs(item.startedAtMs !== undefined ? item.startedAtMs - item.slotMs : undefined),
      formatMs(item.durationMs),
      describeSlot(item, lock, nowMs),
      String(item.fence ?? '-'),
      item.instance,
      item.trigger,
    ]);
  }
  const next = status.nextMs.map((ms) => `  ${formatTime(ms, job.timezone)}`);
  const attempts = attemptLines(status.recent, { time: (ms) => formatTime(ms), duration: formatMs });
  const retried =
    attempts.length > 0 ? `\n\nattempts of the retried runs (slot, attempt, started, duration, outcome):\n${attempts.join('\n')}` : '';
  return `${lines.join('\n')}\n\nlast runs (newest first):\n${status.recent.length > 0 ? runs.toString() : '  none yet'}${retried}\n\nnext fire times:\n${next.join('\n')}\n`;
}

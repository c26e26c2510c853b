/**
 * The words for a tick's fan-out and its overdue jobs, shared by the tick function's log and the
 * CLI's outcome table: `fanned out: 4 parts, 1,000 due jobs`. No CLI formatting library here: the
 * deployed tick imports this at cold start.
 */
import type { EventLog, TickOutcome } from './core/types.js';

type FannedOut = Extract<TickOutcome, { outcome: 'fanned-out' }>;
type Overdue = Extract<TickOutcome, { outcome: 'overdue' }>;

/** How many overdue jobs a log line names; the count says how many there were in all. */
export const NAMED_OVERDUE_JOBS = 10;

const count = (value: number): string => value.toLocaleString('en-US');

/** `4 parts, 1,000 due jobs`: what a fanned-out tick split. */
export function describeFanOut(outcome: Pick<FannedOut, 'parts' | 'due'>): string {
  return `${count(outcome.parts)} parts, ${count(outcome.due)} due ${outcome.due === 1 ? 'job' : 'jobs'}`;
}

/** `45s`, `2m05s`: how late a slot is, to the second. */
function late(lateMs: number): string {
  const totalSec = Math.round(Math.max(0, lateMs) / 1_000);
  return totalSec < 60 ? `${totalSec}s` : `${Math.floor(totalSec / 60)}m${String(totalSec % 60).padStart(2, '0')}s`;
}

/** `2m05s late, past its catch-up window with no tick deciding it`: one overdue job's slot. */
export function describeOverdue(outcome: Pick<Overdue, 'lateMs'>): string {
  return `${late(outcome.lateMs)} late, past its catch-up window with no tick deciding it`;
}

/**
 * `fanned out: 4 parts, 1,000 due jobs` when the tick fanned out, for its `tick.end` line (the
 * core's `tick.fan-out` line has the numbers; this reads as a sentence), else undefined.
 */
export function fanOutSummary(outcomes: readonly TickOutcome[]): string | undefined {
  const fannedOut = outcomes.find((outcome): outcome is FannedOut => outcome.outcome === 'fanned-out');
  return fannedOut && `fanned out: ${describeFanOut(fannedOut)}`;
}

/**
 * When runtime jobs were overdue, logs one `tick.overdue` warning naming the first
 * NAMED_OVERDUE_JOBS of them, each job once (the OverdueJobs metric and alarm count them; this
 * line says which); its `summary` reads as a sentence.
 */
export function logOverdueJobs(log: EventLog, outcomes: readonly TickOutcome[]): void {
  const overdue = new Map<string, Overdue>();
  for (const outcome of outcomes) if (outcome.outcome === 'overdue' && !overdue.has(outcome.job)) overdue.set(outcome.job, outcome);
  if (overdue.size === 0) return;
  const named = [...overdue.values()].slice(0, NAMED_OVERDUE_JOBS);
  const more = overdue.size - named.length;
  const list = named.map((outcome) => `${outcome.job} (slot ${outcome.slot}, ${late(outcome.lateMs)} late)`).join(', ');
  log.warn('tick.overdue', {
    count: overdue.size,
    jobs: named.map(({ job, slot, lateMs }) => ({ job, slot, lateMs })),
    summary: `overdue: ${count(overdue.size)} runtime ${overdue.size === 1 ? 'job' : 'jobs'} past the catch-up window with no tick deciding the slot: ${list}${more > 0 ? ` and ${count(more)} more` : ''}`,
  });
}

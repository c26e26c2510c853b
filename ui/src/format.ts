/** Times, durations and run descriptions as the page shows them: in the browser's zone unless told. */
import type { RunView } from './api-types.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string | undefined, withDate: boolean): Intl.DateTimeFormat {
  const key = `${zone ?? ''}|${withDate}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(undefined, {
      ...(withDate ? { month: 'short', day: 'numeric' } : {}),
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      ...(zone ? { timeZone: zone } : {}),
    });
    formatters.set(key, found);
  }
  return found;
}

/** The browser's own zone, e.g. `Europe/Berlin`. */
export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** `14:03:07`, with the date in front when it is not the same day as `nowMs`; zone defaults to the browser's. */
export function formatTime(ms: number, nowMs: number, zone?: string): string {
  const sameDay = Math.abs(nowMs - ms) < 20 * 3_600_000 && new Date(ms).toDateString() === new Date(nowMs).toDateString();
  return formatter(zone, !sameDay).format(ms);
}

/** `14:03:07`, plus `(20:03:07 Asia/Tokyo)` when the job's zone is not the browser's. */
export function formatTimeInZones(ms: number, nowMs: number, jobZone: string): string {
  const local = formatTime(ms, nowMs);
  if (sameZone(jobZone, browserZone(), ms)) return local;
  return `${local} (${formatTime(ms, nowMs, jobZone)} ${jobZone})`;
}

/** True when both zones show the same wall clock at `ms` (UTC and Etc/UTC, say). */
function sameZone(a: string, b: string, ms: number): boolean {
  return a === b || formatter(a, true).format(ms) === formatter(b, true).format(ms);
}

/** `850 ms`, `12.3 s`, `4 m 05 s` or `2 h 10 m`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const totalSec = Math.round(abs / 1_000);
  const sign = ms < 0 ? '-' : '';
  if (totalSec < 3_600) return `${sign}${Math.floor(totalSec / 60)} m ${String(totalSec % 60).padStart(2, '0')} s`;
  return `${sign}${Math.floor(totalSec / 3_600)} h ${String(Math.floor((totalSec % 3_600) / 60)).padStart(2, '0')} m`;
}

/** `in 4.2 s` or `12 s ago`. */
export function formatRelative(ms: number, nowMs: number): string {
  const deltaMs = ms - nowMs;
  return deltaMs >= 0 ? `in ${formatDuration(deltaMs)}` : `${formatDuration(-deltaMs)} ago`;
}

/** The outcome of a slot in words, as the legend names it. */
export function outcomeText(run: RunView): string {
  if (run.status === 'skipped') {
    if (run.reason === 'paused') return 'skipped: paused';
    if (run.reason === 'dropped') return 'dropped: a slot was already buffered';
    return `skipped: ${run.skippedBecause ?? (run.reason === 'locked' ? 'a run held the lease' : (run.reason ?? 'no reason recorded'))}`;
  }
  if (run.status === 'claimed' || run.status === 'running') return run.startedAtMs === undefined ? 'claimed, not started yet' : 'running';
  if (run.status === 'buffered') return run.startedAtMs === undefined ? 'buffered: waits for the lease' : 'running (from the buffer)';
  const attempts = run.attempts?.length ?? 0;
  return attempts > 1 ? `${run.status} after ${attempts} attempts` : run.status;
}

/** The lines of a run's tooltip: outcome, scheduled and actual start, duration, fence, node, error. */
export function describeRun(run: RunView, nowMs: number): string[] {
  const lines = [`${outcomeText(run)} (${run.trigger})`, `scheduled ${formatTime(run.slotMs, nowMs)}`];
  if (run.startedAtMs !== undefined)
    lines.push(`started ${formatTime(run.startedAtMs, nowMs)} (+${formatDuration(run.startedAtMs - run.slotMs)})`);
  if (run.durationMs !== undefined) lines.push(`took ${formatDuration(run.durationMs)}`);
  else if (run.startedAtMs !== undefined && run.finishedAtMs === undefined)
    lines.push(`running for ${formatDuration(nowMs - run.startedAtMs)}`);
  if (run.fence !== undefined) lines.push(`fence ${run.fence}`);
  if (run.instance) lines.push(`node ${run.instance}`);
  if (run.error) lines.push(`error: ${run.error}`);
  for (const attempt of run.attempts ?? [])
    lines.push(
      `attempt ${attempt.attempt}: ${attempt.status} after ${formatDuration(attempt.durationMs)}${attempt.error ? `: ${attempt.error}` : ''}`,
    );
  if (run.attemptsLeft) lines.push(`${run.attemptsLeft} attempt(s) left, not made (${run.retryStopped ?? '?'})`);
  return lines;
}

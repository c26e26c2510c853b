/**
 * Turns the jobs' recorded slots into what the timeline draws: run bars (with lanes, so two runs
 * of one job that overlap sit on separate lines and the overlap is plain to see), the lag from
 * each scheduled time to the actual start, and markers for slots that did not run. Pure: no DOM.
 */
import type { JobView, RunView } from './api-types.js';

/** How a run that started is drawn: its outcome, or `running` while it holds the lease. */
export const BarKind = { succeeded: 'succeeded', failed: 'failed', timedOut: 'timed-out', lost: 'lost', running: 'running' } as const;
export type BarKind = (typeof BarKind)[keyof typeof BarKind];

/** Slots that did not start a run, each with its own marker shape. */
export const MarkerKind = {
  skipped: 'skipped',
  paused: 'paused',
  dropped: 'dropped',
  buffered: 'buffered',
  missed: 'missed',
  lost: 'lost',
  next: 'next',
} as const;
export type MarkerKind = (typeof MarkerKind)[keyof typeof MarkerKind];

/** One run on the timeline, from its actual start to its end (now, while it runs). */
export interface TimelineBar {
  row: number;
  lane: number;
  startMs: number;
  endMs: number;
  kind: BarKind;
  run: RunView;
  /** Started while an earlier run of the same job was still going. */
  overlaps: boolean;
}

/** A slot without a run bar: skipped, paused, dropped, buffered, missed, or a next fire time. */
export interface TimelineMarker {
  row: number;
  atMs: number;
  kind: MarkerKind;
  run?: RunView;
}

/** Everything the timeline draws for a window of time. */
export interface TimelineModel {
  rows: { job: string; lanes: number }[];
  bars: TimelineBar[];
  markers: TimelineMarker[];
}

/** The kind of bar for a run that started, or undefined when the slot never started a run. */
export function barKindOf(run: RunView): BarKind | undefined {
  if (run.startedAtMs === undefined) return undefined;
  if (run.status === 'succeeded') return BarKind.succeeded;
  if (run.status === 'failed') return BarKind.failed;
  if (run.status === 'timed-out') return BarKind.timedOut;
  if (run.status === 'lost') return BarKind.lost;
  return BarKind.running;
}

/** Where a retried run's bar is divided: the start of each attempt after the first (none for one attempt). */
export function attemptStartsMs(run: RunView): number[] {
  return (run.attempts ?? []).slice(1).map((attempt) => attempt.startedAtMs);
}

/** The marker for a slot that did not start a run (undefined for a run, which gets a bar). */
export function markerKindOf(run: RunView): MarkerKind | undefined {
  if (run.startedAtMs !== undefined) return undefined;
  if (run.status === 'skipped') {
    if (run.reason === 'paused') return MarkerKind.paused;
    if (run.reason === 'dropped') return MarkerKind.dropped;
    return MarkerKind.skipped;
  }
  if (run.status === 'lost') return MarkerKind.lost;
  // Buffered, or claimed and about to start: it waits for the lease.
  return MarkerKind.buffered;
}

/**
 * Where a run's bar ends: its finish, else start plus duration, else now while it runs; a lost
 * run that never recorded an end is drawn up to when its lease lapsed.
 */
export function barEndMs(run: RunView, kind: BarKind, nowMs: number, leaseMs: number): number {
  const startMs = run.startedAtMs ?? run.slotMs;
  if (run.finishedAtMs !== undefined) return run.finishedAtMs;
  if (run.durationMs !== undefined) return startMs + run.durationMs;
  if (kind === BarKind.running) return Math.max(startMs, nowMs);
  return Math.min(startMs + leaseMs, Math.max(startMs, nowMs));
}

/**
 * Builds the timeline of `jobs` for the window [startMs, endMs]: one row per job in the given
 * order, only what intersects the window.
 */
export function buildTimeline(jobs: readonly JobView[], nowMs: number, startMs: number, endMs: number): TimelineModel {
  const model: TimelineModel = { rows: [], bars: [], markers: [] };
  jobs.forEach((job, row) => {
    const bars: TimelineBar[] = [];
    for (const recorded of job.runs) {
      const run = withInferredStart(recorded, job);
      const kind = barKindOf(run);
      if (kind !== undefined) {
        const barStartMs = run.startedAtMs ?? run.slotMs;
        const barEnd = barEndMs(run, kind, nowMs, job.leaseMs);
        if (barEnd >= startMs && Math.min(run.slotMs, barStartMs) <= endMs)
          bars.push({ row, lane: 0, startMs: barStartMs, endMs: barEnd, kind, run, overlaps: false });
        continue;
      }
      const marker = markerKindOf(run);
      if (marker !== undefined && run.slotMs >= startMs && run.slotMs <= endMs)
        model.markers.push({ row, atMs: run.slotMs, kind: marker, run });
    }
    for (const atMs of job.missedMs) if (atMs >= startMs && atMs <= endMs) model.markers.push({ row, atMs, kind: MarkerKind.missed });
    for (const atMs of job.nextMs) if (atMs > nowMs && atMs <= endMs) model.markers.push({ row, atMs, kind: MarkerKind.next });
    const lanes = assignLanes(bars);
    model.bars.push(...bars);
    model.rows.push({ job: job.name, lanes });
  });
  return model;
}

/**
 * The table records a run's start only with its end; while it runs, the server takes the start
 * from the lease. An `overlap: allow` run holds no lease, but it starts the moment its slot is
 * claimed, so its claim time stands for its start (a dead one is recorded lost later).
 */
export function withInferredStart(run: RunView, job: Pick<JobView, 'overlap'>): RunView {
  if (run.startedAtMs !== undefined || job.overlap !== 'allow' || run.status !== 'claimed' || run.claimedAtMs === undefined) return run;
  return { ...run, startedAtMs: run.claimedAtMs };
}

/**
 * Puts each bar on the first lane that is free at its start, oldest first, and flags the bars
 * that had to go to a second lane (they overlap a run still going). Returns the lanes used.
 */
export function assignLanes(bars: TimelineBar[]): number {
  bars.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  const laneEndsMs: number[] = [];
  for (const bar of bars) {
    let lane = laneEndsMs.findIndex((endMs) => endMs <= bar.startMs);
    if (lane === -1) {
      lane = laneEndsMs.length;
      laneEndsMs.push(bar.endMs);
    } else {
      laneEndsMs[lane] = bar.endMs;
    }
    bar.lane = lane;
    bar.overlaps = lane > 0;
  }
  return Math.max(1, laneEndsMs.length);
}

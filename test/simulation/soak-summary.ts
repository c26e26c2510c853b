/**
 * What a soak keeps of each seed: counts for the summary line, never the seed's history, so
 * memory stays flat however many seeds run (a history holds every write and run of its seed).
 */
import type { SimHistory } from './simulation.js';

/** The summary's share of one seed. */
export interface SeedStats {
  faults: Record<string, number>;
  runs: number;
  staleRejected: number;
  /** Attempts after a run's first (retries under its lease), runs recorded timed-out, and those cut off from the lease. */
  retries: number;
  timedOut: number;
  cutOff: number;
  /** Jobs that paused themselves after failing slots (pauseAfterFailures), and runs of jobs with a start jitter. */
  selfPauses: number;
  jitteredRuns: number;
  /** Holders killed mid-run: how long until the job ran again, and whether within lease + one slot. */
  takeovers: { gapMs: number; withinGoal: boolean; withinLease: boolean }[];
  /** Slots buffered behind a holder that died, handed its lease (takeOverLease writes that applied). */
  bufferedTakeovers: number;
}

/** Reads a history's counts; the history can be dropped afterwards. */
export function seedStats(history: SimHistory): SeedStats {
  // Measured, not asserted: how long after a holder died mid-run its job ran again, against
  // the goal of one lease + one slot (chaos goes on meanwhile, so some take longer).
  const takeovers = history.runs
    .filter((run) => run.crashMs !== undefined)
    .flatMap((run) => {
      const job = history.jobs.find((candidate) => candidate.name === run.job)!;
      const next = history.runs
        .filter((other) => other.job === run.job && other.startMs > run.crashMs!)
        .sort((a, b) => a.startMs - b.startMs)[0];
      const slotMs = Number(/^\*\/(\d+)/.exec(job.cron)?.[1] ?? 1) * 1_000;
      const gapMs = next ? next.startMs - run.crashMs! : undefined;
      return gapMs !== undefined ? [{ gapMs, withinGoal: gapMs <= job.leaseMs + slotMs, withinLease: gapMs <= job.leaseMs }] : [];
    });
  return {
    faults: { ...history.faults },
    runs: history.runs.length,
    staleRejected: Object.values(history.fencedStore).reduce((m, s) => m + s.rejectedStale, 0),
    retries: history.runs.filter((run) => run.attempt > 1).length,
    timedOut: history.items.filter((item) => item.status === 'timed-out').length,
    cutOff: history.items.filter((item) => item.cutOff === true).length,
    selfPauses: history.writes.filter((write) => write.new.pausedReason === 'failures' && write.old?.pausedReason !== 'failures').length,
    jitteredRuns: history.runs.filter((run) => history.jobs.find((job) => job.name === run.job)?.jitterMs !== undefined).length,
    takeovers,
    bufferedTakeovers: history.writes.filter(
      (write) => write.new.takenOverBy !== undefined && write.new.takenOverBy !== write.old?.takenOverBy,
    ).length,
  };
}

/** The one-line summary of a soak. */
export function summary(stats: readonly SeedStats[], violations: number): string {
  const faults: Record<string, number> = {};
  const bySteps: Record<string, number> = {};
  for (const seed of stats) {
    for (const [kind, n] of Object.entries(seed.faults)) {
      const into = kind.includes('@') ? bySteps : faults;
      into[kind] = (into[kind] ?? 0) + n;
    }
  }
  const runs = stats.reduce((n, seed) => n + seed.runs, 0);
  const stale = stats.reduce((n, seed) => n + seed.staleRejected, 0);
  // crash-during-run counts a subset of crash; a Lambda invocation is no fault (its timeout is).
  const total = Object.entries(faults).reduce(
    (n, [kind, m]) => (kind === 'crash-during-run' || kind === 'lambda-invocation' ? n : n + m),
    0,
  );
  const takeovers = stats.flatMap((seed) => seed.takeovers);
  const sum = (field: 'retries' | 'timedOut' | 'cutOff' | 'selfPauses' | 'jitteredRuns'): number =>
    stats.reduce((n, seed) => n + seed[field], 0);
  const failing = `${sum('retries')} retries under the lease, ${sum('timedOut')} runs timed out (${sum('cutOff')} cut off from the lease), ${sum('selfPauses')} self-pauses after failures, ${sum('jitteredRuns')} runs with a start jitter`;
  const gaps = takeovers.map((t) => t.gapMs).sort((a, b) => a - b);
  const takeover = `${takeovers.length} holders killed mid-run: the job ran again after ${gaps[Math.floor(gaps.length / 2)] ?? '-'} ms (median), ${gaps.at(-1) ?? '-'} ms (max); within lease + one slot: ${takeovers.filter((t) => t.withinGoal).length}, within one lease: ${takeovers.filter((t) => t.withinLease).length}; ${stats.reduce((n, seed) => n + seed.bufferedTakeovers, 0)} buffered slots handed a dead holder's lease`;
  return `simulation: ${stats.length} seeds, ${runs} runs, ${total} faults injected ${JSON.stringify(faults)}, ${stale} stale fenced writes rejected, ${failing}, ${takeover}, violations: ${violations}; by protocol step ${JSON.stringify(Object.fromEntries(Object.entries(bySteps).sort()))}`;
}

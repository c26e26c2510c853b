/**
 * Bounded and one-time jobs in the simulation: some of the file's jobs get a `startAt` and an
 * `endAt` inside the simulated span, or become one-time jobs (`at`), and the checker's B1 says
 * no scheduled slot of them starts outside that: before the start, after the end, or (one-time)
 * at any time but its own. Their idle time outside the bounds is not I3's concern.
 */
import type { JobDefinition } from '../../functions/core/types.js';
import type { Prng } from './prng.js';
import type { RunEvent } from './simulation.js';

/** One violation of B1, in the checker's shape. */
export interface BoundsViolation {
  invariant: 'B1';
  job: string;
  message: string;
}

const iso = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

/**
 * The jobs, some bounded: a start somewhere in the first three quarters of the simulated span,
 * an end 3 to 25 s after it; a few one-time, at a whole second of the span. Drawn from a fork
 * of its own, so the seeds' other draws stay as they were.
 */
export function withRandomBounds(rand: Prng, jobs: JobDefinition[], startMs: number, spanMs: number): JobDefinition[] {
  return jobs.map((job) => {
    const roll = rand.next();
    const fromMs = startMs + rand.int(0, Math.floor((spanMs * 0.75) / 1_000)) * 1_000;
    if (roll < 0.12) return { ...job, atMs: fromMs, hasSeconds: true };
    if (roll < 0.35) return { ...job, startAtMs: fromMs, endAtMs: fromMs + rand.int(3_000, 25_000) };
    return job;
  });
}

/** A cron slot falls on a whole second; a manual run's or a continuation's never does (slots.ts `offSchedule`). */
const isCronSlot = (slotMs: number): boolean => slotMs % 1_000 === 0;

/** B1: no run of a cron slot outside the job's bounds, and a one-time job's only at its time. */
export function checkBounds(job: JobDefinition, runs: readonly RunEvent[]): BoundsViolation[] {
  const violations: BoundsViolation[] = [];
  for (const run of runs) {
    if (!isCronSlot(run.slotMs)) continue;
    const outside =
      job.atMs !== undefined
        ? run.slotMs !== job.atMs
        : (job.startAtMs !== undefined && run.slotMs < job.startAtMs) || (job.endAtMs !== undefined && run.slotMs > job.endAtMs);
    if (outside) {
      const bounds =
        job.atMs !== undefined ? `its time ${iso(job.atMs)}` : `its bounds ${iso(job.startAtMs ?? 0)}..${iso(job.endAtMs ?? 0)}`;
      violations.push({
        invariant: 'B1',
        job: job.name,
        message: `slot ${iso(run.slotMs)} started (fence ${run.fence} on ${run.instance}) outside ${bounds}`,
      });
    }
  }
  return violations;
}

/**
 * The spans I3 excuses: before a bounded job's start and after its end (plus its catch-up
 * window, in which its last slot may still start); all of a one-time job's span but the
 * window after its time.
 */
export function outsideBounds(job: JobDefinition, historyEndMs: number): [number, number][] {
  const lastMs = job.atMs ?? job.endAtMs;
  const firstMs = job.atMs ?? job.startAtMs;
  const spans: [number, number][] = [];
  if (firstMs !== undefined) spans.push([Number.NEGATIVE_INFINITY, firstMs]);
  // An end after the history's is no span of it: the history ends idle there, judged as any job's end.
  if (lastMs !== undefined && lastMs < historyEndMs) spans.push([lastMs, Number.POSITIVE_INFINITY]);
  return spans;
}

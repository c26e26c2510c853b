/**
 * The negative control of pauseAfterFailures: the same simulation with the failure streak
 * weakened to count every run, a success included. A job then pauses itself after a slot that
 * succeeded; the checker must catch it (a self-pause must follow a slot recorded failed or
 * timed-out, or the pause would excuse a healthy job's idleness from I3). Its own file, as the
 * module mock applies to a whole file.
 */
import { describe, expect, it, vi } from 'vitest';
import './sim-mocks.js';
import { caughtLine, firstCaught } from './first-caught.js';

vi.mock('../../functions/core/failure-streak.js', async (original) => {
  const real = await original<typeof import('../../functions/core/failure-streak.js')>();
  return {
    ...real,
    // The weakened streak: every run's outcome is counted as a failure.
    streakAfterRun: (...args: Parameters<typeof real.streakAfterRun>) => {
      const [job, knownStreak, run] = args;
      return real.streakAfterRun(job, knownStreak, { ...run, status: 'failed' });
    },
  };
});

describe('the checker catches a job that pauses itself without failing', () => {
  it('as I3', async () => {
    const maxSeeds = Number(process.env.NEGATIVE_SEEDS ?? 80);
    const caught = await firstCaught(maxSeeds, (violation) => violation.invariant === 'I3' && violation.message.includes('paused itself'));
    console.log(caughtLine('a streak that counts successes', maxSeeds, caught));
    expect(caught, `no self-pause violation found in ${maxSeeds} seeds`).toBeDefined();
  }, 180_000);
});

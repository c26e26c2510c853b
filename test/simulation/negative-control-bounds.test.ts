/**
 * The negative control of bounded and one-time jobs: the same simulation with the bounds
 * dropped where a tick computes a job's slots (a cron without its startAt, endAt or at). A job
 * then starts slots before its start, after its end, or again after its one time; the checker
 * must catch it as B1. Its own file, as the module mock applies to a whole file.
 */
import { describe, expect, it, vi } from 'vitest';
import './sim-mocks.js';
import { caughtLine, firstCaught } from './first-caught.js';

vi.mock('../../functions/core/slots.js', async (original) => {
  const real = await original<typeof import('../../functions/core/slots.js')>();
  return {
    ...real,
    // The weakened schedule: the cron alone, its bounds forgotten.
    cronOf: (job: Parameters<typeof real.cronOf>[0]) => real.cronOf({ name: job.name, cron: job.cron, timezone: job.timezone }),
  };
});

describe('the checker catches a slot started outside its job bounds', () => {
  it('as B1', async () => {
    const maxSeeds = Number(process.env.NEGATIVE_SEEDS ?? 80);
    const caught = await firstCaught(maxSeeds, (violation) => violation.invariant === 'B1', { bounds: true });
    console.log(caughtLine('bounds dropped from the slots a tick computes', maxSeeds, caught));
    expect(caught, `no B1 violation found in ${maxSeeds} seeds`).toBeDefined();
  }, 180_000);
});

/**
 * The negative control of retries: the same simulation with the wait between two attempts
 * weakened to let the lease go (released before the wait, the attempts going on without it).
 * The checker must catch it as I2: a retry runs while a successor holds the lease, or after
 * a larger fence was granted. Its own file, as the module mock applies to a whole file.
 */
import { describe, expect, it, vi } from 'vitest';
import './sim-mocks.js';
import { caughtLine, firstCaught } from './first-caught.js';

vi.mock('../../functions/core/retry-wait.js', async (original) => {
  const real = await original<typeof import('../../functions/core/retry-wait.js')>();
  return {
    ...real,
    // The weakened wait: the lease is released for the backoff, and the next attempt runs anyway.
    waitBeforeRetry: async (...args: Parameters<typeof real.waitBeforeRetry>) => {
      const [lease, delayMs, timers] = args;
      await lease.release({ dropPending: true });
      await new Promise((resolve) => timers.setTimeout(() => resolve(undefined), delayMs));
      return true;
    },
  };
});

describe('the checker catches retries outside the lease', () => {
  it('as I2', async () => {
    const maxSeeds = Number(process.env.NEGATIVE_SEEDS ?? 80);
    const caught = await firstCaught(maxSeeds, (violation) => violation.invariant === 'I2' && violation.known === undefined);
    console.log(caughtLine('retries outside the lease', maxSeeds, caught));
    expect(caught, `no I2 violation found in ${maxSeeds} seeds`).toBeDefined();
  }, 180_000);
});

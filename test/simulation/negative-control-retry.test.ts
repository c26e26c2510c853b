/**
 * The negative control of retries: the same simulation with the wait between two attempts
 * weakened to let the lease go (released before the wait, the attempts going on without it).
 * The checker must catch it as I2: a retry runs while a successor holds the lease, or after
 * a larger fence was granted. Its own file, as the module mock applies to a whole file.
 */
import { describe, expect, it, vi } from 'vitest';
import './sim-mocks.js';
import { checkHistory, type Violation } from './checker.js';
import { simulate } from './simulation.js';

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
    let caughtAt: number | undefined;
    let example: Violation | undefined;
    for (let seed = 1; seed <= maxSeeds && caughtAt === undefined; seed++) {
      const found = checkHistory(await simulate({ seed })).find(
        (violation) => violation.invariant === 'I2' && violation.known === undefined,
      );
      if (found) [caughtAt, example] = [seed, found];
    }
    console.log(
      `negative control "retries outside the lease": ${caughtAt === undefined ? `not caught in ${maxSeeds} seeds` : `caught at seed ${caughtAt}: ${example!.invariant} ${example!.message}`}`,
    );
    expect(caughtAt, `no I2 violation found in ${maxSeeds} seeds`).toBeDefined();
  }, 180_000);
});

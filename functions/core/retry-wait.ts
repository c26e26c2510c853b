/**
 * The wait between two attempts of a run. Apart from attempts.ts so the simulation's negative
 * control can replace it with a weakened one (the lease let go during the wait), which its
 * checker must catch as two runs holding the lease at once (I2).
 */
import type { HeldLease } from './lease.js';
import type { Timers } from './time.js';

/**
 * Waits `delayMs` while still holding the lease (its heartbeat goes on, so a slot that arrives
 * meanwhile meets a held lease). Resolves false at once if the lease's signal fires first: the
 * lease was lost, the deadline nears, or the node is stopping.
 */
export function waitBeforeRetry(lease: HeldLease, delayMs: number, timers: Timers): Promise<boolean> {
  if (lease.signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      timers.clearTimeout(timer);
      resolve(false);
    };
    const timer = timers.setTimeout(() => {
      lease.signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, delayMs);
    lease.signal.addEventListener('abort', onAbort, { once: true });
  });
}

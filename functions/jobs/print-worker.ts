/** The seed's demo job: prints that it is working, then takes its time (default 120 s). */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunContext } from '../core/types.js';

/** How long PrintWorker works when `args.sleepSeconds` is not given, as in the seed. */
const PRINT_WORKER_DEFAULT_SECONDS = 120;

/**
 * Logs `I AM WORKING AT <time>` with its slot and fence, then waits `args.sleepSeconds`.
 * Stops early (and fails the run) when its signal fires: lease lost, deadline, or shutdown.
 */
export async function printWorker({ slot, fence, args, signal, log }: RunContext): Promise<void> {
  const seconds = args.sleepSeconds ?? PRINT_WORKER_DEFAULT_SECONDS;
  if (typeof seconds !== 'number' || !(seconds >= 0)) {
    throw new TypeError(`PrintWorker: args.sleepSeconds must be a number of seconds >= 0, got ${JSON.stringify(seconds)}`);
  }
  log.info(`I AM WORKING AT ${new Date().toISOString()}`, { slot: slot.toISOString(), fence });
  await sleep(seconds * 1_000, undefined, { signal });
}

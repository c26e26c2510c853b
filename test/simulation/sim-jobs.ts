/**
 * The file's jobs of one simulated cluster, from the seed: one to three jobs, every 1 to 3
 * seconds, short or longer than a slot (some longer than the lease), each with a handler
 * behaviour, and some with retries, timeouts, self-pauses and start jitter.
 */
import { parseScheduleObject } from '../../functions/core/schedule.js';
import type { JobDefinition } from '../../functions/core/types.js';
import type { Prng } from './prng.js';

/**
 * How a handler reacts to its signal: stops (cooperative), ignores it (stubborn), throws half
 * the time (flaky), throws on its first attempts and then succeeds (failing, for jobs that
 * retry), or ignores its signal and hangs far past the job's timeout (hanging).
 */
export type Behaviour = 'cooperative' | 'stubborn' | 'flaky' | 'failing' | 'hanging';

/** A job's handler in the simulation: its behaviour, how long a run takes, and (failing) how many attempts throw. */
export interface Profile {
  behaviour: Behaviour;
  minMs: number;
  maxMs: number;
  failAttempts: number;
}

/** The jobs and their handlers' profiles, drawn from `rand`. */
export function randomJobs(rand: Prng): { jobs: JobDefinition[]; behaviours: Map<string, Profile> } {
  const count = rand.int(1, 3);
  const raw: Record<string, unknown> = {};
  const behaviours = new Map<string, Profile>();
  for (let i = 0; i < count; i++) {
    const name = `job${i}`;
    const everySec = rand.pick([1, 1, 2, 3]);
    const leaseSec = rand.pick([3, 4, 6]);
    const long = rand.chance(0.4);
    // Jobs shorter than their slot, and jobs longer than a slot (some longer than the lease).
    const minMs = long ? everySec * 1_000 : 50;
    const maxMs = long ? rand.pick([everySec * 2_500, leaseSec * 2_000]) : everySec * 800;
    const behaviour = rand.pick(['cooperative', 'cooperative', 'stubborn', 'flaky', 'failing', 'hanging'] as const);
    // Retries under the lease, and timeouts shorter than some runs (a hanging run passes every one).
    const retry = rand.chance(0.6) && { attempts: rand.int(2, 4), backoff: rand.pick(['100ms', '300ms', '1s']), maxBackoff: '2s' };
    const timeoutMs = (behaviour === 'hanging' || rand.chance(0.4)) && rand.int(300, Math.max(400, maxMs));
    // Self-pauses after failing slots (an operator resumes them, below), and starts delayed by a
    // jitter fixed per slot (shorter than the slot period, as validation requires).
    const pauseAfterFailures = rand.chance(0.35) && rand.int(1, 3);
    const jitterMs = rand.chance(0.3) && rand.int(50, everySec * 1_000 - 50);
    behaviours.set(name, { behaviour, minMs, maxMs: behaviour === 'hanging' ? leaseSec * 3_000 : maxMs, failAttempts: rand.int(1, 3) });
    raw[name] = {
      cron: everySec === 1 ? '* * * * * *' : `*/${everySec} * * * * *`,
      class: 'sim',
      lease: `${leaseSec}s`,
      catchupWindow: `${rand.pick([2, 3, 5])}s`,
      ...(retry && { retry }),
      ...(timeoutMs && { timeout: `${timeoutMs}ms` }),
      ...(pauseAfterFailures && { pauseAfterFailures }),
      ...(jitterMs && { jitter: `${jitterMs}ms` }),
    };
  }
  return { jobs: parseScheduleObject(raw, { handlers: ['sim'], source: 'simulation' }), behaviours };
}

/**
 * How a lease is held: the settings a HeldLease runs with (skew margin, deadline, shutdown,
 * timers) and the heartbeat's scheduler. Apart from lease.ts so the run steps and tests can
 * shape a lease without the class. Why the holder's clock and skew margin matter: docs/protocol.md (I3).
 */
import type { Timers } from './time.js';
import type { EventLog } from './types.js';

/** Heartbeats per lease period: a renewal may fail twice before the lease is in danger. */
export const HEARTBEATS_PER_LEASE = 3;

/** Runs `beat` every `intervalMs` until cancelled; injectable so tests drive beats by hand. */
export type Scheduler = (intervalMs: number, beat: () => void) => () => void;

/** The default scheduler: an interval on `timers` that does not keep the process alive on its own. */
export function intervalScheduler(timers: Timers): Scheduler {
  return (intervalMs, beat) => {
    const timer = timers.setInterval(beat, intervalMs);
    timer.unref();
    return () => timers.clearInterval(timer);
  };
}

/** Settings that shape how a lease is held. */
export interface LeaseSettings {
  log: EventLog;
  /** A holder treats its lease as lost this long before it ends by its own clock. */
  maxClockSkewMs: number;
  /** Epoch ms by which the invocation must have handed back control (Lambda timeout). */
  deadlineMs?: number;
  /** Signal fires this long before `deadlineMs`, so the run can checkpoint. */
  deadlineMarginMs?: number;
  /** Fires every run's signal, for example on Ctrl-C of a local node. */
  shutdown?: AbortSignal;
  /** Runs the heartbeats. @default intervalScheduler(timers) */
  scheduler?: Scheduler;
  /** The deadline and watchdog timers, and the default heartbeat's. @default systemTimers */
  timers?: Timers;
  /** overlap `allow`: no lease to keep (no heartbeat, watchdog or release); signal and deadline still work. */
  unleased?: boolean;
}

/**
 * A local node, like `bundle exec sidekiq`: ticks at every slot boundary (every second when a
 * job has a seconds field, else every minute), runs due jobs in the background, and on
 * shutdown signals its runs, waits for them to record their outcome, and releases its leases.
 */
import { errorMessage } from '../core/errors.js';
import { SlotMemory } from '../core/slot-memory.js';
import { type TickDeps, tick } from '../core/tick.js';
import { systemTimers, type TimerHandle } from '../core/time.js';
import type { JobDefinition, TickOutcome } from '../core/types.js';

/** A running node. */
export interface LocalNode {
  /** Resolves when the node has stopped and every run it started has finished. */
  stopped: Promise<void>;
  /** Stops ticking, fires every run's signal, waits for the runs. */
  stop(reason: string): Promise<void>;
}

/** How far ahead a node's listing looks for runtime jobs due before its next tick: its longest period. */
const LOOK_AHEAD_MS = 60_000;

/** Tick period of a schedule: 1 s when any job has a seconds field or a jitter (its starts fall between minutes), else 1 min. */
export function tickPeriodMs(jobs: readonly JobDefinition[]): number {
  return jobs.some((job) => job.hasSeconds || (job.jitterMs ?? 0) > 0) ? 1_000 : 60_000;
}

/** Starts a node; the first tick runs at once (catching up missed slots), then on each boundary. */
export function startNode(
  deps: Omit<TickDeps, 'shutdown'>,
  jobs: readonly JobDefinition[],
  onOutcomes?: (outcomes: TickOutcome[]) => void,
): LocalNode {
  const shutdown = new AbortController();
  const tickDeps: TickDeps = { ...deps, shutdown: shutdown.signal };
  // The runtime jobs a tick finds count too: one with a seconds field makes the next period 1 s.
  let periodMs = tickPeriodMs(jobs);
  // The loop's timer keeps the process alive (not unref'd): a node runs until it is stopped.
  const timers = deps.timers ?? systemTimers;
  // A lease seen held with a slot buffered behind it: a tick just after it ends, in case its
  // holder died (buffered-takeover.ts). One timer a job, moved on by each renewal seen.
  const lapseTicks = new Map<string, TimerHandle>();
  const memory = new SlotMemory((job, lapseAtMs) => {
    if (stopping) return;
    const before = lapseTicks.get(job);
    if (before) timers.clearTimeout(before);
    const wake = (): void => {
      lapseTicks.delete(job);
      if (!stopping) runTick();
    };
    lapseTicks.set(job, timers.setTimeout(wake, Math.max(0, lapseAtMs - deps.clock()) + 5));
  });
  const inFlight = new Set<Promise<void>>();
  let timer: TimerHandle | undefined;
  let stopping = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));

  // The listing looks one minute ahead (a job due before the next tick sets the period too) when
  // the period is a minute, and every 30 s at the 1 s period: that alone may lengthen the period.
  // Between, a 1 s tick lists only the jobs due (a SaaS's next minute may hold thousands).
  let lookedAheadAtMs = Number.NEGATIVE_INFINITY;
  const runTick = (): void => {
    const nowMs = deps.clock();
    const lookAhead = periodMs >= LOOK_AHEAD_MS || nowMs - lookedAheadAtMs >= LOOK_AHEAD_MS / 2;
    if (lookAhead) lookedAheadAtMs = nowMs;
    const onJobs = (ticked: readonly JobDefinition[]): void => {
      const tickedPeriodMs = tickPeriodMs([...jobs, ...ticked]);
      periodMs = lookAhead ? tickedPeriodMs : Math.min(periodMs, tickedPeriodMs);
    };
    const running = tick(tickDeps, { jobs, memory, ...(lookAhead && { dueLookAheadMs: LOOK_AHEAD_MS }), onJobs })
      .then((outcomes) => onOutcomes?.(outcomes))
      .catch((error: unknown) => deps.log.error('tick.error', { instance: deps.instance, error: errorMessage(error) }))
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
  };
  const schedule = (): void => {
    if (stopping) return;
    const nowMs = deps.clock();
    // Wake just after the boundary, so the slot at the boundary is due by every clock.
    const nextBoundaryMs = Math.floor(nowMs / periodMs) * periodMs + periodMs;
    timer = timers.setTimeout(
      () => {
        runTick();
        schedule();
      },
      nextBoundaryMs - nowMs + 5,
    );
  };

  deps.log.info('node.start', { instance: deps.instance, tickPeriodMs: periodMs, jobs: jobs.map((job) => job.name) });
  runTick();
  schedule();

  const stop = async (reason: string): Promise<void> => {
    if (!stopping) {
      stopping = true;
      if (timer) timers.clearTimeout(timer);
      for (const lapseTick of lapseTicks.values()) timers.clearTimeout(lapseTick);
      deps.log.info('node.stopping', { instance: deps.instance, reason, runningTicks: inFlight.size });
      shutdown.abort();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      deps.log.info('node.stop', { instance: deps.instance });
      resolveStopped();
    }
    return stopped;
  };
  return { stopped, stop };
}

/**
 * The node's answer to SIGINT/SIGTERM: the first stops it gracefully; a second one, pressed a
 * moment later, exits at once. Ctrl-C under `npm start` can arrive twice at the same time (from
 * the terminal and from npm), which counts as one.
 */
export function stopSignalHandler(options: {
  stop: (signal: NodeJS.Signals) => void;
  forceExit: (signal: NodeJS.Signals) => void;
  clock: () => number;
  repeatWindowMs?: number;
}): (signal: NodeJS.Signals) => void {
  let firstSignalMs: number | undefined;
  return (signal) => {
    const nowMs = options.clock();
    if (firstSignalMs === undefined) {
      firstSignalMs = nowMs;
      options.stop(signal);
    } else if (nowMs - firstSignalMs > (options.repeatWindowMs ?? 500)) {
      options.forceExit(signal);
    }
  };
}

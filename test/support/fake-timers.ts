/**
 * Fake timers on a FakeClock, injected where the core takes `timers`: nothing fires until the
 * test calls `advance`, which moves the clock to each due timer in turn and fires it, so a
 * test of a watchdog or a deadline reads as a timeline and never sleeps.
 */
import type { TimerHandle, Timers } from '../../functions/core/time.js';
import type { FakeClock } from './local-table.js';

/** Timers that fire only when the test advances their clock. */
export interface FakeTimers extends Timers {
  /** Moves the clock `ms` forward, firing every timer that comes due on the way, in time order. */
  advance(ms: number): void;
  /** Timers set and neither fired (a timeout) nor cleared. */
  pending(): number;
}

class FakeTimer implements TimerHandle {
  constructor(
    readonly seq: number,
    public atMs: number,
    readonly fn: () => void,
    readonly intervalMs: number | undefined,
  ) {}
  unref(): this {
    return this;
  }
}

/** Fake timers that read and move `clock`. */
export function fakeTimers(clock: FakeClock): FakeTimers {
  const timers = new Set<FakeTimer>();
  let seq = 0;
  const add = (fn: () => void, delayMs: number, intervalMs?: number): FakeTimer => {
    const timer = new FakeTimer(seq++, clock() + Math.max(0, delayMs), fn, intervalMs);
    timers.add(timer);
    return timer;
  };
  const clear = (handle: TimerHandle): void => {
    if (handle instanceof FakeTimer) timers.delete(handle);
  };
  const nextDue = (untilMs: number): FakeTimer | undefined => {
    let next: FakeTimer | undefined;
    for (const timer of timers)
      if (timer.atMs <= untilMs && (!next || timer.atMs < next.atMs || (timer.atMs === next.atMs && timer.seq < next.seq))) next = timer;
    return next;
  };
  return {
    setTimeout: (fn, delayMs) => add(fn, delayMs),
    clearTimeout: clear,
    setInterval: (fn, intervalMs) => add(fn, Math.max(1, intervalMs), Math.max(1, intervalMs)),
    clearInterval: clear,
    advance(ms) {
      const untilMs = clock() + ms;
      for (let timer = nextDue(untilMs); timer; timer = nextDue(untilMs)) {
        clock.set(Math.max(clock(), timer.atMs));
        if (timer.intervalMs === undefined) timers.delete(timer);
        else timer.atMs += timer.intervalMs;
        timer.fn();
      }
      clock.set(untilMs);
    },
    pending: () => timers.size,
  };
}

/**
 * Virtual time for the simulation: a discrete-event queue, and the `Timers` the simulation
 * injects into every process beside its clock, so the core's own timers (heartbeats, the
 * lease watchdog and deadline, the node's tick loop) run on simulated time while the global
 * timers stay untouched. Every timer belongs to the owner (an instance, or the world) whose
 * code created it, tracked through AsyncLocalStorage: a crashed owner's timers never fire, a
 * frozen owner's fire when it wakes, late and in order.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TimerHandle, Timers } from '../../functions/core/time.js';

/** Whoever a timer belongs to: an instance (a process), the store server, or the world. */
export interface Owner {
  readonly label: string;
  /** A crashed process runs nothing any more. */
  dead: boolean;
  /** Virtual ms until which the process is frozen (a GC pause, SIGSTOP); 0 when running. */
  frozenUntilMs: number;
}

/** An owner that is never frozen and never dies. */
export function worldOwner(label: string): Owner {
  return { label, dead: false, frozenUntilMs: 0 };
}

class VirtualTimer {
  cancelled = false;
  constructor(
    readonly id: number,
    public atMs: number,
    /** When it was due: overdue timers of a woken owner fire in this order. */
    public dueMs: number,
    readonly owner: Owner,
    readonly fn: () => void,
    readonly intervalMs: number | undefined,
  ) {}
  /** No real process to keep alive: the queue runs until its end time. */
  unref(): this {
    return this;
  }
}

const before = (a: VirtualTimer, b: VirtualTimer): boolean =>
  a.atMs !== b.atMs ? a.atMs < b.atMs : a.dueMs !== b.dueMs ? a.dueMs < b.dueMs : a.id < b.id;

/** The event queue and the current virtual time. */
export class VirtualTime {
  readonly #heap: VirtualTimer[] = [];
  readonly #context = new AsyncLocalStorage<Owner>();
  #nextId = 1;
  /** Timers fired so far. */
  fired = 0;

  constructor(
    public nowMs: number,
    private readonly world: Owner,
  ) {}

  /** The owner whose code is running now. */
  current(): Owner {
    return this.#context.getStore() ?? this.world;
  }

  /** Runs `fn` as `owner`: timers and promises it creates belong to that owner. */
  runAs<T>(owner: Owner, fn: () => T): T {
    return this.#context.run(owner, fn);
  }

  /** Calls `fn` after `delayMs` of virtual time, as `owner`. */
  schedule(delayMs: number, fn: () => void, owner: Owner = this.current(), intervalMs?: number): VirtualTimer {
    const atMs = this.nowMs + Math.max(0, Number.isFinite(delayMs) ? delayMs : 0);
    const timer = new VirtualTimer(this.#nextId++, atMs, atMs, owner, fn, intervalMs);
    this.#push(timer);
    return timer;
  }

  /** Cancels a timer this queue made (clearTimeout / clearInterval). */
  cancel(timer: TimerHandle): void {
    if (timer instanceof VirtualTimer) timer.cancelled = true;
  }

  /** The timers a simulated process is given with its clock: each belongs to the owner that set it. */
  readonly timers: Timers = {
    setTimeout: (fn, delayMs) => this.schedule(delayMs, fn),
    clearTimeout: (timer) => this.cancel(timer),
    setInterval: (fn, intervalMs) => this.schedule(Math.max(1, intervalMs), fn, this.current(), Math.max(1, intervalMs)),
    clearInterval: (timer) => this.cancel(timer),
  };

  /** Ends this queue's ownership tracking, once its seed is over. */
  dispose(): void {
    // An enabled AsyncLocalStorage stays in Node's list for good, and every promise created
    // afterwards walks that list: without this, each seed slows every later one in the process.
    this.#context.disable();
  }

  /**
   * Fires timers in time order until `untilMs`, letting every promise settle after each
   * (a real macrotask turn), so each event's consequences land before the next event.
   */
  async run(untilMs: number): Promise<void> {
    for (;;) {
      const timer = this.#heap[0];
      if (!timer || timer.atMs > untilMs) break;
      this.#pop();
      if (timer.cancelled || timer.owner.dead) continue;
      this.nowMs = Math.max(this.nowMs, timer.atMs);
      if (timer.owner.frozenUntilMs > this.nowMs) {
        timer.atMs = timer.owner.frozenUntilMs;
        this.#push(timer);
        continue;
      }
      if (timer.intervalMs !== undefined) {
        timer.atMs = this.nowMs + timer.intervalMs;
        timer.dueMs = timer.atMs;
        this.#push(timer);
      }
      this.fired++;
      this.#context.run(timer.owner, timer.fn);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.nowMs = Math.max(this.nowMs, untilMs);
  }

  #push(timer: VirtualTimer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let smallest = i;
      if (l < heap.length && before(heap[l]!, heap[smallest]!)) smallest = l;
      if (r < heap.length && before(heap[r]!, heap[smallest]!)) smallest = r;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

/**
 * Virtual time for the simulation: a discrete-event queue that stands in for the global
 * timers (setTimeout, setInterval), so the core's own timers (heartbeats, the lease
 * watchdog, the node's tick loop) run on simulated time. Every timer belongs to the owner
 * (an instance, or the world) whose code created it, tracked through AsyncLocalStorage: a
 * crashed owner's timers never fire, a frozen owner's fire when it wakes, late and in order.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

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
  unref(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

const before = (a: VirtualTimer, b: VirtualTimer): boolean =>
  a.atMs !== b.atMs ? a.atMs < b.atMs : a.dueMs !== b.dueMs ? a.dueMs < b.dueMs : a.id < b.id;

/** The event queue and the current virtual time. */
export class VirtualTime {
  readonly #heap: VirtualTimer[] = [];
  readonly #context = new AsyncLocalStorage<Owner>();
  readonly #byId = new Map<number, VirtualTimer>();
  #nextId = 1;
  #saved: Record<string, unknown> | undefined;
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
    this.#byId.set(timer.id, timer);
    this.#push(timer);
    return timer;
  }

  /** Cancels a timer (clearTimeout / clearInterval). */
  cancel(timer: unknown): void {
    const found = timer instanceof VirtualTimer ? timer : typeof timer === 'number' ? this.#byId.get(timer) : undefined;
    if (found) {
      found.cancelled = true;
      this.#byId.delete(found.id);
    }
  }

  /** Replaces the global timers with virtual ones until `uninstall`. */
  install(): void {
    const g = globalThis as unknown as Record<string, unknown>;
    this.#saved = { setTimeout: g.setTimeout, clearTimeout: g.clearTimeout, setInterval: g.setInterval, clearInterval: g.clearInterval };
    g.setTimeout = (fn: () => void, delayMs?: number) => this.schedule(delayMs ?? 0, fn);
    g.setInterval = (fn: () => void, delayMs?: number) =>
      this.schedule(Math.max(1, delayMs ?? 1), fn, this.current(), Math.max(1, delayMs ?? 1));
    g.clearTimeout = (timer: unknown) => this.cancel(timer);
    g.clearInterval = (timer: unknown) => this.cancel(timer);
  }

  /** Puts the real global timers back. */
  uninstall(): void {
    if (this.#saved) Object.assign(globalThis, this.#saved);
    this.#saved = undefined;
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
      if (timer.cancelled || timer.owner.dead) {
        this.#byId.delete(timer.id);
        continue;
      }
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
      } else {
        this.#byId.delete(timer.id);
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

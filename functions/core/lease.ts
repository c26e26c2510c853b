/**
 * A held lease: heartbeat, holder-side skew margin, and the AbortSignal a run listens to.
 * Acquire, renew, release and hand-over are single conditional writes (lock-writes.ts,
 * lock-hand-over.ts); this keeps them going. How it is held (heartbeats, deadline, timers):
 * lease-settings.ts. The writes and what each refusal means: docs/protocol.md.
 */
import { DeadlineError, errorMessage, LeaseLostError } from './errors.js';
import { failureStreakOf, type StreakWrite } from './failure-streak.js';
import { HEARTBEATS_PER_LEASE, intervalScheduler, type LeaseSettings } from './lease-settings.js';
import { bufferedOnLock } from './lock-reading.js';
import {
  type AcquireRequest,
  type AcquireResult,
  acquireLease,
  handOverLease,
  type LockItem,
  releaseLease,
  renewLease,
  type StoreContext,
} from './store.js';
import { systemTimers, type TimerHandle, type Timers } from './time.js';
import type { Trigger } from './types.js';

export { HEARTBEATS_PER_LEASE, intervalScheduler, type LeaseSettings, type Scheduler } from './lease-settings.js';

/** What a holder finds when it lets go: released, or the lock as it now stands. */
export type ReleaseResult = { released: true } | { released: false; lock: LockItem | undefined };

/** A lease this instance holds for one run. */
export class HeldLease {
  readonly #controller = new AbortController();
  // Its own controller: `signal` fires once, for the first reason, and a deadline or shutdown
  // that fired it first must not hide a loss that follows (the run may still be writing).
  readonly #lossController = new AbortController();
  #leaseUntilMs: number;
  #stopHeartbeat: (() => void) | undefined;
  #deadlineTimer: TimerHandle | undefined;
  #renewing: Promise<void> | undefined;
  #watchdog: TimerHandle | undefined;
  readonly #timers: Timers;
  #onShutdown = (): void => this.#requestStop(new DeadlineError(`job "${this.request.job}": the node is shutting down`));

  constructor(
    private readonly ctx: StoreContext,
    private readonly request: AcquireRequest,
    readonly fence: number,
    leaseUntilMs: number,
    private readonly settings: LeaseSettings,
  ) {
    this.#leaseUntilMs = leaseUntilMs;
    this.#timers = settings.timers ?? systemTimers;
  }

  /** Fires when the lease is lost, the deadline nears, or the node shuts down. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /**
   * Fires only when the lease is lost, with a LeaseLostError, even after `signal` already fired
   * for a deadline or a shutdown: from then on a successor may hold the lease.
   */
  get leaseLostSignal(): AbortSignal {
    return this.#lossController.signal;
  }

  /** The lock item as the last renewal (or this process's tick: sawLock) returned it: shows a buffered slot or a pause early. */
  lastSeenLock: LockItem | undefined;

  /**
   * This process's tick read the lock: a slot buffered behind this run is handed over in one write
   * (not a refused release and a read). Out of date, it costs a refusal: the hand-over checks the slot.
   */
  sawLock(lock: LockItem | undefined): void {
    if (this.#stopped || lock?.holder !== this.request.token || bufferedOnLock(this.lastSeenLock) || !bufferedOnLock(lock)) return;
    this.lastSeenLock = lock;
  }

  /** When the signal fires for the invocation's deadline (the deadline less its margin); undefined without one. */
  get deadlineAtMs(): number | undefined {
    const { deadlineMs, deadlineMarginMs } = this.settings;
    return deadlineMs === undefined ? undefined : deadlineMs - (deadlineMarginMs ?? 0);
  }

  /** The token this lease is held under. */
  get token(): string {
    return this.request.token;
  }
  /** The job's failure streak as this holder last saw it (acquire, hand-over, renewal); every job keeps one. */
  failureStreakSeen = 0;

  /** The lease's end as last written by this holder. */
  get leaseUntilMs(): number {
    return this.#leaseUntilMs;
  }

  /**
   * True once the lease is lost. A deadline or shutdown fires the signal too, but the lease is
   * still renewed while the run winds down, so no successor starts before it has returned.
   */
  leaseLost = false;

  /** Starts heartbeats, the deadline timer and the shutdown hook. */
  start(): void {
    if (this.settings.unleased) {
      this.#startStopSignals();
      return;
    }
    const intervalMs = Math.max(100, Math.floor(this.request.leaseMs / HEARTBEATS_PER_LEASE));
    const scheduler = this.settings.scheduler ?? intervalScheduler(this.#timers);
    this.#stopHeartbeat = scheduler(intervalMs, () => void this.beat());
    this.#armWatchdog();
    this.#startStopSignals();
  }

  #startStopSignals(): void {
    if (this.settings.deadlineMs !== undefined) {
      const fireInMs = this.settings.deadlineMs - (this.settings.deadlineMarginMs ?? 0) - this.ctx.clock();
      this.#deadlineTimer = this.#timers.setTimeout(() => this.#deadline(), Math.max(0, fireInMs));
      this.#deadlineTimer.unref();
    }
    if (this.settings.shutdown?.aborted) this.#onShutdown();
    this.settings.shutdown?.addEventListener('abort', this.#onShutdown, { once: true });
  }

  /**
   * One heartbeat: renews the lease unless it is already lost by this holder's own clock
   * (with the skew margin). Concurrent calls share one renewal.
   */
  beat(): Promise<void> {
    this.#renewing ??= this.#renew().finally(() => (this.#renewing = undefined));
    return this.#renewing;
  }

  async #renew(): Promise<void> {
    if (this.leaseLost || this.#stopped) return;
    const nowMs = this.ctx.clock();
    if (nowMs >= this.#leaseUntilMs - this.settings.maxClockSkewMs) {
      this.#lose('the lease ran out before a heartbeat renewed it', undefined);
      return;
    }
    const leaseUntilMs = nowMs + this.request.leaseMs;
    try {
      const result = await renewLease(this.ctx, this.request.job, this.request.token, leaseUntilMs);
      if (result.renewed) {
        this.lastSeenLock = result.lock;
        this.failureStreakSeen = failureStreakOf(result.lock);
        // Only the attempt's start time is safe: the write may have landed at any point since.
        if (leaseUntilMs > this.#leaseUntilMs) this.#leaseUntilMs = leaseUntilMs;
        this.#armWatchdog();
        return;
      }
      this.#lose('another holder took the lease', result.lock?.holder);
    } catch (error) {
      // A failed heartbeat is not a lost lease: the next one may succeed before it runs out.
      this.settings.log.warn('lease.renew.error', {
        job: this.request.job,
        holder: this.request.token,
        fence: this.fence,
        error: errorMessage(error),
      });
    }
  }

  /**
   * Fires the signal the moment the lease ends by this holder's clock (less the skew margin)
   * unless a renewal moved it: heartbeats alone could notice up to one interval late.
   */
  #armWatchdog(): void {
    if (this.#watchdog) this.#timers.clearTimeout(this.#watchdog);
    if (this.leaseLost || this.#stopped) return;
    const fireInMs = this.#leaseUntilMs - this.settings.maxClockSkewMs - this.ctx.clock();
    this.#watchdog = this.#timers.setTimeout(
      () => {
        if (this.ctx.clock() >= this.#leaseUntilMs - this.settings.maxClockSkewMs)
          this.#lose('the lease ran out before a heartbeat renewed it', undefined);
        else this.#armWatchdog();
      },
      Math.max(0, fireInMs),
    );
    this.#watchdog.unref();
  }

  #deadline(): void {
    if (this.signal.aborted) return;
    this.settings.log.warn('run.deadline', {
      job: this.request.job,
      fence: this.fence,
      deadline: new Date(this.settings.deadlineMs ?? 0).toISOString(),
    });
    this.#requestStop(new DeadlineError(`job "${this.request.job}": the invocation is about to time out`));
  }

  /** Asks the run to stop (deadline, shutdown) while it still holds the lease. */
  #requestStop(reason: Error): void {
    if (!this.signal.aborted) this.#controller.abort(reason);
  }

  #lose(reason: string, currentHolder: string | undefined): void {
    if (this.leaseLost) return;
    this.leaseLost = true;
    this.settings.log.error('lease.lost', { job: this.request.job, holder: this.request.token, fence: this.fence, reason, currentHolder });
    const lost = new LeaseLostError(this.request.job, this.request.token, reason, currentHolder);
    if (!this.signal.aborted) this.#controller.abort(lost);
    this.#lossController.abort(lost);
  }

  /**
   * True while the lease is still ours by this holder's clock (less the skew margin). A holder
   * held up between its acquire and its start (a stall, a slow response) may find it lapsed:
   * then it is marked lost, and the run must not start, as a successor may hold it by now.
   */
  stillValid(): boolean {
    if (this.settings.unleased) return true;
    if (!this.leaseLost && this.ctx.clock() >= this.#leaseUntilMs - this.settings.maxClockSkewMs) {
      this.#lose('the lease ran out before the run started (the process stalled after acquiring it)', undefined);
    }
    return !this.leaseLost;
  }

  /** Stops heartbeats without releasing: the lease lapses on its own. */
  abandon(): void {
    this.#stop();
  }

  /**
   * Stops heartbeats and releases the lease if this holder still has it. Refused, with the
   * lock still ours, when a slot is buffered behind us (unless `dropPending`): hand over then.
   */
  async release(options: { dropPending?: boolean; streak?: StreakWrite | undefined } = {}): Promise<ReleaseResult> {
    if (this.settings.unleased) {
      this.#stop();
      return { released: true };
    }
    return this.#letGo(
      () =>
        releaseLease(this.ctx, this.request.job, this.request.token, {
          ...(options.dropPending && { dropPending: true }),
          ...(options.streak && { streak: options.streak }),
        }),
      (result) => (result.released ? undefined : result),
      'release refused: another holder took the lease',
    );
  }

  /**
   * Passes the lease straight to the next run (a buffered slot or a continuation) in one
   * conditional write, with a new fence. Returns the next holder's fence and lease end, or the
   * lock as it stands when this holder no longer has it or the job was paused.
   */
  async handOver(next: {
    token: string;
    slotMs: number;
    trigger: Trigger;
    pendingSlotMs?: number;
    streak?: StreakWrite | undefined;
  }): Promise<Awaited<ReturnType<typeof handOverLease>>> {
    const write = (): ReturnType<typeof handOverLease> =>
      handOverLease(this.ctx, {
        job: this.request.job,
        fromToken: this.request.token,
        toToken: next.token,
        instance: this.request.instance,
        slotMs: next.slotMs,
        trigger: next.trigger,
        leaseMs: this.request.leaseMs,
        ...(next.pendingSlotMs !== undefined && { pendingSlotMs: next.pendingSlotMs }),
        ...(next.streak && { streak: next.streak }),
        respectPause: true,
        ...(this.request.definitionVersion !== undefined && { definitionVersion: this.request.definitionVersion }),
      });
    return this.#letGo(write, (result) => (result.handedOver ? undefined : result), 'hand-over refused: another holder took the lease');
  }

  /**
   * The last write of a holder (release or hand-over): heartbeats stop first, then the write;
   * refused with the lock in another's hands means the lease was lost before the end.
   */
  async #letGo<R>(write: () => Promise<R>, refusal: (result: R) => { lock: LockItem | undefined } | undefined, reason: string): Promise<R> {
    this.#stop();
    await this.#renewing;
    const result = await write();
    const refused = refusal(result);
    if (refused && refused.lock?.holder !== this.request.token) {
      this.leaseLost = true;
      this.settings.log.error('lease.lost', {
        job: this.request.job,
        holder: this.request.token,
        fence: this.fence,
        reason,
        currentHolder: refused.lock?.holder,
      });
      // The run has returned by now; the loss signal still says so to anyone who kept it.
      this.#lossController.abort(new LeaseLostError(this.request.job, this.request.token, reason, refused.lock?.holder));
    }
    return result;
  }

  #stopped = false;

  #stop(): void {
    this.#stopped = true;
    this.#stopHeartbeat?.();
    if (this.#watchdog) this.#timers.clearTimeout(this.#watchdog);
    if (this.#deadlineTimer) this.#timers.clearTimeout(this.#deadlineTimer);
    this.settings.shutdown?.removeEventListener('abort', this.#onShutdown);
  }
}

/**
 * Tries once to take the job's lease (never waits). On success the caller gets a HeldLease
 * to start, run under, and release; otherwise the current lock item, to say who holds it.
 */
export async function tryAcquire(
  ctx: StoreContext,
  request: AcquireRequest,
  settings: LeaseSettings,
): Promise<{ lease: HeldLease; result: Extract<AcquireResult, { acquired: true }> } | Extract<AcquireResult, { acquired: false }>> {
  const result = await acquireLease(ctx, request);
  if (!result.acquired) return result;
  const lease = new HeldLease(ctx, request, result.fence, result.leaseUntilMs, settings);
  lease.failureStreakSeen = result.failureStreak;
  return { lease, result };
}

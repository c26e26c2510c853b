import { describe, expect, it } from 'vitest';
import { DeadlineError, LeaseLostError } from '../../functions/core/errors.js';
import { HEARTBEATS_PER_LEASE, HeldLease, type LeaseSettings, type Scheduler, tryAcquire } from '../../functions/core/lease.js';
import { type AcquireRequest, acquireLease, getLock, releaseLease, renewLease, type StoreContext } from '../../functions/core/store.js';
import { fakeTimers } from '../support/fake-timers.js';
import { type FakeClock, fakeClock, memoryLog, useLocalTables } from '../support/local-table.js';
import { aborted } from '../support/tick-harness.js';

const tables = useLocalTables();
const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const LEASE_MS = 10_000;
const SKEW_MS = 1_000;
/** Never beats on its own: the test calls beat() by hand. */
const manualBeats: Scheduler = () => () => {};

type Ctx = StoreContext & { clock: FakeClock };

async function ctxAt(startMs = T0): Promise<Ctx> {
  return { client: tables.client(), tableName: await tables.newTable(), clock: fakeClock(startMs) };
}

/** The same table seen through another node's clock. */
const otherNode = (ctx: Ctx, startMs: number): Ctx => ({ ...ctx, clock: fakeClock(startMs) });

const request = (token: string, slotMs = T0): AcquireRequest => ({
  job: 'report',
  token,
  instance: token.split('#')[0]!,
  slotMs,
  leaseMs: LEASE_MS,
});

function settings(extra: Partial<LeaseSettings> = {}): LeaseSettings {
  return { log: memoryLog(), maxClockSkewMs: SKEW_MS, scheduler: manualBeats, ...extra };
}

/** Acquires through tryAcquire and returns the held lease; fails the test if refused. */
async function hold(ctx: Ctx, token: string, leaseSettings = settings()): Promise<HeldLease> {
  const acquired = await tryAcquire(ctx, request(token), leaseSettings);
  if (!('lease' in acquired)) throw new Error(`expected ${token} to acquire, lock held by ${acquired.lock?.holder}`);
  return acquired.lease;
}

describe('a holder that stops heartbeating', () => {
  it('blocks others until its lease ends, and not a millisecond longer', async () => {
    const ctx = await ctxAt();
    expect(await acquireLease(ctx, request('a#1'))).toMatchObject({ acquired: true, fence: 1 });

    ctx.clock.set(T0 + LEASE_MS - 1);
    expect(await acquireLease(ctx, request('b#2', T0 + 60_000))).toMatchObject({ acquired: false, lock: { holder: 'a#1' } });
    ctx.clock.set(T0 + LEASE_MS);
    expect(await acquireLease(ctx, request('b#2', T0 + 60_000))).toMatchObject({ acquired: false, lock: { holder: 'a#1' } });

    ctx.clock.set(T0 + LEASE_MS + 1);
    const next = await acquireLease(ctx, request('b#2', T0 + 60_000));
    expect(next).toMatchObject({ acquired: true, fence: 2, expired: { holder: 'a#1', slotMs: T0 } });
  });

  it('cannot renew or release once a successor holds the lease, and the successor is untouched', async () => {
    const ctx = await ctxAt();
    await acquireLease(ctx, request('a#1'));
    ctx.clock.set(T0 + LEASE_MS + 1);
    await acquireLease(ctx, request('b#2', T0 + 60_000));
    const successor = await getLock(ctx, 'report');

    expect(await renewLease(ctx, 'report', 'a#1', ctx.clock() + LEASE_MS)).toMatchObject({ renewed: false, lock: { holder: 'b#2' } });
    expect(await releaseLease(ctx, 'report', 'a#1')).toMatchObject({ released: false, lock: { holder: 'b#2' } });
    expect(await getLock(ctx, 'report')).toEqual(successor);
    expect(successor).toMatchObject({ holder: 'b#2', fence: 2, leaseUntilMs: T0 + 2 * LEASE_MS + 1 });
  });

  it('learns of the takeover at its next beat: the signal fires with a LeaseLostError naming the successor', async () => {
    const ctx = await ctxAt();
    const log = memoryLog();
    // A's clock runs slow: by its own clock the lease still has time left when B takes it.
    const a = await hold(ctx, 'a#1', settings({ log }));
    a.start();
    const b = otherNode(ctx, T0 + LEASE_MS + 1);
    expect(await acquireLease(b, request('b#2', T0 + 60_000))).toMatchObject({ acquired: true, fence: 2 });

    ctx.clock.set(T0 + 2_000);
    expect(a.signal.aborted).toBe(false);
    await a.beat();

    expect(a.signal.aborted).toBe(true);
    expect(a.leaseLost).toBe(true);
    const reason = a.signal.reason as LeaseLostError;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(reason).toMatchObject({ job: 'report', holder: 'a#1', reason: 'another holder took the lease', currentHolder: 'b#2' });
    expect(reason.message).toBe('lease on job "report" lost by a#1: another holder took the lease');
    expect(log.events).toContainEqual({
      level: 'error',
      message: 'lease.lost',
      attributes: expect.objectContaining({ job: 'report', holder: 'a#1', fence: 1, currentHolder: 'b#2' }),
    });
    expect(await getLock(ctx, 'report')).toMatchObject({ holder: 'b#2', fence: 2, leaseUntilMs: T0 + 2 * LEASE_MS + 1 });

    expect((await a.release()).released).toBe(false);
    expect(await getLock(ctx, 'report')).toMatchObject({ holder: 'b#2', fence: 2 });
  });

  it('after its lease ran out by its own clock, fires its signal at the next beat without writing', async () => {
    const ctx = await ctxAt();
    const a = await hold(ctx, 'a#1');
    a.start();
    ctx.clock.set(T0 + LEASE_MS + 5_000);
    await a.beat();
    expect(a.signal.aborted).toBe(true);
    expect(a.leaseLost).toBe(true);
    expect(a.signal.reason).toMatchObject({ reason: 'the lease ran out before a heartbeat renewed it' });
    expect((await getLock(ctx, 'report'))?.leaseUntilMs).toBe(T0 + LEASE_MS);
  });
});

describe('the skew margin of a holder', () => {
  it('treats the lease as lost maxClockSkewMs before it ends: the signal fires and nothing is renewed', async () => {
    const ctx = await ctxAt();
    const a = await hold(ctx, 'a#1');
    a.start();
    ctx.clock.set(T0 + LEASE_MS - SKEW_MS);
    await a.beat();
    expect(a.signal.aborted).toBe(true);
    expect(a.leaseLost).toBe(true);
    expect(a.signal.reason).toBeInstanceOf(LeaseLostError);
    expect(a.leaseUntilMs).toBe(T0 + LEASE_MS);
    expect((await getLock(ctx, 'report'))?.leaseUntilMs).toBe(T0 + LEASE_MS);
  });

  it('still renews one millisecond before the margin', async () => {
    const ctx = await ctxAt();
    const a = await hold(ctx, 'a#1');
    a.start();
    const beatAt = T0 + LEASE_MS - SKEW_MS - 1;
    ctx.clock.set(beatAt);
    await a.beat();
    expect(a.signal.aborted).toBe(false);
    expect(a.leaseUntilMs).toBe(beatAt + LEASE_MS);
    expect((await getLock(ctx, 'report'))?.leaseUntilMs).toBe(beatAt + LEASE_MS);
  });
});

describe('heartbeats', () => {
  it('extend the lease in the table so others stay out for a run of any length', async () => {
    const ctx = await ctxAt();
    const a = await hold(ctx, 'a#1');
    a.start();
    for (let i = 1; i <= 5; i++) {
      ctx.clock.advance(LEASE_MS / 2);
      await a.beat();
    }
    expect(a.signal.aborted).toBe(false);
    expect(a.leaseUntilMs).toBe(T0 + 5 * (LEASE_MS / 2) + LEASE_MS);
    expect(await acquireLease(ctx, request('b#2', T0 + 60_000))).toMatchObject({ acquired: false, lock: { holder: 'a#1', fence: 1 } });
    expect((await a.release()).released).toBe(true);
    expect(a.leaseLost).toBe(false);
    expect(await acquireLease(ctx, request('b#2', T0 + 60_000))).toMatchObject({ acquired: true, fence: 2 });
  });

  it('share one renewal when two beats overlap', async () => {
    const ctx = await ctxAt();
    const a = await hold(ctx, 'a#1');
    a.start();
    ctx.clock.advance(1_000);
    const first = a.beat();
    expect(a.beat()).toBe(first);
    await first;
    expect(a.leaseUntilMs).toBe(T0 + 1_000 + LEASE_MS);
  });

  it('are scheduled HEARTBEATS_PER_LEASE times per lease and stop on release', async () => {
    const ctx = await ctxAt();
    const calls: { intervalMs: number; stopped: boolean }[] = [];
    const recording: Scheduler = (intervalMs) => {
      const call = { intervalMs, stopped: false };
      calls.push(call);
      return () => {
        call.stopped = true;
      };
    };
    const a = await hold(ctx, 'a#1', settings({ scheduler: recording }));
    a.start();
    expect(calls).toEqual([{ intervalMs: Math.floor(LEASE_MS / HEARTBEATS_PER_LEASE), stopped: false }]);
    await a.release();
    expect(calls[0]!.stopped).toBe(true);
  });

  it('do not give up the lease when one renewal fails with an error', async () => {
    const ctx = await ctxAt();
    const log = memoryLog();
    const a = new HeldLease({ ...ctx, tableName: 'no-such-table' }, request('a#1'), 1, T0 + LEASE_MS, settings({ log }));
    a.start();
    ctx.clock.advance(1_000);
    await a.beat();
    expect(a.signal.aborted).toBe(false);
    expect(a.leaseLost).toBe(false);
    expect(a.leaseUntilMs).toBe(T0 + LEASE_MS);
    expect(log.events).toContainEqual({
      level: 'warn',
      message: 'lease.renew.error',
      attributes: expect.objectContaining({ job: 'report', holder: 'a#1' }),
    });
  });
});

describe('the watchdog of a holder', () => {
  const signalled = (signal: AbortSignal): Promise<void> =>
    signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

  it('fires the signal when the lease ends by its own clock, without waiting for a heartbeat', async () => {
    const ctx = await ctxAt();
    // Lease ends (less the skew margin) now: the watchdog fires on the next turn of the event loop.
    const a = new HeldLease(ctx, request('a#1'), 1, T0 + SKEW_MS, settings());
    a.start();
    await signalled(a.signal);
    expect(a.leaseLost).toBe(true);
    expect(a.signal.reason).toMatchObject({ reason: 'the lease ran out before a heartbeat renewed it' });
  });

  it('does not fire once the lease is released', async () => {
    const ctx = await ctxAt();
    await acquireLease(ctx, request('a#1'));
    const a = new HeldLease(ctx, request('a#1'), 1, T0 + SKEW_MS + 5, settings());
    a.start();
    ctx.clock.set(T0 + 5);
    expect((await a.release()).released).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(a.signal.aborted).toBe(false);
    expect(a.leaseLost).toBe(false);
  });
});

describe('abandon', () => {
  it('stops heartbeats but keeps the lease in the table, so it lapses on its own', async () => {
    const ctx = await ctxAt();
    let stopped = false;
    const stopHeartbeat = (): void => {
      stopped = true;
    };
    const a = await hold(ctx, 'a#1', settings({ scheduler: () => stopHeartbeat }));
    a.start();
    a.abandon();
    expect(stopped).toBe(true);
    expect(await getLock(ctx, 'report')).toMatchObject({ holder: 'a#1', leaseUntilMs: T0 + LEASE_MS });
    ctx.clock.set(T0 + LEASE_MS + 1);
    expect(await acquireLease(ctx, request('b#2'))).toMatchObject({ acquired: true, fence: 2, expired: { holder: 'a#1' } });
  });
});

describe('other reasons the signal fires', () => {
  it('fires with a DeadlineError before the invocation deadline, without calling the lease lost', async () => {
    const ctx = await ctxAt();
    const a = await hold(ctx, 'a#1', settings({ deadlineMs: T0 + 5_000, deadlineMarginMs: 5_000 }));
    a.start();
    await new Promise<void>((resolve) => a.signal.addEventListener('abort', () => resolve(), { once: true }));
    expect(a.signal.reason).toBeInstanceOf(DeadlineError);
    expect(a.leaseLost).toBe(false);
    expect((await a.release()).released).toBe(true);
  });

  it('fires with a DeadlineError when the node shuts down', async () => {
    const ctx = await ctxAt();
    const shutdown = new AbortController();
    const a = await hold(ctx, 'a#1', settings({ shutdown: shutdown.signal }));
    a.start();
    expect(a.signal.aborted).toBe(false);
    shutdown.abort();
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toBeInstanceOf(DeadlineError);
    expect(a.leaseLost).toBe(false);
  });

  it('fires at start when the node is already shutting down', async () => {
    const ctx = await ctxAt();
    const a = await hold(ctx, 'a#1', settings({ shutdown: AbortSignal.abort() }));
    a.start();
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toBeInstanceOf(DeadlineError);
  });
});

describe('a run asked to stop (deadline, shutdown) that is still winding down', () => {
  it('keeps renewing its lease, so no successor starts before it returns', async () => {
    const ctx = await ctxAt();
    const shutdown = new AbortController();
    const a = await hold(ctx, 'a#1', settings({ shutdown: shutdown.signal }));
    a.start();
    shutdown.abort();
    expect(a.signal.aborted).toBe(true);

    ctx.clock.set(T0 + LEASE_MS / 2);
    await a.beat();
    expect((await getLock(ctx, 'report'))?.leaseUntilMs).toBe(T0 + LEASE_MS / 2 + LEASE_MS);
    const other = otherNode(ctx, T0 + LEASE_MS + 1);
    expect(await acquireLease(other, request('b#2', T0 + 60_000))).toMatchObject({ acquired: false, lock: { holder: 'a#1' } });
    expect(a.leaseLost).toBe(false);
    expect((await a.release()).released).toBe(true);
  });

  it('still learns that its lease was lost, and says so', async () => {
    const ctx = await ctxAt();
    const shutdown = new AbortController();
    const a = await hold(ctx, 'a#1', settings({ shutdown: shutdown.signal }));
    a.start();
    shutdown.abort();
    ctx.clock.set(T0 + LEASE_MS - SKEW_MS);
    await a.beat();
    expect(a.leaseLost).toBe(true);
    expect(a.signal.reason).toBeInstanceOf(DeadlineError); // the first reason stays
  });

  it('tells the run of the loss on leaseLostSignal, which fires even after the deadline fired signal', async () => {
    // Seed 20867: a handler that kept going after its deadline never heard that its slow
    // heartbeat let the lease lapse, and a successor started beside it.
    const ctx = await ctxAt();
    const a = await hold(ctx, 'a#1', settings({ deadlineMs: T0 + 5_000, deadlineMarginMs: 5_000 }));
    a.start();
    await aborted(a.signal);
    expect(a.signal.reason).toBeInstanceOf(DeadlineError);
    expect(a.leaseLostSignal.aborted).toBe(false);
    ctx.clock.set(T0 + LEASE_MS - SKEW_MS);
    await a.beat();
    expect(a.leaseLostSignal.aborted).toBe(true);
    expect(a.leaseLostSignal.reason).toBeInstanceOf(LeaseLostError);
  });

  it('fires leaseLostSignal when the release finds a successor holding the lease', async () => {
    const ctx = await ctxAt();
    const a = await hold(ctx, 'a#1');
    a.start();
    await acquireLease(otherNode(ctx, T0 + LEASE_MS + 1), request('b#2', T0 + 60_000));
    expect((await a.release()).released).toBe(false);
    expect(a.leaseLostSignal.reason).toBeInstanceOf(LeaseLostError);
  });
});

describe('timers injected through the lease settings', () => {
  // The watchdog, the deadline and the default heartbeat all run on `settings.timers`: the test
  // moves fake time and the lease reacts at the exact millisecond, without a real timer or a sleep.
  it('fire the watchdog when the lease ends by the holder clock, less the skew margin, and not a millisecond before', async () => {
    const ctx = await ctxAt();
    const timers = fakeTimers(ctx.clock);
    const a = new HeldLease(ctx, request('a#1'), 1, T0 + LEASE_MS, settings({ timers }));
    a.start();
    timers.advance(LEASE_MS - SKEW_MS - 1);
    expect(a.signal.aborted).toBe(false);
    timers.advance(1);
    expect(a.leaseLost).toBe(true);
    expect(a.leaseLostSignal.reason).toMatchObject({ reason: 'the lease ran out before a heartbeat renewed it' });
  });

  it('fire the deadline deadlineMarginMs before the deadline, as a DeadlineError and not a loss', async () => {
    const ctx = await ctxAt();
    const timers = fakeTimers(ctx.clock);
    const a = await hold(ctx, 'a#1', settings({ timers, deadlineMs: T0 + 5_000, deadlineMarginMs: 1_000 }));
    a.start();
    timers.advance(3_999);
    expect(a.signal.aborted).toBe(false);
    timers.advance(1);
    expect(a.signal.reason).toBeInstanceOf(DeadlineError);
    expect(a.leaseLost).toBe(false);
    expect((await a.release()).released).toBe(true);
    expect(timers.pending()).toBe(0);
  });

  it('run the default heartbeat: it renews in the table, moves the watchdog on, and release clears every timer', async () => {
    const ctx = await ctxAt();
    const timers = fakeTimers(ctx.clock);
    const a = await hold(ctx, 'a#1', { log: memoryLog(), maxClockSkewMs: SKEW_MS, timers });
    a.start();
    expect(timers.pending()).toBe(2); // the heartbeat interval and the watchdog
    const intervalMs = Math.floor(LEASE_MS / HEARTBEATS_PER_LEASE);
    timers.advance(intervalMs);
    // A beat of our own would renew from the moved clock; joining the interval's keeps its lease end.
    ctx.clock.advance(1);
    await a.beat();
    expect(await getLock(ctx, 'report')).toMatchObject({ holder: 'a#1', leaseUntilMs: T0 + intervalMs + LEASE_MS });
    // Past the first lease's end less the margin: the watchdog was moved on by the renewal.
    timers.advance(LEASE_MS - SKEW_MS - intervalMs);
    await a.beat();
    expect(a.signal.aborted).toBe(false);
    expect((await a.release()).released).toBe(true);
    expect(timers.pending()).toBe(0);
  });
});

describe('tryAcquire', () => {
  it('returns a held lease with the fence and lease end on success', async () => {
    const ctx = await ctxAt();
    const acquired = await tryAcquire(ctx, request('a#1'), settings());
    if (!('lease' in acquired)) throw new Error(`expected to acquire, lock held by ${acquired.lock?.holder}`);
    expect(acquired.lease).toBeInstanceOf(HeldLease);
    expect(acquired.lease.fence).toBe(1);
    expect(acquired.lease.leaseUntilMs).toBe(T0 + LEASE_MS);
    expect(acquired.lease.failureStreakSeen).toBe(0);
    expect(acquired.result).toEqual({ acquired: true, fence: 1, leaseUntilMs: T0 + LEASE_MS, failureStreak: 0 });
  });

  it('returns the current lock, never waiting, when the lease is held', async () => {
    const ctx = await ctxAt();
    await hold(ctx, 'a#1');
    const refused = await tryAcquire(ctx, request('b#2'), settings());
    expect(refused).toMatchObject({ acquired: false, lock: { holder: 'a#1', fence: 1 } });
  });
});

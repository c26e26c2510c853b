import { describe, expect, it } from 'vitest';
import type { FailureHook, RunFailure } from '../../functions/core/failure-hook.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { startDelayMs } from '../../functions/core/start-jitter.js';
import { getLock, recentSlots, setPaused } from '../../functions/core/store.js';
import { tick, triggerJob } from '../../functions/core/tick.js';
import type { JobHandler, RunContext } from '../../functions/core/types.js';
import { fakeClock, memoryLog, useLocalTables } from '../support/local-table.js';
import { MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();

const schedule = (extra: string) => parseSchedule(`flaky:\n  cron: "* * * * *"\n  class: Flaky\n${extra}`, { handlers: ['Flaky'] });

async function setUp(handler: JobHandler, extra = '  pauseAfterFailures: 3\n') {
  const tableName = await tables.newTable();
  const clock = fakeClock(T0 + 500);
  const log = memoryLog();
  const hookCalls: { context: RunContext; error: Error }[] = [];
  const published: RunFailure[] = [];
  const deps = {
    client: tables.client(),
    tableName,
    clock,
    instance: 'n1',
    log,
    handlers: { Flaky: handler },
    failureHooks: {
      flaky: (context: RunContext, error: Error): unknown => void hookCalls.push({ context, error }),
    } as Record<string, FailureHook>,
    publishFailure: async (failure: RunFailure) => void published.push(failure),
  };
  return { deps, clock, log, hookCalls, published, jobs: schedule(extra) };
}

describe('pauseAfterFailures against the local server', () => {
  it('pauses the job after three consecutive failed slots, with the reason on the lock, and skips the next slot as paused', async () => {
    const { deps, clock, log, jobs } = await setUp(() => {
      throw new Error('upstream 503');
    });
    const streaks: (number | undefined)[] = [];
    for (let minute = 0; minute < 3; minute++) {
      clock.set(T0 + minute * MINUTE_MS + 500);
      await tick(deps, { jobs });
      streaks.push((await getLock(deps, 'flaky'))?.failureStreak);
    }
    expect(streaks).toEqual([1, 2, 3]);
    const lock = await getLock(deps, 'flaky');
    expect(lock).toMatchObject({
      paused: true,
      pausedReason: 'failures',
      pausedError: 'Error: upstream 503',
      pausedAfterSlotMs: T0 + 2 * MINUTE_MS,
    });
    expect(lock?.pausedNote).toContain('paused itself after 3 consecutive failed slots');
    expect(lock?.holder).toBeUndefined();
    expect(log.events.filter((event) => event.message === 'job.self-paused')).toHaveLength(1);
    clock.set(T0 + 3 * MINUTE_MS + 500);
    expect(await tick(deps, { jobs })).toEqual([expect.objectContaining({ outcome: 'paused' })]);
  });

  it('reports the self-pause as an outcome of the tick that paused it', async () => {
    const { deps, clock, jobs } = await setUp(() => {
      throw new Error('boom');
    }, '  pauseAfterFailures: 1\n');
    clock.set(T0 + 500);
    const outcomes = await tick(deps, { jobs });
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['failed', 'self-paused']);
    expect(outcomes[1]).toMatchObject({ failureStreak: 1, error: 'Error: boom' });
  });

  it('clears the streak on a success, and resume clears it and the reason', async () => {
    let fail = true;
    const { deps, clock, jobs } = await setUp(() => {
      if (fail) throw new Error('flaky');
    });
    for (let minute = 0; minute < 2; minute++) {
      clock.set(T0 + minute * MINUTE_MS + 500);
      await tick(deps, { jobs });
    }
    expect((await getLock(deps, 'flaky'))?.failureStreak).toBe(2);
    fail = false;
    clock.set(T0 + 2 * MINUTE_MS + 500);
    await tick(deps, { jobs });
    expect((await getLock(deps, 'flaky'))?.failureStreak).toBeUndefined();
    fail = true;
    for (let minute = 3; minute < 6; minute++) {
      clock.set(T0 + minute * MINUTE_MS + 500);
      await tick(deps, { jobs });
    }
    expect((await getLock(deps, 'flaky'))?.paused).toBe(true);
    const resumed = await setPaused(deps, 'flaky', false);
    expect(resumed.paused).toBe(false);
    expect(resumed.failureStreak).toBeUndefined();
    expect(resumed.pausedReason).toBeUndefined();
    expect(resumed.pausedError).toBeUndefined();
  });

  it('counts a failed manual run too, and a successful one ends the streak', async () => {
    let fail = true;
    const { deps, clock, jobs } = await setUp(() => {
      if (fail) throw new Error('manual boom');
    });
    const [job] = jobs;
    if (!job) throw new Error('no job');
    await triggerJob(deps, job);
    expect((await getLock(deps, 'flaky'))?.failureStreak).toBe(1);
    fail = false;
    clock.advance(1_000);
    await triggerJob(deps, job);
    expect((await getLock(deps, 'flaky'))?.failureStreak).toBeUndefined();
  });

  it('counts the streak of a job without pauseAfterFailures too (the page counts failing jobs by it), and never pauses it', async () => {
    const { deps, clock, jobs } = await setUp(() => {
      throw new Error('no limit');
    }, '');
    for (let minute = 0; minute < 4; minute++) {
      clock.set(T0 + minute * MINUTE_MS + 500);
      await tick(deps, { jobs });
    }
    const lock = await getLock(deps, 'flaky');
    expect(lock?.failureStreak).toBe(4);
    expect(lock?.paused).toBeUndefined();
  });
});

describe('the failure hook and run.failed against the local server', () => {
  it('calls onFailure once per failed slot, under the lease, with the thrown error, before the record', async () => {
    const { deps, clock, hookCalls, published, log, jobs } = await setUp(() => {
      throw new TypeError('bad row 17');
    });
    let lockDuringHook: Awaited<ReturnType<typeof getLock>>;
    let slotsDuringHook: Awaited<ReturnType<typeof recentSlots>> = [];
    deps.failureHooks.flaky = async (context, error) => {
      hookCalls.push({ context, error });
      lockDuringHook = await getLock(deps, 'flaky');
      slotsDuringHook = await recentSlots(deps, 'flaky', 5);
    };
    clock.set(T0 + 500);
    await tick(deps, { jobs });
    expect(hookCalls).toHaveLength(1);
    const [call] = hookCalls;
    expect(call?.error).toBeInstanceOf(TypeError);
    expect(call?.error.message).toBe('bad row 17');
    expect(call?.context.slot.getTime()).toBe(T0);
    expect(call?.context.fence).toBe(1);
    expect(lockDuringHook?.holder).toBeDefined();
    expect(slotsDuringHook).toHaveLength(0);
    const [slot] = await recentSlots(deps, 'flaky', 5);
    expect(slot).toMatchObject({ status: 'failed', error: 'TypeError: bad row 17' });
    expect(published).toEqual([
      expect.objectContaining({
        type: 'run.failed',
        job: 'flaky',
        slot: '2026-11-26T10:00:00.000Z',
        fence: 1,
        error: 'TypeError: bad row 17',
        attempts: 1,
      }),
    ]);
    const event = log.events.find((line) => line.message === 'run.failed');
    expect(event?.attributes).toMatchObject({
      job: 'flaky',
      fence: 1,
      trigger: 'schedule',
      failureStreak: 1,
      pauseAfterFailures: 3,
      pausesJob: false,
    });
  });

  it('logs a hook that throws and keeps the slot failed; never calls the hook for a success', async () => {
    let fail = true;
    const { deps, clock, log, published, jobs } = await setUp(() => {
      if (fail) throw new Error('run broke');
    });
    deps.failureHooks.flaky = () => {
      throw new Error('slack is down');
    };
    clock.set(T0 + 500);
    await tick(deps, { jobs });
    expect(log.events.find((line) => line.message === 'run.on-failure.error')?.attributes.error).toBe('Error: slack is down');
    const [slot] = await recentSlots(deps, 'flaky', 5);
    expect(slot?.status).toBe('failed');
    expect((await getLock(deps, 'flaky'))?.holder).toBeUndefined();
    fail = false;
    clock.set(T0 + MINUTE_MS + 500);
    await tick(deps, { jobs });
    expect(published).toHaveLength(1);
  });
});

describe('jitter against the local server', () => {
  it('starts a slot at its fixed delay, not before, handing the handler the slot time; a late tick still runs it', async () => {
    const slots: number[] = [];
    const { deps, clock } = await setUp((context) => void slots.push(context.slot.getTime()), '');
    const jobs = schedule('  jitter: 50s\n');
    const [job] = jobs;
    if (!job) throw new Error('no job');
    // A slot whose delay is at least 2 s, so "before its start" is a moment after its time.
    let slotMs = T0;
    while (startDelayMs(job, slotMs) < 2_000) slotMs += MINUTE_MS;
    const delayMs = startDelayMs(job, slotMs);
    clock.set(slotMs + 500);
    // Before its start the slot is not due (the slot before it may still be, inside its own window).
    await tick(deps, { jobs });
    expect(slots).not.toContain(slotMs);
    // The next tick comes late (a Lambda tick a minute on): still inside the window counted from the start.
    clock.set(slotMs + delayMs + 45_000);
    const outcomes = await tick(deps, { jobs });
    expect(outcomes.map((outcome) => outcome.outcome)).toContain('ran');
    expect(slots).toContain(slotMs);
  });
});

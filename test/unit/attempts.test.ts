import { describe, expect, it } from 'vitest';
import { runAttempts } from '../../functions/core/attempts.js';
import { LeaseLostError, NonRetriableError, TimeoutError } from '../../functions/core/errors.js';
import { HeldLease } from '../../functions/core/lease.js';
import type { TickDeps } from '../../functions/core/run.js';
import type { RunContext } from '../../functions/core/types.js';
import { fakeTimers } from '../support/fake-timers.js';
import { jobDefinition } from '../support/job-definition.js';
import { fakeClock, memoryLog } from '../support/local-table.js';

const T0 = Date.UTC(2026, 11, 2, 12, 0);
const RETRY = { attempts: 3, backoffMs: 1_000, maxBackoffMs: 60_000, factor: 2 };

/** Lets every promise that can settle do so (the fake timers fire synchronously; handlers await). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A run of `job` on fake time under a lease with no table (overlap allow's kind): the attempts' own logic alone. */
function harness(options: { deadlineMs?: number; shutdown?: AbortSignal } = {}) {
  const clock = fakeClock(T0);
  const timers = fakeTimers(clock);
  const log = memoryLog();
  const deps = {
    client: undefined as never,
    tableName: 'unused',
    clock,
    timers,
    log,
    instance: 'n1',
    handlers: {},
    random: () => 0.5,
    timeoutGraceMs: 2_000,
    ...(options.shutdown && { shutdown: options.shutdown }),
  } satisfies TickDeps;
  const lease = new HeldLease(
    deps,
    { job: 'print', token: 'n1#t', instance: 'n1', slotMs: T0, leaseMs: 60_000, trigger: 'schedule' },
    7,
    Number.POSITIVE_INFINITY,
    {
      log,
      maxClockSkewMs: 1_000,
      unleased: true,
      timers,
      deadlineMarginMs: 1_000,
      ...(options.deadlineMs !== undefined && { deadlineMs: options.deadlineMs }),
      ...(options.shutdown && { shutdown: options.shutdown }),
    },
  );
  lease.start();
  const seen: RunContext[] = [];
  const run = (job: ReturnType<typeof jobDefinition>, handler: (context: RunContext) => unknown) =>
    runAttempts(deps, {
      job,
      lease,
      handler: (context) => {
        seen.push(context);
        return handler(context);
      },
      context: (attempt, signals) => ({
        job: job.name,
        slot: new Date(T0),
        fence: 7,
        args: {},
        log,
        trigger: 'schedule',
        attempt,
        ...signals,
      }),
    });
  /** Advances fake time in steps, letting the handlers' promises settle between them. */
  const advance = async (ms: number, stepMs = 100): Promise<void> => {
    await settle();
    for (let done = 0; done < ms; done += stepMs) {
      timers.advance(Math.min(stepMs, ms - done));
      await settle();
    }
  };
  return { clock, timers, log, lease, seen, run, advance };
}

describe('runAttempts', () => {
  it('tries a handler that fails twice a third time, waiting backoff × factor^n with jitter, under one fence', async () => {
    const { seen, run, advance } = harness();
    let calls = 0;
    const done = run(jobDefinition({ retry: RETRY }), () => {
      calls += 1;
      if (calls < 3) throw new Error(`failure ${calls}`);
      return 'ok';
    });
    await advance(5_000);
    const outcome = await done;
    expect(seen.map((context) => [context.attempt, context.fence])).toEqual([
      [1, 7],
      [2, 7],
      [3, 7],
    ]);
    // random 0.5: half of 1 s, then half of 2 s.
    expect(outcome.attempts.map((attempt) => [attempt.attempt, attempt.status, attempt.startedAtMs - T0, attempt.error])).toEqual([
      [1, 'failed', 0, 'Error: failure 1'],
      [2, 'failed', 500, 'Error: failure 2'],
      [3, 'succeeded', 1_500, undefined],
    ]);
    expect(outcome).toMatchObject({ status: 'succeeded', result: 'ok' });
    expect(outcome.retries).toEqual({ attempts: outcome.attempts });
  });

  it('records the last error as the outcome once the attempts are used up', async () => {
    const { run, advance } = harness();
    const done = run(jobDefinition({ retry: RETRY }), (context) => {
      throw new Error(`failure ${context.attempt}`);
    });
    await advance(5_000);
    const outcome = await done;
    expect(outcome).toMatchObject({ status: 'failed', error: 'Error: failure 3' });
    expect(outcome.attempts).toHaveLength(3);
    expect(outcome.retries).not.toHaveProperty('attemptsLeft');
  });

  it('makes one attempt by default', async () => {
    const { run } = harness();
    const outcome = await run(jobDefinition(), () => {
      throw new Error('once');
    });
    expect(outcome).toMatchObject({ status: 'failed', error: 'Error: once', retries: undefined });
    expect(outcome.attempts).toHaveLength(1);
  });

  it('stops at a NonRetriableError and says how many attempts were left', async () => {
    const { seen, run } = harness();
    const outcome = await run(jobDefinition({ retry: RETRY }), () => {
      throw new NonRetriableError('the input is bad');
    });
    expect(seen).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 'failed', error: 'NonRetriableError: the input is bad' });
    expect(outcome.retries).toEqual({ attemptsLeft: 2, retryStopped: 'non-retriable' });
  });

  it('fires the signal with a TimeoutError at the timeout; a handler that stops then is timed-out and retried', async () => {
    const { seen, run, advance } = harness();
    const done = run(jobDefinition({ retry: { ...RETRY, attempts: 2 }, timeoutMs: 3_000 }), (context) => {
      if (context.attempt === 2) return 'second time lucky';
      return new Promise((_, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason)));
    });
    await advance(5_000);
    const outcome = await done;
    expect(seen[0]?.signal.reason).toBeInstanceOf(TimeoutError);
    expect(seen[0]?.leaseLostSignal.aborted).toBe(false);
    expect(outcome.attempts.map((attempt) => [attempt.status, attempt.durationMs, attempt.error])).toEqual([
      ['timed-out', 3_000, 'TimeoutError: job "print": attempt 1 passed its timeout of 3000 ms'],
      ['succeeded', 0, undefined],
    ]);
    expect(outcome.status).toBe('succeeded');
  });

  it('cuts a handler that ignores its timeout off from the lease after the grace, and does not retry it', async () => {
    const { seen, run, advance } = harness();
    const done = run(jobDefinition({ retry: RETRY, timeoutMs: 3_000 }), () => new Promise(() => {}));
    await advance(6_000);
    const outcome = await done;
    expect(seen).toHaveLength(1);
    expect(seen[0]?.leaseLostSignal.reason).toBeInstanceOf(LeaseLostError);
    expect(String(seen[0]?.leaseLostSignal.reason)).toContain('attempt 1 ignored its timeout of 3000 ms for 2000 ms and was cut off');
    expect(outcome).toMatchObject({
      status: 'timed-out',
      error: 'TimeoutError: job "print": attempt 1 passed its timeout of 3000 ms (cut off from the lease)',
    });
    expect(outcome.attempts[0]?.durationMs).toBe(5_000);
    expect(outcome.retries).toEqual({ attemptsLeft: 2, retryStopped: 'cut-off', cutOff: true });
  });

  it('records a handler that returns within the grace as succeeded: its work is done', async () => {
    const { run, advance, timers } = harness();
    const done = run(
      jobDefinition({ timeoutMs: 1_000 }),
      () => new Promise((resolve) => timers.setTimeout(() => resolve('late but done'), 1_500)),
    );
    await advance(3_000);
    expect(await done).toMatchObject({ status: 'succeeded', result: 'late but done' });
  });

  it('stops with the attempts left when the next attempt would start past the deadline (Lambda)', async () => {
    const { seen, log, run, advance } = harness({ deadlineMs: T0 + 2_000 });
    const done = run(jobDefinition({ retry: { ...RETRY, backoffMs: 4_000 } }), () => {
      throw new Error('down');
    });
    await advance(1_000);
    const outcome = await done;
    expect(seen).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 'failed', error: 'Error: down' });
    expect(outcome.retries).toEqual({ attemptsLeft: 2, retryStopped: 'deadline' });
    expect(log.events.find((event) => event.message === 'run.retry.deadline')?.attributes).toMatchObject({ attempt: 1, delayMs: 2_000 });
  });

  it('stops waiting when the node shuts down during a backoff', async () => {
    const shutdown = new AbortController();
    const { seen, run, advance } = harness({ shutdown: shutdown.signal });
    const done = run(jobDefinition({ retry: { ...RETRY, backoffMs: 20_000 } }), () => {
      throw new Error('down');
    });
    await advance(1_000);
    shutdown.abort();
    await advance(100);
    const outcome = await done;
    expect(seen).toHaveLength(1);
    expect(outcome.retries).toEqual({ attemptsLeft: 2, retryStopped: 'stopped' });
  });
});

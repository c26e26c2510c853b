/**
 * The attempts of one run, all under the one lease and fence it already holds: the handler,
 * and after a failure the job's retry policy (retry-policy.ts) decides whether to wait and try
 * again. The lease's heartbeat goes on through every wait, so the lease is never free between
 * attempts (a slot that arrives meanwhile is skipped or buffered by the job's overlap policy).
 * Each attempt has its own timeout (run-timeout.ts). What the attempts come to is returned once,
 * as one outcome: run-once.ts turns it into the slot's record. docs/protocol.md.
 */
import { DeadlineError, errorMessage } from './errors.js';
import type { HeldLease } from './lease.js';
import { NO_RETRY, type RetryStop, retryDecision, RetryStop as Stop } from './retry-policy.js';
import { waitBeforeRetry } from './retry-wait.js';
import type { TickDeps } from './run.js';
import type { RetriesRecord } from './run-records.js';
import { attemptSignals, TIMEOUT_GRACE_MS } from './run-timeout.js';
import { type AttemptRecord, SlotStatus } from './table-keys.js';
import { systemTimers } from './time.js';
import type { JobDefinition, RunContext } from './types.js';

/** What a run's attempts came to: the last attempt's status, result and error, and every attempt. */
export interface AttemptsOutcome {
  status: AttemptRecord['status'];
  result: unknown;
  error?: string;
  /** What the last attempt threw (its signal's reason when it was stopped by it): the failure hook's error. */
  thrown?: unknown;
  attempts: AttemptRecord[];
  /** The record's share (every attempt when more than one, what stopped the rest); undefined for a plain run. */
  retries: RetriesRecord | undefined;
}

/** The run whose attempts these are: its job, its lease, and how each attempt's context is built. */
export interface AttemptsRequest {
  job: JobDefinition;
  lease: HeldLease;
  handler: (context: RunContext) => unknown;
  /** The attempt's context, given its number and signals (everything else is the run's). */
  context: (attempt: number, signals: Pick<RunContext, 'signal' | 'leaseLostSignal'>) => RunContext;
}

type Settled = { kind: 'returned'; value: unknown } | { kind: 'threw'; thrown: unknown } | { kind: 'cut-off' };

/** Runs the handler, and again by the job's retry policy while that may help, under the lease. */
export async function runAttempts(deps: TickDeps, request: AttemptsRequest): Promise<AttemptsOutcome> {
  const { job, lease } = request;
  const policy = job.retry ?? NO_RETRY;
  const timers = deps.timers ?? systemTimers;
  const attempts: AttemptRecord[] = [];
  for (let attempt = 1; ; attempt++) {
    const signals = attemptSignals(lease, {
      job: job.name,
      holder: lease.token,
      attempt,
      timeoutMs: job.timeoutMs,
      graceMs: deps.timeoutGraceMs ?? TIMEOUT_GRACE_MS,
      timers,
    });
    const startedAtMs = deps.clock();
    const running = Promise.resolve()
      .then(() => request.handler(request.context(attempt, signals)))
      .then(
        (value): Settled => ({ kind: 'returned', value }),
        (thrown: unknown): Settled => ({ kind: 'threw', thrown }),
      );
    // A handler that ignores its timeout is left to itself after the grace: the run ends without it.
    const settled = await Promise.race([running, signals.cutOff.then((): Settled => ({ kind: 'cut-off' }))]);
    signals.dispose();
    const durationMs = deps.clock() - startedAtMs;
    if (settled.kind === 'returned') {
      attempts.push({ attempt, status: SlotStatus.succeeded, startedAtMs, durationMs });
      return { status: SlotStatus.succeeded, result: settled.value, attempts, retries: retriesRecord(attempts) };
    }
    const thrown = settled.kind === 'threw' ? settled.thrown : signals.signal.reason;
    // A handler stopped by its signal usually rethrows a bare AbortError; say why it fired.
    const aborted = signals.signal.aborted && (thrown === signals.signal.reason || (thrown as Error)?.name === 'AbortError');
    const cutOff = settled.kind === 'cut-off';
    const error = `${errorMessage(aborted ? signals.signal.reason : thrown)}${cutOff ? ' (cut off from the lease)' : ''}`;
    const status = signals.timedOut ? SlotStatus.timedOut : SlotStatus.failed;
    attempts.push({ attempt, status, startedAtMs, durationMs, error });
    const ended = { status, result: undefined, error, thrown: aborted ? signals.signal.reason : thrown, attempts };
    const stop = cutOff ? Stop.cutOff : stoppedByLease(deps, lease);
    const decision = stop
      ? ({ retry: false, stop } as const)
      : retryDecision(policy, { attempt, thrown }, { clock: deps.clock, random: deps.random ?? Math.random });
    const attemptsLeft = policy.attempts - attempt;
    if (!decision.retry) return { ...ended, retries: retriesRecord(attempts, decision.stop, attemptsLeft) };
    const deadlineAtMs = lease.deadlineAtMs;
    if (deadlineAtMs !== undefined && deps.clock() + decision.delayMs >= deadlineAtMs) {
      // Recorded failed with its attempts left, rather than carried to a fresh invocation: see docs/schedule.md.
      deps.log.warn('run.retry.deadline', { job: job.name, fence: lease.fence, attempt, attemptsLeft, delayMs: decision.delayMs });
      return { ...ended, retries: retriesRecord(attempts, Stop.deadline, attemptsLeft) };
    }
    deps.log.warn('run.retry', { job: job.name, fence: lease.fence, attempt, error, delayMs: decision.delayMs, attemptsLeft });
    if (!(await waitBeforeRetry(lease, decision.delayMs, timers)) || !lease.stillValid()) {
      return { ...ended, retries: retriesRecord(attempts, stoppedByLease(deps, lease) ?? Stop.stopped, attemptsLeft) };
    }
  }
}

/** Why nothing more may run under this lease, if so: lost, the deadline near, the node stopping. */
function stoppedByLease(deps: TickDeps, lease: HeldLease): RetryStop | undefined {
  if (lease.leaseLost || deps.shutdown?.aborted) return Stop.stopped;
  if (!lease.signal.aborted) return undefined;
  return lease.signal.reason instanceof DeadlineError ? Stop.deadline : Stop.stopped;
}

/** The record's share of the attempts: every attempt when there were several, and what stopped them. */
function retriesRecord(attempts: AttemptRecord[], stop?: RetryStop, attemptsLeft = 0): RetriesRecord | undefined {
  const record: RetriesRecord = {
    ...(attempts.length > 1 && { attempts }),
    ...(stop !== undefined && stop !== Stop.exhausted && attemptsLeft > 0 && { attemptsLeft, retryStopped: stop }),
    ...(stop === Stop.cutOff && { cutOff: true }),
  };
  return Object.keys(record).length > 0 ? record : undefined;
}

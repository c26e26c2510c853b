/**
 * A job's retry policy as data, and the one decision it makes: after a failed attempt, try
 * again (after how long) or stop (why). Pure: the clock and the random source are arguments,
 * so the backoff is unit tested without waiting. Where the attempts run: attempts.ts.
 */
import { NonRetriableError, RetryAfterError } from './errors.js';

/** How a failed run is tried again, under the same lease (BullMQ's `attempts` counts the first). */
export interface RetryPolicy {
  /** Tries in all, the first included: 1 means no retry. */
  attempts: number;
  /** The wait's ceiling before the first retry; each retry after that multiplies it by `factor`. */
  backoffMs: number;
  /** No wait is longer than this, whatever `factor` or a RetryAfterError asks for. */
  maxBackoffMs: number;
  factor: number;
}

/** The defaults of the `retry` keys: one attempt (no retry), as before retries existed. */
export const RETRY_DEFAULTS = { attempts: 1, backoff: '1s', maxBackoff: '5m', factor: 2 } as const;

/** The policy of a job that sets none: one attempt. */
export const NO_RETRY: RetryPolicy = { attempts: 1, backoffMs: 1_000, maxBackoffMs: 300_000, factor: 2 };

/** Why a failed run is not tried again. */
export const RetryStop = {
  /** Every attempt of the policy was made. */
  exhausted: 'exhausted',
  /** The handler threw a NonRetriableError. */
  nonRetriable: 'non-retriable',
  /** The next attempt would start after the invocation's deadline (Lambda). */
  deadline: 'deadline',
  /** The lease was lost, or the node is shutting down: nothing more may run under this lease. */
  stopped: 'stopped',
  /** The handler ignored its timeout and was cut off from the lease: a retry would share its fence. */
  cutOff: 'cut-off',
} as const;
export type RetryStop = (typeof RetryStop)[keyof typeof RetryStop];

/**
 * The wait before the retry that follows failed attempt `failedAttempt` (1-based), with full
 * jitter: a uniform draw in [0, min(maxBackoff, backoff × factor^(failedAttempt-1))).
 */
export function backoffDelayMs(policy: RetryPolicy, failedAttempt: number, random: () => number): number {
  const ceilingMs = Math.min(policy.maxBackoffMs, policy.backoffMs * policy.factor ** (failedAttempt - 1));
  return Math.floor(random() * ceilingMs);
}

/** After a failed attempt: wait `delayMs` and try again, or stop, and why. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false; stop: RetryStop };

/**
 * Decides what follows failed attempt `failedAttempt` that threw `thrown`: a NonRetriableError
 * stops at once, a RetryAfterError sets the wait itself (capped by `maxBackoffMs`, no jitter).
 */
export function retryDecision(
  policy: RetryPolicy,
  failed: { attempt: number; thrown: unknown },
  now: { clock: () => number; random: () => number },
): RetryDecision {
  if (failed.thrown instanceof NonRetriableError) return { retry: false, stop: RetryStop.nonRetriable };
  if (failed.attempt >= policy.attempts) return { retry: false, stop: RetryStop.exhausted };
  if (failed.thrown instanceof RetryAfterError) {
    const { retryAfter } = failed.thrown;
    const askedMs = retryAfter instanceof Date ? retryAfter.getTime() - now.clock() : retryAfter;
    return { retry: true, delayMs: Math.min(policy.maxBackoffMs, Math.max(0, Number.isFinite(askedMs) ? askedMs : 0)) };
  }
  return { retry: true, delayMs: backoffDelayMs(policy, failed.attempt, now.random) };
}

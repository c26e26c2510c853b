import { describe, expect, it } from 'vitest';
import { NonRetriableError, RetryAfterError } from '../../functions/core/errors.js';
import { backoffDelayMs, type RetryPolicy, retryDecision } from '../../functions/core/retry-policy.js';

const POLICY: RetryPolicy = { attempts: 5, backoffMs: 1_000, maxBackoffMs: 5_000, factor: 2 };
const NOW_MS = Date.UTC(2026, 11, 2, 12, 0);
const at = (random: number) => ({ clock: () => NOW_MS, random: () => random });

describe('backoffDelayMs', () => {
  it('draws the wait uniformly below backoff × factor^n (full jitter)', () => {
    expect([1, 2, 3].map((failed) => backoffDelayMs(POLICY, failed, () => 0.5))).toEqual([500, 1_000, 2_000]);
    expect(backoffDelayMs(POLICY, 1, () => 0)).toBe(0);
    expect(backoffDelayMs(POLICY, 1, () => 0.999)).toBe(999);
  });

  it('never waits longer than maxBackoff', () => {
    expect(backoffDelayMs(POLICY, 4, () => 0.999)).toBe(4_995);
    expect(backoffDelayMs(POLICY, 30, () => 0.5)).toBe(2_500);
  });
});

describe('retryDecision', () => {
  it('retries a plain error until the attempts are used up', () => {
    expect(retryDecision(POLICY, { attempt: 1, thrown: new Error('x') }, at(0.5))).toEqual({ retry: true, delayMs: 500 });
    expect(retryDecision(POLICY, { attempt: 5, thrown: new Error('x') }, at(0.5))).toEqual({ retry: false, stop: 'exhausted' });
  });

  it('stops at once on a NonRetriableError', () => {
    expect(retryDecision(POLICY, { attempt: 1, thrown: new NonRetriableError('bad input') }, at(0.5))).toEqual({
      retry: false,
      stop: 'non-retriable',
    });
  });

  it('waits what a RetryAfterError asks (a delay or a Date), without jitter, capped by maxBackoff', () => {
    expect(retryDecision(POLICY, { attempt: 1, thrown: new RetryAfterError('rate limited', 3_000) }, at(0))).toEqual({
      retry: true,
      delayMs: 3_000,
    });
    const until = new Date(NOW_MS + 4_200);
    expect(retryDecision(POLICY, { attempt: 2, thrown: new RetryAfterError('later', until) }, at(0))).toEqual({
      retry: true,
      delayMs: 4_200,
    });
    expect(retryDecision(POLICY, { attempt: 2, thrown: new RetryAfterError('much later', 60_000) }, at(0))).toEqual({
      retry: true,
      delayMs: 5_000,
    });
    expect(retryDecision(POLICY, { attempt: 2, thrown: new RetryAfterError('past', new Date(NOW_MS - 1)) }, at(0))).toEqual({
      retry: true,
      delayMs: 0,
    });
  });

  it('does not retry a RetryAfterError past the last attempt', () => {
    expect(retryDecision(POLICY, { attempt: 5, thrown: new RetryAfterError('later', 1) }, at(0))).toEqual({
      retry: false,
      stop: 'exhausted',
    });
  });
});

/**
 * The schedule keys of a run that fails or hangs: `retry` (ours as a mapping of attempts,
 * backoff, maxBackoff and factor; sidekiq-cron's `true` or a number of retries, mapped onto
 * attempts) and `timeout`. Their schema, spread into the job schema, and what they make of a
 * definition; every refusal names the job, the key (`retry.attempts`) and the value.
 */
import { z } from 'zod';
import { RETRY_DEFAULTS, type RetryPolicy } from './retry-policy.js';
import type { ScheduleNote } from './schedule-notes.js';
import { AT_MOST_A_TIMER_TEXT, formatDurationMs, MAX_TIMER_MS, POSITIVE_DURATION_TEXT, parseDurationMs } from './time.js';
import type { JobDefinition } from './types.js';

/** Sidekiq's default number of retries, which sidekiq-cron's `retry: true` asks for. */
export const SIDEKIQ_DEFAULT_RETRIES = 25;

/** The most attempts one run may make. */
export const MAX_ATTEMPTS = 1_000;

const RETRY_KEYS = ['attempts', 'backoff', 'maxBackoff', 'factor'] as const;
const RETRY_EXPECTED = `a mapping of ${RETRY_KEYS.join(', ')}; or, as sidekiq-cron writes it, true, false or a number of retries`;

/** The schema of the keys, spread into the schedule's job schema (checked further in retryTimeoutMeaning). */
export const retryTimeoutKeys = {
  retry: z
    .union(
      [
        z.boolean(),
        z.number().int().min(0).max(999),
        z.string().regex(/^\d{1,3}$/, { error: RETRY_EXPECTED }),
        z.record(z.string(), z.unknown()),
      ],
      { error: RETRY_EXPECTED },
    )
    .optional(),
  timeout: z.union([z.string(), z.number()]).optional(),
};

type RawKeys = { retry?: boolean | number | string | Record<string, unknown>; timeout?: string | number };

/** Called with the key, its value and what was expected; throws the schedule's error. */
export type KeyFailure = (key: string, value: unknown, expected: string) => never;

/**
 * What `retry` and `timeout` make of a job's definition, and a note for sidekiq-cron's forms of
 * `retry` (how many attempts they come to). `fail` throws the schedule's error for a bad value.
 */
export function retryTimeoutMeaning(
  raw: RawKeys,
  fail: KeyFailure,
): { fields: Pick<JobDefinition, 'retry' | 'timeoutMs'>; notes: Omit<ScheduleNote, 'job'>[] } {
  const notes: Omit<ScheduleNote, 'job'>[] = [];
  let retry: RetryPolicy | undefined;
  if (raw.retry !== undefined && typeof raw.retry === 'object') retry = retryMapping(raw.retry, fail);
  else if (raw.retry !== undefined) {
    const retries = raw.retry === true ? SIDEKIQ_DEFAULT_RETRIES : raw.retry === false ? 0 : Number(raw.retry);
    retry = retries > 0 ? policy({ attempts: retries + 1 }) : undefined;
    notes.push({ key: 'retry', value: raw.retry, effect: sidekiqRetryNote(raw.retry, retries) });
  }
  let timeoutMs: number | undefined;
  if (raw.timeout !== undefined) {
    timeoutMs = parseDurationMs(raw.timeout);
    if (timeoutMs === undefined || !(timeoutMs > 0)) fail('timeout', raw.timeout, POSITIVE_DURATION_TEXT);
    if (timeoutMs > MAX_TIMER_MS) fail('timeout', raw.timeout, AT_MOST_A_TIMER_TEXT);
  }
  return { fields: { ...(retry && { retry }), ...(timeoutMs !== undefined && { timeoutMs }) }, notes };
}

/** The policy with the defaults filled in. */
function policy(given: Partial<RetryPolicy>): RetryPolicy {
  return {
    attempts: given.attempts ?? RETRY_DEFAULTS.attempts,
    backoffMs: given.backoffMs ?? (parseDurationMs(RETRY_DEFAULTS.backoff) as number),
    maxBackoffMs: given.maxBackoffMs ?? (parseDurationMs(RETRY_DEFAULTS.maxBackoff) as number),
    factor: given.factor ?? RETRY_DEFAULTS.factor,
  };
}

function retryMapping(mapping: Record<string, unknown>, fail: KeyFailure): RetryPolicy {
  for (const [key, value] of Object.entries(mapping)) {
    if (!(RETRY_KEYS as readonly string[]).includes(key)) fail(`retry.${key}`, value, `no such key (allowed: ${RETRY_KEYS.join(', ')})`);
  }
  const { attempts, factor } = mapping;
  if (attempts !== undefined && !(Number.isInteger(attempts) && (attempts as number) >= 1 && (attempts as number) <= MAX_ATTEMPTS))
    fail('retry.attempts', attempts, `a whole number from 1 to ${MAX_ATTEMPTS} (the tries in all, the first included)`);
  if (factor !== undefined && !(typeof factor === 'number' && factor >= 1 && factor <= 10))
    fail('retry.factor', factor, 'a number from 1 to 10 (the backoff is multiplied by it after each retry)');
  const duration = (key: 'backoff' | 'maxBackoff'): number | undefined => {
    const value = mapping[key];
    if (value === undefined) return undefined;
    const ms = typeof value === 'string' || typeof value === 'number' ? parseDurationMs(value) : undefined;
    if (ms === undefined || !(ms > 0)) fail(`retry.${key}`, value, 'a positive duration such as 500ms, 30s or 5m');
    // The wait is a timer.
    if (ms > MAX_TIMER_MS) fail(`retry.${key}`, value, AT_MOST_A_TIMER_TEXT);
    return ms;
  };
  const backoffMs = duration('backoff');
  const maxBackoffMs = duration('maxBackoff');
  const filled = policy({
    ...(attempts !== undefined && { attempts: attempts as number }),
    ...(backoffMs !== undefined && { backoffMs }),
    ...(maxBackoffMs !== undefined && { maxBackoffMs }),
    ...(factor !== undefined && { factor: factor as number }),
  });
  if (filled.maxBackoffMs < filled.backoffMs)
    fail(
      maxBackoffMs === undefined ? 'retry.backoff' : 'retry.maxBackoff',
      maxBackoffMs === undefined ? mapping.backoff : mapping.maxBackoff,
      `a backoff no longer than maxBackoff (${formatDurationMs(filled.maxBackoffMs)} here; backoff ${formatDurationMs(filled.backoffMs)})`,
    );
  return filled;
}

function sidekiqRetryNote(value: boolean | number | string, retries: number): string {
  if (retries === 0) return 'as here by default: a failed run is not retried';
  const what = value === true ? `sidekiq's default of ${retries} retries` : `${retries} retries`;
  const { backoff, maxBackoff, factor } = RETRY_DEFAULTS;
  return `${what}: ${retries + 1} attempts in all, under the run's lease, waiting up to ${backoff} × ${factor}^n (full jitter, at most ${maxBackoff}) between them; write retry: { attempts, backoff, maxBackoff, factor } to choose (see docs/sidekiq-cron.md)`;
}

/** The job's retry and timeout in words, for `validate`'s summary line; empty when it has neither. */
export function describeRetryTimeout(job: Pick<JobDefinition, 'retry' | 'timeoutMs'>): string {
  const parts: string[] = [];
  if (job.retry && job.retry.attempts > 1) {
    const { attempts, backoffMs, maxBackoffMs, factor } = job.retry;
    parts.push(`${attempts} attempts, backoff ${formatDurationMs(backoffMs)} × ${factor}^n up to ${formatDurationMs(maxBackoffMs)}`);
  }
  if (job.timeoutMs !== undefined) parts.push(`timeout ${formatDurationMs(job.timeoutMs)}`);
  return parts.map((part) => `, ${part}`).join('');
}

/**
 * The schedule keys of issue 17's failure and start policies that this file owns:
 * `pauseAfterFailures` (pause the job after N consecutive failed slots) and `jitter` (start each
 * slot up to this long after its time). Their schema beside the other keys, and their checks
 * against the rest of the job, each message naming the job, the key and the value.
 */
import { z } from 'zod';
import { type CronSchedule, nextSlots } from './slots.js';
import { formatDurationMs, parseDurationMs } from './time.js';
import { OverlapPolicy as Overlap, type OverlapPolicy } from './types.js';

/** The keys' schema, spread into the job schema (schedule.ts). */
export const failurePolicyKeys = {
  pauseAfterFailures: z.number().int().min(1).max(1_000).optional(),
  jitter: z.union([z.string(), z.number()]).optional(),
};

/** What a jitter is, in a refusal (after "expected "). */
export const JITTER_EXPECTED_TEXT = 'a duration such as 30s or 2m, or 0 for none';

/** How the keys' ranges read in messages. */
export const failurePolicyRanges = { pauseAfterFailures: 'a whole number from 1 to 1000' } as const;

/** How many slots are looked at for a cron's shortest gap (a year of a daily cron). */
const GAP_SAMPLE_SLOTS = 400;

/** The shortest time between two of the cron's slots, over its next few hundred slots from a fixed date (DST included). */
export function shortestGapMs(cron: CronSchedule): number {
  const slots = nextSlots(cron, Date.UTC(2026, 0, 1), GAP_SAMPLE_SLOTS);
  let gapMs = Number.POSITIVE_INFINITY;
  for (let index = 1; index < slots.length; index++) gapMs = Math.min(gapMs, (slots[index] ?? 0) - (slots[index - 1] ?? 0));
  return gapMs;
}

/**
 * The job fields the keys give, checked against the cron and the overlap policy.
 * `fail(key, value, reason)` throws the schedule's error naming the job, the key and the value.
 */
export function failurePolicyFields(
  raw: { pauseAfterFailures?: number | undefined; jitter?: string | number | undefined },
  job: { cron: CronSchedule; overlap: OverlapPolicy },
  fail: (key: string, value: unknown, reason: string) => never,
): { pauseAfterFailures?: number; jitterMs?: number } {
  if (raw.pauseAfterFailures !== undefined && job.overlap === Overlap.allow) {
    fail(
      'pauseAfterFailures',
      raw.pauseAfterFailures,
      'it counts consecutive failures under the lease, and overlap "allow" runs take no lease; use overlap skip or bufferOne',
    );
  }
  let jitterMs: number | undefined;
  if (raw.jitter !== undefined) {
    jitterMs = parseDurationMs(raw.jitter);
    if (jitterMs === undefined || !(jitterMs >= 0)) fail('jitter', raw.jitter, `expected ${JITTER_EXPECTED_TEXT}`);
    const gapMs = shortestGapMs(job.cron);
    if (jitterMs >= gapMs) {
      fail(
        'jitter',
        raw.jitter,
        `a slot must start before the cron's next slot, and its slots can come ${formatDurationMs(gapMs)} apart; give a jitter shorter than that`,
      );
    }
  }
  return {
    ...(raw.pauseAfterFailures !== undefined && { pauseAfterFailures: raw.pauseAfterFailures }),
    ...(jitterMs !== undefined && jitterMs > 0 && { jitterMs }),
  };
}

/** The keys' part of a job's one-line summary (`validate`). */
export function describeFailurePolicies(job: { pauseAfterFailures?: number; jitterMs?: number }): string {
  return `${job.pauseAfterFailures === undefined ? '' : `, pause after ${job.pauseAfterFailures} failures`}${job.jitterMs === undefined ? '' : `, jitter ${formatDurationMs(job.jitterMs)}`}`;
}

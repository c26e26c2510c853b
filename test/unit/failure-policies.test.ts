import { describe, expect, it } from 'vitest';
import { failureStreakOf, isFailingStatus, streakAfterRun, streakClauses } from '../../functions/core/failure-streak.js';
import { parseScheduleObject } from '../../functions/core/schedule.js';
import { lateByMs, startDelayMs, startedSlots } from '../../functions/core/start-jitter.js';
import { jobFromKeys, refusalOfKeys } from '../support/one-job.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');

describe('the failure streak', () => {
  const job = { name: 'j', pauseAfterFailures: 3 };

  it('counts failed and timed-out slots as failures, nothing else', () => {
    expect(['failed', 'timed-out'].map(isFailingStatus)).toEqual([true, true]);
    expect(['succeeded', 'skipped', 'lost'].map(isFailingStatus)).toEqual([false, false, false]);
  });

  it('adds one per failure, clears on a success, and pauses when it reaches the limit', () => {
    expect(streakAfterRun(job, 0, { slotMs: T0, status: 'failed', error: 'e' })).toEqual({ failureStreak: 1 });
    expect(streakAfterRun(job, 1, { slotMs: T0, status: 'succeeded' })).toEqual({ failureStreak: 0 });
    const paused = streakAfterRun(job, 2, { slotMs: T0, status: 'timed-out' });
    expect(paused?.failureStreak).toBe(3);
    expect(paused?.selfPause).toMatchObject({ afterSlotMs: T0, error: 'timed-out' });
    expect(paused?.selfPause?.note).toContain('paused itself after 3 consecutive failed slots (pauseAfterFailures: 3)');
  });

  it('counts the streak of a job without the key too (the page counts failing jobs by it), and never pauses it', () => {
    expect(streakAfterRun({ name: 'j' }, 5, { slotMs: T0, status: 'failed' })).toEqual({ failureStreak: 6 });
    expect(streakAfterRun({ name: 'j' }, 5, { slotMs: T0, status: 'succeeded' })).toEqual({ failureStreak: 0 });
    expect(streakClauses(undefined, T0)).toEqual({ set: [], remove: [], values: {} });
  });

  it('removes the count at zero and sets the pause fields with a self-pause', () => {
    expect(streakClauses({ failureStreak: 0 }, T0)).toEqual({ set: [], remove: ['failureStreak'], values: {} });
    const clauses = streakClauses({ failureStreak: 2, selfPause: { note: 'n', afterSlotMs: T0, error: 'x' } }, T0 + 1);
    expect(clauses.set).toContain('paused = :selfPaused');
    expect(clauses.values).toMatchObject({
      ':failureStreak': 2,
      ':selfPaused': true,
      ':selfPausedReason': 'failures',
      ':selfPausedAtMs': T0 + 1,
    });
  });

  it('reads a missing or odd count as zero', () => {
    expect([failureStreakOf(undefined), failureStreakOf({}), failureStreakOf({ failureStreak: -1 })]).toEqual([0, 0, 0]);
  });
});

describe('start jitter', () => {
  const job = { name: 'report', jitterMs: 40_000 };

  it('is the same for the same job and slot, within [0, jitter], in whole seconds', () => {
    const delays = Array.from({ length: 200 }, (_, index) => startDelayMs(job, T0 + index * 60_000));
    expect(delays).toEqual(Array.from({ length: 200 }, (_, index) => startDelayMs({ ...job }, T0 + index * 60_000)));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(40_000);
    expect(delays.every((delayMs) => delayMs % 1_000 === 0)).toBe(true);
    expect(new Set(delays).size).toBeGreaterThan(20);
  });

  it('differs between jobs that share a minute', () => {
    const slots = Array.from({ length: 20 }, (_, index) => T0 + index * 60_000);
    const a = slots.map((slotMs) => startDelayMs(job, slotMs));
    const b = slots.map((slotMs) => startDelayMs({ name: 'other', jitterMs: 40_000 }, slotMs));
    expect(a).not.toEqual(b);
  });

  it('makes a slot due only from its start, and counts lateness from the start', () => {
    const delayMs = startDelayMs(job, T0);
    expect(startedSlots(job, [T0], T0 + delayMs - 1)).toEqual([]);
    expect(startedSlots(job, [T0], T0 + delayMs)).toEqual([T0]);
    expect(lateByMs(job, T0, T0 + delayMs + 5)).toBe(5);
    expect(startDelayMs({ name: 'x' }, T0)).toBe(0);
  });
});

describe('the keys in the schedule', () => {
  it('takes pauseAfterFailures and jitter', () => {
    const job = jobFromKeys('j', 'H', { cron: '*/5 * * * *', pauseAfterFailures: 3, jitter: '2m' });
    expect(job).toMatchObject({ pauseAfterFailures: 3, jitterMs: 120_000 });
    expect(jobFromKeys('j', 'H', {})).not.toHaveProperty('pauseAfterFailures');
    expect(jobFromKeys('j', 'H', { jitter: 0 })).not.toHaveProperty('jitterMs');
  });

  it('refuses a jitter as long as the gap between slots, naming the job, key and value', () => {
    const refusal = refusalOfKeys('j', 'H', { cron: '*/5 * * * *', jitter: '5m' });
    expect(refusal.message).toContain('job "j": key "jitter" has value "5m"');
    expect(refusal.message).toContain('5m apart');
    expect(refusal.details).toMatchObject({ job: 'j', key: 'jitter', value: '5m' });
  });

  it('refuses a jitter that is no duration', () => {
    expect(refusalOfKeys('j', 'H', { jitter: 'soon' }).message).toContain('key "jitter" has value "soon"');
  });

  it('refuses pauseAfterFailures out of range or with overlap allow', () => {
    expect(refusalOfKeys('j', 'H', { pauseAfterFailures: 0 }).message).toContain('a whole number from 1 to 1000');
    const allow = refusalOfKeys('j', 'H', { pauseAfterFailures: 2, overlap: 'allow' });
    expect(allow.message).toContain('key "pauseAfterFailures" has value 2');
    expect(allow.message).toContain('overlap "allow" runs take no lease');
  });

  it('reads the keys from a list-form schedule too', () => {
    const [job] = parseScheduleObject([{ name: 'n', cron: '0 * * * *', class: 'H', jitter: 600, pauseAfterFailures: 5 }], {
      handlers: ['H'],
    });
    expect(job).toMatchObject({ jitterMs: 600_000, pauseAfterFailures: 5 });
  });
});

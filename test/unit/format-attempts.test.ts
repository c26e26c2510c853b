import { describe, expect, it } from 'vitest';
import { describeSlot, formatMs, formatTime } from '../../functions/cli/format.js';
import { attemptLines, attemptsNote } from '../../functions/cli/format-attempts.js';
import { countSlots } from '../../functions/core/job-status.js';
import type { SlotItem } from '../../functions/core/store.js';
import { jobDefinition } from '../support/job-definition.js';
import { slotItem } from '../support/slot-item.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const threeAttempts: SlotItem['attempts'] = [
  { attempt: 1, status: 'failed', startedAtMs: T0 + 100, durationMs: 300, error: 'Error: down' },
  { attempt: 2, status: 'timed-out', startedAtMs: T0 + 1_400, durationMs: 5_000, error: 'TimeoutError: too slow' },
  { attempt: 3, status: 'succeeded', startedAtMs: T0 + 8_000, durationMs: 200 },
];

describe("a retried run's fate", () => {
  it('says how many attempts a run took', () => {
    expect(describeSlot(slotItem(T0, { status: 'succeeded', attempts: threeAttempts }), undefined)).toBe('succeeded, after 3 attempts');
  });

  it('says why the attempts left were not made', () => {
    const item = slotItem(T0, {
      status: 'failed',
      error: 'Error: down',
      attempts: threeAttempts.slice(0, 2),
      attemptsLeft: 2,
      retryStopped: 'deadline',
    });
    expect(describeSlot(item, undefined)).toBe(
      "failed: Error: down, after 2 attempts; 2 attempts left, not made: the invocation's deadline came before the next attempt",
    );
  });

  it('shows a timed-out run cut off from its lease', () => {
    const item = slotItem(T0, {
      status: 'timed-out',
      error: 'TimeoutError: job "print": attempt 1 passed its timeout of 2000 ms (cut off from the lease)',
      cutOff: true,
      attemptsLeft: 1,
      retryStopped: 'cut-off',
    });
    expect(describeSlot(item, undefined)).toBe(
      'timed-out: TimeoutError: job "print": attempt 1 passed its timeout of 2000 ms (cut off from the lease); 1 attempt left, not made: the handler ignored its timeout and was cut off from the lease',
    );
  });

  it('adds nothing for a run of one attempt', () => {
    expect(attemptsNote({})).toBe('');
  });

  it('lists every attempt for status JOB', () => {
    const lines = attemptLines([slotItem(T0, { status: 'succeeded', attempts: threeAttempts })], { time: formatTime, duration: formatMs });
    expect(lines).toEqual([
      '  2026-11-26T10:00:00Z  attempt 1  2026-11-26T10:00:00.100Z  300ms  failed: Error: down',
      '  2026-11-26T10:00:00Z  attempt 2  2026-11-26T10:00:01.400Z  5.0s  timed-out: TimeoutError: too slow',
      '  2026-11-26T10:00:00Z  attempt 3  2026-11-26T10:00:08Z  200ms  succeeded',
    ]);
  });
});

describe('countSlots with retries and timeouts', () => {
  it('counts a timed-out run as a run and a time-out, and a run of several attempts as retried', () => {
    const counters = countSlots(
      jobDefinition(),
      [
        slotItem(T0 + 120_000, { status: 'timed-out' }),
        slotItem(T0 + 60_000, { status: 'succeeded', attempts: threeAttempts }),
        slotItem(T0, { status: 'failed' }),
      ],
      T0 + 130_000,
    );
    expect(counters).toMatchObject({ runs: 3, succeeded: 1, failures: 1, timedOut: 1, retried: 1 });
  });
});

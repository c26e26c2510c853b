import { describe, expect, it } from 'vitest';
import { outcomeDetail } from '../../functions/cli/format.js';
import type { TickOutcome } from '../../functions/core/types.js';
import { describeFanOut, describeOverdue, fanOutSummary, logOverdueJobs, NAMED_OVERDUE_JOBS } from '../../functions/outcome-notes.js';
import { memoryLog } from '../support/local-table.js';

const slot = '2026-11-26T10:00:00.000Z';

describe('the notes of a fanned-out tick and of overdue jobs', () => {
  it('read a fan-out as parts and due jobs, with thousands separated', () => {
    expect(describeFanOut({ parts: 4, due: 1_000 })).toBe('4 parts, 1,000 due jobs');
    expect(describeFanOut({ parts: 64, due: 16_001 })).toBe('64 parts, 16,001 due jobs');
  });

  it('read an overdue slot as how late it is, to the second', () => {
    expect(describeOverdue({ lateMs: 45_400 })).toBe('45s late, past its catch-up window with no tick deciding it');
    expect(describeOverdue({ lateMs: 125_000 })).toBe('2m05s late, past its catch-up window with no tick deciding it');
  });

  it('show in the CLI outcome table with the same words', () => {
    expect(outcomeDetail({ outcome: 'fanned-out', job: '*', parts: 4, due: 1_000 })).toBe(
      '4 parts, 1,000 due jobs; parts 1 to 3 sent to fresh invocations',
    );
    expect(outcomeDetail({ outcome: 'overdue', job: 'a', slot, lateMs: 95_000 })).toBe(
      '1m35s late, past its catch-up window with no tick deciding it',
    );
  });

  it("sum a fan-out up as a sentence for the tick's end line, and nothing for a tick that did not fan out", () => {
    const ran: TickOutcome = { outcome: 'ran', job: 'a', slot, trigger: 'schedule', fence: 1, durationMs: 5, leaseLost: false };
    expect(fanOutSummary([ran, { outcome: 'fanned-out', job: '*', parts: 4, due: 1_000 }])).toBe('fanned out: 4 parts, 1,000 due jobs');
    expect(fanOutSummary([ran])).toBeUndefined();
  });

  it('log one warning for the overdue jobs of a tick, each job once, naming the first few and counting the rest', () => {
    const log = memoryLog();
    const many: TickOutcome[] = Array.from({ length: NAMED_OVERDUE_JOBS + 2 }, (_, index) => ({
      outcome: 'overdue',
      job: `job-${index}`,
      slot,
      lateMs: 100_000,
    }));
    // A second slot of the first job is the same overdue job.
    logOverdueJobs(log, [...many, { outcome: 'overdue', job: 'job-0', slot: '2026-11-26T10:01:00.000Z', lateMs: 40_000 }]);
    expect(log.events).toHaveLength(1);
    const [event] = log.events;
    expect(event).toMatchObject({ level: 'warn', message: 'tick.overdue', attributes: { count: NAMED_OVERDUE_JOBS + 2 } });
    expect(event!.attributes.jobs).toHaveLength(NAMED_OVERDUE_JOBS);
    expect((event!.attributes.jobs as unknown[])[0]).toEqual({ job: 'job-0', slot, lateMs: 100_000 });
    expect(event!.attributes.summary).toMatch(
      /^overdue: 12 runtime jobs past the catch-up window with no tick deciding the slot: job-0 \(slot 2026-11-26T10:00:00.000Z, 1m40s late\), job-1 .* and 2 more$/,
    );
  });

  it('log nothing for a tick without an overdue job', () => {
    const log = memoryLog();
    logOverdueJobs(log, [
      { outcome: 'missed', job: 'a', slot, lateMs: 100_000 },
      { outcome: 'not-due', job: 'b' },
    ]);
    expect(log.events).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { notesOf } from '../../functions/core/schedule-notes.js';
import { jobFromKeys, refusalOfKeys } from '../support/one-job.js';

const oneJob = (keys: Record<string, unknown>) => jobFromKeys('print', 'PrintWorker', keys);
const refusal = (keys: Record<string, unknown>) => refusalOfKeys('print', 'PrintWorker', keys);

describe("sidekiq-unique-jobs' lock", () => {
  it.each(['while_executing', 'until_executed', 'until_and_while_executing', ':until_executed'])('%s is overlap skip', (lock) => {
    const job = oneJob({ lock });
    expect(job.overlap).toBe('skip');
    expect(notesOf(job)).toContainEqual(
      expect.objectContaining({ key: 'lock', value: lock, effect: expect.stringMatching(/^overlap skip: /) }),
    );
  });

  it("the seed's unique: true is until_executed: overlap skip", () => {
    expect(oneJob({ unique: true }).overlap).toBe('skip');
  });

  it.each([
    ['until_executing', 'it frees the lock when a run starts, so two runs may overlap'],
    ['until_expired', 'it holds the lock for lock_ttl whatever the run does'],
    ['forever', 'expected one of "until_executed", '],
  ])('refuses %s with the reason', (lock, reason) => {
    const error = refusal({ lock });
    expect(error.message).toMatch(`schedule: job "print": key "lock" has value "${lock}"; ${reason}`);
    expect(error.details).toMatchObject({ job: 'print', key: 'lock', value: lock });
  });

  it('refuses a lock beside overlap, and unique: false', () => {
    expect(refusal({ lock: 'until_executed', overlap: 'allow' }).message).toBe(
      'schedule: job "print": key "lock" has value "until_executed"; give one of lock and overlap',
    );
    expect(refusal({ unique: false }).details).toMatchObject({ key: 'unique', value: false });
  });
});

describe('on_conflict', () => {
  it.each([
    ['reject', 'skip'],
    ['log', 'skip'],
    ['reschedule', 'bufferOne'],
  ])('%s is overlap %s', (strategy, overlap) => {
    const job = oneJob({ lock: 'while_executing', on_conflict: strategy });
    expect(job.overlap).toBe(overlap);
    expect(notesOf(job).find((note) => note.key === 'on_conflict')?.effect).toMatch(`overlap ${overlap}: `);
  });

  it.each([
    ['raise', 'there is no caller to raise to'],
    ['replace', 'a run in progress is never displaced here'],
  ])('refuses %s with the reason', (strategy, reason) => {
    expect(refusal({ lock: 'until_executed', on_conflict: strategy }).message).toMatch(
      `schedule: job "print": key "on_conflict" has value "${strategy}"; ${reason}`,
    );
  });

  it('refuses a client and server pair', () => {
    expect(refusal({ on_conflict: { client: 'log', server: 'reschedule' } }).message).toMatch(/; one strategy per job here/);
  });
});

describe('lock_ttl and the limits', () => {
  it('lock_ttl (seconds) is the lease', () => {
    const job = oneJob({ lock: 'until_executed', lock_ttl: 600 });
    expect(job.leaseMs).toBe(600_000);
    expect(notesOf(job).map((note) => note.key)).toEqual(['lock', 'lock_ttl']);
  });

  it('refuses lock_ttl beside lease, and a bad lock_ttl by its own name', () => {
    expect(refusal({ lock_ttl: 600, lease: '5m' }).message).toBe(
      'schedule: job "print": key "lock_ttl" has value 600; give one of lock_ttl and lease',
    );
    expect(refusal({ lock_ttl: 'soon' }).message).toBe(
      'schedule: job "print": key "lock_ttl" has value "soon"; expected a positive duration such as 30s, 5m or 1h',
    );
  });

  it('accepts lock_timeout 0 and lock_limit 1, and refuses others with the reason', () => {
    expect(notesOf(oneJob({ lock_timeout: 0, lock_limit: 1 })).map((note) => note.key)).toEqual(['lock_timeout', 'lock_limit']);
    expect(refusal({ lock_timeout: 10 }).message).toMatch(/key "lock_timeout" has value 10; a slot never waits for the lease here/);
    expect(refusal({ lock_timeout: null }).details).toMatchObject({ key: 'lock_timeout', value: null });
    expect(refusal({ lock_limit: 3 }).message).toMatch(/key "lock_limit" has value 3; one run holds a job's lease at a time/);
    expect(refusal({ unique_across_workers: true }).message).toMatch(/two jobs cannot share one/);
  });

  it('notes the options that have no effect here', () => {
    const notes = notesOf(oneJob({ lock_info: true, lock_prefix: 'uniq', lock_args_method: 'lock_args', unique_across_queues: true }));
    expect(notes.map((note) => [note.key, note.effect.startsWith('no effect here: ')])).toEqual([
      ['lock_info', true],
      ['lock_prefix', true],
      ['lock_args_method', true],
      ['unique_across_queues', true],
    ]);
  });
});

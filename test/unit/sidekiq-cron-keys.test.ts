import { describe, expect, it } from 'vitest';
import { argsForSlot } from '../../functions/core/job-args.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { notesOf } from '../../functions/core/schedule-notes.js';
import { jobFromKeys, refusalOfKeys } from '../support/one-job.js';

const HANDLERS = { handlers: ['HardWorker'] };
const SLOT_MS = Date.UTC(2026, 10, 26, 10, 0);

/** The one job of a hash-form schedule with the given keys besides cron and class. */
const oneJob = (keys: Record<string, unknown>) => jobFromKeys('hard', 'HardWorker', keys);
const refusal = (keys: Record<string, unknown>) => refusalOfKeys('hard', 'HardWorker', keys);

describe("sidekiq-cron's args", () => {
  it('takes an array, in the hash form and the list form, as written', () => {
    expect(oneJob({ args: ['Ahoj', 'jak', 'se'] }).args).toEqual(['Ahoj', 'jak', 'se']);
    const [listed] = parseSchedule('- name: hard\n  cron: "*/5 * * * *"\n  class: HardWorker\n  args: [1, two]\n', HANDLERS);
    expect(listed?.args).toEqual([1, 'two']);
  });

  it('takes a mapping as written', () => {
    expect(oneJob({ args: { hard: 'stuff' } }).args).toEqual({ hard: 'stuff' });
  });
});

describe('date_as_argument', () => {
  it("appends the slot's time in epoch seconds to array args", () => {
    const job = oneJob({ args: ['a', 1], date_as_argument: true });
    expect(job.dateAsArgument).toBe(true);
    expect(argsForSlot(job, SLOT_MS)).toEqual(['a', 1, SLOT_MS / 1000]);
  });

  it('makes a mapping [mapping, seconds] and no args [seconds], as sidekiq-cron does', () => {
    expect(argsForSlot(oneJob({ args: { hard: 'stuff' }, date_as_argument: 'yes' }), SLOT_MS)).toEqual([{ hard: 'stuff' }, SLOT_MS / 1000]);
    expect(argsForSlot(oneJob({ date_as_argument: '1' }), SLOT_MS)).toEqual([SLOT_MS / 1000]);
  });

  it('false (or "no") leaves args as written', () => {
    const job = oneJob({ args: ['a'], date_as_argument: 'no' });
    expect(job.dateAsArgument).toBeUndefined();
    expect(argsForSlot(job, SLOT_MS)).toEqual(['a']);
  });

  it('refuses a value that is no flag, naming the job, the key and the value', () => {
    const error = refusal({ date_as_argument: 'maybe' });
    expect(error.message).toBe(
      'schedule: job "hard": key "date_as_argument" has value "maybe"; expected a boolean (true or false; sidekiq-cron\'s "yes", "no", "1", "0" too)',
    );
    expect(error.details).toMatchObject({ job: 'hard', key: 'date_as_argument', value: 'maybe' });
  });
});

describe('namespace', () => {
  it('is kept on the definition', () => {
    expect(oneJob({ namespace: 'billing' }).namespace).toBe('billing');
    expect(oneJob({}).namespace).toBeUndefined();
  });

  it('refuses "*", which sidekiq-cron reserves for every namespace', () => {
    expect(refusal({ namespace: '*' }).message).toBe(
      'schedule: job "hard": key "namespace" has value "*"; expected a name other than "*" (sidekiq-cron\'s "every namespace")',
    );
  });
});

describe('retry', () => {
  it.each([
    [true, 26, "sidekiq's default of 25 retries: 26 attempts in all"],
    ['5', 6, '5 retries: 6 attempts in all'],
    [3, 4, '3 retries: 4 attempts in all'],
  ])('%j is a number of retries: %i attempts in all, with the default backoff', (value, attempts, effect) => {
    const job = oneJob({ retry: value });
    expect(job.retry).toEqual({ attempts, backoffMs: 1_000, maxBackoffMs: 300_000, factor: 2 });
    const [note] = notesOf(job);
    expect(note).toMatchObject({ job: 'hard', key: 'retry', value });
    expect(note?.effect.startsWith(effect)).toBe(true);
  });

  it.each([false, 0, '0'])('%j is one attempt, as by default', (value) => {
    const job = oneJob({ retry: value });
    expect(job.retry).toBeUndefined();
    expect(notesOf(job)[0]?.effect).toBe('as here by default: a failed run is not retried');
  });

  it('refuses anything else', () => {
    expect(refusal({ retry: 'often' }).message).toBe(
      'schedule: job "hard": key "retry" has value "often"; expected a mapping of attempts, backoff, maxBackoff, factor; or, as sidekiq-cron writes it, true, false or a number of retries',
    );
  });
});

describe('the keys that have no effect here', () => {
  it('are accepted, each with a note saying why', () => {
    const job = oneJob({
      queue: 'hard_worker',
      source: 'schedule',
      active_job: true,
      queue_name_prefix: 'prefix',
      queue_name_delimiter: '.',
      symbolize_args: true,
    });
    const notes = notesOf(job);
    expect(notes.map((note) => note.key)).toEqual([
      'queue',
      'source',
      'active_job',
      'queue_name_prefix',
      'queue_name_delimiter',
      'symbolize_args',
    ]);
    for (const note of notes) expect(note.effect).toMatch(/^no effect here: /);
    expect(notes[0]).toEqual({
      job: 'hard',
      key: 'queue',
      value: 'hard_worker',
      effect: 'no effect here: there are no queues; the tick that claims a slot runs its handler itself',
    });
  });

  it('a job without them has no notes', () => {
    expect(notesOf(oneJob({ args: [1] }))).toEqual([]);
  });
});

/**
 * The schedule examples of sidekiq-cron's README, sidekiq-unique-jobs' README and the seed, as
 * written (test/fixtures/sidekiq-cron/*.yml), each with what cluster-cron makes of it
 * (expected.json): the job definitions and what validate notes, or the exact refusal.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScheduleFile } from '../../functions/core/schedule.js';
import { notesOf } from '../../functions/core/schedule-notes.js';

const DIR = 'test/fixtures/sidekiq-cron';
const HANDLERS = ['HardWorker', 'MyClass', 'SecondClass', 'PrintWorker'];
type Expected = { jobs: unknown[]; notes: string[] } | { refused: string };
const EXPECTED = JSON.parse(readFileSync(`${DIR}/expected.json`, 'utf8')) as Record<string, Expected>;
const FILES = readdirSync(DIR).filter((file) => file.endsWith('.yml'));

/** What cluster-cron makes of one fixture, in expected.json's shape (a note as "job: key value: effect's first words"). */
function outcomeOf(file: string): Expected {
  try {
    const jobs = loadScheduleFile(`${DIR}/${file}`, { handlers: HANDLERS });
    const notes = jobs.flatMap((job) =>
      notesOf(job).map((note) => `${note.job}: ${note.key} ${JSON.stringify(note.value)}: ${note.effect.split(':')[0]}`),
    );
    return { jobs: JSON.parse(JSON.stringify(jobs)), notes };
  } catch (error) {
    return { refused: (error as Error).message.replace(`${DIR}/`, '') };
  }
}

describe('the schedules sidekiq-cron, sidekiq-unique-jobs and the seed document', () => {
  it('every fixture has its expected outcome, and every expected outcome its fixture', () => {
    expect(FILES.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(FILES)('%s', (file) => {
    expect(outcomeOf(file)).toEqual(EXPECTED[file]);
  });

  it("the seed's own file validates unchanged, its queue noted as having no effect", () => {
    const outcome = outcomeOf('seed-schedule.yml');
    expect(outcome).toMatchObject({
      jobs: [{ name: 'print', cron: '*/1 * * * *', overlap: 'skip' }],
      notes: ['print: queue "default": no effect here'],
    });
    expect(readFileSync(`${DIR}/seed-schedule.yml`, 'utf8')).toContain(readFileSync('config/schedule.yml', 'utf8'));
  });
});

/**
 * YAML's merge key (`<<: *base`), as Rails schedule files write shared settings and Ruby's
 * Psych reads them: a job takes the keys of the mapping it merges, and its own keys win.
 */
import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../functions/core/schedule.js';

const HANDLERS = { handlers: ['Report', 'Sync'] };

describe('a merge key in a job', () => {
  it("gives the job the merged mapping's keys, its own keys winning", () => {
    const jobs = parseSchedule(
      ['nightly: &base', '  cron: "0 2 * * *"', '  class: Report', '  lease: 5m', 'weekly:', '  <<: *base', '  cron: "0 3 * * 1"', ''].join(
        '\n',
      ),
      HANDLERS,
    );
    expect(jobs.map(({ name, cron, handler, leaseMs }) => ({ name, cron, handler, leaseMs }))).toEqual([
      { name: 'nightly', cron: '0 2 * * *', handler: 'Report', leaseMs: 300_000 },
      { name: 'weekly', cron: '0 3 * * 1', handler: 'Report', leaseMs: 300_000 },
    ]);
  });

  it('merges several mappings, the first one winning a key they share', () => {
    const [, , job] = parseSchedule(
      [
        'a: &a { cron: "0 1 * * *", class: Report }',
        'b: &b { cron: "0 2 * * *", class: Sync, lease: 2m }',
        'c:',
        '  <<: [*a, *b]',
        '',
      ].join('\n'),
      HANDLERS,
    );
    expect(job).toMatchObject({ name: 'c', cron: '0 1 * * *', handler: 'Report', leaseMs: 120_000 });
  });
});

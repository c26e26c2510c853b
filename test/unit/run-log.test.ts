import { describe, expect, it } from 'vitest';
import { checkRuns, type LoggedRun, parseRuns } from '../../functions/local/run-log.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const at = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

/** A log line as Powertools writes it for run.start / run.end. */
function line(
  message: 'run.start' | 'run.end',
  fields: { job?: string; slot?: string; fence?: number; instance?: string; holder: string; offsetMs: number; status?: string },
): string {
  return JSON.stringify({
    level: 'INFO',
    message,
    timestamp: at(fields.offsetMs),
    service: 'cluster-cron',
    instance: fields.instance ?? 'node-a:101',
    job: fields.job ?? 'print',
    slot: fields.slot ?? at(0),
    trigger: 'schedule',
    fence: fields.fence ?? 1,
    holder: fields.holder,
    ...(message === 'run.end' && { status: fields.status ?? 'succeeded', durationMs: 0, leaseLost: false }),
  });
}

function run(fields: Partial<LoggedRun> & { startMs: number }): LoggedRun {
  return { job: 'print', slot: at(0), fence: 1, instance: 'node-a:101', ...fields };
}

describe('parseRuns', () => {
  it('pairs each run.start with the run.end of the same holder', () => {
    const runs = parseRuns([
      line('run.start', { holder: 'a#1', fence: 1, slot: at(0), offsetMs: 10 }),
      line('run.start', { holder: 'b#1', job: 'report', fence: 7, slot: at(0), instance: 'node-b:202', offsetMs: 20 }),
      line('run.end', { holder: 'b#1', job: 'report', fence: 7, instance: 'node-b:202', offsetMs: 30, status: 'failed' }),
      line('run.end', { holder: 'a#1', fence: 1, offsetMs: 3_010 }),
    ]);
    expect(runs).toEqual([
      { job: 'print', slot: at(0), fence: 1, instance: 'node-a:101', startMs: T0 + 10, endMs: T0 + 3_010, status: 'succeeded' },
      { job: 'report', slot: at(0), fence: 7, instance: 'node-b:202', startMs: T0 + 20, endMs: T0 + 30, status: 'failed' },
    ]);
  });

  it('ignores lines that are not JSON, truncated lines and other events', () => {
    const start = line('run.start', { holder: 'a#1', offsetMs: 0 });
    const runs = parseRuns([
      'local DynamoDB listening on http://127.0.0.1:8000',
      '',
      JSON.stringify({ level: 'INFO', message: 'I AM WORKING AT 2026-11-26T10:00:00.001Z', holder: 'a#1', timestamp: at(1) }),
      JSON.stringify({ level: 'INFO', message: 'slot.locked', job: 'print', slot: at(60_000), timestamp: at(60_001) }),
      start,
      line('run.start', { holder: 'a#2', offsetMs: 60_000 }).slice(0, 60), // cut off by a killed process
      line('run.end', { holder: 'a#1', offsetMs: 500 }).slice(0, -1),
    ]);
    expect(runs).toEqual([{ job: 'print', slot: at(0), fence: 1, instance: 'node-a:101', startMs: T0 }]);
  });

  it('ignores a run.end whose run.start it never saw', () => {
    expect(parseRuns([line('run.end', { holder: 'ghost#1', offsetMs: 5 })])).toEqual([]);
  });

  it('leaves a run without its end open', () => {
    const [open] = parseRuns([line('run.start', { holder: 'a#1', offsetMs: 0 })]);
    expect(open?.endMs).toBeUndefined();
    expect(open?.status).toBeUndefined();
  });
});

describe('checkRuns', () => {
  it('finds nothing wrong in runs of one job one after another with rising fences', () => {
    const runs = [
      run({ slot: at(0), fence: 1, startMs: T0, endMs: T0 + 3_000 }),
      run({ slot: at(60_000), fence: 2, startMs: T0 + 60_000, endMs: T0 + 63_000 }),
      // Starts the very millisecond the previous run logged its end: that is not an overlap.
      run({ slot: at(63_000), fence: 3, startMs: T0 + 63_000, endMs: T0 + 64_000 }),
    ];
    expect(checkRuns(runs)).toEqual({ runs, overlaps: [], duplicateStarts: [], fenceOrder: [] });
  });

  it('detects two runs of the same job that overlap', () => {
    const first = run({ slot: at(0), fence: 1, startMs: T0, endMs: T0 + 90_000 });
    const second = run({ slot: at(60_000), fence: 2, instance: 'node-b:202', startMs: T0 + 60_000, endMs: T0 + 61_000 });
    const check = checkRuns([second, first]);
    expect(check.overlaps).toEqual([{ job: 'print', first, second }]);
    expect(check.duplicateStarts).toEqual([]);
    expect(check.fenceOrder).toEqual([]);
  });

  it('detects every later run that starts inside one long run, not only the next one', () => {
    const long = run({ slot: at(0), fence: 1, startMs: T0, endMs: T0 + 300_000 });
    const second = run({ slot: at(60_000), fence: 2, startMs: T0 + 60_000, endMs: T0 + 61_000 });
    const third = run({ slot: at(120_000), fence: 3, startMs: T0 + 120_000, endMs: T0 + 121_000 });
    const check = checkRuns([long, second, third]);
    expect(check.overlaps).toEqual([
      { job: 'print', first: long, second },
      { job: 'print', first: long, second: third },
    ]);
  });

  it('lets two different jobs run at the same time', () => {
    const print = run({ job: 'print', fence: 1, startMs: T0, endMs: T0 + 90_000 });
    const report = run({ job: 'report', fence: 1, startMs: T0 + 1_000, endMs: T0 + 2_000 });
    expect(checkRuns([print, report])).toEqual({ runs: [print, report], overlaps: [], duplicateStarts: [], fenceOrder: [] });
  });

  it('detects a slot started twice', () => {
    const first = run({ slot: at(0), fence: 1, startMs: T0, endMs: T0 + 1_000 });
    const again = run({ slot: at(0), fence: 2, instance: 'node-b:202', startMs: T0 + 5_000, endMs: T0 + 6_000 });
    const check = checkRuns([first, again]);
    expect(check.duplicateStarts).toEqual([{ job: 'print', slot: at(0), count: 2 }]);
    expect(check.overlaps).toEqual([]);
    expect(check.fenceOrder).toEqual([]);
  });

  it('detects fences that do not rise in start order', () => {
    const earlier = run({ slot: at(0), fence: 5, startMs: T0, endMs: T0 + 1_000 });
    const later = run({ slot: at(60_000), fence: 4, startMs: T0 + 60_000, endMs: T0 + 61_000 });
    const check = checkRuns([later, earlier]);
    expect(check.fenceOrder).toEqual([{ job: 'print', earlier, later }]);
    expect(check.overlaps).toEqual([]);
  });

  it('detects a fence that repeats', () => {
    const earlier = run({ slot: at(0), fence: 3, startMs: T0, endMs: T0 + 1_000 });
    const later = run({ slot: at(60_000), fence: 3, startMs: T0 + 60_000, endMs: T0 + 61_000 });
    expect(checkRuns([earlier, later]).fenceOrder).toEqual([{ job: 'print', earlier, later }]);
  });

  it('counts a run without an end as going on until openEndMs', () => {
    const open = run({ slot: at(0), fence: 1, startMs: T0 });
    const next = run({ slot: at(60_000), fence: 2, startMs: T0 + 60_000, endMs: T0 + 61_000 });
    expect(checkRuns([open, next]).overlaps).toEqual([{ job: 'print', first: open, second: next }]);
    expect(checkRuns([open, next], T0 + 60_001).overlaps).toHaveLength(1);
    expect(checkRuns([open, next], T0 + 60_000).overlaps).toEqual([]);
    expect(checkRuns([open, next], T0 + 30_000).overlaps).toEqual([]);
  });

  it('checks runs read back from logs end to end', () => {
    const lines = [
      line('run.start', { holder: 'a#1', fence: 1, slot: at(0), offsetMs: 0 }),
      line('run.start', { holder: 'b#1', fence: 2, slot: at(0), instance: 'node-b:202', offsetMs: 100 }),
      line('run.end', { holder: 'b#1', fence: 2, instance: 'node-b:202', offsetMs: 200 }),
      line('run.end', { holder: 'a#1', fence: 1, offsetMs: 300 }),
    ];
    const check = checkRuns(parseRuns(lines));
    expect(check.runs).toHaveLength(2);
    expect(check.overlaps).toHaveLength(1);
    expect(check.duplicateStarts).toEqual([{ job: 'print', slot: at(0), count: 2 }]);
    expect(check.fenceOrder).toEqual([]);
  });
});

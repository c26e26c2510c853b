import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTime } from '../../functions/cli/format.js';
import { checkRuns, parseRuns } from '../../functions/local/run-log.js';
import { type CliResult, runCli, spawnCli } from '../support/cli-process.js';
import { useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
const dir = mkdtempSync(join(tmpdir(), 'cluster-cron-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a schedule file into the test's temp folder and returns its path. */
function scheduleFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const PRINT_JOB = `print:
  cron: "* * * * *"
  class: PrintWorker
  args: {sleepSeconds: 0}
  catchupWindow: 30s
`;

/** Runs the real CLI in a child process against the test's local server and `table`. */
const cli = (args: string[], table = 'cli-unused'): Promise<CliResult> => runCli(tables.endpoint(), args, table);

const newTable = (): string => `cli-${randomUUID().slice(0, 12)}`;
const lines = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');
const jsonLines = (text: string): Record<string, unknown>[] => lines(text).map((line) => JSON.parse(line) as Record<string, unknown>);
/** The start of the minute `minutesAgo` minutes before the current one, as ISO-8601. */
const minuteAgo = (minutesAgo: number): string => new Date(Math.floor(Date.now() / 60_000) * 60_000 - minutesAgo * 60_000).toISOString();
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('cluster-cron validate', () => {
  it('prints each job with its next fire times and exits 0 for a good file', async () => {
    const path = scheduleFile(
      'good.yml',
      `${PRINT_JOB}nightly:
  cron: "30 2 * * *"
  timezone: Europe/Berlin
  class: PrintWorker
  lease: 10m
`,
    );
    const beforeMs = Date.now();
    const result = await cli(['validate', '--schedule', path]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toBe('print: "* * * * *" UTC -> PrintWorker (lease 1m, catch-up 30s, overlap skip)');
    const printNext = out.slice(1, 4).map((line) => Date.parse(/^ {2}next (\S+)$/.exec(line)?.[1] ?? ''));
    expect(printNext[0]).toBeGreaterThan(beforeMs);
    expect(printNext[0]! % 60_000).toBe(0);
    expect(printNext).toEqual([printNext[0], printNext[0]! + 60_000, printNext[0]! + 120_000]);
    expect(out[4]).toBe('nightly: "30 2 * * *" Europe/Berlin -> PrintWorker (lease 10m, catch-up 90s, overlap skip)');
    for (const line of out.slice(5, 8))
      expect(line).toMatch(/^ {2}next \d{4}-\d{2}-\d{2}T0[01]:30:00Z \(\d{4}-\d{2}-\d{2} 02:30:00 \S+\)$/);
    expect(out[8]).toBe(`${path}: 2 jobs valid`);
    expect(out).toHaveLength(9);
  });

  it("prints a cron in words with the expression it became, and what sidekiq-cron's keys do here", async () => {
    const path = scheduleFile(
      'sidekiq.yml',
      'hard:\n  cron: "every weekday at 9am"\n  class: PrintWorker\n  queue: hard_worker\n  retry: false\n  namespace: ops\n',
    );
    const result = await cli(['validate', '--schedule', path, '--next', '1']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout).slice(0, 3)).toEqual([
      'hard: "0 9 * * 1-5" (from "every weekday at 9am") UTC -> PrintWorker (lease 1m, catch-up 90s, overlap skip, namespace ops)',
      '  queue "hard_worker": no effect here: there are no queues; the tick that claims a slot runs its handler itself',
      '  retry false: as here by default: a failed run is not retried',
    ]);
    const json = await cli(['validate', '--schedule', path, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      jobs: [{ name: 'hard', cron: '0 9 * * 1-5', naturalCron: 'every weekday at 9am', namespace: 'ops' }],
      notes: [
        { job: 'hard', key: 'queue' },
        { job: 'hard', key: 'retry', value: false },
      ],
    });
  });

  describe('on a bad file', () => {
    const cases: [name: string, file: string, text: string | undefined, message: string][] = [
      [
        'a bad cron',
        'bad-cron.yml',
        'print:\n  cron: "61 * * * *"\n  class: PrintWorker\n',
        'job "print": key "cron": cron "61 * * * *" is invalid: Constraint error, got value 61 expected range 0-59',
      ],
      [
        'an unknown zone',
        'bad-zone.yml',
        'print:\n  cron: "* * * * *"\n  timezone: Mars/Olympus\n  class: PrintWorker\n',
        'job "print": key "timezone": unknown time zone "Mars/Olympus"',
      ],
      [
        'an unknown class',
        'bad-class.yml',
        'print:\n  cron: "* * * * *"\n  class: NoSuchWorker\n',
        'job "print": key "class" has value "NoSuchWorker", which is not a registered handler (registered: PrintWorker)',
      ],
      ['a job defined twice', 'dup-job.yml', `${PRINT_JOB}${PRINT_JOB}`, 'job "print" is defined twice at line 6, column 1'],
      [
        'a key given twice in one job',
        'dup-key.yml',
        'print:\n  cron: "* * * * *"\n  class: PrintWorker\n  class: OtherWorker\n',
        'job "print": key "class" is defined twice at line 4, column 3',
      ],
      ['a missing cron', 'no-cron.yml', 'print:\n  class: PrintWorker\n', 'job "print": missing key "cron"'],
      [
        'a negative lease',
        'bad-lease.yml',
        'print:\n  cron: "* * * * *"\n  class: PrintWorker\n  lease: "-5s"\n',
        'job "print": key "lease" has value "-5s"; expected a positive duration such as 30s, 5m or 1h',
      ],
      [
        'an unknown key',
        'bad-key.yml',
        'print:\n  cron: "* * * * *"\n  class: PrintWorker\n  colour: blue\n',
        'job "print": unknown key "colour"',
      ],
      ['an empty file', 'empty.yml', '', 'the schedule is empty; define at least one job'],
      ['a missing file', 'missing.yml', undefined, 'cannot read the schedule file (ENOENT)'],
    ];
    const results = new Map<string, Promise<CliResult>>();
    beforeAll(() => {
      // Independent processes: start them all at once.
      for (const [, file, text] of cases) {
        const path = text === undefined ? join(dir, file) : scheduleFile(file, text);
        results.set(file, cli(['validate', '--schedule', path]));
      }
    });

    it.each(cases)('exits 1 naming the problem for %s', async (_name, file, _text, message) => {
      const result = await results.get(file)!;
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`cluster-cron: ${join(dir, file)}: ${message}`);
    });
  });
});

describe('cluster-cron tick, status, history and trigger on one job', () => {
  const table = newTable();
  let schedule: string;
  let slot: string;
  let first: CliResult;
  beforeAll(async () => {
    schedule = scheduleFile('print.yml', PRINT_JOB);
    slot = minuteAgo(1);
    first = await cli(['tick', '--schedule', schedule, '--at', slot, '--json'], table);
  });

  it('tick --json prints one JSON object per outcome: the slot ran', () => {
    expect(first.code).toBe(0);
    expect(jsonLines(first.stdout)).toEqual([
      { outcome: 'ran', job: 'print', slot, trigger: 'schedule', fence: 1, durationMs: expect.any(Number), leaseLost: false },
    ]);
  });

  it('tick logs the run to stderr as JSON lines, run.start and run.end carrying job, slot, fence, instance and timestamp', () => {
    const logs = jsonLines(first.stderr);
    const start = logs.find((log) => log.message === 'run.start');
    const end = logs.find((log) => log.message === 'run.end');
    const fields = {
      job: 'print',
      slot,
      fence: 1,
      instance: expect.stringMatching(/^.+:\d+$/),
      timestamp: expect.stringMatching(ISO_MS),
      holder: expect.any(String),
    };
    expect(start).toMatchObject(fields);
    expect(end).toMatchObject({ ...fields, status: 'succeeded' });
    expect(end?.holder).toBe(start?.holder);
    expect(end?.instance).toBe(start?.instance);
    expect(Date.parse(String(end?.timestamp))).toBeGreaterThanOrEqual(Date.parse(String(start?.timestamp)));
    expect(logs.filter((log) => log.message === 'run.start')).toHaveLength(1);
    const check = checkRuns(parseRuns(lines(first.stderr)));
    expect(check.runs).toEqual([expect.objectContaining({ job: 'print', slot, fence: 1, status: 'succeeded' })]);
    expect([check.overlaps, check.duplicateStarts, check.fenceOrder]).toEqual([[], [], []]);
  });

  it('a second tick of the same slot prints duplicate and runs nothing', async () => {
    const second = await cli(['tick', '--schedule', schedule, '--at', slot, '--json'], table);
    expect(second.code).toBe(0);
    const holder = jsonLines(first.stderr).find((log) => log.message === 'run.start')?.holder;
    expect(jsonLines(second.stdout)).toEqual([{ outcome: 'duplicate', job: 'print', slot, claimedBy: holder }]);
    expect(jsonLines(second.stderr).map((log) => log.message)).not.toContain('run.start');
  });

  it('status --json shows the fence, the next fire times and the last runs', async () => {
    const beforeMs = Date.now();
    const result = await cli(['status', '--schedule', schedule, '--json'], table);
    expect(result.code).toBe(0);
    const [status, ...others] = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(others).toEqual([]);
    expect(status).toMatchObject({
      job: 'print',
      cron: '* * * * *',
      timezone: 'UTC',
      class: 'PrintWorker',
      enabled: true,
      paused: false,
      fence: 1,
    });
    expect(status?.holder).toBeUndefined();
    const next = ((status?.next ?? []) as string[]).map((iso) => Date.parse(iso));
    expect(next).toHaveLength(3);
    expect(next[0]).toBeGreaterThan(beforeMs);
    expect(next).toEqual([next[0], next[0]! + 60_000, next[0]! + 120_000]);
    expect(status?.runs).toEqual([expect.objectContaining({ slot, status: 'succeeded', fence: 1, trigger: 'schedule' })]);
  });

  it('history --json prints one JSON object per slot with its fate', async () => {
    const result = await cli(['history', 'print', '--schedule', schedule, '--json'], table);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([
      expect.objectContaining({ job: 'print', slot, status: 'succeeded', fence: 1, trigger: 'schedule', durationMs: expect.any(Number) }),
    ]);
  });

  it('trigger --json runs the job now, under the lease, with a higher fence', async () => {
    const beforeMs = Date.now();
    const result = await cli(['trigger', 'print', '--schedule', schedule, '--json'], table);
    expect(result.code).toBe(0);
    const [outcome, ...others] = jsonLines(result.stdout);
    expect(others).toEqual([]);
    expect(outcome).toMatchObject({ outcome: 'ran', job: 'print', trigger: 'manual', fence: 2, leaseLost: false });
    expect(Date.parse(String(outcome?.slot))).toBeGreaterThanOrEqual(beforeMs);
    expect(jsonLines(result.stderr).find((log) => log.message === 'run.start')).toMatchObject({
      job: 'print',
      fence: 2,
      trigger: 'manual',
      slot: outcome?.slot,
    });

    const history = await cli(['history', 'print', '--schedule', schedule, '--json'], table);
    expect(jsonLines(history.stdout).map((item) => [item.slot, item.trigger, item.fence])).toEqual([
      [outcome?.slot, 'manual', 2],
      [slot, 'schedule', 1],
    ]);
  });
  it('trigger --overlap allow runs the job now and records the policy it ran under on the slot', async () => {
    const result = await cli(['trigger', 'print', '--schedule', schedule, '--overlap', 'allow', '--json'], table);
    expect(result.code).toBe(0);
    const [outcome, ...others] = jsonLines(result.stdout);
    expect(others).toEqual([]);
    expect(outcome).toMatchObject({ outcome: 'ran', job: 'print', trigger: 'manual', fence: 3 });
    const history = await cli(['history', 'print', '--schedule', schedule, '--limit', '1', '--json'], table);
    expect(jsonLines(history.stdout)).toEqual([
      expect.objectContaining({ slot: outcome?.slot, trigger: 'manual', status: 'succeeded', overlap: 'allow' }),
    ]);
  });
});

describe('cluster-cron tick without --at', () => {
  it('runs the current slot once; a second tick in the same minute prints duplicate', async () => {
    const table = newTable();
    const schedule = scheduleFile('now.yml', PRINT_JOB.replace('catchupWindow: 30s', 'catchupWindow: 60s'));
    // Two ticks take a second or two (more on a busy machine): keep both inside one minute.
    const intoMinuteMs = Date.now() % 60_000;
    if (intoMinuteMs > 48_000) await sleep(60_000 - intoMinuteMs + 50);
    const current = minuteAgo(0);
    const first = await cli(['tick', '--schedule', schedule, '--json'], table);
    const second = await cli(['tick', '--schedule', schedule, '--json'], table);
    expect(jsonLines(first.stdout)).toEqual([expect.objectContaining({ outcome: 'ran', slot: current, fence: 1 })]);
    expect(jsonLines(second.stdout)).toEqual([expect.objectContaining({ outcome: 'duplicate', slot: current })]);
  });
});

describe('cluster-cron status --namespace', () => {
  const table = newTable();
  const NAMESPACED = `${PRINT_JOB}billing:
  cron: "0 3 * * *"
  class: PrintWorker
  namespace: billing
`;

  it('shows the namespace and lists only the jobs of the one asked for; default is the jobs that name none', async () => {
    const schedule = scheduleFile('namespaced.yml', NAMESPACED);
    const all = JSON.parse((await cli(['status', '--schedule', schedule, '--json'], table)).stdout) as Record<string, unknown>[];
    expect(all.map((row) => [row.job, row.namespace])).toEqual([
      ['print', undefined],
      ['billing', 'billing'],
    ]);
    const billing = await cli(['status', '--schedule', schedule, '--namespace', 'billing'], table);
    expect(billing.code).toBe(0);
    expect(billing.stdout).toContain('namespace billing');
    expect(billing.stdout).toContain('billing');
    expect(billing.stdout).not.toContain('print');
    const byDefault = JSON.parse((await cli(['status', '--schedule', schedule, '--namespace', 'default', '--json'], table)).stdout);
    expect(byDefault.map((row: Record<string, unknown>) => row.job)).toEqual(['print']);
  });

  it('refuses a namespace no job has, listing the namespaces there are', async () => {
    const schedule = scheduleFile('namespaced-refused.yml', NAMESPACED);
    const result = await cli(['status', '--schedule', schedule, '--namespace', 'ops'], table);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('cluster-cron: no job is in namespace "ops" (the schedule\'s namespaces: billing, default)');
  });
});

describe('cluster-cron pause and resume', () => {
  it('records slots as paused while paused, shows the note in status, and runs again once resumed', async () => {
    const table = newTable();
    const schedule = scheduleFile('pause.yml', PRINT_JOB);
    const pausedSlot = minuteAgo(2);
    const resumedSlot = minuteAgo(1);

    const paused = await cli(['pause', 'print', '--schedule', schedule, '--note', 'db down'], table);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toBe('print: paused (db down); fence 0\n');

    const whilePaused = await cli(['tick', '--schedule', schedule, '--at', pausedSlot, '--json'], table);
    expect(whilePaused.code).toBe(0);
    expect(jsonLines(whilePaused.stdout)).toEqual([{ outcome: 'paused', job: 'print', slot: pausedSlot }]);
    expect(jsonLines(whilePaused.stderr).map((log) => log.message)).not.toContain('run.start');

    const [status, history] = await Promise.all([
      cli(['status', '--schedule', schedule, '--json'], table),
      cli(['history', 'print', '--schedule', schedule, '--json'], table),
    ]);
    expect(JSON.parse(status.stdout)).toEqual([expect.objectContaining({ job: 'print', paused: true, pausedNote: 'db down', fence: 0 })]);
    expect(jsonLines(history.stdout)).toEqual([expect.objectContaining({ slot: pausedSlot, status: 'skipped', reason: 'paused' })]);

    const resumed = await cli(['resume', 'print', '--schedule', schedule], table);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe('print: resumed; fence 0\n');

    const afterResume = await cli(['tick', '--schedule', schedule, '--at', resumedSlot, '--json'], table);
    expect(jsonLines(afterResume.stdout)).toEqual([expect.objectContaining({ outcome: 'ran', slot: resumedSlot, fence: 1 })]);
    const statusAfter = JSON.parse((await cli(['status', '--schedule', schedule, '--json'], table)).stdout) as Record<string, unknown>[];
    expect(statusAfter).toEqual([expect.objectContaining({ paused: false, fence: 1 })]);
    expect(statusAfter[0]?.pausedNote).toBeUndefined();
  });
});

describe('cluster-cron refusals', () => {
  const cases: [name: string, args: (schedule: string) => string[], message: string][] = [
    [
      'tick --at in the future',
      (s) => ['tick', '--schedule', s, '--at', '2999-01-01T00:00:00Z'],
      'cluster-cron: option --at has value "2999-01-01T00:00:00Z", which is in the future',
    ],
    [
      'tick --at that is not a time',
      (s) => ['tick', '--schedule', s, '--at', 'yesterday'],
      'cluster-cron: option --at has value "yesterday"; expected an ISO-8601 time',
    ],
    [
      'tick --job with an unknown job',
      (s) => ['tick', '--schedule', s, '--job', 'nope'],
      'cluster-cron: option --job: unknown job "nope" (the schedule defines: print)',
    ],
    [
      'history of an unknown job',
      (s) => ['history', 'nope', '--schedule', s],
      'cluster-cron: unknown job "nope" (the schedule defines: print)',
    ],
    [
      'trigger of an unknown job',
      (s) => ['trigger', 'nope', '--schedule', s],
      'cluster-cron: unknown job "nope" (the schedule defines: print)',
    ],
    [
      'pause of an unknown job',
      (s) => ['pause', 'nope', '--schedule', s, '--note', 'x'],
      'cluster-cron: unknown job "nope" (the schedule defines: print)',
    ],
    [
      'resume of an unknown job',
      (s) => ['resume', 'nope', '--schedule', s],
      'cluster-cron: unknown job "nope" (the schedule defines: print)',
    ],
  ];
  const table = newTable();
  const results = new Map<string, Promise<CliResult>>();
  beforeAll(() => {
    const schedule = scheduleFile('refusals.yml', PRINT_JOB);
    for (const [name, args] of cases) results.set(name, cli(args(schedule), table));
  });

  it.each(cases)('%s exits 1 with a message naming it', async (name, _args, message) => {
    const result = await results.get(name)!;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  it('leaves the table untouched', async () => {
    await Promise.all(results.values());
    const history = await cli(['history', 'print', '--schedule', join(dir, 'refusals.yml'), '--json'], table);
    expect(history.code).toBe(0);
    expect(history.stdout).toBe('');
  });
});

describe('cluster-cron backfill and status JOB on one job', () => {
  const table = newTable();
  // Slots counted back from the start of the minute the tests began in, fixed once so that a
  // minute turning over during the tests cannot shift them.
  const baseMs = Math.floor(Date.now() / 60_000) * 60_000;
  const slotMs = (minutesAgo: number): number => baseMs - minutesAgo * 60_000;
  const slot = (minutesAgo: number): string => new Date(slotMs(minutesAgo)).toISOString();
  const range = ['--from', slot(6), '--to', slot(2)];
  let schedule: string;
  let ticked: CliResult;
  let first: CliResult;
  beforeAll(async () => {
    schedule = scheduleFile('backfill.yml', PRINT_JOB);
    // One slot of the range already ran on schedule; the backfill must leave it alone.
    ticked = await cli(['tick', '--schedule', schedule, '--at', slot(3), '--json'], table);
    first = await cli(['backfill', 'print', '--schedule', schedule, ...range, '--json'], table);
  });

  it('runs each slot of the range (from exclusive, to inclusive) that has no record, once, oldest first, with rising fences', () => {
    expect(jsonLines(ticked.stdout)).toEqual([expect.objectContaining({ outcome: 'ran', slot: slot(3), fence: 1 })]);
    expect(first.code).toBe(0);
    expect(jsonLines(first.stdout)).toEqual([
      { outcome: 'ran', job: 'print', slot: slot(5), trigger: 'backfill', fence: 2, durationMs: expect.any(Number), leaseLost: false },
      { outcome: 'ran', job: 'print', slot: slot(4), trigger: 'backfill', fence: 3, durationMs: expect.any(Number), leaseLost: false },
      { outcome: 'ran', job: 'print', slot: slot(2), trigger: 'backfill', fence: 4, durationMs: expect.any(Number), leaseLost: false },
    ]);
  });

  it('never runs two of them at once: the logged runs do not overlap and start in slot order', () => {
    const check = checkRuns(parseRuns(lines(first.stderr)));
    expect(check.runs.map((run) => [run.slot, run.fence, run.status])).toEqual([
      [slot(5), 2, 'succeeded'],
      [slot(4), 3, 'succeeded'],
      [slot(2), 4, 'succeeded'],
    ]);
    expect([check.overlaps, check.duplicateStarts, check.fenceOrder]).toEqual([[], [], []]);
  });

  it('a second identical backfill runs nothing and says so', async () => {
    const [json, text] = await Promise.all([
      cli(['backfill', 'print', '--schedule', schedule, ...range, '--json'], table),
      cli(['backfill', 'print', '--schedule', schedule, ...range], table),
    ]);
    expect([json.code, text.code]).toEqual([0, 0]);
    expect(json.stdout).toBe('');
    expect(text.stdout).toBe(`print: no missing slots between ${formatTime(slotMs(6))} and ${formatTime(slotMs(2))}\n`);
    for (const result of [json, text]) expect(jsonLines(result.stderr).map((log) => log.message)).not.toContain('run.start');
  });

  it('history shows each slot of the range once, with the trigger and fence it ran under', async () => {
    const history = await cli(['history', 'print', '--schedule', schedule, '--json'], table);
    expect(history.code).toBe(0);
    expect(jsonLines(history.stdout).map((item) => [item.slot, item.trigger, item.status, item.fence])).toEqual([
      [slot(2), 'backfill', 'succeeded', 4],
      [slot(3), 'schedule', 'succeeded', 1],
      [slot(4), 'backfill', 'succeeded', 3],
      [slot(5), 'backfill', 'succeeded', 2],
    ]);
  });

  describe('status JOB', () => {
    let text: CliResult;
    let json: CliResult;
    let beforeMs: number;
    let afterMs: number;
    beforeAll(async () => {
      beforeMs = Date.now();
      [text, json] = await Promise.all([
        cli(['status', 'print', '--schedule', schedule], table),
        cli(['status', 'print', '--schedule', schedule, '--json'], table),
      ]);
      afterMs = Date.now();
    });
    /** Slots after slot(5) with no record and older than the 30 s catch-up window at `nowMs`: slot(1) onwards. */
    const missedAt = (nowMs: number): number => {
      let count = 0;
      for (let ms = slotMs(1); ms <= nowMs - 30_000; ms += 60_000) count += 1;
      return count;
    };

    it('prints the schedule in plain words, the policy, the state and the counters', () => {
      expect(text.code).toBe(0);
      const out = text.stdout.split('\n');
      expect(out.slice(0, 4)).toEqual([
        'print: PrintWorker',
        '  schedule   "* * * * *" UTC (Every minute)',
        '  policy     overlap skip, lease 1m, catch-up window 30s, catch-up limit 1',
        '  state      active; lock free; fence 4',
      ]);
      const counters = new RegExp(
        `^ {2}counters {3}over the last 4 slot\\(s\\) since ${formatTime(slotMs(5))}: runs 4 \\(failed 0, timed out 0, retried 0\\), skipped by overlap 0, dropped 0, buffered 0, paused 0, lost 0, missed (\\d+)$`,
      ).exec(out[4] ?? '');
      expect(counters, out[4]).not.toBeNull();
      // slot(1) was left out of the range: missed at least that one, plus any slot since that has passed the window.
      expect(Number(counters![1])).toBeGreaterThanOrEqual(missedAt(beforeMs));
      expect(Number(counters![1])).toBeLessThanOrEqual(missedAt(afterMs));
    });

    it('prints the last runs, newest first, with their scheduled time, fence, instance and trigger', () => {
      const out = text.stdout.split('\n');
      const start = out.indexOf('last runs (newest first):');
      expect(start).toBeGreaterThan(0);
      const rows = out
        .slice(start + 1, out.indexOf('next fire times:'))
        .filter((line) => line.startsWith('│'))
        .map((line) =>
          line
            .split('│')
            .map((cell) => cell.trim())
            .slice(1, -1),
        );
      expect(rows[0]).toEqual(['scheduled', 'started', 'lag', 'duration', 'outcome', 'fence', 'instance', 'trigger']);
      expect(rows.slice(1).map((row) => [row[0], row[4], row[5], row[7]])).toEqual([
        [formatTime(slotMs(2)), 'succeeded', '4', 'backfill'],
        [formatTime(slotMs(3)), 'succeeded', '1', 'schedule'],
        [formatTime(slotMs(4)), 'succeeded', '3', 'backfill'],
        [formatTime(slotMs(5)), 'succeeded', '2', 'backfill'],
      ]);
      for (const row of rows.slice(1)) {
        expect(Date.parse(row[1] ?? '')).toBeGreaterThan(Date.parse(row[0] ?? ''));
        expect(row[6]).toMatch(/^.+:\d+$/);
      }
    });

    it('prints the next 10 fire times, one minute apart, after now', () => {
      const out = text.stdout.split('\n');
      const next = out.slice(out.indexOf('next fire times:') + 1).filter((line) => line !== '');
      expect(next).toHaveLength(10);
      const times = next.map((line) => Date.parse(/^ {2}(\S+)$/.exec(line)?.[1] ?? ''));
      expect(times[0]).toBeGreaterThan(beforeMs);
      expect(times[0]).toBeLessThanOrEqual(afterMs + 60_000);
      expect(times[0]! % 60_000).toBe(0);
      expect(times).toEqual(times.map((_, index) => times[0]! + index * 60_000));
    });

    it('--json gives the same as data: the job, its lock, recent runs, 10 next fire times and the counters', () => {
      expect(json.code).toBe(0);
      const status = JSON.parse(json.stdout) as {
        job: Record<string, unknown>;
        lock: Record<string, unknown>;
        recent: Record<string, unknown>[];
        nextMs: number[];
        counters: Record<string, unknown>;
      };
      expect(status.job).toMatchObject({ name: 'print', cron: '* * * * *', overlap: 'skip', catchupLimit: 1, continuous: false });
      expect(status.lock).toMatchObject({ fence: 4 });
      expect(status.recent.map((item) => item.slot)).toEqual([slot(2), slot(3), slot(4), slot(5)]);
      expect(status.nextMs).toHaveLength(10);
      expect(status.nextMs[0]).toBeGreaterThan(beforeMs);
      expect(status.nextMs).toEqual(status.nextMs.map((_, index) => status.nextMs[0]! + index * 60_000));
      expect(status.counters).toMatchObject({
        slots: 4,
        sinceMs: slotMs(5),
        runs: 4,
        succeeded: 4,
        failures: 0,
        skippedByOverlap: 0,
        buffered: 0,
        lost: 0,
      });
    });
  });
});

describe('cluster-cron refusals of backfill, trigger --overlap and status JOB', () => {
  const cases: [name: string, args: (schedule: string) => string[], message: string][] = [
    [
      'trigger --overlap that is not a policy',
      (s) => ['trigger', 'print', '--schedule', s, '--overlap', 'nope'],
      "error: option '--overlap <policy>' argument 'nope' is invalid. Allowed choices are skip, bufferOne, allow.",
    ],
    [
      'backfill without --from',
      (s) => ['backfill', 'print', '--schedule', s, '--to', '2026-11-26T10:00:00Z'],
      "error: required option '--from <iso>' not specified",
    ],
    [
      'backfill --from that is not a time',
      (s) => ['backfill', 'print', '--schedule', s, '--from', 'yesterday', '--to', '2026-11-26T10:00:00Z'],
      'expected an ISO-8601 time with a zone such as 2026-11-26T10:00:00Z, got "yesterday" for --from',
    ],
    [
      'backfill --from on a day that does not exist',
      (s) => ['backfill', 'print', '--schedule', s, '--from', '2026-02-30T10:00:00Z', '--to', '2026-03-02T10:00:00Z'],
      'got "2026-02-30T10:00:00Z" for --from',
    ],
    [
      'backfill with --from after --to',
      (s) => ['backfill', 'print', '--schedule', s, '--from', '2026-11-26T10:00:00Z', '--to', '2026-11-26T09:00:00Z'],
      'cluster-cron: backfill of job "print": --from 2026-11-26T10:00:00.000Z must be before --to 2026-11-26T09:00:00.000Z',
    ],
    [
      'backfill with --to in the future',
      (s) => ['backfill', 'print', '--schedule', s, '--from', '2026-11-26T10:00:00Z', '--to', '2999-01-01T00:00:00Z'],
      'cluster-cron: backfill of job "print": --to 2999-01-01T00:00:00.000Z is in the future; a slot is backfilled only once it has passed',
    ],
    [
      'backfill of more slots than one backfill takes',
      (s) => ['backfill', 'print', '--schedule', s, '--from', '2000-01-01T00:00:00Z', '--to', '2026-11-26T09:00:00Z'],
      'cluster-cron: backfill of job "print": the range 2000-01-01T00:00:00.000Z .. 2026-11-26T09:00:00.000Z holds more than 10000 slots; backfill it in parts',
    ],
    [
      'status of an unknown job',
      (s) => ['status', 'nope', '--schedule', s],
      'cluster-cron: unknown job "nope" (the schedule defines: print)',
    ],
  ];
  const table = newTable();
  const results = new Map<string, Promise<CliResult>>();
  beforeAll(() => {
    const schedule = scheduleFile('refusals-4.yml', PRINT_JOB);
    // Four at a time: a dozen node processes at once on a busy machine could each near the kill timer.
    const lanes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve(), Promise.resolve(), Promise.resolve()];
    cases.forEach(([name, args], index) => {
      const run = lanes[index % lanes.length]!.then(() => cli(args(schedule), table));
      lanes[index % lanes.length] = run.catch(() => undefined);
      results.set(name, run);
    });
  });

  it.each(cases)('%s exits 1 with a message naming it', async (name, _args, message) => {
    const result = await results.get(name)!;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });

  it('leaves the table untouched', async () => {
    await Promise.all(results.values());
    const history = await cli(['history', 'print', '--schedule', join(dir, 'refusals-4.yml'), '--json'], table);
    expect(history.code).toBe(0);
    expect(history.stdout).toBe('');
  });
});

describe('cluster-cron tick and start with a failure hook in the config', () => {
  // A config as a user writes it (defineJob only adds its kind); the hook prints a line of its own.
  const config = join(dir, 'failing.config.mjs');
  const hooksIn = (text: string): Record<string, unknown>[] =>
    lines(text)
      .filter((line) => line.startsWith('HOOK '))
      .map((line) => JSON.parse(line.slice(5)) as Record<string, unknown>);
  beforeAll(() => {
    writeFileSync(
      config,
      `export default {
  onFailure: (ctx, error) => { process.stdout.write('HOOK ' + JSON.stringify({ job: ctx.job, attempt: ctx.attempt, error: error.message }) + '\\n'); },
  jobs: {
    failing: { kind: 'cluster-cron.job', cron: '* * * * *', retry: { attempts: 2, backoff: '10ms' }, catchupWindow: '30s',
      handler: ({ attempt }) => { throw new Error('boom ' + attempt); } },
    everySecond: { kind: 'cluster-cron.job', cron: '* * * * * *', pauseAfterFailures: 1,
      handler: () => { throw new Error('down'); } },
  },
};
`,
    );
  });

  it("tick calls the config's onFailure once for a slot that fails for good, after its attempts", async () => {
    const result = await cli(['tick', '--config', config, '--job', 'failing', '--at', minuteAgo(1), '--json'], newTable());
    expect(hooksIn(result.stdout)).toEqual([{ job: 'failing', attempt: 2, error: 'boom 2' }]);
    expect(jsonLines(result.stderr).filter((log) => log.message === 'run.failed')).toEqual([
      expect.objectContaining({ job: 'failing', attempts: 2, error: 'Error: boom 2' }),
    ]);
  });

  it('a node (start) calls it too, and the job pauses itself after its failure', async () => {
    const env = {
      ...process.env,
      DYNAMODB_ENDPOINT: tables.endpoint(),
      CLUSTER_CRON_TABLE: newTable(),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const node = spawnCli(['start', '--config', config], env);
    try {
      const selfPaused = (): boolean => node.lines.some((line) => line.includes('"message":"job.self-paused"'));
      for (let waitedMs = 0; waitedMs < 15_000 && !selfPaused(); waitedMs += 100) await sleep(100);
      // Two more slots of the paused job pass, which must not call the hook again.
      await sleep(2_000);
      // Once: the job paused itself after that failure. (The minute job may fail too, in its own window.)
      expect(hooksIn(node.lines.join('\n')).filter((hook) => hook.job === 'everySecond')).toEqual([
        { job: 'everySecond', attempt: 1, error: 'down' },
      ]);
      expect(selfPaused()).toBe(true);
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
    }
  });
});

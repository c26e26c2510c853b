/**
 * `cluster-cron jobs add | update | remove | list` as a user types them, against the local
 * server: a runtime job is created, refused with the file's messages, changed, listed, run by
 * `trigger` and `tick`, shown by `status`, and removed.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/cli-process.js';
import { useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
const dir = mkdtempSync(join(tmpdir(), 'cluster-cron-cli-jobs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schedule = join(dir, 'schedule.yml');
writeFileSync(schedule, 'print:\n  cron: "0 3 * * *"\n  class: PrintWorker\n  args: {sleepSeconds: 0}\n');
const table = `cli-jobs-${randomUUID().slice(0, 8)}`;
const cli = (...args: string[]): Promise<CliResult> => runCli(tables.endpoint(), [...args, '--schedule', schedule], table);
const SYNC = ['--cron', '*/15 * * * *', '--class', 'PrintWorker', '--args', '{"tenant":"acme","sleepSeconds":0}'];

describe('cluster-cron jobs', () => {
  beforeAll(async () => {
    const added = await cli('jobs', 'add', 'sync-acme', ...SYNC);
    expect(added).toMatchObject({ code: 0, stdout: 'sync-acme: added, version 1\n' });
  });

  it('adds a job once: the same definition again changes nothing, another one is refused with the way to change it', async () => {
    expect(
      await cli(
        'jobs',
        'add',
        'sync-acme',
        '--args',
        '{"sleepSeconds":0,"tenant":"acme"}',
        '--cron',
        '*/15 * * * *',
        '--class',
        'PrintWorker',
      ),
    ).toMatchObject({
      code: 0,
      stdout: 'sync-acme: unchanged (the same definition), version 1\n',
    });
    const other = await cli('jobs', 'add', 'sync-acme', '--cron', '*/5 * * * *', '--class', 'PrintWorker');
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(
      'job "sync-acme" exists already (version 1, cron "*/15 * * * *"): change it with cluster-cron jobs update "sync-acme"',
    );
  });

  it("refuses a bad definition with the schedule file's messages, naming the job, key and value", async () => {
    const badCron = await cli('jobs', 'add', 'nightly', '--cron', '61 * * * *', '--class', 'PrintWorker');
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toMatch(/job "nightly": key "cron": cron "61 \* \* \* \*" is invalid/);
    const badClass = await cli('jobs', 'add', 'nightly', '--cron', '0 3 * * *', '--class', 'Nope');
    expect(badClass.stderr).toContain(
      'job "nightly": key "class" has value "Nope", which is not a registered handler (registered: PrintWorker)',
    );
    const taken = await cli('jobs', 'add', 'print', '--cron', '0 3 * * *', '--class', 'PrintWorker');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('job "print" is defined by the config; a runtime job needs a name of its own');
    const badArgs = await cli('jobs', 'add', 'nightly', '--cron', '0 3 * * *', '--class', 'PrintWorker', '--args', '[1]');
    expect(badArgs.stderr).toContain(`expected a JSON object such as '{"tenant":"acme"}', got "[1]"`);
    expect((await cli('jobs', 'list', '--json')).stdout).not.toContain('nightly');
  });

  it('updates only the keys given, lists the job with its version, and status marks it as a runtime job', async () => {
    expect(await cli('jobs', 'update', 'sync-acme', '--cron', '*/5 * * * *')).toMatchObject({
      code: 0,
      stdout: 'sync-acme: updated, version 2\n',
    });
    const listed = JSON.parse((await cli('jobs', 'list', '--json')).stdout) as {
      jobs: { name: string; version: number; definition: Record<string, unknown> }[];
    };
    expect(listed.jobs).toEqual([
      expect.objectContaining({
        name: 'sync-acme',
        version: 2,
        definition: expect.objectContaining({ cron: '*/5 * * * *', class: 'PrintWorker', args: { tenant: 'acme', sleepSeconds: 0 } }),
      }),
    ]);
    const status = JSON.parse((await cli('status', '--json')).stdout) as { job: string; runtime?: boolean; version?: number }[];
    expect(status.map(({ job, runtime, version }) => ({ job, runtime, version }))).toEqual([
      { job: 'print', runtime: undefined, version: undefined },
      { job: 'sync-acme', runtime: true, version: 2 },
    ]);
    expect((await cli('jobs', 'update', 'sync-zzz', '--cron', '*/5 * * * *')).stderr).toContain(
      'job "sync-zzz": no runtime job of that name; create it with cluster-cron jobs add "sync-zzz"',
    );
  });

  it('runs a runtime job by trigger and by tick, with its own args, and shows it in history', async () => {
    const triggered = await cli('trigger', 'sync-acme', '--json');
    expect(triggered.code).toBe(0);
    expect(JSON.parse(triggered.stdout.trim())).toMatchObject({ outcome: 'ran', job: 'sync-acme', trigger: 'manual', fence: 1 });
    // Every second from now on: the next second's slot is after the change, so a tick then runs it.
    expect((await cli('jobs', 'update', 'sync-acme', '--cron', '* * * * * *')).code).toBe(0);
    const slotMs = Math.ceil(Date.now() / 1_000) * 1_000 + 1_000;
    await new Promise((resolve) => setTimeout(resolve, slotMs + 200 - Date.now()));
    // As of just after that slot (the CLI's own start-up would otherwise count as lateness).
    const ticked = await cli('tick', '--at', new Date(slotMs + 100).toISOString(), '--json');
    const outcomes = ticked.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { job: string; outcome: string });
    // The newest slot runs; older ones past the catch-up limit are recorded missed.
    expect(outcomes.filter((outcome) => outcome.job === 'sync-acme' && outcome.outcome === 'ran')).toHaveLength(1);
    const history = await cli('history', 'sync-acme', '--json');
    expect(history.stdout).toContain('"status":"succeeded"');
  });

  it('refuses to update or remove a job of the config (the schedule file), saying to change it there', async () => {
    const update = await cli('jobs', 'update', 'print', '--cron', '*/5 * * * *');
    expect(update.code).toBe(1);
    expect(update.stderr).toContain(
      `job "print" is defined by ${schedule}, not at run time: change it there (jobs update changes runtime jobs only)`,
    );
    const remove = await cli('jobs', 'remove', 'print');
    expect(remove.code).toBe(1);
    expect(remove.stderr).toContain(
      `job "print" is defined by ${schedule}, not at run time: remove it there (jobs remove removes runtime jobs only)`,
    );
    expect(remove.stdout).toBe('');
  });

  it('removes a job: listed no more, unknown to trigger; removing it again says so and exits 1', async () => {
    expect(await cli('jobs', 'remove', 'sync-acme')).toMatchObject({ code: 0, stdout: 'sync-acme: removed\n' });
    expect((await cli('jobs', 'list')).stdout).toBe('no runtime jobs\n');
    const trigger = await cli('trigger', 'sync-acme');
    expect(trigger.code).toBe(1);
    expect(trigger.stderr).toContain('unknown job "sync-acme"');
    expect(await cli('jobs', 'remove', 'sync-acme')).toMatchObject({
      code: 1,
      stdout: 'sync-acme: no runtime job of that name (nothing removed)\n',
    });
  });

  it('adds a one-time job with --at, runs it at its time, shows it as such, and switches it to a cron on update', async () => {
    const needs = await cli('jobs', 'add', 'remind', '--class', 'PrintWorker');
    expect(needs.code).toBe(1);
    expect(needs.stderr).toContain('job "remind": jobs add needs --class, and --cron (a schedule) or --at (one time)');
    // A few seconds ago, within its catch-up window: a job created just after its time still runs (tick --at takes no future time).
    const atMs = Math.floor(Date.now() / 1_000) * 1_000 - 10_000;
    const at = new Date(atMs).toISOString();
    expect(await cli('jobs', 'add', 'remind', '--at', at, '--class', 'PrintWorker', '--args', '{"sleepSeconds":0}')).toMatchObject({
      code: 0,
      stdout: 'remind: added, version 1\n',
    });
    expect((await cli('jobs', 'list')).stdout).toContain(`once at ${at}`);
    expect((await cli('status', 'remind')).stdout).toContain(`schedule   once at ${at.replace('.000Z', 'Z')}`);
    const ticked = await cli('tick', '--at', new Date(atMs + 100).toISOString(), '--json');
    expect(ticked.stdout).toContain(`{"outcome":"ran","job":"remind","slot":"${at}","trigger":"schedule"`);
    expect((await cli('history', 'remind', '--json')).stdout).toContain('"status":"succeeded"');
    expect(await cli('jobs', 'update', 'remind', '--cron', '0 9 * * *')).toMatchObject({ code: 0, stdout: 'remind: updated, version 2\n' });
    const listed = JSON.parse((await cli('jobs', 'list', '--json')).stdout) as { jobs: { definition: Record<string, unknown> }[] };
    expect(listed.jobs[0]?.definition).toMatchObject({ cron: '0 9 * * *', class: 'PrintWorker' });
    expect(listed.jobs[0]?.definition).not.toHaveProperty('at');
    expect((await cli('jobs', 'remove', 'remind')).code).toBe(0);
  });
});

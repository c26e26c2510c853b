import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfigFile, loadConfig } from '../../functions/config.js';
import { ScheduleError } from '../../functions/core/errors.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import type { RunContext } from '../../functions/core/types.js';
import { defineConfig, defineJob } from '../../functions/define.js';
import { resolveConfig } from '../../functions/resolve-config.js';

const FIXTURES = 'test/fixtures/config';
const noop = (): void => undefined;

describe('defineJob in a config', () => {
  it('becomes the job definition the same keys give in a schedule file', () => {
    const config = defineConfig({
      jobs: {
        report: defineJob({
          cron: '30 2 * * * Europe/Berlin',
          lease: '5m',
          catchupWindow: '10m',
          overlap: 'bufferOne',
          args: { region: 'eu' },
          handler: noop,
        }),
      },
    });
    const [job] = resolveConfig(config, 'app.config.ts').jobs;
    const [fromYaml] = parseSchedule(
      'report:\n  cron: "30 2 * * * Europe/Berlin"\n  class: report\n  lease: 5m\n  catchupWindow: 10m\n  overlap: bufferOne\n  args: { region: eu }\n',
      { handlers: ['report'] },
    );
    expect(job).toEqual(fromYaml);
  });

  it('takes a one-time job at a Date, and bounds as Dates or ISO text, as the file takes their ISO text', () => {
    const atMs = Date.UTC(2026, 11, 24, 9);
    const config = defineConfig({
      jobs: {
        remind: defineJob({ at: new Date(atMs), handler: noop }),
        campaign: defineJob({ cron: '0 9 * * *', startAt: new Date(atMs), endAt: '2027-01-06T09:00Z', handler: noop }),
      },
    });
    const [remind, campaign] = resolveConfig(config, 'app.config.ts').jobs;
    expect(remind).toMatchObject({ name: 'remind', atMs, cron: '0 0 9 24 12 *' });
    expect(campaign).toMatchObject({ startAtMs: atMs, endAtMs: Date.UTC(2027, 0, 6, 9) });
    expect(() => resolveConfig({ jobs: { bad: defineJob({ at: new Date(Number.NaN), handler: noop }) } }, 'app.config.ts')).toThrow(
      'app.config.ts: job "bad": key "at" has value "Invalid Date"; expected an ISO 8601 date and time',
    );
  });

  it("takes args as a list (sidekiq's perform(*args)), typed for the handler, and a namespace", () => {
    const seen: [string, number][] = [];
    const handler = ({ args }: RunContext<[string, number]>): void => void seen.push(args);
    const loaded = resolveConfig(
      { jobs: { report: defineJob({ cron: '* * * * *', args: ['eu', 3], namespace: 'billing', handler }) } },
      'app.config.ts',
    );
    expect(loaded.jobs[0]).toMatchObject({ args: ['eu', 3], namespace: 'billing' });
  });

  it("registers each code job's handler under the job's name", () => {
    const loaded = resolveConfig({ jobs: { report: defineJob({ cron: '* * * * *', handler: noop }) } }, 'app.config.ts');
    expect(loaded.handlers.report).toBe(noop);
  });

  it("refuses a bad cron with the schedule file's message, naming the config file", () => {
    const config = { jobs: { report: defineJob({ cron: '61 * * * *', handler: noop }) } };
    expect(() => resolveConfig(config, 'app.config.ts')).toThrow(/^app\.config\.ts: job "report": key "cron": /);
    const yamlMessage = (() => {
      try {
        parseSchedule('report:\n  cron: "61 * * * *"\n  class: report\n', { handlers: ['report'], source: 'app.config.ts' });
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(() => resolveConfig(config, 'app.config.ts')).toThrow(yamlMessage!);
  });

  it('names the job, the key and the value of an unknown key, a bad value and a missing handler', () => {
    expect(() =>
      resolveConfig({ jobs: { report: { ...defineJob({ cron: '* * * * *', handler: noop }), leese: '5m' } } }, 'app.config.ts'),
    ).toThrow(
      'app.config.ts: job "report": unknown key "leese" with value "5m" (allowed: cron, at, startAt, endAt, handler, args, overlap',
    );
    expect(() =>
      resolveConfig({ jobs: { report: defineJob({ cron: '* * * * *', handler: noop, overlap: 'never' as 'skip' }) } }, 'app.config.ts'),
    ).toThrow('app.config.ts: job "report": key "overlap" has value "never"; expected one of "skip", "bufferOne", "allow"');
    expect(() => resolveConfig({ jobs: { report: { cron: '* * * * *', handler: 'ReportWorker' } } }, 'app.config.ts')).toThrow(
      'app.config.ts: job "report": key "handler" has value "ReportWorker"; expected a function',
    );
    const error = (() => {
      try {
        resolveConfig({ jobs: { report: defineJob({ cron: '* * * * *', lease: 'soon', handler: noop }) } }, 'app.config.ts');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ScheduleError);
    expect((error as ScheduleError).details).toEqual({ source: 'app.config.ts', job: 'report', key: 'lease', value: 'soon' });
  });

  it('refuses an unknown top-level key, a config with no jobs, and a job named like a handler', () => {
    expect(() => resolveConfig({ job: {} }, 'app.config.ts')).toThrow(
      'app.config.ts: unknown key "job" with value {} (allowed: jobs, schedule, handlers, tableName, endpoint, onFailure)',
    );
    expect(() => resolveConfig({}, 'app.config.ts')).toThrow('app.config.ts: defines no jobs');
    expect(() =>
      resolveConfig({ jobs: { Greeter: defineJob({ cron: '* * * * *', handler: noop }) }, handlers: { Greeter: noop } }, 'app.config.ts'),
    ).toThrow('app.config.ts: job "Greeter" has the name of a handler in "handlers"');
  });
});

describe('loadConfig', () => {
  it('loads a TypeScript config with its handlers, its schedule file (relative to it) and its table name', async () => {
    const loaded = await loadConfig({ config: join(FIXTURES, 'cluster-cron.config.ts') });
    expect(loaded.source).toBe(join(FIXTURES, 'cluster-cron.config.ts'));
    expect(loaded.jobs.map((job) => [job.name, job.handler, job.cron])).toEqual([
      ['hourly-greeting', 'Greeter', '0 * * * *'],
      ['greet', 'greet', '*/5 * * * *'],
    ]);
    expect(Object.keys(loaded.handlers).sort()).toEqual(['Greeter', 'greet']);
    expect(loaded.tableName).toBe('from-config');
  });

  it('finds cluster-cron.config.ts in the working directory, or the file CLUSTER_CRON_CONFIG names', () => {
    expect(findConfigFile({ cwd: FIXTURES, env: {} })).toBe(join(process.cwd(), FIXTURES, 'cluster-cron.config.ts'));
    expect(findConfigFile({ cwd: FIXTURES, env: { CLUSTER_CRON_CONFIG: 'bad-lease.config.ts' } })).toBe(
      join(process.cwd(), FIXTURES, 'bad-lease.config.ts'),
    );
    expect(findConfigFile({ cwd: 'test/unit', env: {} })).toBeUndefined();
    expect(() => findConfigFile({ config: 'nope.config.ts', env: {} })).toThrow('nope.config.ts: config file not found');
  });

  it('checks leases against the clock skew, naming the config file', async () => {
    await expect(loadConfig({ config: join(FIXTURES, 'bad-lease.config.ts') })).rejects.toThrow(
      `${join(FIXTURES, 'bad-lease.config.ts')}: job "nightly": key "lease" has value "500ms"`,
    );
  });

  it('with no config file, reads config/schedule.yml with the built-in PrintWorker', async () => {
    const loaded = await loadConfig({ env: {} });
    expect(loaded.source).toBe('config/schedule.yml');
    expect(loaded.jobs.every((job) => job.handler === 'PrintWorker')).toBe(true);
    expect(typeof loaded.handlers.PrintWorker).toBe('function');
  });

  it('in a folder with neither, says what to write', async () => {
    await expect(loadConfig({ cwd: 'test/unit' })).rejects.toThrow(
      /no config file \(cluster-cron\.config\.ts, .*\) in .*test\/unit and no config\/schedule\.yml/,
    );
  });
});

/**
 * `cluster-cron jobs add | update | remove | list`: runtime jobs, stored in the table beside the
 * config's (functions/job-operations.ts). The handler is still code: `--class` names one the
 * config registers; a runtime job brings its own `--args` (a tenant's id, say).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { DefinitionWriteResult } from '../../core/definition-writes.js';
import { ScheduleError } from '../../core/errors.js';
import { OverlapPolicy } from '../../core/types.js';
import { getJob, listJobs, type RuntimeJob, type RuntimeJobSpec, removeJob, writeJob } from '../../job-operations.js';
import type { LoadedConfig } from '../../resolve-config.js';
import { loadJobs, positiveInt, type SourceOptions, withSource } from '../arguments.js';
import { formatTime, table } from '../format.js';
import { withOperation } from '../table-access.js';

/** The flags of `jobs add` and `jobs update`, as commander hands them over. */
interface DefinitionFlags {
  cron?: string;
  at?: string;
  startAt?: string;
  endAt?: string;
  class?: string;
  args?: Record<string, unknown>;
  overlap?: OverlapPolicy;
  lease?: string;
  timezone?: string;
  description?: string;
}

/** Parses --args: a JSON object (the handler's `ctx.args`). */
function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(
      `expected a JSON object such as '{"tenant":"acme"}', got ${JSON.stringify(value)} (${(error as Error).message})`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError(`expected a JSON object such as '{"tenant":"acme"}', got ${JSON.stringify(value)}`);
  return parsed as Record<string, unknown>;
}

function withDefinitionFlags(command: Command): Command {
  return command
    .option('--cron <expr>', 'cron expression (5 fields, or 6 with seconds), e.g. "*/15 * * * *"')
    .option(
      '--at <time>',
      'run once at this ISO 8601 time instead of on a cron, e.g. 2026-12-24T09:00 (in --timezone) or 2026-12-24T08:00Z',
    )
    .option('--start-at <time>', 'no slot before this ISO 8601 time')
    .option('--end-at <time>', 'no slot after this ISO 8601 time (the job is done after it)')
    .option('--class <handler>', 'the handler the config registers, e.g. SyncCustomer')
    .option('--args <json>', 'the handler\'s ctx.args, a JSON object, e.g. \'{"tenant":"acme"}\'', jsonObject)
    .addOption(new Option('--overlap <policy>', 'what a slot does while a run holds the lease').choices(Object.values(OverlapPolicy)))
    .option('--lease <duration>', 'how long a run may hold the lease between heartbeats, e.g. 5m')
    .option('--timezone <zone>', 'IANA zone of the cron, e.g. Europe/Berlin')
    .option('--description <text>', 'shown in status and on the page');
}

/** The flags that are definition keys, by the schedule file's names (commander names them alike). */
const DEFINITION_KEYS = ['cron', 'at', 'startAt', 'endAt', 'class', 'args', 'overlap', 'lease', 'timezone', 'description'] as const;

/** The definition keys the flags give. */
function keysOf(flags: DefinitionFlags): Partial<RuntimeJobSpec> {
  return Object.fromEntries(DEFINITION_KEYS.filter((key) => flags[key] !== undefined).map((key) => [key, flags[key]]));
}

/**
 * The stored keys an update keeps: a new --at replaces the stored cron and its bounds, a new
 * --cron the stored at (a job has one or the other), so switching needs no removal.
 */
function withoutReplacedTime(stored: RuntimeJobSpec | undefined, flags: DefinitionFlags): Partial<RuntimeJobSpec> | undefined {
  if (!stored) return stored;
  if (flags.at !== undefined) {
    const { cron: _cron, startAt: _startAt, endAt: _endAt, ...rest } = stored;
    return rest;
  }
  if (flags.cron !== undefined) {
    const { at: _at, ...rest } = stored;
    return rest;
  }
  return stored;
}

/** What the write did, as the CLI says it; `exists` and `missing` are refusals the caller words. */
function printWritten(name: string, written: DefinitionWriteResult, verb: string): void {
  if (written.outcome !== 'written' && written.outcome !== 'unchanged')
    throw new Error(`job "${name}": the write returned ${written.outcome}`);
  process.stdout.write(
    written.outcome === 'written'
      ? `${name}: ${verb}, version ${written.version}\n`
      : `${name}: unchanged (the same definition), version ${written.version}\n`,
  );
}

/** A job of the config (or schedule file) is changed there: `jobs update` and `remove` act on runtime jobs only. */
function refuseConfigJob(config: LoadedConfig, name: string, verb: 'change' | 'remove', command: string): void {
  if (config.jobs.some((job) => job.name === name))
    throw new ScheduleError(
      `job "${name}" is defined by ${config.source}, not at run time: ${verb} it there (jobs ${command} ${verb === 'change' ? 'changes' : 'removes'} runtime jobs only)`,
      { source: `jobs ${command}`, job: name },
    );
}

/** One runtime job as a row of `jobs list`. */
function row(job: RuntimeJob): string[] {
  const definition = job.definition as Record<string, unknown>;
  return [
    job.name,
    `${definition.at !== undefined ? `once at ${String(definition.at)}` : String(definition.cron)}${definition.startAt !== undefined ? `\nfrom ${String(definition.startAt)}` : ''}${definition.endAt !== undefined ? `\nuntil ${String(definition.endAt)}` : ''}${definition.timezone ? `\n${String(definition.timezone)}` : ''}`,
    String(definition.class),
    definition.args === undefined ? '-' : JSON.stringify(definition.args),
    String(job.version),
    `${job.definedAtMs !== undefined ? formatTime(job.definedAtMs) : '-'}${job.error ? `\nrefused: ${job.error}` : ''}`,
  ];
}

/** Adds `jobs` and its subcommands. */
export function addJobCommands(program: Command): void {
  const jobs = program.command('jobs').description('runtime jobs: add, change and remove jobs in the table, without a deploy');

  withDefinitionFlags(withSource(jobs.command('add <name>')))
    .description('create a runtime job (its class must be registered in the config); the same definition again changes nothing')
    .action(async (name: string, options: SourceOptions & DefinitionFlags) => {
      const config = await loadJobs(options);
      if ((options.cron === undefined && options.at === undefined) || options.class === undefined)
        throw new ScheduleError(`job "${name}": jobs add needs --class, and --cron (a schedule) or --at (one time)`, {
          source: 'jobs add',
          job: name,
        });
      // add never overwrites (mode create): a typo in a name would replace another tenant's job.
      const written = await withOperation(config, (operation) =>
        writeJob({ ...operation, job: { name, ...keysOf(options) } as RuntimeJobSpec, mode: 'create' }),
      );
      if (written.outcome === 'exists')
        throw new ScheduleError(
          `job "${name}" exists already (version ${written.version}, ${written.keys.at !== undefined ? `at "${String(written.keys.at)}"` : `cron "${String(written.keys.cron)}"`}): change it with cluster-cron jobs update "${name}"`,
          { source: 'jobs add', job: name },
        );
      printWritten(name, written, 'added');
    });

  withDefinitionFlags(withSource(jobs.command('update <name>')))
    .description('change a runtime job: the flags given replace those keys; the change applies from its next slot')
    .action(async (name: string, options: SourceOptions & DefinitionFlags) => {
      const config = await loadJobs(options);
      refuseConfigJob(config, name, 'change', 'update');
      // The keys not given stay as stored; mode update refuses a job removed since the read.
      const written = await withOperation(config, async (operation) => {
        const existing = await getJob({ ...operation, job: name });
        const job = { ...withoutReplacedTime(existing?.definition, options), ...keysOf(options), name } as RuntimeJobSpec;
        return existing ? writeJob({ ...operation, job, mode: 'update' }) : ({ outcome: 'missing' } as const);
      });
      if (written.outcome === 'missing')
        throw new ScheduleError(`job "${name}": no runtime job of that name; create it with cluster-cron jobs add "${name}"`, {
          source: 'jobs update',
          job: name,
        });
      printWritten(name, written, 'updated');
    });

  withSource(jobs.command('remove <name>'))
    .description('remove a runtime job: it starts no new slot; a run in progress finishes and records its outcome')
    .action(async (name: string, options: SourceOptions) => {
      const config = await loadJobs(options);
      refuseConfigJob(config, name, 'remove', 'remove');
      const { removed } = await withOperation(config, (operation) => removeJob({ ...operation, job: name }));
      process.stdout.write(removed ? `${name}: removed\n` : `${name}: no runtime job of that name (nothing removed)\n`);
      if (!removed) process.exitCode = 1;
    });

  withSource(jobs.command('list'))
    .description('the runtime jobs, in name order')
    .option('--prefix <text>', 'only names that start with this')
    .option('-l, --limit <n>', 'how many', positiveInt, 100)
    .option('--cursor <name>', 'start after this name (the last of the page before)')
    .option('--json', 'print JSON')
    .action(async (options: SourceOptions & { prefix?: string; limit: number; cursor?: string; json?: boolean }) => {
      const config = await loadJobs(options);
      const page = await withOperation(config, (operation) =>
        listJobs({
          ...operation,
          limit: options.limit,
          ...(options.prefix !== undefined && { prefix: options.prefix }),
          ...(options.cursor !== undefined && { cursor: options.cursor }),
        }),
      );
      if (options.json) {
        process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
        return;
      }
      if (page.jobs.length === 0) {
        process.stdout.write(`no runtime jobs${options.prefix ? ` starting with "${options.prefix}"` : ''}\n`);
        return;
      }
      const out = table(['job', 'schedule', 'class', 'args', 'version', 'defined']);
      for (const job of page.jobs) out.push(row(job));
      process.stdout.write(`${out.toString()}\n`);
      if (page.cursor) process.stdout.write(`more: cluster-cron jobs list --cursor "${page.cursor}"\n`);
    });
}

/**
 * The commands that run jobs or change whether they run: `tick`, `trigger`, `backfill`, `pause`
 * and `resume`, each an operation (functions/operations.ts) on the command's table.
 */
import { type Command, Option } from 'commander';
import { PayloadError } from '../../core/errors.js';
import { pausedFor } from '../../core/store.js';
import { OverlapPolicy, type TickOutcome } from '../../core/types.js';
import { backfill, pause, resume, tick, trigger } from '../../operations.js';
import { isoTime, loadJobs, type SourceOptions, withSource } from '../arguments.js';
import { formatTime, outcomeDetail, table } from '../format.js';
import { withOperation } from '../table-access.js';

/** The CLI builds a tick payload from its options: name the option, not the payload field. */
async function asOptionError<T>(parse: () => Promise<T>): Promise<T> {
  try {
    return await parse();
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    throw new PayloadError(
      error.message.replace(/^payload field "at"/, 'option --at').replace(/^payload field "jobs(\[\d+\])?"/, 'option --job'),
      error.field,
    );
  }
}

/** Outcomes as a table, or one JSON object a line. */
function printOutcomes(outcomes: TickOutcome[], json: boolean): void {
  if (json) {
    for (const outcome of outcomes) process.stdout.write(`${JSON.stringify(outcome)}\n`);
    return;
  }
  const rows = table(['job', 'slot', 'outcome', 'detail']);
  for (const outcome of outcomes)
    rows.push([outcome.job, 'slot' in outcome ? (outcome.slot ?? '-') : '-', outcome.outcome, outcomeDetail(outcome)]);
  process.stdout.write(`${rows.toString()}\n`);
}

/** A run that failed or a tick that erred makes the command exit with 1. */
function exitOnFailure(outcomes: readonly TickOutcome[]): void {
  if (outcomes.some((outcome) => outcome.outcome === 'error' || outcome.outcome === 'failed')) process.exitCode = 1;
}

/** Adds tick, trigger, backfill, pause and resume. */
export function addRunCommands(program: Command): void {
  withSource(program.command('tick'))
    .description('tick once now (or as of --at), wait for the runs it starts, print each outcome')
    .option('--at <iso>', 'tick as if at this time, e.g. 2026-11-26T10:00:00Z')
    .option('-j, --job <name...>', 'only these jobs')
    .option('--json', 'one JSON object per outcome')
    .action(async (options: SourceOptions & { at?: string; job?: string[]; json?: boolean }) => {
      const config = await loadJobs(options);
      const outcomes = await withOperation(config, (operation) =>
        asOptionError(() =>
          tick({ ...operation, ...(options.at !== undefined && { at: options.at }), ...(options.job && { jobs: options.job }) }),
        ),
      );
      printOutcomes(outcomes, options.json ?? false);
      exitOnFailure(outcomes);
    });

  withSource(program.command('trigger <job>'))
    .description('run a job now, still under its lease (refused as "locked" while a run holds it, unless --overlap says otherwise)')
    .addOption(
      new Option('--overlap <policy>', "what to do if a run holds the lease (default: the job's own policy)").choices(
        Object.values(OverlapPolicy),
      ),
    )
    .option('--json', 'print the outcome as JSON')
    .action(async (name: string, options: SourceOptions & { overlap?: OverlapPolicy; json?: boolean }) => {
      const config = await loadJobs(options);
      const outcomes = await withOperation(config, (operation) =>
        trigger({ ...operation, job: name, ...(options.overlap && { overlap: options.overlap }) }),
      );
      printOutcomes(outcomes, options.json ?? false);
      exitOnFailure(outcomes);
    });

  withSource(program.command('backfill <job>'))
    .description('run the slots of a past range that have no record, oldest first, one at a time under the lease')
    .requiredOption('--from <iso>', 'start of the range (exclusive), e.g. 2026-11-26T08:00:00Z', isoTime('--from'))
    .requiredOption('--to <iso>', 'end of the range (inclusive)', isoTime('--to'))
    .option('--json', 'one JSON object per outcome')
    .action(async (name: string, options: SourceOptions & { from: number; to: number; json?: boolean }) => {
      const config = await loadJobs(options);
      const outcomes = await withOperation(config, (operation) =>
        backfill({ ...operation, job: name, from: options.from, to: options.to }),
      );
      if (outcomes.length === 0 && !options.json)
        process.stdout.write(`${name}: no missing slots between ${formatTime(options.from)} and ${formatTime(options.to)}\n`);
      else printOutcomes(outcomes, options.json ?? false);
      exitOnFailure(outcomes);
    });

  for (const [verb, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    withSource(program.command(`${verb} <job>`))
      .description(paused ? "skip the job's slots (recorded as paused) until resumed" : 'let a paused job run again')
      .option('-n, --note <text>', 'why (shown in status)')
      .action(async (name: string, options: SourceOptions & { note?: string }) => {
        const config = await loadJobs(options);
        const lock = await withOperation(config, (operation) =>
          (paused ? pause : resume)({ ...operation, job: name, ...(options.note !== undefined && { note: options.note }) }),
        );
        process.stdout.write(
          `${name}: ${pausedFor(lock) ? 'paused' : 'resumed'}${options.note ? ` (${options.note})` : ''}; fence ${lock.fence ?? 0}\n`,
        );
      });
  }
}

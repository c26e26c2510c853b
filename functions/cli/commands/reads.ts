/**
 * The commands that only read: `status` and `history` (the table) and `validate` (the config).
 */
import type { Command } from 'commander';
import { jobDone } from '../../core/job-status.js';
import { jobsInNamespace } from '../../core/namespaces.js';
import { describeJob } from '../../core/schedule.js';
import { notesOf } from '../../core/schedule-notes.js';
import { showValue } from '../../core/schema-messages.js';
import { cronOf, nextSlots } from '../../core/slots.js';
import { pausedFor } from '../../core/store.js';
import { systemClock } from '../../core/time.js';
import { history, STATUS_RUNTIME_LIMIT, status } from '../../operations.js';
import { loadJobs, positiveInt, type SourceOptions, withSource } from '../arguments.js';
import { describeJobState, describeLock, describeSchedule, describeSlot, formatMs, formatTime, printJobStatus, table } from '../format.js';
import { withOperation } from '../table-access.js';

/** Adds status, history and validate. */
export function addReadCommands(program: Command): void {
  withSource(program.command('status [job]'))
    .description(
      'each job: cron, zone, next fire times, lease, fence, paused, last runs; with JOB: its last runs, next fire times and counters',
    )
    .option('--runs <n>', 'last runs to show (per job; 10 with JOB)', positiveInt)
    .option('--namespace <name>', 'only the jobs of this namespace (sidekiq-cron\'s; a job that names none is in "default")')
    .option('--prefix <text>', 'only the jobs whose names start with it')
    .option(
      '--limit <n>',
      `runtime jobs to show, in name order (default ${STATUS_RUNTIME_LIMIT}; jobs list pages through them all)`,
      positiveInt,
    )
    .option('--json', 'print JSON')
    .action(
      async (
        name: string | undefined,
        options: SourceOptions & { runs?: number; json?: boolean; namespace?: string; prefix?: string; limit?: number },
      ) => {
        const loaded = await loadJobs(options);
        const config = { ...loaded, jobs: jobsInNamespace(loaded.jobs, options.namespace) };
        const nowMs = systemClock();
        if (name !== undefined) {
          const jobStatus = await withOperation(config, (operation) => status({ ...operation, job: name, runs: options.runs ?? 10 }));
          if (options.json) process.stdout.write(`${JSON.stringify(jobStatus, null, 2)}\n`);
          else process.stdout.write(printJobStatus(jobStatus, nowMs));
          return;
        }
        const limit = options.limit ?? STATUS_RUNTIME_LIMIT;
        const rows = await withOperation(config, (operation) =>
          status({ ...operation, runs: options.runs ?? 3, limit, ...(options.prefix !== undefined && { prefix: options.prefix }) }),
        );
        const runtimeShown = rows.filter((row) => row.job.definitionVersion !== undefined).length;
        // To stderr, so --json stays one document: a SaaS may define thousands of runtime jobs.
        if (runtimeShown >= limit)
          process.stderr.write(
            `showing the first ${limit} runtime jobs by name; there may be more: --prefix, --limit, or cluster-cron jobs list (every one, page by page)\n`,
          );
        if (options.json) {
          const json = rows.map(({ job, lock, runs, nextMs }) => ({
            job: job.name,
            ...(job.namespace !== undefined && { namespace: job.namespace }),
            cron: job.cron,
            ...(job.atMs !== undefined && { at: new Date(job.atMs).toISOString() }),
            ...(job.startAtMs !== undefined && { startAt: new Date(job.startAtMs).toISOString() }),
            ...(job.endAtMs !== undefined && { endAt: new Date(job.endAtMs).toISOString() }),
            timezone: job.timezone,
            class: job.handler,
            ...(job.definitionVersion !== undefined && { runtime: true, version: job.definitionVersion }),
            enabled: job.enabled,
            done: jobDone(job, lock, nowMs),
            next: nextMs.map((ms) => new Date(ms).toISOString()),
            paused: pausedFor(lock),
            pausedNote: lock?.pausedNote,
            fence: lock?.fence ?? 0,
            holder: lock?.holder,
            holderInstance: lock?.holderInstance,
            leaseUntil: lock?.holder && lock.leaseUntilMs ? new Date(lock.leaseUntilMs).toISOString() : undefined,
            runs,
          }));
          process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
          return;
        }
        const out = table(['job', 'schedule', 'next', 'lock', 'fence', 'state', 'last runs']);
        for (const { job, lock, runs, nextMs } of rows) {
          out.push([
            job.name,
            `${describeSchedule(job).join('\n')}\n${job.timezone}\n${job.handler}${job.namespace === undefined ? '' : `\nnamespace ${job.namespace}`}${job.definitionVersion === undefined ? '' : `\nruntime job, v${job.definitionVersion}`}`,
            nextMs.map((ms) => formatTime(ms, job.timezone)).join('\n'),
            describeLock(lock, nowMs),
            String(lock?.fence ?? 0),
            describeJobState(job, lock, nowMs),
            runs
              .map(
                (run) =>
                  `${run.slot.replace('.000Z', 'Z')} ${describeSlot(run, lock, nowMs)}${run.durationMs !== undefined ? ` ${formatMs(run.durationMs)}` : ''}`,
              )
              .join('\n') || '-',
          ]);
        }
        process.stdout.write(`${out.toString()}\n`);
      },
    );

  withSource(program.command('history <job>'))
    .description("a job's recent slots, newest first, with their fate")
    .option('-l, --limit <n>', 'how many', positiveInt, 20)
    .option('--json', 'one JSON object per slot')
    .action(async (name: string, options: SourceOptions & { limit: number; json?: boolean }) => {
      const config = await loadJobs(options);
      const { slots: items, lock } = await withOperation(config, (operation) => history({ ...operation, job: name, limit: options.limit }));
      if (options.json) {
        for (const item of items) process.stdout.write(`${JSON.stringify(item)}\n`);
        return;
      }
      const out = table(['slot', 'trigger', 'fate', 'fence', 'instance', 'lag', 'duration']);
      for (const item of items) {
        out.push([
          item.slot,
          item.trigger,
          describeSlot(item, lock, systemClock()),
          String(item.fence ?? '-'),
          item.instance,
          formatMs(item.startedAtMs !== undefined ? item.startedAtMs - item.slotMs : undefined),
          formatMs(item.durationMs),
        ]);
      }
      process.stdout.write(items.length > 0 ? `${out.toString()}\n` : `${name}: no slots recorded yet\n`);
    });

  withSource(program.command('validate'))
    .description("check the config (or schedule) file and print each job's next fire times")
    .option('-n, --next <n>', 'fire times to print per job', positiveInt, 3)
    .option('--json', 'print the validated job definitions as JSON (what the ClusterCron construct compiles in)')
    .action(async (options: SourceOptions & { next: number; json?: boolean }) => {
      const config = await loadJobs(options);
      if (options.json) {
        const notes = config.jobs.flatMap((job) => notesOf(job));
        // The handler names too: the construct hands them to the status page, which validates runtime jobs' classes.
        process.stdout.write(
          `${JSON.stringify({ source: config.source, jobs: config.jobs, handlers: Object.keys(config.handlers), notes })}\n`,
        );
        return;
      }
      const nowMs = systemClock();
      for (const job of config.jobs) {
        process.stdout.write(`${describeJob(job)}\n`);
        for (const note of notesOf(job)) process.stdout.write(`  ${note.key} ${showValue(note.value)}: ${note.effect}\n`);
        const next = nextSlots(cronOf(job), nowMs, options.next);
        for (const ms of next) process.stdout.write(`  next ${formatTime(ms, job.timezone)}\n`);
        if (next.length === 0) process.stdout.write('  no slot from now on: its time (at) or its end (endAt) has passed\n');
      }
      process.stdout.write(`${config.source}: ${config.jobs.length} job${config.jobs.length === 1 ? '' : 's'} valid\n`);
    });
}

/**
 * The cluster-cron command line: db, start, ui, tick, status, history, trigger, backfill, pause,
 * resume, validate. Each command is a thin shell around the core; output as tables or JSON.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type LoadedConfig, loadConfig } from '../config.js';
import { ClusterCronError, errorMessage, PayloadError } from '../core/errors.js';
import { parseIsoTime } from '../core/payload.js';
import { describeJob } from '../core/schedule.js';
import { cronOf, nextSlots } from '../core/slots.js';
import type { TickDeps } from '../core/tick.js';
import { systemClock } from '../core/time.js';
import { type EventLog, OverlapPolicy, type TickOutcome } from '../core/types.js';
import { type Connection, connect, DEFAULT_DATA_DIR } from '../local/connect.js';
import { runDemo } from '../local/demo.js';
import { startLocalDynamo } from '../local/dynalite-server.js';
import { startNode, stopSignalHandler } from '../local/node.js';
import { createEventLog, type LogStream } from '../log.js';
import { backfill, findJob, history, type OperationOptions, pause, resume, status, tick, trigger } from '../operations.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { displayPath } from '../resolve-config.js';
import { readMaxClockSkewMs } from '../settings.js';
import { isLoopbackHost, startUiServer } from '../ui/ui-server.js';
import { describeLock, describeSlot, formatMs, formatTime, outcomeDetail, printJobStatus, table } from './format.js';

const instance = `${hostname()}:${process.pid}`;

function positiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError(`expected a positive whole number, got "${value}"`);
  return number;
}

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535)
    throw new InvalidArgumentError(`expected a port number 0-65535, got "${value}"`);
  return number;
}

function isoTime(option: string): (value: string) => number {
  return (value) => {
    // The payload's parser: an impossible date (30 February, 24:00) is refused, not rolled over.
    const ms = parseIsoTime(value);
    if (ms === undefined)
      throw new InvalidArgumentError(`expected an ISO-8601 time with a zone such as 2026-11-26T10:00:00Z, got "${value}" for ${option}`);
    return ms;
  };
}

/** Where a command's jobs come from: --config, --schedule, CLUSTER_CRON_CONFIG, or the defaults. */
interface SourceOptions {
  config?: string;
  schedule?: string;
}

function loadJobs(options: SourceOptions): Promise<LoadedConfig> {
  const schedule = options.schedule ?? (options.config === undefined ? process.env.CLUSTER_CRON_SCHEDULE_FILE : undefined);
  return loadConfig({
    ...(options.config !== undefined && { config: options.config }),
    ...(schedule !== undefined && { schedule }),
    maxClockSkewMs: readMaxClockSkewMs(),
  });
}

function tickDeps(connection: Connection, stream: LogStream, config: LoadedConfig): TickDeps {
  return {
    client: connection.client,
    tableName: connection.tableName,
    clock: systemClock,
    instance,
    log: createEventLog({ instance, stream }),
    handlers: config.handlers,
    maxClockSkewMs: readMaxClockSkewMs(),
  };
}

/** Opens the table: the environment's endpoint and name win over the config's defaults. */
function connectFor(config: LoadedConfig): Promise<Connection> {
  const endpoint = process.env.DYNAMODB_ENDPOINT ?? config.endpoint;
  const tableName = process.env.CLUSTER_CRON_TABLE ?? config.tableName;
  return connect({ ...(endpoint !== undefined && { endpoint }), ...(tableName !== undefined && { tableName }) });
}

/** Runs an operation (functions/operations.ts) on the command's table, started embedded if need be. */
async function withOperation<T>(config: LoadedConfig, work: (options: OperationOptions) => Promise<T>): Promise<T> {
  const connection = await connectFor(config);
  try {
    return await work({
      config,
      client: connection.client,
      tableName: connection.tableName,
      instance,
      log: createEventLog({ instance, stream: 'stderr' }),
    });
  } finally {
    await connection.close();
  }
}

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

/**
 * Resolves once `stop` has finished after the first SIGINT or SIGTERM; a second signal a moment
 * later exits at once (`<what>.exit.forced`), leaving held leases to lapse.
 */
function untilStopped(log: EventLog, what: string, stop: (signal: NodeJS.Signals) => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = stopSignalHandler({
      stop: (signal) => void stop(signal).then(resolve),
      forceExit: (signal) => {
        log.warn(`${what}.exit.forced`, { signal, note: 'leases still held lapse on their own' });
        process.exit(130);
      },
      clock: systemClock,
    });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

const program = new Command('cluster-cron')
  .description('Cluster-safe cron: every slot once, never two runs of a job at once, no master node.')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Environment:
  DYNAMODB_ENDPOINT    DynamoDB to use (URL, or "aws" for the AWS endpoint and credentials chain).
                       Unset: the local server on 127.0.0.1:8000, started embedded if none answers.
  CLUSTER_CRON_TABLE   table name (default "cluster-cron")
  CLUSTER_CRON_CONFIG  config file (default cluster-cron.config.ts, .mts, .js or .mjs here)
  CLUSTER_CRON_SCHEDULE_FILE  schedule file when there is no config file (default config/schedule.yml)`,
  );

/** --config and --schedule, which every command that reads the jobs takes. */
function withSource(command: Command): Command {
  return command
    .addOption(
      new Option('-c, --config <file>', 'config file (default: cluster-cron.config.ts|.mts|.js|.mjs here, or CLUSTER_CRON_CONFIG)'),
    )
    .addOption(
      new Option(
        '-s, --schedule <file>',
        'a schedule file with the built-in handlers, instead of a config file (default config/schedule.yml)',
      ),
    );
}

program
  .command('db')
  .description('run the local DynamoDB server (dynalite) until Ctrl-C')
  .addOption(new Option('-p, --port <port>', 'port').argParser(port).default(8000))
  .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
  .addOption(new Option('-d, --data <dir>', 'folder that keeps the data').default(process.env.CLUSTER_CRON_DATA_DIR ?? DEFAULT_DATA_DIR))
  .option('--memory', 'keep the data in memory only (lost on exit)')
  .action(async (options: { port: number; host: string; data: string; memory?: boolean }) => {
    const server = await startLocalDynamo({
      port: options.port,
      host: options.host,
      ...(!options.memory && { dataDir: options.data }),
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        throw new ClusterCronError(`port ${options.port} on ${options.host} is in use: is another "cluster-cron db" running? Use --port.`);
      throw error;
    });
    const where = options.memory ? 'in memory' : `in ${options.data}`;
    process.stderr.write(`local DynamoDB listening on ${server.endpoint} (data ${where}); Ctrl-C stops it\n`);
    if (server.port !== 8000) process.stderr.write(`  point other commands at it: export DYNAMODB_ENDPOINT=${server.endpoint}\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => void server.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  });

withSource(program.command('demo'))
  .description(
    "the seed's cluster demo in one terminal: a local DynamoDB and several nodes, then a check of their runs (default: the package's config/demo-fast.yml)",
  )
  .option('-n, --nodes <n>', 'how many nodes', positiveInt, 3)
  .option('--seconds <n>', 'stop after this many seconds (default: at Ctrl-C)', positiveInt)
  .addOption(new Option('--ui-port <port>', 'port of the status page it serves (0: any free one)').argParser(port).default(8080))
  .option('--no-ui', 'no status page')
  .action(async (options: SourceOptions & { nodes: number; seconds?: number; ui: boolean; uiPort: number }) => {
    // The demo's own schedule ships with the package, so `npx cluster-cron demo` works anywhere.
    const schedule = options.schedule ?? join(PACKAGE_ROOT, 'config', 'demo-fast.yml');
    const loaded = await loadJobs(options.config !== undefined ? { config: options.config } : { schedule });
    const check = await runDemo({
      nodes: options.nodes,
      source: options.config !== undefined ? ['--config', options.config] : ['--schedule', schedule],
      label: displayPath(loaded.source),
      out: process.stdout,
      ...(options.seconds !== undefined && { seconds: options.seconds }),
      ...(options.ui && { uiPort: options.uiPort }),
    });
    if (check.overlaps.length + check.duplicateStarts.length + check.fenceOrder.length > 0) process.exitCode = 1;
  });

withSource(program.command('start'))
  .description('run a node: tick at every slot boundary and run due jobs until Ctrl-C')
  .action(async (options: SourceOptions) => {
    const config = await loadJobs(options);
    const connection = await connectFor(config);
    const deps = tickDeps(connection, 'stdout', config);
    deps.log.info('node.connect', {
      endpoint: connection.endpoint,
      table: connection.tableName,
      embeddedServer: connection.embedded !== undefined,
      schedule: config.source,
    });
    const node = startNode(deps, config.jobs);
    await untilStopped(deps.log, 'node', (signal) => node.stop(signal));
    await connection.close();
  });

withSource(program.command('ui'))
  .description('serve the status page (jobs, runs on a timeline, the lock; trigger, pause, resume) until Ctrl-C')
  .addOption(new Option('-p, --port <port>', 'port (0: any free one)').argParser(port).default(8080))
  .addOption(
    new Option('--host <host>', 'address to listen on; anything but loopback exposes the page to your network').default('127.0.0.1'),
  )
  .action(async (options: SourceOptions & { port: number; host: string }) => {
    const config = await loadJobs(options);
    const connection = await connectFor(config);
    const deps = tickDeps(connection, 'stderr', config);
    const server = await startUiServer({ deps, jobs: config.jobs, port: options.port, host: options.host }).catch(
      async (error: NodeJS.ErrnoException) => {
        await connection.close();
        if (error.code === 'EADDRINUSE')
          throw new ClusterCronError(`port ${options.port} on ${options.host} is in use; choose another with --port (0: any free one)`);
        throw error;
      },
    );
    if (!isLoopbackHost(options.host)) {
      process.stderr.write(
        `cluster-cron: WARNING: listening on ${options.host}, not loopback: anyone who can reach this address can read the page (actions still need the token)\n`,
      );
    }
    process.stdout.write(
      `cluster-cron status page for table ${connection.tableName} at ${connection.endpoint}\n  open ${server.url}\n  (the token after # is needed for trigger, pause and resume; Ctrl-C stops)\n`,
    );
    await untilStopped(deps.log, 'ui', (signal) => {
      deps.log.info('ui.stopping', { signal });
      return server.close();
    });
    await connection.close();
  });

function exitOnFailure(outcomes: readonly TickOutcome[]): void {
  if (outcomes.some((outcome) => outcome.outcome === 'error' || outcome.outcome === 'failed')) process.exitCode = 1;
}

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
    findJob(config.jobs, name);
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
    findJob(config.jobs, name);
    const outcomes = await withOperation(config, (operation) => backfill({ ...operation, job: name, from: options.from, to: options.to }));
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
      findJob(config.jobs, name);
      const lock = await withOperation(config, (operation) =>
        (paused ? pause : resume)({ ...operation, job: name, ...(options.note !== undefined && { note: options.note }) }),
      );
      process.stdout.write(
        `${name}: ${lock.paused ? 'paused' : 'resumed'}${options.note ? ` (${options.note})` : ''}; fence ${lock.fence ?? 0}\n`,
      );
    });
}

withSource(program.command('status [job]'))
  .description(
    'each job: cron, zone, next fire times, lease, fence, paused, last runs; with JOB: its last runs, next fire times and counters',
  )
  .option('--runs <n>', 'last runs to show (per job; 10 with JOB)', positiveInt)
  .option('--json', 'print JSON')
  .action(async (name: string | undefined, options: SourceOptions & { runs?: number; json?: boolean }) => {
    const config = await loadJobs(options);
    const nowMs = systemClock();
    if (name !== undefined) {
      findJob(config.jobs, name);
      const jobStatus = await withOperation(config, (operation) => status({ ...operation, job: name, runs: options.runs ?? 10 }));
      if (options.json) process.stdout.write(`${JSON.stringify(jobStatus, null, 2)}\n`);
      else process.stdout.write(printJobStatus(jobStatus, nowMs));
      return;
    }
    const rows = await withOperation(config, (operation) => status({ ...operation, runs: options.runs ?? 3 }));
    if (options.json) {
      const json = rows.map(({ job, lock, runs, nextMs }) => ({
        job: job.name,
        cron: job.cron,
        timezone: job.timezone,
        class: job.handler,
        enabled: job.enabled,
        next: nextMs.map((ms) => new Date(ms).toISOString()),
        paused: lock?.paused ?? false,
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
      const state = !job.enabled ? 'disabled' : lock?.paused ? `PAUSED${lock.pausedNote ? `: ${lock.pausedNote}` : ''}` : 'active';
      out.push([
        job.name,
        `${job.cron}\n${job.timezone}\n${job.handler}`,
        nextMs.map((ms) => formatTime(ms, job.timezone)).join('\n'),
        describeLock(lock, nowMs),
        String(lock?.fence ?? 0),
        state,
        runs
          .map(
            (run) =>
              `${run.slot.replace('.000Z', 'Z')} ${describeSlot(run, lock, nowMs)}${run.durationMs !== undefined ? ` ${formatMs(run.durationMs)}` : ''}`,
          )
          .join('\n') || '-',
      ]);
    }
    process.stdout.write(`${out.toString()}\n`);
  });

withSource(program.command('history <job>'))
  .description("a job's recent slots, newest first, with their fate")
  .option('-l, --limit <n>', 'how many', positiveInt, 20)
  .option('--json', 'one JSON object per slot')
  .action(async (name: string, options: SourceOptions & { limit: number; json?: boolean }) => {
    const config = await loadJobs(options);
    findJob(config.jobs, name);
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
      process.stdout.write(`${JSON.stringify({ source: config.source, jobs: config.jobs })}\n`);
      return;
    }
    const nowMs = systemClock();
    for (const job of config.jobs) {
      process.stdout.write(`${describeJob(job)}\n`);
      for (const ms of nextSlots(cronOf(job), nowMs, options.next)) process.stdout.write(`  next ${formatTime(ms, job.timezone)}\n`);
    }
    process.stdout.write(`${config.source}: ${config.jobs.length} job${config.jobs.length === 1 ? '' : 's'} valid\n`);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`cluster-cron: ${error instanceof ClusterCronError ? error.message : errorMessage(error)}\n`);
  if (!(error instanceof ClusterCronError) && process.env.CLUSTER_CRON_DEBUG) console.error(error);
  process.exitCode = 1;
}

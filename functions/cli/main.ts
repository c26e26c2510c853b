/**
 * The cluster-cron command line: db, demo, start, ui, tick, status, history, trigger, backfill,
 * pause, resume, validate, jobs (runtime jobs). Each command is a thin shell around the core; output as tables or
 * JSON. This file builds the program and reports its errors; the commands live in commands/.
 */
import { Command } from 'commander';
import { ClusterCronError, errorMessage } from '../core/errors.js';
import { addJobCommands } from './commands/jobs.js';
import { addProcessCommands } from './commands/processes.js';
import { addReadCommands } from './commands/reads.js';
import { addRunCommands } from './commands/runs.js';

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

// A reader that stops early (`cluster-cron validate | head`) closes the pipe: the output is
// done, which is no error (and no unhandled 'error' event with Node's stack trace).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

addProcessCommands(program);
addRunCommands(program);
addReadCommands(program);
addJobCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`cluster-cron: ${error instanceof ClusterCronError ? error.message : errorMessage(error)}\n`);
  if (!(error instanceof ClusterCronError) && process.env.CLUSTER_CRON_DEBUG) console.error(error);
  process.exitCode = 1;
}

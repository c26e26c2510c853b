/**
 * The commands that run until Ctrl-C: `db` (the local DynamoDB), `demo` (a cluster in one
 * terminal), `start` (a node) and `ui` (the status page).
 */
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { ClusterCronError } from '../../core/errors.js';
import { DEFAULT_DATA_DIR } from '../../local/connect.js';
import { runDemo } from '../../local/demo.js';
import { startLocalDynamo } from '../../local/dynalite-server.js';
import { startNode } from '../../local/node.js';
import { PACKAGE_ROOT } from '../../package-root.js';
import { displayPath } from '../../resolve-config.js';
import { isLoopbackHost, startUiServer } from '../../ui/ui-server.js';
import { loadJobs, port, positiveInt, type SourceOptions, withSource } from '../arguments.js';
import { connectFor, tickDeps, untilStopped } from '../table-access.js';

/** Adds db, demo, start and ui. */
export function addProcessCommands(program: Command): void {
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
          throw new ClusterCronError(
            `port ${options.port} on ${options.host} is in use: is another "cluster-cron db" running? Use --port.`,
          );
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
}

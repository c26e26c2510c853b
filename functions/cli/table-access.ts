/**
 * The CLI's way to the table: its instance name, the connection (the environment's endpoint and
 * name over the config's), the tick dependencies and operations on it, and waiting for Ctrl-C.
 */
import { hostname } from 'node:os';
import type { LoadedConfig } from '../config.js';
import type { TickDeps } from '../core/tick.js';
import { systemClock } from '../core/time.js';
import type { EventLog } from '../core/types.js';
import { failurePublishing } from '../failure-publish.js';
import { type Connection, connect } from '../local/connect.js';
import { stopSignalHandler } from '../local/node.js';
import { createEventLog, type LogStream } from '../log.js';
import type { OperationOptions } from '../operations.js';
import { readMaxClockSkewMs } from '../settings.js';

/** Names this process in the table's records and in its log lines. */
export const instance = `${hostname()}:${process.pid}`;

/** What a node or the status page runs with: the connection's table, logging to `stream`. */
export function tickDeps(connection: Connection, stream: LogStream, config: LoadedConfig): TickDeps {
  return {
    client: connection.client,
    tableName: connection.tableName,
    clock: systemClock,
    instance,
    log: createEventLog({ instance, stream }),
    handlers: config.handlers,
    // The config's onFailure hooks: a node runs them as the Lambda tick and the operations do.
    ...(config.failureHooks && { failureHooks: config.failureHooks }),
    ...failurePublishing(),
    maxClockSkewMs: readMaxClockSkewMs(),
  };
}

/** Opens the table: the environment's endpoint and name win over the config's defaults. */
export function connectFor(config: LoadedConfig): Promise<Connection> {
  const endpoint = process.env.DYNAMODB_ENDPOINT ?? config.endpoint;
  const tableName = process.env.CLUSTER_CRON_TABLE ?? config.tableName;
  return connect({ ...(endpoint !== undefined && { endpoint }), ...(tableName !== undefined && { tableName }) });
}

/** Runs an operation (functions/operations.ts) on the command's table, started embedded if need be. */
export async function withOperation<T>(config: LoadedConfig, work: (options: OperationOptions) => Promise<T>): Promise<T> {
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

/**
 * Resolves once `stop` has finished after the first SIGINT or SIGTERM; a second signal a moment
 * later exits at once (`<what>.exit.forced`), leaving held leases to lapse.
 */
export function untilStopped(log: EventLog, what: string, stop: (signal: NodeJS.Signals) => Promise<void>): Promise<void> {
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

/**
 * A node inside the user's own process (an HTTP server on N identical containers, the seed's
 * scenario): it ticks like `cluster-cron start`, reports each outcome, and on `stop()` signals
 * its runs, waits for their outcomes and releases its leases. Signals stay the app's business.
 */
import { EventEmitter } from 'node:events';
import type { JobDefinition, TickOutcome } from './core/types.js';
import { isLoopbackEndpoint } from './dynamo-client.js';
import { startNode as startLocalNode } from './local/node.js';
import { ensureTable } from './local/table.js';
import { type OperationOptions, openOperation } from './operations.js';

/** Options of startNode: the operations' options (config, client, tableName, endpoint, instance, log, clock, timers). */
export interface StartNodeOptions extends OperationOptions {
  /** Called with every outcome (ran, failed, duplicate, locked, ...), after the `outcome` event. */
  onOutcome?: (outcome: TickOutcome) => void;
  /** Create the table when missing. @default true for a loopback endpoint the node connects to itself, else false */
  createTable?: boolean;
}

/** Events of a node: `outcome` for every outcome of its ticks. */
export interface ClusterCronNodeEvents {
  outcome: [TickOutcome];
}

/** A running node; it is an EventEmitter of `outcome`. */
export interface ClusterCronNode extends EventEmitter<ClusterCronNodeEvents> {
  /** Names this node in the table's records and logs. */
  readonly instance: string;
  readonly tableName: string;
  readonly jobs: readonly JobDefinition[];
  /** Resolves when the node has stopped and every run it started has recorded its outcome. */
  readonly stopped: Promise<void>;
  /** Stops ticking, fires every run's signal, waits for their outcomes, releases the leases. */
  stop(reason?: string): Promise<void>;
}

/**
 * Starts a node in this process: the first tick runs at once, then one at every slot boundary.
 * Defaults: the config file of the working directory, DYNAMODB_ENDPOINT (or the config's
 * endpoint, or AWS), CLUSTER_CRON_TABLE (or the config's, or "cluster-cron"), `<host>:<pid>`.
 */
export async function startNode(options: StartNodeOptions = {}): Promise<ClusterCronNode> {
  // Its log goes to stdout, as a `cluster-cron start` node's does.
  const operation = await openOperation(options, 'stdout');
  const { deps, config } = operation;
  const endpoint = options.endpoint ?? process.env.DYNAMODB_ENDPOINT ?? config.endpoint;
  try {
    await ensureTable(deps.client, deps.tableName, {
      create: options.createTable ?? (options.client === undefined && isLoopbackEndpoint(endpoint)),
    });
  } catch (error) {
    operation.close();
    throw error;
  }
  const events = new EventEmitter<ClusterCronNodeEvents>();
  const local = startLocalNode(deps, config.jobs, (outcomes) => {
    for (const outcome of outcomes) {
      events.emit('outcome', outcome);
      options.onOutcome?.(outcome);
    }
  });
  const stopped = local.stopped.then(() => operation.close());
  return Object.assign(events, {
    instance: deps.instance,
    tableName: deps.tableName,
    jobs: config.jobs,
    stopped,
    stop: async (reason = 'stop') => {
      await local.stop(reason);
      await stopped;
    },
  });
}

/**
 * Connects a local command to its table: DYNAMODB_ENDPOINT when set; otherwise the local
 * server on 127.0.0.1:8000, started embedded (data under .cluster-cron/dynamodb) when nothing
 * answers there. Loopback tables are created on demand; remote ones must exist.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ClusterCronError } from '../core/errors.js';
import {
  createDocumentClient,
  DEFAULT_LOCAL_ENDPOINT,
  DEFAULT_LOCAL_PORT,
  DEFAULT_TABLE_NAME,
  isLoopbackEndpoint,
} from '../dynamo-client.js';
import { isListening, type LocalDynamo, startLocalDynamo } from './dynalite-server.js';
import { ensureTable } from './table.js';

/** Folder where the local server keeps its data unless CLUSTER_CRON_DATA_DIR says otherwise. */
export const DEFAULT_DATA_DIR = '.cluster-cron/dynamodb';

/** An open connection; `close()` also stops an embedded server. */
export interface Connection {
  client: DynamoDBDocumentClient;
  tableName: string;
  endpoint: string;
  /** Set when this process started the local server itself. */
  embedded?: LocalDynamo;
  close(): Promise<void>;
}

/** Where to connect; each falls back to its environment variable, then to the default. */
export interface ConnectOptions {
  endpoint?: string;
  tableName?: string;
  dataDir?: string;
}

async function startEmbedded(dataDir: string): Promise<LocalDynamo | undefined> {
  try {
    return await startLocalDynamo({ port: DEFAULT_LOCAL_PORT, dataDir });
  } catch (error) {
    // Another process bound the port first: use its server.
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return undefined;
    throw new ClusterCronError(
      `cannot start the embedded local DynamoDB with data in ${dataDir}: ${(error as Error).message}. Is another "cluster-cron db" using that folder? Set DYNAMODB_ENDPOINT to its address.`,
      { cause: error },
    );
  }
}

/** Opens the table the command works on, starting the embedded local server if needed. */
export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  const tableName = options.tableName ?? process.env.CLUSTER_CRON_TABLE ?? DEFAULT_TABLE_NAME;
  let endpoint = options.endpoint ?? process.env.DYNAMODB_ENDPOINT;
  let embedded: LocalDynamo | undefined;
  if (!endpoint) {
    endpoint = DEFAULT_LOCAL_ENDPOINT;
    if (!(await isListening(DEFAULT_LOCAL_PORT))) {
      embedded = await startEmbedded(options.dataDir ?? process.env.CLUSTER_CRON_DATA_DIR ?? DEFAULT_DATA_DIR);
    }
  }
  const client = createDocumentClient(endpoint);
  const close = async (): Promise<void> => {
    client.destroy();
    await embedded?.close();
  };
  try {
    await ensureTable(client, tableName, { create: isLoopbackEndpoint(endpoint) });
  } catch (error) {
    await close();
    const code = (error as { code?: string; name?: string }).code ?? (error as { name?: string }).name;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET') {
      throw new ClusterCronError(
        `cannot reach DynamoDB at ${endpoint} (${code}); start it with "cluster-cron db" or fix DYNAMODB_ENDPOINT`,
        { cause: error },
      );
    }
    throw error;
  }
  return { client, tableName, endpoint, ...(embedded && { embedded }), close };
}

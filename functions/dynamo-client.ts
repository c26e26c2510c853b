/**
 * Builds the DynamoDB clients for the CLI, local nodes and tests from the environment:
 * DYNAMODB_ENDPOINT (a URL, or `aws` for the SDK's own endpoint) and CLUSTER_CRON_TABLE.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Where the local server listens unless told otherwise. */
export const DEFAULT_LOCAL_PORT = 8000;
export const DEFAULT_LOCAL_ENDPOINT = `http://127.0.0.1:${DEFAULT_LOCAL_PORT}`;
/** Table name used when CLUSTER_CRON_TABLE is unset. */
export const DEFAULT_TABLE_NAME = 'cluster-cron';

/** True for an endpoint on this machine: it gets dummy credentials and a table created on demand. */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint || endpoint === 'aws') return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || host === '::1' || host.startsWith('127.');
  } catch {
    return false;
  }
}

/**
 * An SDK client's endpoint settings: `endpoint` (undefined or `aws`: the SDK's own), and for a
 * loopback one region `local` and dummy credentials unless real ones are configured (local
 * servers accept any).
 */
export function endpointConfig(endpoint: string | undefined): {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
} {
  const local = isLoopbackEndpoint(endpoint);
  return {
    ...(endpoint && endpoint !== 'aws' && { endpoint }),
    ...(local && { region: process.env.AWS_REGION ?? 'local' }),
    ...(local && !process.env.AWS_ACCESS_KEY_ID && { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}

/**
 * A document client for `endpoint` (undefined or `aws`: the SDK's default endpoint with the
 * normal credentials chain). Loopback endpoints get region `local` and dummy credentials unless
 * real ones are configured, as DynamoDB Local and dynalite accept any.
 */
export function createDocumentClient(
  endpoint: string | undefined,
  options: { maxAttempts?: number; requestTimeoutMs?: number } = {},
): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...endpointConfig(endpoint),
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.requestTimeoutMs !== undefined && { requestHandler: { requestTimeout: options.requestTimeoutMs } }),
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

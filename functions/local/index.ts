/**
 * `cluster-cron/local`: the local DynamoDB (dynalite, in-process) and the table bootstrap, for
 * the user's own tests of their jobs: `const db = await startLocalDynamo()`, then
 * `createDocumentClient(db.endpoint)` and `ensureTable(client, 'cluster-cron')`.
 */

export { createDocumentClient, DEFAULT_LOCAL_ENDPOINT, DEFAULT_TABLE_NAME, isLoopbackEndpoint } from '../dynamo-client.js';
export { type Connection, type ConnectOptions, connect, DEFAULT_DATA_DIR } from './connect.js';
export { isListening, type LocalDynamo, type LocalDynamoOptions, startLocalDynamo } from './dynalite-server.js';
export { checkKeySchema, ensureTable } from './table.js';

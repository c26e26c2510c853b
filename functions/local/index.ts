/**
 * `cluster-cron/local`: the local DynamoDB (dynalite, in-process) and the table bootstrap, for
 * the user's own tests of their jobs: `const db = await startLocalDynamo()`, then
 * `createDocumentClient(db.endpoint)` and `ensureTable(client, 'cluster-cron')`.
 */
export { startLocalDynamo, isListening, type LocalDynamo, type LocalDynamoOptions } from './dynalite-server.js';
export { ensureTable, checkKeySchema } from './table.js';
export { connect, DEFAULT_DATA_DIR, type Connection, type ConnectOptions } from './connect.js';
export { createDocumentClient, isLoopbackEndpoint, DEFAULT_LOCAL_ENDPOINT, DEFAULT_TABLE_NAME } from '../dynamo-client.js';

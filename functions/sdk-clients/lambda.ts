/**
 * What a hand-off (and the status page's trigger) needs of the Lambda client, and nothing more:
 * the entry of the separate file the deployed bundle loads on the first invoke
 * (infra/sdk-client-chunks.ts), so a cold start does not parse the client.
 */
export { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

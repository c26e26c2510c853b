/** What the failure publisher needs of the EventBridge client: a file of its own in the deployed asset (infra/sdk-client-chunks.ts). */
export { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

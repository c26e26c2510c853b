/** What the failure publisher needs of the SNS client: a file of its own in the deployed asset (infra/sdk-client-chunks.ts). */
export { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

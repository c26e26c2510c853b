/**
 * The app's own table. A write carries the run's fence and is refused when a newer run (a higher
 * fence) has written already, so a run that lost its lease can never overwrite its successor.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

// DYNAMODB_ENDPOINT points tests at a local DynamoDB; on AWS it is unset.
const endpoint = process.env.DYNAMODB_ENDPOINT;
const client = DynamoDBDocumentClient.from(
  new DynamoDBClient(endpoint ? { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
);

/** One report row. */
export interface Report {
  report: string;
  slot: string;
  fence: number;
}

/** Writes the row unless a run with a higher fence already did; false when refused. */
export async function saveReport(row: Report, signal: AbortSignal): Promise<boolean> {
  try {
    await client.send(
      new PutCommand({
        TableName: process.env.REPORTS_TABLE,
        Item: row,
        ConditionExpression: 'attribute_not_exists(#report) OR #fence < :fence',
        ExpressionAttributeNames: { '#report': 'report', '#fence': 'fence' },
        ExpressionAttributeValues: { ':fence': row.fence },
      }),
      { abortSignal: signal },
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

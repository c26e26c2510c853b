/**
 * A local HTTP server that stands in for SNS and EventBridge: the real SDK clients send it their
 * requests (AWS_ENDPOINT_URL_SNS, AWS_ENDPOINT_URL_EVENTBRIDGE) and it keeps each one, decoded,
 * answering as the service does (SNS's query protocol, EventBridge's JSON). `refuseEvents` makes
 * PutEvents report a failed entry, as EventBridge does, with status 200.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the service would read it. */
export interface RecordedRequest {
  service: 'sns' | 'eventbridge';
  /** SNS: the form's fields; EventBridge: the JSON body. */
  body: Record<string, unknown>;
}

export interface AwsRecorder {
  endpoint: string;
  requests: RecordedRequest[];
  refuseEvents: boolean;
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const SNS_PUBLISH_RESPONSE =
  '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>';

export async function startAwsRecorder(): Promise<AwsRecorder> {
  const recorder: AwsRecorder = { endpoint: '', requests: [], refuseEvents: false, close: async () => {} };
  const server: Server = createServer((request, response) => {
    void bodyOf(request).then((text) => {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (target.startsWith('AWSEvents.')) {
        recorder.requests.push({ service: 'eventbridge', body: JSON.parse(text) as Record<string, unknown> });
        const answer = recorder.refuseEvents
          ? { FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not allowed' }] }
          : { FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] };
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer));
        return;
      }
      recorder.requests.push({ service: 'sns', body: Object.fromEntries(new URLSearchParams(text)) });
      response.writeHead(200, { 'content-type': 'text/xml' }).end(SNS_PUBLISH_RESPONSE);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  recorder.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  recorder.close = () => new Promise((resolve) => server.close(() => resolve()));
  return recorder;
}

/**
 * The hand-off of a chain's next run on AWS: an asynchronous invocation of this same tick
 * function with a continuation payload. Lambda's async invocations are at-least-once; the
 * receiving tick starts the continuation at most once (its slot flips from buffered to claimed).
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { PayloadError } from './core/errors.js';
import { continuationPayload, MAX_CONTINUATION_BYTES } from './core/payload.js';
import type { Continuation } from './core/tick.js';

/**
 * Builds the hand-off for a function, or undefined outside Lambda (a chain then goes on in-process).
 * The Lambda client is loaded on the first hand-off, not at cold start: most ticks never need it.
 */
export function lambdaHandOff(
  functionName: string | undefined,
  client?: LambdaClient,
): ((continuation: Continuation) => Promise<void>) | undefined {
  if (!functionName) return undefined;
  let lambda: LambdaClient | undefined = client;
  return async (continuation) => {
    const payload = JSON.stringify(continuationPayload(continuation));
    if (Buffer.byteLength(payload) > MAX_CONTINUATION_BYTES) {
      throw new PayloadError(
        `job "${continuation.job}": the continuation is ${Buffer.byteLength(payload)} bytes; the limit is ${MAX_CONTINUATION_BYTES} (keep the state small, or store it yourself and pass a key)`,
        'continuation.state',
      );
    }
    const sdk = await import('@aws-sdk/client-lambda');
    lambda ??= new sdk.LambdaClient({});
    const result = await lambda.send(
      new sdk.InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(payload) }),
    );
    if (result.StatusCode !== 202) throw new Error(`asynchronous invoke of ${functionName} returned status ${result.StatusCode}`);
  };
}

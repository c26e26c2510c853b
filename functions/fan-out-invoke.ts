/**
 * The fan-out of a tick's due runtime jobs on AWS: parts 1 to parts - 1 sent as asynchronous
 * invocations of this same tick function, each with a part payload (core/fan-out.ts). Lambda's
 * async invocations are at-least-once; a part that runs twice changes nothing but who starts a job
 * (every slot still starts at most once), and a part that never runs leaves its jobs due.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { errorMessage, FanOutError } from './core/errors.js';
import type { FanOutRequest } from './core/fan-out.js';
import { partPayload } from './core/payload.js';

/**
 * Builds the fan-out for a function. Every part is sent, in parallel, whatever the others do; when
 * some were not accepted, a FanOutError naming them is thrown after all were tried, so the tick
 * can log it and run those parts itself. The Lambda client is loaded on the first fan-out, not at
 * cold start: most ticks never need it.
 */
export function lambdaFanOut(functionName: string, client?: LambdaClient): (request: FanOutRequest) => Promise<void> {
  let lambda: LambdaClient | undefined = client;
  const send = async (part: number, parts: number, atMs: number | undefined): Promise<void> => {
    const sdk = await import('@aws-sdk/client-lambda');
    lambda ??= new sdk.LambdaClient({});
    const payload = Buffer.from(JSON.stringify(partPayload({ part, parts }, atMs)));
    const result = await lambda.send(new sdk.InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: payload }));
    if (result.StatusCode !== 202) throw new Error(`asynchronous invoke returned status ${result.StatusCode}`);
  };
  return async ({ parts, atMs }) => {
    const numbers = Array.from({ length: Math.max(0, parts - 1) }, (_, index) => index + 1);
    const results = await Promise.allSettled(numbers.map((part) => send(part, parts, atMs)));
    const failed = numbers.flatMap((part, index) => {
      const result = results[index];
      return result?.status === 'rejected' ? [{ part, error: result.reason as unknown }] : [];
    });
    if (failed.length === 0) return;
    const [first] = failed;
    const names = `${failed.length === 1 ? 'part' : 'parts'} ${failed.map(({ part }) => part).join(', ')} of ${parts}`;
    throw new FanOutError(
      `fan-out of ${functionName}: ${names} not started (${failed.length} of ${numbers.length} invokes failed): ${errorMessage(first?.error)}`,
      failed.map(({ part }) => part),
      { cause: first?.error },
    );
  };
}

import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { FanOutError } from '../../functions/core/errors.js';
import { parseTickPayload } from '../../functions/core/payload.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { lambdaFanOut } from '../../functions/fan-out-invoke.js';

const jobs = parseSchedule('report:\n  cron: "* * * * *"\n  class: Work\n', { handlers: ['Work'] });
const atMs = Date.parse('2026-11-26T10:00:00.250Z');

type Sent = { FunctionName?: string; InvocationType?: string; Payload?: Uint8Array };

/**
 * Stands in for the Lambda API: keeps what would be sent, in the order the sends began, and
 * answers each part as `answer` says (a status code, or an error to throw).
 */
function recordingClient(answer: (part: number) => number | Error = () => 202) {
  const sent: Sent[] = [];
  const client = {
    send: async (command: { input: Sent }) => {
      sent.push(command.input);
      const { part } = JSON.parse(Buffer.from(command.input.Payload!).toString('utf8')) as { part: number };
      // Answer out of order: later parts first, so a result is matched to its part, not to its place.
      await new Promise((resolve) => setTimeout(resolve, 10 - part));
      const result = answer(part);
      if (result instanceof Error) throw result;
      return { StatusCode: result };
    },
  } as unknown as LambdaClient;
  return { sent, client };
}

function payloadOf(sent: Sent): unknown {
  return JSON.parse(Buffer.from(sent.Payload!).toString('utf8')) as unknown;
}

/** The FanOutError the fan-out throws; fails the test when it resolves or throws anything else. */
async function rejection(work: Promise<void>): Promise<FanOutError> {
  const thrown = await work.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(thrown).toBeInstanceOf(FanOutError);
  return thrown as FanOutError;
}

describe('lambdaFanOut', () => {
  it('invokes the same function asynchronously once per part from 1, with payloads the tick reads back as those parts', async () => {
    const { sent, client } = recordingClient();
    await lambdaFanOut('cluster-cron-tick', client)({ parts: 4, atMs });
    expect(sent).toHaveLength(3);
    for (const input of sent) expect(input).toMatchObject({ FunctionName: 'cluster-cron-tick', InvocationType: 'Event' });
    const commands = sent.map((input) => parseTickPayload(payloadOf(input), jobs, atMs));
    expect(commands).toEqual([1, 2, 3].map((part) => ({ kind: 'tick', source: 'manual', atMs, part: { part, parts: 4 } })));
  });

  it("sends a scheduled tick's parts without a time, so each judges its slots by its own clock", async () => {
    const { sent, client } = recordingClient();
    await lambdaFanOut('f', client)({ parts: 3 });
    expect(sent.map(payloadOf)).toEqual([
      { part: 1, parts: 3 },
      { part: 2, parts: 3 },
    ]);
  });

  it('sends every part before any answer comes back, so one slow invoke does not hold up the others', async () => {
    const seenAtFirstAnswer: number[] = [];
    const { sent, client } = recordingClient(() => {
      seenAtFirstAnswer.push(sent.length);
      return 202;
    });
    await lambdaFanOut('f', client)({ parts: 8, atMs });
    expect(seenAtFirstAnswer[0]).toBe(7);
  });

  it('sends nothing for a tick of one part', async () => {
    const { sent, client } = recordingClient();
    await lambdaFanOut('f', client)({ parts: 1, atMs });
    expect(sent).toHaveLength(0);
  });

  it('tries every part when some fail, then names the parts that were not started', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    const { sent, client } = recordingClient((part) => (part === 2 ? throttled : part === 4 ? 500 : 202));
    const error = await rejection(lambdaFanOut('cluster-cron-tick', client)({ parts: 5, atMs }));
    expect(sent.map((input) => (payloadOf(input) as { part: number }).part).sort()).toEqual([1, 2, 3, 4]);
    expect(error.failedParts).toEqual([2, 4]);
    expect(error.message).toBe(
      'fan-out of cluster-cron-tick: parts 2, 4 of 5 not started (2 of 4 invokes failed): TooManyRequestsException: Rate exceeded',
    );
    expect(error.cause).toBe(throttled);
  });

  it('names a single part that was not accepted, with the status Lambda returned', async () => {
    const { client } = recordingClient((part) => (part === 1 ? 500 : 202));
    const error = await rejection(lambdaFanOut('f', client)({ parts: 3, atMs }));
    expect(error.failedParts).toEqual([1]);
    expect(error.message).toBe(
      'fan-out of f: part 1 of 3 not started (1 of 2 invokes failed): Error: asynchronous invoke returned status 500',
    );
  });
});

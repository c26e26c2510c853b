import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../functions/core/errors.js';
import { parseTickPayload } from '../../functions/core/payload.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { lambdaHandOff } from '../../functions/hand-off.js';

const jobs = parseSchedule('report:\n  cron: "* * * * *"\n  class: Work\n  continuous: true\n', { handlers: ['Work'] });
const continuation = {
  job: 'report',
  slotMs: Date.parse('2026-11-26T10:00:00.123Z'),
  token: 'lambda:a#1234',
  fence: 7,
  trigger: 'continuation' as const,
  state: { cursor: 'k-42', seen: [1, 2] },
};

/** Stands in for the Lambda API: keeps what would be sent and answers like an accepted async invoke. */
function recordingClient(statusCode = 202) {
  const sent: { FunctionName?: string; InvocationType?: string; Payload?: Uint8Array }[] = [];
  const client = {
    send: async (command: { input: (typeof sent)[number] }) => {
      sent.push(command.input);
      return { StatusCode: statusCode };
    },
  } as unknown as LambdaClient;
  return { sent, client };
}

describe('lambdaHandOff', () => {
  it('is absent outside Lambda, so a chain goes on in the same process', () => {
    expect(lambdaHandOff(undefined)).toBeUndefined();
    expect(lambdaHandOff('')).toBeUndefined();
  });

  it('invokes the same function asynchronously with a payload the tick reads back as the same continuation', async () => {
    const { sent, client } = recordingClient();
    await lambdaHandOff('cluster-cron-tick', client)!(continuation);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ FunctionName: 'cluster-cron-tick', InvocationType: 'Event' });
    const payload = JSON.parse(Buffer.from(sent[0]!.Payload!).toString('utf8')) as unknown;
    expect(parseTickPayload(payload, jobs, Date.now())).toEqual({ kind: 'continue', continuation });
  });

  it('fails when the invoke is not accepted, and refuses a state too large for an async invocation', async () => {
    await expect(lambdaHandOff('f', recordingClient(500).client)!(continuation)).rejects.toThrow(/returned status 500/);
    const { sent, client } = recordingClient();
    const huge = { ...continuation, state: 'x'.repeat(300_000) };
    await expect(lambdaHandOff('f', client)!(huge)).rejects.toThrow(PayloadError);
    await expect(lambdaHandOff('f', client)!(huge)).rejects.toThrow(/job "report": the continuation is \d+ bytes; the limit is 240000/);
    expect(sent).toHaveLength(0);
  });
});

import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../functions/core/schedule.js';
import { stopSignalHandler, tickPeriodMs } from '../../functions/local/node.js';

describe('stopSignalHandler', () => {
  function harness() {
    let nowMs = 0;
    const calls: string[] = [];
    const handle = stopSignalHandler({
      stop: (s) => calls.push(`stop ${s}`),
      forceExit: (s) => calls.push(`exit ${s}`),
      clock: () => nowMs,
    });
    return { calls, handle, at: (ms: number) => (nowMs = ms) };
  }

  it('stops gracefully on the first signal', () => {
    const { calls, handle } = harness();
    handle('SIGINT');
    expect(calls).toEqual(['stop SIGINT']);
  });

  it('counts a Ctrl-C delivered twice at once (terminal and npm) as one', () => {
    const { calls, handle, at } = harness();
    handle('SIGINT');
    at(100);
    handle('SIGINT');
    expect(calls).toEqual(['stop SIGINT']);
  });

  it('exits at once on a second press a moment later', () => {
    const { calls, handle, at } = harness();
    handle('SIGTERM');
    at(1_500);
    handle('SIGINT');
    expect(calls).toEqual(['stop SIGTERM', 'exit SIGINT']);
  });
});

describe('tickPeriodMs', () => {
  const jobs = (cron: string) => parseSchedule(`j:\n  cron: "${cron}"\n  class: X\n`);

  it('ticks every minute unless a job fires at other seconds than :00', () => {
    expect(tickPeriodMs(jobs('* * * * *'))).toBe(60_000);
    expect(tickPeriodMs(jobs('0 */5 * * * *'))).toBe(60_000);
    expect(tickPeriodMs(jobs('*/2 * * * * *'))).toBe(1_000);
  });
});

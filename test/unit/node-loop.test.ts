/**
 * The local node's loop on injected timers: the first tick at once, then one just after each
 * slot boundary on `deps.timers`, and nothing left scheduled once the node has stopped.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { startNode } from '../../functions/local/node.js';
import { fakeTimers } from '../support/fake-timers.js';
import { jobDefinition } from '../support/job-definition.js';
import { fakeClock, memoryLog } from '../support/local-table.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
/** One macrotask turn: the tick's promises settle (no time passes). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the node loop', () => {
  it('ticks at once, then 5 ms after each minute boundary on the injected timers, and clears its timer on stop', async () => {
    const clock = fakeClock(T0 + 200);
    const timers = fakeTimers(clock);
    const ticksAtMs: number[] = [];
    // A disabled job: each tick decides without a request to the table, which this test has not.
    const deps = {
      client: {} as DynamoDBDocumentClient,
      tableName: 'unused',
      clock,
      timers,
      instance: 'n1',
      log: memoryLog(),
      handlers: {},
    };
    const node = startNode(deps, [jobDefinition({ enabled: false })], () => ticksAtMs.push(clock()));
    await settle();
    expect(ticksAtMs).toEqual([T0 + 200]);
    expect(timers.pending()).toBe(1);

    timers.advance(60_000 - 200 + 5 - 1);
    await settle();
    expect(ticksAtMs).toEqual([T0 + 200]);
    timers.advance(1);
    await settle();
    expect(ticksAtMs).toEqual([T0 + 200, T0 + 60_005]);
    expect(timers.pending()).toBe(1);

    await node.stop('test');
    expect(timers.pending()).toBe(0);
  });
});

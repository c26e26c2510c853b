import { describe, expect, it } from 'vitest';
import { tick } from '../../functions/core/tick.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import { getLock, recentSlots } from '../../functions/core/store.js';
import type { JobHandler } from '../../functions/core/types.js';
import { fakeClock, memoryLog, useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();
const T0 = Date.parse('2026-11-26T10:00:00.000Z');

function jobs(yaml: string) {
  return parseSchedule(yaml, { handlers: ['Count'] });
}

describe('tick against the local server', () => {
  it('starts one run for 50 concurrent ticks of the same slot; 49 are duplicates', async () => {
    const tableName = await tables.newTable();
    const clock = fakeClock(T0 + 500);
    let runs = 0;
    const handlers: Record<string, JobHandler> = { Count: () => void runs++ };
    const schedule = jobs('count:\n  cron: "* * * * *"\n  class: Count\n  catchupWindow: 30s\n');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        tick({ client: tables.client(), tableName, clock, instance: `node-${i}`, log: memoryLog(), handlers }, { jobs: schedule }),
      ),
    );
    const outcomes = results.flat().filter((o) => o.outcome !== 'not-due');
    expect(runs).toBe(1);
    expect(outcomes.filter((o) => o.outcome === 'ran')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(49);
    const lock = await getLock({ client: tables.client(), tableName, clock }, 'count');
    expect(lock?.fence).toBe(1);
    expect(lock?.holder).toBeUndefined();
    const [slot] = await recentSlots({ client: tables.client(), tableName, clock }, 'count', 5);
    expect(slot).toMatchObject({ status: 'succeeded', fence: 1, slot: '2026-11-26T10:00:00.000Z' });
  });
});

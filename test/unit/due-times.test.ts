/** The due index's times (due-times.ts) and a fanned-out tick's parts (fan-out.ts): pure, on fixed times. */
import { describe, expect, it } from 'vitest';
import { dueAfterMs, dueOnWriteMs, endedAtMs, latestHealthyDueMs, overdueOutcomes } from '../../functions/core/due-times.js';
import { MAX_TICK_PARTS, partOf, partsFor } from '../../functions/core/fan-out.js';
import { parseScheduleObject } from '../../functions/core/schedule.js';
import type { JobDefinition } from '../../functions/core/types.js';

const T0 = Date.parse('2026-11-26T10:00:00.000Z');
const MINUTE_MS = 60_000;

function job(keys: Record<string, unknown>): JobDefinition {
  const [parsed] = parseScheduleObject({ j: { class: 'H', ...keys } }, { handlers: ['H'], source: 'test' });
  return parsed!;
}

describe('dueAfterMs', () => {
  it('is the next slot strictly after the slot decided', () => {
    expect(dueAfterMs(job({ cron: '*/5 * * * *' }), T0)).toBe(T0 + 5 * MINUTE_MS);
    expect(dueAfterMs(job({ cron: '*/5 * * * *' }), T0 - 1)).toBe(T0);
  });

  it('is the moment a one-time or bounded job has ended, after its last slot, so its wind-down is listed', () => {
    const once = job({ at: '2026-11-26T10:00:00Z', catchupWindow: '90s' });
    expect(dueAfterMs(once, T0)).toBe(T0 + 90_000 + 1);
    expect(endedAtMs(once)).toBe(T0 + 90_001);
    const bounded = job({ cron: '0 * * * *', endAt: '2026-11-26T11:30:00Z', catchupWindow: '1m' });
    expect(dueAfterMs(bounded, T0)).toBe(T0 + 60 * MINUTE_MS);
    expect(dueAfterMs(bounded, T0 + 60 * MINUTE_MS)).toBe(Date.parse('2026-11-26T11:30:00Z') + MINUTE_MS + 1);
  });

  it('is undefined for a disabled job: it leaves the index', () => {
    expect(dueAfterMs(job({ cron: '* * * * *', status: 'disabled' }), T0)).toBeUndefined();
  });
});

describe('dueOnWriteMs', () => {
  it('lists a new job from its first slot after its creation', () => {
    expect(dueOnWriteMs(job({ cron: '* * * * *' }), T0 + 30_000, T0 + 30_000)).toBe(T0 + MINUTE_MS);
    // Created exactly on a slot: that slot is its first (a tick reads slots after createdAtMs - 1).
    expect(dueOnWriteMs(job({ cron: '* * * * *' }), T0, T0)).toBe(T0);
  });

  it('lists a changed job from the first slot within its catch-up window, which may still start under it', () => {
    // The window is (now - 90 s, now]: the slot at 10:00 is in it, the one at 09:59 just not.
    expect(dueOnWriteMs(job({ cron: '* * * * *', catchupWindow: '90s' }), T0 + 30_000, T0 - 60 * MINUTE_MS)).toBe(T0);
    expect(dueOnWriteMs(job({ cron: '* * * * *', catchupWindow: '10s' }), T0 + 30_000, T0 - 60 * MINUTE_MS)).toBe(T0 + MINUTE_MS);
  });

  it('lists a one-time job created just after its time (within its window) at its time', () => {
    expect(dueOnWriteMs(job({ at: '2026-11-26T10:00:00Z', catchupWindow: '90s' }), T0 + 30_000, T0 + 30_000)).toBe(T0);
  });
});

describe('latestHealthyDueMs', () => {
  it('is the first slot after now and the skew: a later entry hides a slot', () => {
    const everyFive = job({ cron: '*/5 * * * *' });
    expect(latestHealthyDueMs(everyFive, T0 + MINUTE_MS, 2_000)).toBe(T0 + 5 * MINUTE_MS);
    // A writer whose clock ran ahead by the skew may already have moved it one slot on.
    expect(latestHealthyDueMs(everyFive, T0 + 5 * MINUTE_MS - 1_000, 2_000)).toBe(T0 + 10 * MINUTE_MS);
  });
});

describe('overdueOutcomes', () => {
  it('names the listed jobs whose slot is past its catch-up window and jitter, not an ended job or a disabled one', () => {
    const jobs = [
      { ...job({ cron: '* * * * *', catchupWindow: '30s' }), name: 'late' },
      { ...job({ cron: '* * * * *', catchupWindow: '30s' }), name: 'in-time' },
      { ...job({ cron: '* * * * *', catchupWindow: '30s', jitter: '20s' }), name: 'jittered' },
      { ...job({ at: '2026-11-26T09:00:00Z', catchupWindow: '30s' }), name: 'ended' },
    ];
    const listed = new Map([
      ['late', T0 - 31_000],
      ['in-time', T0 - 29_000],
      ['jittered', T0 - 31_000],
      ['ended', Date.parse('2026-11-26T09:00:00Z')],
    ]);
    expect(overdueOutcomes(jobs, listed, T0)).toEqual([
      { outcome: 'overdue', job: 'late', slot: new Date(T0 - 31_000).toISOString(), lateMs: 31_000 },
    ]);
  });
});

describe('a fanned-out tick', () => {
  it('takes as many parts as maxJobsPerTick asks, at most MAX_TICK_PARTS', () => {
    expect(partsFor(250, 250)).toBe(1);
    expect(partsFor(251, 250)).toBe(2);
    expect(partsFor(1_000, 250)).toBe(4);
    expect(partsFor(1_000_000, 10)).toBe(MAX_TICK_PARTS);
  });

  it('spreads names over the parts evenly, the same in every process', () => {
    const names = Array.from({ length: 4_000 }, (_, n) => `tenant-${n}`);
    const sizes = [0, 1, 2, 3].map((part) => names.filter((name) => partOf(name, 4) === part).length);
    for (const size of sizes) expect(size).toBeGreaterThan(850);
    expect(names.map((name) => partOf(name, 4))).toEqual(names.map((name) => partOf(name, 4)));
    expect(sizes.reduce((a, b) => a + b)).toBe(4_000);
  });
});

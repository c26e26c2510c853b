/** The chaos checker itself: it must flag what it is there to flag, and excuse only a stopped holder. */
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type ChaosNode, type ChaosResult, type ChaosRun, checkChaos } from '../support/chaos-cluster.js';

const T = Date.parse('2026-11-26T10:00:00.000Z');
const node = (pid: number, extra: Partial<ChaosNode> = {}): ChaosNode => ({
  child: { pid } as ChildProcess,
  lines: [],
  exited: Promise.resolve(0),
  stops: [],
  ...extra,
});
const run = (fence: number, pid: number, startS: number, endS: number | undefined, leaseLost = false): ChaosRun => ({
  job: 'print',
  slot: new Date(T + fence * 1_000).toISOString(),
  fence,
  holder: `h${fence}`,
  pid,
  startMs: T + startS * 1_000,
  ...(endS !== undefined && { endMs: T + endS * 1_000 }),
  leaseLost,
});
function result(nodes: ChaosNode[], runs: ChaosRun[]): ChaosResult {
  const items = runs.map((r) => ({
    slot: r.slot,
    slotMs: Date.parse(r.slot),
    status: 'succeeded',
    fence: r.fence,
    leaseLost: r.leaseLost,
  }));
  return {
    nodes,
    runs,
    items,
    lock: { fence: Math.max(...runs.map((r) => r.fence)) },
    proxy: { requests: 0, dropped: 0, delayed: 0, lostResponses: 0 },
    kills: 0,
    stops: 0,
    endMs: T + 60_000,
    leaseMs: 3_000,
  };
}

describe('checkChaos', () => {
  it('passes runs one after another with rising fences', () => {
    expect(checkChaos(result([node(1), node(2)], [run(1, 1, 0, 1.5), run(2, 2, 2, 3.5)])).violations).toEqual([]);
  });

  it('flags two runs at once on running processes', () => {
    expect(checkChaos(result([node(1), node(2)], [run(1, 1, 0, 3), run(2, 2, 2, 3.5)])).violations).toEqual([
      expect.stringContaining('I2: fence 1'),
    ]);
  });

  it('excuses an overlap only when the earlier holder was stopped and reported its lease lost', () => {
    const stopped = node(1, { stops: [{ fromMs: T + 500, toMs: T + 6_000 }] });
    expect(checkChaos(result([stopped, node(2)], [run(1, 1, 0, 6, true), run(2, 2, 4, 5)]))).toEqual({
      violations: [],
      stoppedOverlaps: 1,
    });
    expect(checkChaos(result([stopped, node(2)], [run(1, 1, 0, 6, false), run(2, 2, 4, 5)])).violations).toHaveLength(1);
  });

  it('reports a holder stopped before its start that starts on waking, after its successor, even when it is told at once', () => {
    // The stale start the simulation found (test/integration/stale-start.test.ts): a run must
    // not start at all on a lease that lapsed while its process was stopped.
    const woken = node(1, { stops: [{ fromMs: T - 1_000, toMs: T + 6_000 }] });
    expect(checkChaos(result([woken, node(2)], [run(2, 2, 2, 4), run(1, 1, 6.01, 6.02, true)])).violations).toContainEqual(
      expect.stringContaining('fences out of start order'),
    );
    expect(checkChaos(result([node(1), node(2)], [run(2, 2, 2, 4), run(1, 1, 6.01, 6.02, false)])).violations).toContainEqual(
      expect.stringContaining('fences out of start order'),
    );
  });

  it('ends a killed run at the kill', () => {
    expect(checkChaos(result([node(1, { killedMs: T + 1_000 }), node(2)], [run(1, 1, 0, undefined), run(2, 2, 4, 5)])).violations).toEqual(
      [],
    );
  });

  it('flags a slot started twice and fences out of start order', () => {
    const twice = { ...run(2, 2, 2, 3), slot: run(1, 1, 0, 1).slot };
    expect(checkChaos(result([node(1), node(2)], [run(1, 1, 0, 1), twice])).violations).toContainEqual(expect.stringContaining('I1'));
    expect(checkChaos(result([node(1), node(2)], [run(2, 1, 0, 1), run(1, 2, 2, 3)])).violations).toContainEqual(
      expect.stringContaining('fences out of start order'),
    );
  });
});

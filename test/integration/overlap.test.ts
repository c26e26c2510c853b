import { describe, expect, it } from 'vitest';
import { parseTickPayload } from '../../functions/core/payload.js';
import { acquireLease, getLock, getSlot, recentSlots, setPaused } from '../../functions/core/store.js';
import { type Continuation, runTickCommand, tick, triggerJob } from '../../functions/core/tick.js';
import type { RunContext, TickOutcome } from '../../functions/core/types.js';
import { useLocalTables } from '../support/local-table.js';
import { deferred, everyMinute, cluster as harnessCluster, interpose, iso, MINUTE_MS, T0 } from '../support/tick-harness.js';

const tables = useLocalTables();
const cluster = (startMs: number) => harnessCluster(tables, startMs);

/** A handler that blocks each run until released, and records what it saw. */
function blockingWork() {
  const seen: RunContext[] = [];
  const gates: { started: ReturnType<typeof deferred>; finish: ReturnType<typeof deferred> }[] = [];
  const gate = (index: number) => (gates[index] ??= { started: deferred(), finish: deferred() });
  const Work = async (context: RunContext): Promise<void> => {
    const index = seen.length;
    seen.push(context);
    gate(index).started.resolve();
    await gate(index).finish.promise;
  };
  return { seen, gate, handlers: { Work } };
}

/** `dead#1` holds `report` (bufferOne, lease 90 s from T0 + 0.5 s) and dies; node-b buffers slot T0 behind it. */
async function deadHolderWithBufferedSlot() {
  const { ctx, clock, deps } = await cluster(T0 + 500);
  const schedule = everyMinute('overlap: bufferOne', 'lease: 30s', 'catchupWindow: 50s');
  await acquireLease(ctx, { job: 'report', token: 'dead#1', instance: 'dead', slotMs: T0 - MINUTE_MS, leaseMs: 90_000 });
  const runs: number[] = [];
  const work = { Work: (c: RunContext) => void runs.push(c.slot.getTime()) };
  expect(await tick(deps('node-b', work), { jobs: schedule })).toMatchObject([{ outcome: 'buffered', slot: iso(T0) }]);
  return { ctx, clock, deps, schedule, runs, work };
}

describe('overlap bufferOne', () => {
  it('buffers one slot that finds the lease held, drops the next, and starts the buffered one right after release under a new fence', async () => {
    const { ctx, clock, log, deps } = await cluster(T0 + 500);
    const work = blockingWork();
    const schedule = everyMinute('overlap: bufferOne', 'lease: 5m');
    const first = tick(deps('node-a', work.handlers), { jobs: schedule });
    await work.gate(0).started.promise;

    clock.set(T0 + MINUTE_MS + 500);
    expect(await tick(deps('node-b', work.handlers), { jobs: schedule })).toEqual([
      { outcome: 'buffered', job: 'report', slot: iso(T0 + MINUTE_MS) },
    ]);
    clock.set(T0 + 2 * MINUTE_MS + 500);
    expect(await tick(deps('node-c', work.handlers), { jobs: schedule })).toEqual([
      { outcome: 'dropped', job: 'report', slot: iso(T0 + 2 * MINUTE_MS), bufferedSlot: iso(T0 + MINUTE_MS) },
    ]);
    expect(await getLock(ctx, 'report')).toMatchObject({ fence: 1, pendingSlotMs: T0 + MINUTE_MS });
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toMatchObject({ status: 'buffered', heldFence: 1 });
    expect(work.seen).toHaveLength(1);

    work.gate(0).finish.resolve();
    await work.gate(1).started.promise;
    // The buffered run started in node-a's own tick, without the lease ever being free.
    const lockDuringSecond = await getLock(ctx, 'report');
    expect(lockDuringSecond).toMatchObject({ fence: 2, holderSlotMs: T0 + MINUTE_MS });
    expect(lockDuringSecond).not.toHaveProperty('pendingSlotMs');
    expect(lockDuringSecond).not.toHaveProperty('lastReleasedBy');
    expect(work.seen.map((c) => [c.slot.getTime(), c.trigger, c.fence])).toEqual([
      [T0, 'schedule', 1],
      [T0 + MINUTE_MS, 'buffer', 2],
    ]);
    work.gate(1).finish.resolve();
    expect(await first).toMatchObject([
      { outcome: 'ran', slot: iso(T0), fence: 1 },
      { outcome: 'ran', slot: iso(T0 + MINUTE_MS), fence: 2, trigger: 'buffer' },
    ]);
    expect((await recentSlots(ctx, 'report', 10)).map((item) => [item.slotMs, item.status, item.reason ?? '-', item.fence ?? '-'])).toEqual(
      [
        [T0 + 2 * MINUTE_MS, 'skipped', 'dropped', '-'],
        [T0 + MINUTE_MS, 'succeeded', '-', 2],
        [T0, 'succeeded', '-', 1],
      ],
    );
    expect(await getLock(ctx, 'report')).not.toHaveProperty('holder');
    const starts = log.events
      .filter((e) => e.message === 'run.start' || e.message === 'run.end')
      .map((e) => `${e.message}:${e.attributes.fence}`);
    expect(starts).toEqual(['run.start:1', 'run.end:1', 'run.start:2', 'run.end:2']);
  });

  it('also buffers a slot whose holder appears between its lock read and its acquire', async () => {
    const { ctx, deps } = await cluster(T0 + 500);
    const schedule = everyMinute('overlap: bufferOne', 'lease: 5m');
    let runs = 0;
    // node-z takes the lease after node-a's read: node-a claims as usual, is refused, then buffers.
    let interposed = false;
    const client = interpose(ctx.client, async (command) => {
      const input = (command as { input?: { UpdateExpression?: string } }).input;
      if (!interposed && input?.UpdateExpression?.includes('ADD fence')) {
        interposed = true;
        await acquireLease(ctx, { job: 'report', token: 'node-z#1', instance: 'node-z', slotMs: T0 - MINUTE_MS, leaseMs: 300_000 });
      }
    });
    expect(await tick({ ...deps('node-a', { Work: () => void runs++ }), client }, { jobs: schedule })).toEqual([
      { outcome: 'buffered', job: 'report', slot: iso(T0) },
    ]);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'buffered' });
    expect(await getLock(ctx, 'report')).toMatchObject({ holder: 'node-z#1', pendingSlotMs: T0 });
    expect(runs).toBe(0);
  });

  it('records the buffered slot as paused, and frees the lease, when the job is paused before the holder finishes', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const work = blockingWork();
    const schedule = everyMinute('overlap: bufferOne', 'lease: 5m');
    const first = tick(deps('node-a', work.handlers), { jobs: schedule });
    await work.gate(0).started.promise;
    clock.set(T0 + MINUTE_MS + 500);
    await tick(deps('node-b', work.handlers), { jobs: schedule });
    await setPaused(ctx, 'report', true, 'maintenance');
    work.gate(0).finish.resolve();
    expect(await first).toMatchObject([{ outcome: 'ran', fence: 1 }]);
    expect(work.seen).toHaveLength(1);
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toMatchObject({ status: 'skipped', reason: 'paused' });
    const lock = await getLock(ctx, 'report');
    expect(lock).not.toHaveProperty('holder');
    expect(lock).not.toHaveProperty('pendingSlotMs');
  });

  it('after a holder that died with a slot buffered, the next tick runs the buffered slot under the lease the holder never passed on, then its own', async () => {
    const { ctx, clock, deps, schedule, runs, work } = await deadHolderWithBufferedSlot();
    clock.set(T0 + 2 * MINUTE_MS + 500); // dead#1's lease ended at T0 + 90.5 s
    const outcomes = await tick(deps('node-c', work), { jobs: schedule });
    expect(outcomes).toContainEqual(expect.objectContaining({ outcome: 'ran', slot: iso(T0), fence: 2 }));
    expect(outcomes).toContainEqual(expect.objectContaining({ outcome: 'ran', slot: iso(T0 + 2 * MINUTE_MS), fence: 3 }));
    expect(runs).toEqual([T0, T0 + 2 * MINUTE_MS]);
    expect(await getSlot(ctx, 'report', T0 - MINUTE_MS)).toMatchObject({ status: 'lost', error: expect.stringContaining('dead#1') });
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'succeeded', trigger: 'buffer' });
    expect(await getLock(ctx, 'report')).not.toHaveProperty('pendingSlotMs');
  });

  it('a manual run that finds a dead holder with a slot buffered takes the lease itself and records that slot lost', async () => {
    const { ctx, clock, deps, schedule, runs, work } = await deadHolderWithBufferedSlot();
    clock.set(T0 + 2 * MINUTE_MS + 500);
    expect(await triggerJob(deps('node-c', work), schedule[0]!)).toMatchObject([{ outcome: 'ran', fence: 2 }]);
    expect(runs).toHaveLength(1);
    expect(await getSlot(ctx, 'report', T0)).toMatchObject({ status: 'lost', error: expect.stringContaining('dead#1') });
    expect(await getLock(ctx, 'report')).not.toHaveProperty('pendingSlotMs');
  });
});

describe('overlap allow', () => {
  it('runs a slot while another run holds the lease, each with its own fence, each slot once', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const work = blockingWork();
    const schedule = everyMinute('overlap: allow');
    const first = tick(deps('node-a', work.handlers), { jobs: schedule });
    await work.gate(0).started.promise;
    clock.set(T0 + MINUTE_MS + 500);
    const second = tick(deps('node-b', work.handlers), { jobs: schedule });
    await work.gate(1).started.promise;
    expect(work.seen.map((c) => c.fence)).toEqual([1, 2]);
    expect(await tick(deps('node-c', work.handlers), { jobs: schedule })).toMatchObject([
      { outcome: 'duplicate', slot: iso(T0 + MINUTE_MS) },
    ]);
    work.gate(0).finish.resolve();
    work.gate(1).finish.resolve();
    expect(await first).toMatchObject([{ outcome: 'ran', fence: 1 }]);
    expect(await second).toMatchObject([{ outcome: 'ran', fence: 2 }]);
    expect(await getLock(ctx, 'report')).not.toHaveProperty('holder');
    expect(await getSlot(ctx, 'report', T0 + MINUTE_MS)).toMatchObject({ status: 'succeeded', overlap: 'allow', fence: 2 });
  });

  it('is what trigger --overlap allow does for a skip job while it is held; bufferOne buffers it instead', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const work = blockingWork();
    const schedule = everyMinute();
    const first = tick(deps('node-a', work.handlers), { jobs: schedule });
    await work.gate(0).started.promise;
    clock.advance(1_000);
    expect(await triggerJob(deps('cli', work.handlers), schedule[0]!)).toMatchObject([{ outcome: 'locked' }]);
    clock.advance(1_000);
    const forced = triggerJob(deps('cli', work.handlers), schedule[0]!, { overlap: 'allow' });
    await work.gate(1).started.promise;
    work.gate(1).finish.resolve();
    expect(await forced).toMatchObject([{ outcome: 'ran', trigger: 'manual', fence: 2 }]);
    clock.advance(1_000);
    expect(await triggerJob(deps('cli', work.handlers), schedule[0]!, { overlap: 'bufferOne' })).toMatchObject([{ outcome: 'buffered' }]);
    work.gate(0).finish.resolve();
    await work.gate(2).started.promise;
    work.gate(2).finish.resolve();
    expect((await first).map((o) => [o.outcome, 'fence' in o ? o.fence : '-'])).toEqual([
      ['ran', 1],
      ['ran', 3],
    ]);
    expect(await getLock(ctx, 'report')).toMatchObject({ fence: 3 });
  });
});

describe('a continuous job', () => {
  it('hands its lease from run to run with rising fences and its state intact until the handler says done', async () => {
    const { ctx, deps } = await cluster(T0 + 500);
    const schedule = everyMinute('continuous: true', 'lease: 30s');
    const seen: { fence: number; state: unknown; trigger: string; holderFence?: number; holder?: string }[] = [];
    const Work = async (context: RunContext) => {
      const lock = await getLock(ctx, 'report');
      seen.push({
        fence: context.fence,
        state: context.state,
        trigger: context.trigger,
        ...(lock?.fence !== undefined && { holderFence: lock.fence }),
        ...(lock?.holder && { holder: lock.holder }),
      });
      const count = (context.state as { count: number } | undefined)?.count ?? 0;
      return count < 5 ? { continue: true, state: { count: count + 1, items: ['a', { deep: [count] }] } } : { continue: false };
    };
    const outcomes = await tick(deps('node-a', { Work }), { jobs: schedule });
    expect(outcomes.map((o) => [o.outcome, 'fence' in o ? o.fence : '-', 'trigger' in o ? o.trigger : '-'])).toEqual([
      ['ran', 1, 'schedule'],
      ['ran', 2, 'continuation'],
      ['ran', 3, 'continuation'],
      ['ran', 4, 'continuation'],
      ['ran', 5, 'continuation'],
      ['ran', 6, 'continuation'],
    ]);
    expect(seen.map((s) => s.state)).toEqual([
      undefined,
      ...[0, 1, 2, 3, 4].map((count) => ({ count: count + 1, items: ['a', { deep: [count] }] })),
    ]);
    // One holder at a time: during each run the lock's fence is that run's, and a holder is set.
    for (const s of seen) expect(s.holderFence).toBe(s.fence);
    expect(new Set(seen.map((s) => s.holder)).size).toBe(6);
    const history = await recentSlots(ctx, 'report', 10);
    expect(history.map((item) => [item.status, item.trigger, item.fence])).toEqual([
      ...[6, 5, 4, 3, 2].map((fence) => ['succeeded', 'continuation', fence]),
      ['succeeded', 'schedule', 1],
    ]);
    expect(await getLock(ctx, 'report')).not.toHaveProperty('holder');
  });

  it('whose chain dies is restarted by the next slot after its lease lapsed, with a higher fence and fresh state', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const schedule = everyMinute('continuous: true', 'lease: 30s', 'catchupWindow: 50s');
    const hang = deferred();
    const seen: [number, unknown][] = [];
    let dying = true;
    const Work = async (context: RunContext) => {
      seen.push([context.fence, context.state]);
      const count = (context.state as number | undefined) ?? 0;
      if (count === 2 && dying) {
        dying = false;
        await hang.promise; // the process "dies" here: no heartbeat, no record, no hand-over
        throw new Error('gone');
      }
      return count < 3 ? { continue: true, state: count + 1 } : { continue: false };
    };
    const chain = tick(deps('node-a', { Work }), { jobs: schedule });
    await waitFor(() => seen.length === 3);
    clock.set(T0 + MINUTE_MS + 500); // the dead link's 30 s lease lapsed at T0 + 30.5 s
    const restarted = await tick(deps('node-b', { Work }), { jobs: schedule });
    expect(restarted.map((o) => [o.outcome, 'fence' in o ? o.fence : '-'])).toEqual([
      ['ran', 4],
      ['ran', 5],
      ['ran', 6],
      ['ran', 7],
    ]);
    expect(seen.map(([fence, state]) => [fence, state ?? null])).toEqual([
      [1, null],
      [2, 1],
      [3, 2],
      [4, null],
      [5, 1],
      [6, 2],
      [7, 3],
    ]);
    const lost = (await recentSlots(ctx, 'report', 20)).filter((item) => item.status === 'lost');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ trigger: 'continuation', error: expect.stringContaining('lapsed') });
    hang.resolve();
    expect((await chain).at(-1)).toMatchObject({ outcome: 'failed', fence: 3, leaseLost: true });
  });

  it('on AWS hands the next link to a fresh invocation near the deadline; it runs once even if delivered twice', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const schedule = everyMinute('continuous: true', 'lease: 30s');
    const sent: Continuation[] = [];
    const handOff = async (continuation: Continuation) => void sent.push(JSON.parse(JSON.stringify(continuation)) as Continuation);
    const seen: [number, unknown][] = [];
    const Work = (context: RunContext) => {
      seen.push([context.fence, context.state]);
      clock.advance(5_000);
      return (context.state as number | undefined) === 1
        ? { continue: false }
        : { continue: true, state: ((context.state as number | undefined) ?? 0) + 1 };
    };
    // The invocation ends 12 s after it started: past its 10 s margin once the first run is done.
    const outcomes = await tick(deps('lambda:a', { Work }, { handOff }), { jobs: schedule, deadlineMs: T0 + 12_500 });
    expect(outcomes).toMatchObject([
      { outcome: 'ran', fence: 1 },
      { outcome: 'handed-off', fence: 2, trigger: 'continuation' },
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ job: 'report', fence: 2, trigger: 'continuation', state: 1 });
    expect(await getLock(ctx, 'report')).toMatchObject({ holder: sent[0]!.token, fence: 2 });

    const payload = { continuation: { ...sent[0]!, slot: iso(sent[0]!.slotMs), slotMs: undefined } };
    delete (payload.continuation as { slotMs?: number }).slotMs;
    const command = parseTickPayload(JSON.parse(JSON.stringify(payload)), schedule, clock());
    const [resumed, again] = await Promise.all([
      runTickCommand(deps('lambda:b', { Work }, { handOff }), schedule, command),
      runTickCommand(deps('lambda:c', { Work }, { handOff }), schedule, command),
    ]);
    const all = [...resumed, ...again];
    expect(all.filter((o) => o.outcome === 'ran')).toMatchObject([{ fence: 2, trigger: 'continuation' }]);
    expect(all.filter((o) => o.outcome === 'duplicate')).toHaveLength(1);
    expect(seen).toEqual([
      [1, undefined],
      [2, 1],
    ]);
    expect(await getLock(ctx, 'report')).not.toHaveProperty('holder');
  });

  it('whose hand-off fails frees the lease at once and records the link lost', async () => {
    const { ctx, clock, deps } = await cluster(T0 + 500);
    const schedule = everyMinute('continuous: true', 'lease: 30s');
    const handOff = async () => {
      throw new Error('AccessDeniedException: not allowed to invoke');
    };
    const Work = () => {
      clock.advance(5_000);
      return { continue: true, state: 1 };
    };
    const outcomes: TickOutcome[] = await tick(deps('lambda:a', { Work }, { handOff }), { jobs: schedule, deadlineMs: T0 + 12_500 });
    expect(outcomes).toMatchObject([
      { outcome: 'ran', fence: 1 },
      { outcome: 'error', error: expect.stringContaining('AccessDeniedException') },
    ]);
    expect(await getLock(ctx, 'report')).not.toHaveProperty('holder');
    const history = await recentSlots(ctx, 'report', 5);
    expect(history[0]).toMatchObject({ status: 'lost', trigger: 'continuation', error: expect.stringContaining('hand-off failed') });
  });

  it('refuses a trigger with overlap allow, which would run beside its chain', async () => {
    const { ctx, deps } = await cluster(T0 + 500);
    let runs = 0;
    const outcomes = await triggerJob(deps('cli', { Work: () => void runs++ }), everyMinute('continuous: true')[0]!, { overlap: 'allow' });
    expect(outcomes).toEqual([
      {
        outcome: 'error',
        job: 'report',
        error: expect.stringContaining('job "report" is continuous: overlap "allow" would run it beside its chain'),
      },
    ]);
    expect(runs).toBe(0);
    expect(await recentSlots(ctx, 'report', 1)).toEqual([]);
  });

  it('stops its chain when the job is paused, recording the next link as paused', async () => {
    const { ctx, deps } = await cluster(T0 + 500);
    const schedule = everyMinute('continuous: true', 'lease: 30s');
    let runs = 0;
    const Work = async () => {
      runs++;
      if (runs === 2) await setPaused(ctx, 'report', true);
      return { continue: true };
    };
    const outcomes = await tick(deps('node-a', { Work }), { jobs: schedule });
    expect(outcomes.map((o) => o.outcome)).toEqual(['ran', 'ran']);
    expect(runs).toBe(2);
    expect((await recentSlots(ctx, 'report', 1))[0]).toMatchObject({ status: 'skipped', reason: 'paused', trigger: 'continuation' });
    expect(await getLock(ctx, 'report')).toMatchObject({ paused: true, fence: 2 });
    expect(await getLock(ctx, 'report')).not.toHaveProperty('holder');
  });
});

/** Polls `condition` on the event loop (no fake time involved) until it holds. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { acquireLease, getLock, recentSlots } from '../../functions/core/store.js';
import { captureLogs } from '../support/capture-logs.js';
import { useLocalTables } from '../support/local-table.js';

const tables = useLocalTables();

const SCHEDULE = `
print:
  cron: "* * * * *"
  class: PrintWorker
  args: {sleepSeconds: 0}
  # One minute: the window (now - 60s, now] always holds exactly one slot of a per-minute cron.
  catchupWindow: 60s
`;

const CONTEXT = {
  getRemainingTimeInMillis: () => 60_000,
  logStreamName: '2026/11/26/[$LATEST]abcdef0123456789',
  awsRequestId: 'r1',
};
const INSTANCE = 'lambda:abcdef012345';

const ENV_KEYS = [
  'CLUSTER_CRON_TABLE',
  'DYNAMODB_ENDPOINT',
  'CLUSTER_CRON_SCHEDULE',
  'CLUSTER_CRON_SCHEDULE_FILE',
  'MAX_CLOCK_SKEW_MS',
  'CLUSTER_CRON_MAX_JOBS_PER_TICK',
] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
afterAll(() => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

function scheduledEvent(timeMs: number) {
  return {
    version: '0',
    id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date(timeMs).toISOString().replace('.000Z', 'Z'),
    region: 'eu-west-1',
    resources: ['arn:aws:events:eu-west-1:123456789012:rule/cluster-cron-tick'],
    detail: {},
  };
}

const minuteOf = (ms: number): number => Math.floor(ms / 60_000) * 60_000;

/** Waits out the last seconds of a minute, so two invocations a moment apart see the same slot. */
async function awayFromMinuteEdge(marginMs = 3_000): Promise<void> {
  const intoMinuteMs = Date.now() % 60_000;
  if (intoMinuteMs > 60_000 - marginMs) await sleep(60_000 - intoMinuteMs + 50);
}

/**
 * Loads the handler module afresh with its config in the environment (it reads config once, at
 * module scope, as in a Lambda container), on a fresh table of the local server.
 */
async function loadHandler(options: { schedule?: string; env?: Record<string, string | undefined> } = {}) {
  const tableName = await tables.newTable();
  process.env.CLUSTER_CRON_TABLE = tableName;
  process.env.DYNAMODB_ENDPOINT = tables.endpoint();
  process.env.CLUSTER_CRON_SCHEDULE = options.schedule ?? SCHEDULE;
  delete process.env.MAX_CLOCK_SKEW_MS;
  delete process.env.CLUSTER_CRON_MAX_JOBS_PER_TICK;
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  vi.resetModules();
  const { handler } = await import('../../functions/tick.js');
  // The same module instance the handler throws from, so instanceof holds.
  const { PayloadError } = await import('../../functions/core/errors.js');
  const store = { client: tables.client(), tableName, clock: Date.now };
  return { handler, PayloadError, store };
}

describe('the tick Lambda handler', () => {
  describe('given an EventBridge scheduled event', () => {
    it('runs the due slot once; the same event delivered again is a duplicate and runs nothing', async () => {
      const { handler, store } = await loadHandler();
      await awayFromMinuteEdge();
      const slotMs = minuteOf(Date.now());
      const event = scheduledEvent(slotMs);

      const { result: first, logs: firstLogs } = await captureLogs(() => handler(event, CONTEXT));
      expect(first.instance).toBe(INSTANCE);
      expect(first.counts).toEqual({ ran: 1 });
      expect(first.outcomes).toEqual([
        {
          outcome: 'ran',
          job: 'print',
          slot: new Date(slotMs).toISOString(),
          trigger: 'schedule',
          fence: 1,
          durationMs: expect.any(Number),
          leaseLost: false,
        },
      ]);

      const { result: second, logs: secondLogs } = await captureLogs(() => handler(event, { ...CONTEXT, awsRequestId: 'r2' }));
      expect(second.counts).toEqual({ duplicate: 1 });
      expect(second.outcomes).toEqual([
        {
          outcome: 'duplicate',
          job: 'print',
          slot: new Date(slotMs).toISOString(),
          claimedBy: expect.stringMatching(new RegExp(`^${INSTANCE}#`)),
        },
      ]);

      // The handler ran once: one run.start, one PrintWorker line, one run.end, all in the first invocation.
      const messages = (logs: Record<string, unknown>[]): string[] => logs.map((log) => String(log.message));
      expect(
        messages(firstLogs).filter((message) => message === 'run.start' || message === 'run.end' || message.startsWith('I AM WORKING')),
      ).toEqual(['run.start', expect.stringMatching(/^I AM WORKING AT /), 'run.end']);
      expect(firstLogs.find((log) => log.message === 'run.start')).toMatchObject({
        job: 'print',
        slot: new Date(slotMs).toISOString(),
        fence: 1,
        instance: INSTANCE,
      });
      expect(firstLogs.find((log) => log.message === 'tick.end')).toMatchObject({ counts: { ran: 1 }, requestId: 'r1' });
      expect(messages(secondLogs)).not.toContain('run.start');
      expect(secondLogs.find((log) => log.message === 'tick.end')).toMatchObject({ counts: { duplicate: 1 }, requestId: 'r2' });

      const slots = await recentSlots(store, 'print', 10);
      expect(slots).toHaveLength(1);
      expect(slots[0]).toMatchObject({ slotMs, status: 'succeeded', fence: 1, trigger: 'schedule', instance: INSTANCE });
      const lock = await getLock(store, 'print');
      expect(lock?.fence).toBe(1);
      expect(lock?.holder).toBeUndefined();
    });
  });

  describe('given a manual "at" payload', () => {
    it('runs the slot of that minute once, however many invocations carry the same payload', async () => {
      const { handler, store } = await loadHandler();
      const slotMs = minuteOf(Date.now()) - 60_000;
      const payload = { at: new Date(slotMs).toISOString() };

      const first = await handler(payload, CONTEXT);
      expect(first.counts).toEqual({ ran: 1 });
      expect(first.outcomes[0]).toMatchObject({ outcome: 'ran', slot: payload.at, fence: 1 });

      const again = await Promise.all(Array.from({ length: 5 }, (_, i) => handler(payload, { ...CONTEXT, awsRequestId: `retry-${i}` })));
      for (const response of again) {
        expect(response.counts).toEqual({ duplicate: 1 });
        expect(response.outcomes[0]).toMatchObject({ outcome: 'duplicate', slot: payload.at });
      }
      const slots = await recentSlots(store, 'print', 10);
      expect(slots.map((slot) => [slot.slot, slot.status, slot.fence])).toEqual([[payload.at, 'succeeded', 1]]);
      expect((await getLock(store, 'print'))?.fence).toBe(1);
    });

    it('starts one run when five invocations of a fresh slot race', async () => {
      const { handler, store } = await loadHandler();
      const slotMs = minuteOf(Date.now()) - 120_000;
      const payload = { at: new Date(slotMs).toISOString() };
      const responses = await Promise.all(Array.from({ length: 5 }, (_, i) => handler(payload, { ...CONTEXT, awsRequestId: `r${i}` })));
      const outcomes = responses.flatMap((response) => response.outcomes);
      expect(outcomes.filter((outcome) => outcome.outcome === 'ran')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.outcome === 'duplicate')).toHaveLength(4);
      expect((await getLock(store, 'print'))?.fence).toBe(1);
      expect(await recentSlots(store, 'print', 10)).toHaveLength(1);
    });
  });

  describe('given a manual trigger', () => {
    it('runs the job now under its lease, with the next fence, and releases the lease', async () => {
      const { handler, store } = await loadHandler();
      const scheduled = await handler({ at: new Date(minuteOf(Date.now()) - 60_000).toISOString() }, CONTEXT);
      expect(scheduled.outcomes[0]).toMatchObject({ outcome: 'ran', fence: 1 });

      const beforeMs = Date.now();
      const triggered = await handler({ trigger: 'print' }, CONTEXT);
      expect(triggered.counts).toEqual({ ran: 1 });
      const [outcome] = triggered.outcomes;
      expect(outcome).toMatchObject({ outcome: 'ran', job: 'print', trigger: 'manual', fence: 2, leaseLost: false });
      const slotMs = Date.parse((outcome as { slot: string }).slot);
      expect(slotMs).toBeGreaterThanOrEqual(beforeMs);
      expect(slotMs).toBeLessThanOrEqual(Date.now());

      const lock = await getLock(store, 'print');
      expect(lock).toMatchObject({ fence: 2, lastReleasedBy: expect.stringMatching(new RegExp(`^${INSTANCE}#`)) });
      expect(lock?.holder).toBeUndefined();
      const [latest] = await recentSlots(store, 'print', 1);
      expect(latest).toMatchObject({ slotMs, status: 'succeeded', trigger: 'manual', fence: 2 });
    });

    it('is refused as locked while another holder has the lease', async () => {
      const { handler, store } = await loadHandler();
      const held = await acquireLease(store, {
        job: 'print',
        token: 'node-b:202#cafe0001',
        instance: 'node-b:202',
        slotMs: Date.now(),
        leaseMs: 60_000,
      });
      expect(held).toMatchObject({ acquired: true, fence: 1 });

      const response = await handler({ trigger: 'print' }, CONTEXT);
      expect(response.counts).toEqual({ locked: 1 });
      expect(response.outcomes[0]).toMatchObject({ outcome: 'locked', job: 'print', heldBy: 'node-b:202#cafe0001', heldFence: 1 });
      const lock = await getLock(store, 'print');
      expect(lock).toMatchObject({ holder: 'node-b:202#cafe0001', fence: 1 });
      const [latest] = await recentSlots(store, 'print', 1);
      expect(latest).toMatchObject({ status: 'skipped', reason: 'locked', heldBy: 'node-b:202#cafe0001', trigger: 'manual' });
    });
  });

  describe('given a bad payload', () => {
    it.each([
      ['"at" that is not a time', { at: 'yesterday' }, 'at', /payload field "at" has value "yesterday"/],
      [
        '"at" in the future',
        { at: '2999-01-01T00:00:00Z' },
        'at',
        /payload field "at" has value "2999-01-01T00:00:00Z", which is in the future/,
      ],
      ['"trigger" naming an unknown job', { trigger: 'nope' }, 'trigger', /payload field "trigger": unknown job "nope"/],
      ['an unknown job in "jobs"', { jobs: ['print', 'nope'] }, 'jobs[1]', /payload field "jobs\[1\]": unknown job "nope"/],
      ['an unknown field', { job: 'print' }, 'job', /payload: unknown field "job" with value "print"/],
    ])('rejects %s with a PayloadError naming the field, and writes nothing', async (_name, payload, field, message) => {
      const { handler, PayloadError, store } = await loadHandler();
      const rejected = await handler(payload, CONTEXT).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(rejected).toBeInstanceOf(PayloadError);
      expect(rejected).toMatchObject({ name: 'PayloadError', field, message: expect.stringMatching(message) });
      expect(await recentSlots(store, 'print', 10)).toEqual([]);
      expect(await getLock(store, 'print')).toBeUndefined();
    });
  });

  describe('its response', () => {
    it('counts the outcomes per kind', async () => {
      const { handler } = await loadHandler({
        schedule: `${SCHEDULE}
report:
  cron: "* * * * *"
  class: PrintWorker
  args: {sleepSeconds: 0}
  catchupWindow: 60s
yearly:
  cron: "0 0 1 1 *"
  class: PrintWorker
off:
  cron: "* * * * *"
  class: PrintWorker
  status: disabled
`,
      });
      const payload = { at: new Date(minuteOf(Date.now()) - 60_000).toISOString() };
      const response = await handler(payload);
      expect(response.instance).toBe('lambda:local');
      expect(response.counts).toEqual({ ran: 2, 'not-due': 1, disabled: 1 });
      expect(response.outcomes.map((outcome) => `${outcome.job}:${outcome.outcome}`).sort()).toEqual([
        'off:disabled',
        'print:ran',
        'report:ran',
        'yearly:not-due',
      ]);

      const again = await handler({ ...payload, jobs: ['report'] });
      expect(again.counts).toEqual({ duplicate: 1 });
      expect(again.outcomes).toEqual([expect.objectContaining({ job: 'report', outcome: 'duplicate' })]);
    });
  });

  describe('its configuration', () => {
    it('refuses to load without CLUSTER_CRON_TABLE, naming the variable', async () => {
      await expect(loadHandler({ env: { CLUSTER_CRON_TABLE: undefined } })).rejects.toThrow(
        'environment variable CLUSTER_CRON_TABLE is not set',
      );
    });

    it('refuses to load with a MAX_CLOCK_SKEW_MS that is not a number, naming the variable and value', async () => {
      await expect(loadHandler({ env: { MAX_CLOCK_SKEW_MS: '1s' } })).rejects.toThrow(
        'environment variable MAX_CLOCK_SKEW_MS has value "1s"; expected a number of milliseconds >= 0',
      );
    });

    it('refuses to load with a CLUSTER_CRON_MAX_JOBS_PER_TICK that is not a whole number from 1, naming the variable and value', async () => {
      await expect(loadHandler({ env: { CLUSTER_CRON_MAX_JOBS_PER_TICK: '0' } })).rejects.toThrow(
        'environment variable CLUSTER_CRON_MAX_JOBS_PER_TICK has value "0"; expected a whole number from 1',
      );
    });

    it('refuses to load an invalid inline schedule, naming the job and key', async () => {
      await expect(loadHandler({ schedule: 'print:\n  cron: "61 * * * *"\n  class: PrintWorker\n' })).rejects.toThrow(
        /CLUSTER_CRON_SCHEDULE: job "print": key "cron"/,
      );
    });
  });
});

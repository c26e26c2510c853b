/**
 * Shared harness of the tick tests: one table and one fake clock shared by every "node" of a
 * test, handlers that block until told, and a client that interposes on each command.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Scheduler } from '../../functions/core/lease.js';
import { parseSchedule } from '../../functions/core/schedule.js';
import type { StoreContext } from '../../functions/core/store.js';
import type { TickDeps } from '../../functions/core/tick.js';
import type { JobDefinition, JobHandler } from '../../functions/core/types.js';
import { type FakeClock, fakeClock, type LocalTables, memoryLog } from './local-table.js';

export const T0 = Date.parse('2026-11-26T10:00:00.000Z');
export const MINUTE_MS = 60_000;
export const iso = (ms: number): string => new Date(ms).toISOString();
/** Never beats on its own: heartbeats are driven by hand where a test needs them. */
export const manualBeats: Scheduler = () => () => {};

/**
 * A job named `report` running every minute with handler `Work`, plus extra keys. Its catch-up
 * window is 30 s unless given, so a tick half a second after a slot sees that slot alone.
 */
export function everyMinute(...extra: string[]): JobDefinition[] {
  const lines = extra.some((line) => line.startsWith('catchupWindow:')) ? extra : ['catchupWindow: 30s', ...extra];
  return parseSchedule(['report:', '  cron: "* * * * *"', '  class: Work', ...lines.map((line) => `  ${line}`)].join('\n'), {
    handlers: ['Work'],
  });
}

/** Resolves when `signal` fires (at once if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** A promise with its resolve function outside. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** One table and one fake clock shared by every node of a test. */
export async function cluster(tables: LocalTables, startMs: number) {
  const clock = fakeClock(startMs);
  const ctx: StoreContext & { clock: FakeClock } = { client: tables.client(), tableName: await tables.newTable(), clock };
  const log = memoryLog();
  const deps = (instance: string, handlers: Record<string, JobHandler>, extra: Partial<TickDeps> = {}): TickDeps => ({
    ...ctx,
    instance,
    log,
    handlers,
    scheduler: manualBeats,
    ...extra,
  });
  return { ctx, clock, log, deps };
}

/** A client on the same server that runs `before` ahead of each command it sends. */
export function interpose(client: DynamoDBDocumentClient, before: (command: unknown) => Promise<void>): DynamoDBDocumentClient {
  return {
    send: async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
      await before(command);
      return client.send(command);
    },
  } as unknown as DynamoDBDocumentClient;
}

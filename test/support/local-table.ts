/**
 * Test harness: a real local DynamoDB (embedded dynalite, or DYNAMODB_ENDPOINT when set, e.g.
 * DynamoDB Local) and a fresh table per call, reached through the real AWS SDK.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { createDocumentClient } from '../../functions/dynamo-client.js';
import { type LocalDynamo, startLocalDynamo } from '../../functions/local/dynalite-server.js';
import { ensureTable } from '../../functions/local/table.js';

/** A controllable clock: tests move time instead of sleeping. */
export interface FakeClock {
  (): number;
  set(ms: number): void;
  advance(ms: number): void;
}

/** A clock that starts at `startMs` and only moves when told. */
export function fakeClock(startMs: number): FakeClock {
  let nowMs = startMs;
  const clock = (() => nowMs) as FakeClock;
  clock.set = (ms) => (nowMs = ms);
  clock.advance = (ms) => (nowMs += ms);
  return clock;
}

/** Handle to the server for one test file; `newTable()` gives each test its own table. */
export interface LocalTables {
  client(): DynamoDBDocumentClient;
  endpoint(): string;
  newTable(): Promise<string>;
}

/** Starts (or connects to) the local server for this test file and stops it afterwards. */
export function useLocalTables(): LocalTables {
  let server: LocalDynamo | undefined;
  let client: DynamoDBDocumentClient | undefined;
  let endpoint = process.env.DYNAMODB_ENDPOINT;
  beforeAll(async () => {
    if (!endpoint) {
      server = await startLocalDynamo();
      endpoint = server.endpoint;
    }
    client = createDocumentClient(endpoint);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });
  return {
    client: () => client!,
    endpoint: () => endpoint!,
    async newTable() {
      const name = `test-${randomUUID().slice(0, 12)}`;
      await ensureTable(client!, name, { create: true });
      return name;
    },
  };
}

/** A log that keeps every event, for assertions on what an operator would read. */
export function memoryLog(): {
  events: { level: string; message: string; attributes: Record<string, unknown> }[];
  debug: Log;
  info: Log;
  warn: Log;
  error: Log;
} {
  const events: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const at =
    (level: string): Log =>
    (message, attributes = {}) =>
      void events.push({ level, message, attributes });
  return { events, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
type Log = (message: string, attributes?: Record<string, unknown>) => void;

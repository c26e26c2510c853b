/**
 * The document client one simulated process talks to the memory table through: network
 * latency, throttling before a write lands, responses lost after it landed (with the SDK's
 * retry of the same request, or a surfaced timeout), and crashes of the process at either
 * side of a write. A `rewrite` hook lets the negative control weaken the conditions sent.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MemoryDynamo, StoreCommand } from './memory-dynamo.js';
import type { Prng } from './prng.js';
import type { Owner, VirtualTime } from './virtual-time.js';

/** The protocol step a command belongs to, read from the expressions the store sends. */
export type Step =
  | 'read'
  | 'query'
  | 'claim'
  | 'acquire'
  | 'takeover'
  | 'renew'
  | 'release'
  | 'record'
  | 'due-advance'
  | 'due-repair'
  | 'other';

/** Names the protocol step of a command. */
export function stepOf(command: StoreCommand): Step {
  if (command instanceof GetCommand) return 'read';
  if (command instanceof QueryCommand || command instanceof ScanCommand) return 'query';
  if (command instanceof PutCommand) return 'claim';
  if (command instanceof UpdateCommand) {
    const update = command.input.UpdateExpression ?? '';
    // A buffered slot handed the lease of a holder that died (buffered-takeover.ts).
    if (update.includes('takenOverBy = :taker')) return 'takeover';
    if (update.includes('ADD fence')) return 'acquire';
    if (update.startsWith('REMOVE holder')) return 'release';
    // The due index: the tick's advance past a decided slot, and the repair sweep (due-advance.ts, due-repair.ts).
    if (update === 'SET nextDueMs = :next') return 'due-advance';
    if (update === 'SET nextDueMs = :due' || command.input.Key?.pk === 'CLUSTER#due-repair') return 'due-repair';
    if (update === 'SET leaseUntilMs = :until') return 'renew';
    if (command.input.Key?.sk !== 'STATE') return 'record';
  }
  return 'other';
}

/** Fault rates per request; all zero once the chaos phase ends. */
export interface FaultRates {
  /** The request fails before it reaches the table (throttled, connection refused). */
  failBefore: number;
  /** The write lands but the response is lost. */
  lostResponse: number;
  /** The process dies just before it sends the request. */
  crashBefore: number;
  /** The process dies after the write landed, before the response arrives. */
  crashAfter: number;
  /** A slow request: latency up to `slowMs`. */
  slow: number;
  slowMs: number;
}

/** Counts of what was injected, by kind and protocol step. */
export type FaultCounts = Record<string, number>;

/** What the client needs from the world around it. */
export interface ClientWorld {
  time: VirtualTime;
  db: MemoryDynamo;
  server: Owner;
  rand: Prng;
  faults(): FaultRates;
  counts: FaultCounts;
  crash(owner: Owner, why: string): void;
  rewrite?: (command: StoreCommand) => StoreCommand;
  /** Receives one line per request and its fate, when a seed is traced (SIM_TRACE). */
  trace?: (line: string) => void;
}

/** A request in one line: its step, key and the values it sends (a trace's reading of it). */
function describeCommand(command: StoreCommand): string {
  const input = command.input as {
    Key?: Record<string, unknown>;
    Item?: Record<string, unknown>;
    ExpressionAttributeValues?: Record<string, unknown>;
    KeyConditionExpression?: string;
  };
  const key = input.Key ?? (input.Item && { pk: input.Item.pk, sk: input.Item.sk });
  const values = input.Item ?? input.ExpressionAttributeValues;
  return `${stepOf(command)} ${key ? `${String(key.pk)} ${String(key.sk)}` : (input.KeyConditionExpression ?? '')} ${JSON.stringify(values ?? {})}`;
}

function count(world: ClientWorld, kind: string, step: Step): void {
  world.counts[kind] = (world.counts[kind] ?? 0) + 1;
  world.counts[`${kind}@${step}`] = (world.counts[`${kind}@${step}`] ?? 0) + 1;
}

function throttled(): Error {
  const error = new Error('Rate of requests exceeds the allowed throughput (simulated)');
  error.name = 'ProvisionedThroughputExceededException';
  return error;
}

function timedOut(): Error {
  const error = new Error('Connection timed out after the request was sent (simulated; the write may have landed)');
  error.name = 'TimeoutError';
  return error;
}

/** A document client for the process `owner`. */
export function simClient(world: ClientWorld, owner: Owner): DynamoDBDocumentClient {
  const never = new Promise<never>(() => {});
  const send = (command: StoreCommand, attempt = 1): Promise<Record<string, unknown>> => {
    if (owner.dead) return never;
    const step = stepOf(command);
    const rates = world.faults();
    const rand = world.rand;
    if (rand.chance(rates.crashBefore)) {
      count(world, 'crash-before-request', step);
      world.trace?.(`${owner.label} crashed before: ${describeCommand(command)}`);
      world.crash(owner, `crash before ${step}`);
      return never;
    }
    const latencyMs = (): number => (rand.chance(rates.slow) ? rand.int(50, rates.slowMs) : rand.int(1, 15));
    const [toServerMs, toClientMs] = [latencyMs(), latencyMs()];
    const failBefore = rand.chance(rates.failBefore);
    const lost = rand.chance(rates.lostResponse);
    const crashAfter = rand.chance(rates.crashAfter);
    const retryLost = rand.chance(0.6) && attempt < 3;
    const trace = (fate: string): void => world.trace?.(`${owner.label} ${fate}: ${describeCommand(command)}`);
    return new Promise((resolve, reject) => {
      if (failBefore) {
        count(world, 'throttled', step);
        trace('throttled');
        world.time.schedule(toServerMs + toClientMs, () => reject(throttled()), owner);
        return;
      }
      world.time.schedule(
        toServerMs,
        () => {
          let result: Record<string, unknown> | undefined;
          let error: unknown;
          try {
            result = { ...world.db.apply(world.rewrite ? world.rewrite(command) : command), $metadata: {} };
          } catch (thrown) {
            error = thrown;
          }
          trace(error === undefined ? 'applied' : `refused (${(error as Error).name})`);
          if (crashAfter) {
            count(world, 'crash-after-write', step);
            world.crash(owner, `crash after ${step} landed`);
            return;
          }
          if (lost) {
            count(world, retryLost ? 'lost-response-retried' : 'lost-response', step);
            trace(retryLost ? 'response lost, retried' : 'response lost, timed out');
            // The SDK retries a timed-out request as is: the write is applied a second time.
            world.time.schedule(
              toClientMs + rand.int(20, 200),
              () => (retryLost ? send(command, attempt + 1).then(resolve, reject) : reject(timedOut())),
              owner,
            );
            return;
          }
          world.time.schedule(toClientMs, () => (error === undefined ? resolve(result!) : reject(error)), owner);
        },
        world.server,
      );
    });
  };
  return { send } as unknown as DynamoDBDocumentClient;
}

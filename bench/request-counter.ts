/**
 * Counts the DynamoDB requests a client sends, by command name, with an SDK middleware: every
 * attempt (retries included, as AWS bills them), failed conditional writes separately, and the
 * capacity units the server reports (requested with ReturnConsumedCapacity on item commands).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/dynamo-client.js';

/** Commands that write an item (billed in write request units, even when their condition fails). */
const WRITE_COMMANDS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);
/** Commands that read items (billed in read request units). */
const READ_COMMANDS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'ScanCommand']);
const ITEM_COMMANDS = new Set([...WRITE_COMMANDS, ...READ_COMMANDS]);

/** What a counter saw between two resets. */
export interface RequestCounts {
  /** Attempts per command name (`PutItemCommand`, ...), table administration excluded. */
  byCommand: Record<string, number>;
  reads: number;
  writes: number;
  /** Writes refused by their condition (ConditionalCheckFailedException): billed all the same. */
  failedConditionalWrites: number;
  /** Other errors (throttling, network), by error name. */
  otherErrors: Record<string, number>;
  /** Capacity units the server reported for successful item requests. */
  readUnits: number;
  writeUnits: number;
  /** The most item requests in flight at once. */
  maxInFlight: number;
  /** The most distinct partition keys (jobs) with a request in flight at once. */
  maxJobsInFlight: number;
}

type KeyValue = string | { S?: string } | undefined;
type ItemInput = { Key?: { pk?: KeyValue }; Item?: { pk?: KeyValue }; ExpressionAttributeValues?: Record<string, KeyValue> };

/** The partition key an item request addresses (Query: its `:pk` value), marshalled or not yet. */
function partitionOf(input: ItemInput): string | undefined {
  const value = input.Key?.pk ?? input.Item?.pk ?? input.ExpressionAttributeValues?.[':pk'];
  return typeof value === 'string' ? value : value?.S;
}

/** A shared tally that any number of clients add to. */
export class RequestCounter {
  #counts = RequestCounter.#empty();
  #inFlight = 0;

  static #empty(): RequestCounts {
    return {
      byCommand: {},
      reads: 0,
      writes: 0,
      failedConditionalWrites: 0,
      otherErrors: {},
      readUnits: 0,
      writeUnits: 0,
      maxInFlight: 0,
      maxJobsInFlight: 0,
    };
  }

  readonly #partitionsInFlight = new Map<string, number>();

  /** Starts a new tally (requests in flight keep counting towards the new one). */
  reset(): void {
    this.#counts = RequestCounter.#empty();
  }

  /** A copy of the tally so far. */
  snapshot(): RequestCounts {
    return structuredClone(this.#counts);
  }

  /** Adds the counting middleware to `client` (a document client or the client it wraps). */
  attach(client: DynamoDBDocumentClient): DynamoDBDocumentClient {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? 'unknown';
        if (!ITEM_COMMANDS.has(name)) return next(args);
        // Ask the server what each request consumed; dynalite computes it as AWS does.
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
        const counts = this.#counts;
        counts.maxInFlight = Math.max(counts.maxInFlight, ++this.#inFlight);
        const partition = partitionOf(args.input as ItemInput);
        if (partition !== undefined) {
          this.#partitionsInFlight.set(partition, (this.#partitionsInFlight.get(partition) ?? 0) + 1);
          counts.maxJobsInFlight = Math.max(counts.maxJobsInFlight, this.#partitionsInFlight.size);
        }
        try {
          return await next(args);
        } finally {
          this.#inFlight--;
          if (partition !== undefined) {
            const left = this.#partitionsInFlight.get(partition)! - 1;
            if (left === 0) this.#partitionsInFlight.delete(partition);
            else this.#partitionsInFlight.set(partition, left);
          }
        }
      },
      { step: 'initialize', name: 'benchInFlight' },
    );
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? 'unknown';
        if (!ITEM_COMMANDS.has(name)) return next(args);
        const counts = this.#counts;
        counts.byCommand[name] = (counts.byCommand[name] ?? 0) + 1;
        if (WRITE_COMMANDS.has(name)) counts.writes++;
        else counts.reads++;
        try {
          const result = await next(args);
          const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } } | undefined)?.ConsumedCapacity;
          if (WRITE_COMMANDS.has(name)) counts.writeUnits += consumed?.CapacityUnits ?? 0;
          else counts.readUnits += consumed?.CapacityUnits ?? 0;
          return result;
        } catch (error) {
          const errorName = (error as { name?: string })?.name ?? 'Error';
          if (errorName === 'ConditionalCheckFailedException') counts.failedConditionalWrites++;
          else counts.otherErrors[errorName] = (counts.otherErrors[errorName] ?? 0) + 1;
          throw error;
        }
      },
      // Below the retry middleware: one count per attempt, as each attempt is billed.
      { step: 'deserialize', priority: 'high', name: 'benchRequestCounter' },
    );
    return client;
  }

  /** A new document client on `endpoint` whose requests this counter counts. */
  client(endpoint: string | undefined): DynamoDBDocumentClient {
    return this.attach(createDocumentClient(endpoint));
  }
}

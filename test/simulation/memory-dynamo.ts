/**
 * An in-memory DynamoDB table behind the document client's `send(command)`: Get, Put, Update,
 * Query, and the Scan of the runtime jobs' sparse index, with the very expressions the store sends, evaluated with DynamoDB's semantics
 * (expression.ts). Synchronous at heart, so the simulation decides when a write lands.
 */
import { ConditionalCheckFailedException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { RUNTIME_INDEX } from '../../functions/core/job-definitions.js';
import { parseCondition, parseProjection } from './expression.js';
import { type Item, Placeholders, ValidationError } from './expression-tokens.js';
import { copyOf } from './item-copy.js';
import { parseUpdate } from './update-expression.js';

/** One write the table applied: what the checker reads as the store's history. */
export interface AppliedWrite {
  table: string;
  key: string;
  kind: 'put' | 'update';
  old: Item | undefined;
  new: Item;
}

/** Every command the core sends, as the memory table understands it. */
export type StoreCommand = GetCommand | PutCommand | UpdateCommand | QueryCommand | ScanCommand;

const KEY = ['pk', 'sk'] as const;

function keyOf(item: Item): string {
  for (const name of KEY) {
    if (typeof item[name] !== 'string' || item[name] === '') {
      throw new ValidationError(`One or more parameter values were invalid: Missing the key ${name} in the item`);
    }
  }
  return JSON.stringify([item.pk, item.sk]);
}

/** Drops undefined values, as the document client does with `removeUndefinedValues`. */
function clean<T>(value: T): T {
  if (value === undefined || value === null || typeof value !== 'object' || value instanceof Set || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(clean) as T;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, clean(v)]),
  ) as T;
}

function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

/** The tables and their items; `apply` runs one command atomically. */
export class MemoryDynamo {
  readonly #tables = new Map<string, Map<string, Item>>();
  /** Called after each applied write, in order. */
  onApply: ((write: AppliedWrite) => void) | undefined;
  /**
   * A global secondary index is eventually consistent: with this set, a Query or Scan of an
   * index sees each item as it was `lagMs()` ago (its last version written by then), as
   * DynamoDB's index propagation may show it. Without it, an index read sees the table as it is.
   */
  indexLag: { nowMs: () => number; lagMs: () => number } | undefined;
  /** Each item's recent versions by key, oldest first (undefined: deleted), for the index's lag. */
  readonly #versions = new Map<string, { atMs: number; item: Item }[]>();

  /** Creates an empty table keyed by `pk` and `sk` (both strings). */
  createTable(name: string): void {
    if (!this.#tables.has(name)) this.#tables.set(name, new Map());
  }

  /** A copy of every item of a table, in key order. */
  items(table: string): Item[] {
    return [...this.#table(table).values()].map((item) => copyOf(item)).sort(byKey);
  }

  #table(name: string): Map<string, Item> {
    const table = this.#tables.get(name);
    if (!table) throw new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} });
    return table;
  }

  /** Runs one command against the tables, as the server would: all or nothing. */
  apply(command: StoreCommand): Record<string, unknown> {
    if (command instanceof GetCommand) return this.#get(command.input);
    if (command instanceof PutCommand) return this.#put(command.input);
    if (command instanceof UpdateCommand) return this.#update(command.input);
    if (command instanceof QueryCommand) return this.#query(command.input);
    if (command instanceof ScanCommand) return this.#scanIndex(command.input);
    throw new ValidationError(`unsupported command ${(command as object).constructor.name}`);
  }

  #get(input: GetCommand['input']): Record<string, unknown> {
    const table = this.#table(input.TableName!);
    const item = table.get(keyOf(clean(input.Key!)));
    return item ? { Item: copyOf(item) } : {};
  }

  #put(input: PutCommand['input']): Record<string, unknown> {
    const table = this.#table(input.TableName!);
    const item = clean(input.Item!) as Item;
    const key = keyOf(item);
    const placeholders = new Placeholders({ names: input.ExpressionAttributeNames, values: clean(input.ExpressionAttributeValues) });
    const condition = input.ConditionExpression !== undefined ? parseCondition(input.ConditionExpression, placeholders) : undefined;
    placeholders.checkAllUsed();
    const old = table.get(key);
    if (condition && !condition(old ?? {})) throw conditionFailed();
    table.set(key, copyOf(item));
    this.#remember(key, item);
    this.onApply?.({ table: input.TableName!, key, kind: 'put', old: old && copyOf(old), new: copyOf(item) });
    return input.ReturnValues === 'ALL_OLD' && old ? { Attributes: copyOf(old) } : {};
  }

  #update(input: UpdateCommand['input']): Record<string, unknown> {
    const table = this.#table(input.TableName!);
    const keyItem = clean(input.Key!) as Item;
    const key = keyOf(keyItem);
    const placeholders = new Placeholders({ names: input.ExpressionAttributeNames, values: clean(input.ExpressionAttributeValues) });
    const update = parseUpdate(input.UpdateExpression!, placeholders);
    const condition = input.ConditionExpression !== undefined ? parseCondition(input.ConditionExpression, placeholders) : undefined;
    placeholders.checkAllUsed();
    const old = table.get(key);
    if (condition && !condition(old ?? {})) throw conditionFailed();
    const next = update(old ?? keyItem);
    for (const name of KEY) {
      if (next[name] !== keyItem[name])
        throw new ValidationError(
          `One or more parameter values were invalid: Cannot update attribute ${name}. This attribute is part of the key`,
        );
    }
    table.set(key, next);
    this.#remember(key, next);
    this.onApply?.({ table: input.TableName!, key, kind: 'update', old: old && copyOf(old), new: copyOf(next) });
    if (input.ReturnValues === 'ALL_OLD') return old ? { Attributes: copyOf(old) } : {};
    if (input.ReturnValues === 'ALL_NEW') return { Attributes: copyOf(next) };
    if (input.ReturnValues === 'UPDATED_NEW') {
      // The attributes the update wrote (approximated as those whose value changed), as DynamoDB returns them.
      const changed = Object.entries(next).filter(([name, value]) => JSON.stringify(old?.[name]) !== JSON.stringify(value));
      return { Attributes: copyOf(Object.fromEntries(changed)) };
    }
    return {};
  }

  #remember(key: string, item: Item): void {
    if (!this.indexLag) return;
    const versions = this.#versions.get(key) ?? [];
    versions.push({ atMs: this.indexLag.nowMs(), item: copyOf(item) });
    // Enough for any lag the simulation draws (a few hundred ms): versions older than 5 s go.
    const keepFromMs = this.indexLag.nowMs() - 5_000;
    while (versions.length > 1 && versions[1]!.atMs <= keepFromMs) versions.shift();
    this.#versions.set(key, versions);
  }

  /** The items an index read sees: the table's, or each one as it was `lagMs` ago. */
  #indexItems(table: Map<string, Item>): Item[] {
    if (!this.indexLag) return [...table.values()];
    const asOfMs = this.indexLag.nowMs() - this.indexLag.lagMs();
    const seen: Item[] = [];
    for (const key of table.keys()) {
      const versions = this.#versions.get(key);
      if (!versions) {
        seen.push(table.get(key)!);
        continue;
      }
      const version = versions.filter((v) => v.atMs <= asOfMs).at(-1);
      if (version) seen.push(version.item);
    }
    return seen;
  }

  /** A Scan of a sparse index: the items that carry its partition key, in one page (the simulation's tables are small). */
  #scanIndex(input: ScanCommand['input']): Record<string, unknown> {
    if (input.IndexName !== RUNTIME_INDEX.name) throw new ValidationError(`unsupported scan of ${input.IndexName ?? 'the table'}`);
    const items = this.#indexItems(this.#table(input.TableName!)).filter((item) => item[RUNTIME_INDEX.partitionKey] !== undefined);
    return { Items: items.map((item) => copyOf(item)), Count: items.length, ScannedCount: items.length };
  }

  #query(input: QueryCommand['input']): Record<string, unknown> {
    const table = this.#table(input.TableName!);
    const placeholders = new Placeholders({ names: input.ExpressionAttributeNames, values: clean(input.ExpressionAttributeValues) });
    const matches = parseCondition(input.KeyConditionExpression!, placeholders);
    const projection = input.ProjectionExpression !== undefined ? parseProjection(input.ProjectionExpression, placeholders) : undefined;
    placeholders.checkAllUsed();
    let items = (input.IndexName ? this.#indexItems(table) : [...table.values()]).filter((item) => matches(item)).sort(byKey);
    if (input.ScanIndexForward === false) items.reverse();
    const start = input.ExclusiveStartKey ? JSON.stringify([input.ExclusiveStartKey.pk, input.ExclusiveStartKey.sk]) : undefined;
    if (start) {
      const at = items.findIndex((item) => keyOf(item) === start);
      items =
        at >= 0
          ? items.slice(at + 1)
          : items.filter((item) =>
              input.ScanIndexForward === false ? byKey(item, JSON.parse(start)) < 0 : byKey(item, JSON.parse(start)) > 0,
            );
    }
    const limit = input.Limit;
    const page = limit !== undefined ? items.slice(0, limit) : items;
    const last = limit !== undefined && items.length >= limit && page.length > 0 ? page[page.length - 1] : undefined;
    const project = (item: Item): Item =>
      projection
        ? Object.fromEntries(projection.filter((name) => item[name] !== undefined).map((name) => [name, copyOf(item[name])]))
        : copyOf(item);
    return {
      Items: page.map(project),
      Count: page.length,
      ScannedCount: page.length,
      ...(last && { LastEvaluatedKey: { pk: last.pk, sk: last.sk } }),
    };
  }
}

function byKey(a: Item | unknown[], b: Item | unknown[]): number {
  const [apk, ask] = Array.isArray(a) ? a : [a.pk, a.sk];
  const [bpk, bsk] = Array.isArray(b) ? b : [b.pk, b.sk];
  const pk = byBytes(String(apk), String(bpk));
  return pk !== 0 ? pk : byBytes(String(ask), String(bsk));
}

/**
 * DynamoDB orders string keys by their UTF-8 bytes. UTF-16 code units sort the same way up to
 * the surrogates, so only strings that first differ there need encoding (every sort and query
 * compares keys: encoding each one cost more than the rest of the query).
 */
function byBytes(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const [x, y] = [a.charCodeAt(i), b.charCodeAt(i)];
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x < y ? -1 : 1;
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** A document client that answers from `db` at once, with no faults (for the differential test). */
export function memoryDocumentClient(db: MemoryDynamo): DynamoDBDocumentClient {
  return {
    send: async (command: StoreCommand) => ({ ...db.apply(command), $metadata: {} }),
  } as unknown as DynamoDBDocumentClient;
}

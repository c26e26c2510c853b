/**
 * Runtime jobs by name: the page's and the CLI's listing, one Query per shard of the sparse
 * runtime-jobs index (RUNTIME_INDEX, eventually consistent) merged in name order, with a prefix
 * and pages; and how an index item reads as a definition (the due index's items read the same).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  RUNTIME_INDEX,
  RUNTIME_SHARD_COUNT,
  type StoredDefinition,
  type StoredDefinitionFields,
  storedDefinition,
} from './job-definitions.js';
import type { StoreContext } from './table-keys.js';

/** One runtime job as the index lists it: its definition's keys and version, and a refusal recorded for that version. */
export interface ListedDefinition extends StoredDefinition {
  nextDueMs?: number;
  /** Why a tick refused this very version (an unknown class in that deployment). */
  refusal?: string;
}

/** A page of runtime definitions in name order, and where the next page starts. */
export interface DefinitionPage {
  definitions: ListedDefinition[];
  /** Pass back as `cursor` for the next page; undefined on the last. */
  cursor?: string;
}

function listed(item: StoredDefinitionFields & { job?: string }): ListedDefinition | undefined {
  const stored = storedDefinition(item);
  if (!stored?.name) return undefined;
  const refusal = item.definitionErrorVersion === stored.version ? item.definitionError : undefined;
  return {
    ...stored,
    ...(item.nextDueMs !== undefined && { nextDueMs: item.nextDueMs }),
    ...(refusal !== undefined && { refusal }),
  };
}

/**
 * One page of the runtime jobs whose names start with `prefix`, in name order across the shards
 * (each shard read in name order, merged). `cursor` is the last name of the page before.
 */
export async function listDefinitions(
  ctx: StoreContext,
  options: { prefix?: string; limit?: number; cursor?: string } = {},
  removed?: string[],
): Promise<DefinitionPage> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const perShard = await Promise.all(
    Array.from({ length: RUNTIME_SHARD_COUNT }, (_, shard) => queryShard(ctx, shard, { ...options, limit }, removed)),
  );
  const all = perShard.flat().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const definitions = all.slice(0, limit);
  // A full page may have more after it (a last page that is exactly full costs one empty read).
  const last = definitions.length === limit ? definitions.at(-1) : undefined;
  return { definitions, ...(last && { cursor: last.name }) };
}

/** An index item as a definition; a removed job's tombstone (listed until its wind-down, removed-jobs.ts) goes to `removed`. */
export function listedOrRemoved(item: Record<string, unknown>, removed: string[] | undefined): ListedDefinition | undefined {
  const definition = listed(item as StoredDefinitionFields);
  if (!definition && item.removedAtMs !== undefined && typeof item.job === 'string') removed?.push(item.job);
  return definition;
}

async function queryShard(
  ctx: StoreContext,
  shard: number,
  options: { prefix?: string; limit: number; cursor?: string },
  removed?: string[],
): Promise<ListedDefinition[]> {
  const found: ListedDefinition[] = [];
  const { partitionKey, sortKey } = RUNTIME_INDEX;
  const after = options.cursor !== undefined;
  const prefixed = options.prefix !== undefined && options.prefix !== '';
  // The cursor and the prefix both bound the sort key; with both, the cursor's bound and a filter on the prefix.
  const keyCondition = after
    ? `${partitionKey} = :shard AND #name > :after`
    : prefixed
      ? `${partitionKey} = :shard AND begins_with(#name, :prefix)`
      : `${partitionKey} = :shard`;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.client.send(
      new QueryCommand({
        TableName: ctx.tableName,
        IndexName: RUNTIME_INDEX.name,
        KeyConditionExpression: keyCondition,
        ...((after || prefixed) && { ExpressionAttributeNames: { '#name': sortKey } }),
        ExpressionAttributeValues: {
          ':shard': shard,
          ...(after && { ':after': options.cursor }),
          ...(!after && prefixed && { ':prefix': options.prefix }),
        },
        ...(Number.isFinite(options.limit) && { Limit: options.limit }),
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      // Names come in order: past the prefix's range (after a cursor), nothing more can match.
      if (prefixed && typeof item.job === 'string' && !item.job.startsWith(options.prefix ?? '') && item.job > (options.prefix ?? ''))
        return found;
      const definition = listedOrRemoved(item, removed);
      if (!definition || (prefixed && !definition.name.startsWith(options.prefix ?? ''))) continue;
      found.push(definition);
      if (found.length >= options.limit) return found;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return found;
}

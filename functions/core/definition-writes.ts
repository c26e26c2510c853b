/**
 * The writes of a runtime job's definition, on its lock item: store (create, change) and
 * remove. Each is one conditional write on the version read, so two writers never lose each
 * other's change silently and a retry is harmless: an upsert whose keys are already stored
 * writes nothing. The item is never deleted (its fence continues across a removal, I2). The
 * map: docs/protocol.md, "Runtime jobs".
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './conditions.js';
import { dueKeyMs, dueOnWriteMs } from './due-times.js';
import { RUNTIME_INDEX, runtimeShardOf, storedDefinition } from './job-definitions.js';
import { getLock } from './reads.js';
import { lockItemKey, type StoreContext } from './table-keys.js';

/** How often a definition write re-reads and tries again while other writers change the item. */
const MAX_DEFINITION_ATTEMPTS = 5;

/** The same keys as written, whatever their order. */
export function sameKeys(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A definition to store: validated keys as written, and the next slot they give. */
export interface DefinitionWrite {
  name: string;
  keys: Record<string, unknown>;
  /** The definition as validated (a JobDefinition, JSON): what ticks run, without the validator. */
  compiled: string;
  /** `create` refuses a job that exists with other keys; `update` one that does not exist. @default 'upsert' */
  mode?: 'upsert' | 'create' | 'update';
}

/** What a definition write did: `changed` false when the keys were already stored (nothing written). */
export type DefinitionWriteResult =
  | { outcome: 'written'; version: number; created: boolean }
  | { outcome: 'unchanged'; version: number }
  | { outcome: 'exists'; version: number; keys: Record<string, unknown> }
  | { outcome: 'missing' };

/** The condition that the definition is still the version read (none: never defined). */
function versionStill(version: number | undefined): { expression: string; values: Record<string, unknown> } {
  return version === undefined
    ? { expression: 'attribute_not_exists(definitionVersion)', values: {} }
    : { expression: 'definitionVersion = :readVersion', values: { ':readVersion': version } };
}

/** Stores a runtime job's definition (validated by the caller); idempotent. */
export async function putDefinition(ctx: StoreContext, write: DefinitionWrite): Promise<DefinitionWriteResult> {
  for (let attempt = 1; ; attempt++) {
    const lock = await getLock(ctx, write.name);
    const live = storedDefinition(lock, write.name);
    if (live && sameKeys(live.keys, write.keys)) return { outcome: 'unchanged', version: live.version };
    if (live && write.mode === 'create') return { outcome: 'exists', version: live.version, keys: live.keys };
    if (!live && write.mode === 'update') return { outcome: 'missing' };
    const readVersion = lock?.definitionVersion;
    const version = (readVersion ?? 0) + 1;
    const nowMs = ctx.clock();
    // Listed from the first slot a tick could still start under it (due-times.ts); a disabled job leaves the due index.
    const dueMs = dueOnWriteMs(JSON.parse(write.compiled), nowMs, live ? (lock?.createdAtMs ?? nowMs) : nowMs);
    const nextDueMs = dueMs === undefined ? undefined : dueKeyMs(write.name, dueMs);
    // expects:    the definition still at the version read (none: never defined)
    // sets:       definition = the keys as written, definitionVersion + 1, the index keys (runtimeShard, job), nextDueMs
    //             (the due index: never later than the first slot a tick could still start under it);
    //             clears a removal and a refusal recorded for an older version; the lease and fence are untouched
    // fails when: another writer changed the definition since the read (means: read again and decide again)
    // defends:    no acquisition under a definition its tick did not read (acquires are conditioned on the version);
    //             no slot hidden from the due index by a change
    const update =
      `SET #definition = :keys, compiled = :compiled, definitionVersion = :version, ${RUNTIME_INDEX.partitionKey} = :shard, ` +
      `#job = :name, definedAtMs = :now${live ? '' : ', createdAtMs = :now'}${nextDueMs !== undefined ? ', nextDueMs = :due' : ''} ` +
      `REMOVE removedAtMs, definitionError, definitionErrorVersion${nextDueMs === undefined ? ', nextDueMs' : ''}`;
    const condition = versionStill(readVersion);
    try {
      await ctx.client.send(
        lockUpdateCommand(
          ctx,
          write.name,
          update,
          {
            ':keys': write.keys,
            ':compiled': write.compiled,
            ':version': version,
            ':shard': runtimeShardOf(write.name),
            ':name': write.name,
            ':now': nowMs,
            ...(nextDueMs !== undefined && { ':due': nextDueMs }),
            ...condition.values,
          },
          condition.expression,
        ),
      );
      return { outcome: 'written', version, created: !live };
    } catch (error) {
      // A retried request whose first attempt applied reads as unchanged on the next turn.
      if (!isConditionFailure(error) || attempt >= MAX_DEFINITION_ATTEMPTS) throw error;
    }
  }
}

/** Removes a runtime job: it starts no new slot; a run in progress finishes. False when there was none. */
export async function removeDefinition(ctx: StoreContext, name: string): Promise<{ removed: boolean; version?: number }> {
  for (let attempt = 1; ; attempt++) {
    const lock = await getLock(ctx, name);
    const live = storedDefinition(lock, name);
    if (!live) return { removed: false };
    const version = live.version + 1;
    const nowMs = ctx.clock();
    // expects:    the definition still at the version read, not removed
    // sets:       removedAtMs = now, definitionVersion + 1 (every acquire read before is refused); the definition,
    //             lease, fence and history stay, and the index entries until the wind-down is done (removed-jobs.ts);
    //             nextDueMs = now, so the next tick's due listing finds it and winds it down
    // fails when: another writer changed it since the read (means: read again)
    // defends:    a removed job starts no new slot; I2 across deletion (the item and its fence outlive the job);
    //             I4 (its last claims get a fate: a tick finds it)
    const condition = versionStill(live.version);
    try {
      await ctx.client.send(
        lockUpdateCommand(
          ctx,
          name,
          'SET removedAtMs = :now, definitionVersion = :version, nextDueMs = :due',
          { ':now': nowMs, ':due': dueKeyMs(name, nowMs), ':version': version, ...condition.values },
          condition.expression,
        ),
      );
      return { removed: true, version };
    } catch (error) {
      if (!isConditionFailure(error) || attempt >= MAX_DEFINITION_ATTEMPTS) throw error;
    }
  }
}

/**
 * Records once, on the version it refused, why a tick could not run a stored definition (its
 * class is not registered in this deployment), so `status` shows it. No write when already recorded.
 */
export async function recordDefinitionError(ctx: StoreContext, name: string, version: number, message: string): Promise<void> {
  // expects:    the definition still at the refused version; that refusal not recorded yet
  // sets:       definitionError = message, definitionErrorVersion = the refused version
  // fails when: the definition changed since (means: the refusal is stale; the next tick judges the new one) or it
  //             was recorded already (means: nothing to do)
  // defends:    I4 for a job no tick can run: its fate is on the item, not only in one process's log
  try {
    await ctx.client.send(
      lockUpdateCommand(
        ctx,
        name,
        'SET definitionError = :error, definitionErrorVersion = :version',
        { ':error': message, ':version': version },
        'definitionVersion = :version AND (attribute_not_exists(definitionErrorVersion) OR definitionErrorVersion <> :version)',
      ),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** One conditional update of a job's lock item; `#definition` and `#job` name the attributes (names safe from reserved words). */
function lockUpdateCommand(ctx: StoreContext, name: string, update: string, values: Record<string, unknown>, condition: string) {
  const names = {
    ...(update.includes('#definition') && { '#definition': 'definition' }),
    ...(update.includes('#job') && { '#job': 'job' }),
  };
  return new UpdateCommand({
    TableName: ctx.tableName,
    Key: lockItemKey(name),
    UpdateExpression: update,
    ConditionExpression: condition,
    ExpressionAttributeValues: values,
    ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
  });
}

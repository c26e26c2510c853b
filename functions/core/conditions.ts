/**
 * The condition fragments every conditional write is built from, each carrying its own
 * placeholder values (no fragment relies on a value added elsewhere), and what a refused write
 * hands back. Which fragment defends which invariant (I1 to I5): docs/protocol.md.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type SlotStatus, SlotStatus as Status } from './table-keys.js';

/** A piece of a condition expression and the placeholder values it uses. */
export interface Condition {
  expression: string;
  values: Readonly<Record<string, unknown>>;
}

/** Placeholder values merged from several parts of one request; a placeholder bound twice must mean one value. */
export function mergeValues(...parts: readonly Readonly<Record<string, unknown>>[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [name, value] of Object.entries(part)) {
      if (name in merged && merged[name] !== value) throw new Error(`placeholder ${name} bound to two values in one request`);
      merged[name] = value;
    }
  }
  return merged;
}

/** Every condition holds. */
export function allOf(...conditions: readonly Condition[]): Condition {
  return {
    expression: conditions.map((condition) => condition.expression).join(' AND '),
    values: mergeValues(...conditions.map((condition) => condition.values)),
  };
}

/** At least one condition holds. */
export function anyOf(...conditions: readonly Condition[]): Condition {
  return {
    expression: `(${conditions.map((condition) => condition.expression).join(' OR ')})`,
    values: mergeValues(...conditions.map((condition) => condition.values)),
  };
}

// The lock item.

/** The lease is free or has lapsed by `nowMs` (the caller's clock). */
export const leaseFree = (nowMs: number): Condition => ({
  expression: '(attribute_not_exists(holder) OR leaseUntilMs < :now)',
  values: { ':now': nowMs },
});
/** A holder whose lease has not passed by `nowMs`. */
export const leaseLive = (nowMs: number): Condition => ({
  expression: '(attribute_exists(holder) AND leaseUntilMs >= :now)',
  values: { ':now': nowMs },
});
/** The job is not paused. */
export const notPaused: Condition = { expression: '(attribute_not_exists(paused) OR paused = :false)', values: { ':false': false } };
/** `token` holds the lease (live or lapsed: only another holder's acquire clears it). */
export const heldBy = (token: string): Condition => ({ expression: 'holder = :token', values: { ':token': token } });
/** The holder is still the one the caller read: `expectedHolder`, or none (null). */
export const holderStill = (expectedHolder: string | null): Condition =>
  expectedHolder === null
    ? { expression: 'attribute_not_exists(holder)', values: {} }
    : { expression: 'holder = :expectedHolder', values: { ':expectedHolder': expectedHolder } };
/** No slot is buffered on the lock. */
export const nothingPending: Condition = { expression: 'attribute_not_exists(pendingSlotMs)', values: {} };
/** The slot buffered on the lock is `pendingSlotMs`. */
export const pendingIs = (pendingSlotMs: number): Condition => ({
  expression: 'pendingSlotMs = :pending',
  values: { ':pending': pendingSlotMs },
});
/** A scheduled slot not yet taken on the lock: newer than the last one that was. */
export const slotNewOnLock = (slotMs: number): Condition => ({
  expression: '(attribute_not_exists(lastSlotMs) OR lastSlotMs < :slot)',
  values: { ':slot': slotMs },
});
/** The lock's (live or lapsed) holder is not already on this very slot. */
export const notHoldersSlot = (slotMs: number): Condition => ({
  expression: '(attribute_not_exists(holderSlotMs) OR holderSlotMs <> :slot)',
  values: { ':slot': slotMs },
});

/**
 * A runtime job's definition is still the version the caller read (job-definitions.ts): a
 * change, a removal or a re-creation since then refuses the write. No condition for a file job.
 */
export const definitionStill = (definitionVersion: number | undefined): Condition[] =>
  definitionVersion === undefined
    ? []
    : [{ expression: 'definitionVersion = :definitionVersion', values: { ':definitionVersion': definitionVersion } }];

// The slot item.

/** No item under the key: the slot is not claimed yet. */
export const notClaimed: Condition = { expression: 'attribute_not_exists(pk)', values: {} };
/** `token` claimed the slot. */
export const claimedBy = (token: string): Condition => ({ expression: 'claimedBy = :token', values: { ':token': token } });
/** The slot item's status is one of `statuses` (`#status` names `status`). */
/** A status's placeholder: `timed-out` is `:timedOut` (a placeholder allows no hyphen), as notARun names it. */
const statusPlaceholder = (status: SlotStatus): string => `:${status.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase())}`;
export const statusIs = (...statuses: readonly SlotStatus[]): Condition => ({
  expression:
    statuses.length === 1
      ? `#status = ${statuses.map(statusPlaceholder).join('')}`
      : `(${statuses.map((status) => `#status = ${statusPlaceholder(status)}`).join(' OR ')})`,
  values: Object.fromEntries(statuses.map((status) => [statusPlaceholder(status), status])),
});
/** Not a run's outcome: a claim, a skip, a buffered slot or a lost one, which a run of the slot may replace. */
export const notARun: Condition = {
  expression: 'NOT (#status IN (:succeeded, :failed, :timedOut))',
  values: { ':succeeded': Status.succeeded, ':failed': Status.failed, ':timedOut': Status.timedOut },
};

// What a refusal means.

/** True when the write was refused by its condition (not a network or service error). */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

const ATTRIBUTE_VALUE_TYPE = /^(S|N|B|BOOL|NULL|M|L|SS|NS|BS)$/;

/** True for `{ S: 'x' }`, `{ N: '1' }` and the like: one attribute value in wire form. */
function isWireValue(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const types = Object.keys(value);
  return types.length === 1 && ATTRIBUTE_VALUE_TYPE.test(types[0] ?? '');
}

/**
 * The item a refused write returns with ReturnValuesOnConditionCheckFailure. The document
 * client leaves it in attribute-value form; it is unmarshalled here.
 */
export function refusedItem<T>(error: unknown): T | undefined {
  const item = (error as { Item?: Record<string, unknown> }).Item;
  if (!item) return undefined;
  const marshalled = Object.values(item).every(isWireValue);
  return (marshalled ? unmarshall(item as Parameters<typeof unmarshall>[0]) : item) as T;
}

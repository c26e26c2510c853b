/**
 * The negative control of the buffered slot's take-over (buffered-takeover.ts): the same
 * simulation with the lapse check gone, both where the reader decides (any holder counts as
 * lapsed) and in the write's condition (the lease need not have ended). A slot buffered behind a
 * live run then takes its lease while it runs; the checker must catch it as I2. The acquire keeps
 * its own checks, so only the take-over can cause it. Its own file, as the module mock applies to
 * a whole file.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import './sim-mocks.js';
import { caughtLine, firstCaught } from './first-caught.js';
import type { StoreCommand } from './memory-dynamo.js';
import { stepOf } from './sim-client.js';

vi.mock('../../functions/core/store.js', async (original) => {
  const real = await original<typeof import('../../functions/core/store.js')>();
  // The weakened reader: a holder is lapsed as soon as there is one.
  return { ...real, lapsedHolder: (lock: { holder?: string } | undefined) => lock?.holder !== undefined };
});

/** The weakened write: the take-over's condition no longer asks for the lease to have ended. */
function withoutLapseCheck(command: StoreCommand): StoreCommand {
  if (stepOf(command) !== 'takeover') return command;
  const input = (command as UpdateCommand).input;
  const condition = input.ConditionExpression!.replace('(attribute_not_exists(holder) OR leaseUntilMs < :now)', 'attribute_exists(pk)');
  return new UpdateCommand({ ...input, ConditionExpression: condition });
}

describe('the checker catches a buffered slot that takes a live holder its lease', () => {
  it('as I2', async () => {
    const maxSeeds = Number(process.env.NEGATIVE_SEEDS ?? 80);
    const caught = await firstCaught(maxSeeds, (violation) => violation.invariant === 'I2' && violation.known === undefined, {
      rewrite: withoutLapseCheck,
    });
    console.log(caughtLine('a take-over without the lapse check', maxSeeds, caught));
    expect(caught, `no I2 violation found in ${maxSeeds} seeds`).toBeDefined();
  }, 180_000);
});

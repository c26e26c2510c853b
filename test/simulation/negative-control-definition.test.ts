/**
 * The negative control of runtime jobs: the same simulation with every lease-taking write no
 * longer conditioned on the definition version the writer read (the condition rewritten to one
 * that always holds, as the table receives it). A tick that read a definition before a change
 * or a removal then starts a slot under it; the checker must catch it as D1. And a re-creation
 * that resets the fence (the lock item's counter dropped with the old definition): caught as I2.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import './sim-mocks.js';
import { caughtLine, firstCaught } from './first-caught.js';
import type { StoreCommand } from './memory-dynamo.js';

/** Replaces `definitionVersion = :definitionVersion` in a write's condition with one that always holds, and drops its value. */
function withoutDefinitionCheck(command: StoreCommand): StoreCommand {
  if (!(command instanceof UpdateCommand)) return command;
  const condition = command.input.ConditionExpression;
  if (!condition?.includes('definitionVersion = :definitionVersion')) return command;
  const { ':definitionVersion': _read, ...values } = command.input.ExpressionAttributeValues ?? {};
  return new UpdateCommand({
    ...command.input,
    ExpressionAttributeValues: values,
    ConditionExpression: condition.replace('definitionVersion = :definitionVersion', '(attribute_exists(pk) OR attribute_not_exists(pk))'),
  });
}

/** A (re-)creation that also drops the fence, as if the job's lock item had been deleted with its definition. */
function fenceResetOnCreation(command: StoreCommand): StoreCommand {
  if (!(command instanceof UpdateCommand) || !command.input.UpdateExpression?.includes('createdAtMs = :now')) return command;
  return new UpdateCommand({ ...command.input, UpdateExpression: `${command.input.UpdateExpression}, fence` });
}

describe('the checker catches a lease taken under a definition that is no longer stored', () => {
  it('as D1', async () => {
    const maxSeeds = Number(process.env.NEGATIVE_SEEDS ?? 80);
    const caught = await firstCaught(maxSeeds, (violation) => violation.invariant === 'D1', {
      rewrite: withoutDefinitionCheck,
      runtimeJobs: true,
    });
    console.log(caughtLine('acquire not conditioned on the definition version', maxSeeds, caught));
    expect(caught, `no D1 violation found in ${maxSeeds} seeds`).toBeDefined();
  }, 180_000);

  it('and a fence reused by a job created again under its name, as I2', async () => {
    const maxSeeds = Number(process.env.NEGATIVE_SEEDS ?? 80);
    const caught = await firstCaught(maxSeeds, (violation) => violation.invariant === 'I2' && violation.known === undefined, {
      rewrite: fenceResetOnCreation,
      runtimeJobs: true,
    });
    console.log(caughtLine('a fence counter reset on re-creation', maxSeeds, caught));
    expect(caught, `no I2 violation found in ${maxSeeds} seeds`).toBeDefined();
  }, 180_000);
});

/**
 * The negative control of the due index's repair sweep (due-repair.ts): the same simulation with
 * damage to the index's entries (sim-tenant-jobs.ts) and the sweep switched off. A job whose
 * entry was dropped or moved an hour on is then never listed again and stops; the checker must
 * catch it as I3. With the sweep on, the same seeds keep every invariant (simulation.test.ts).
 * And the other side: with no damage, the sweep finds nothing to repair, so the protocol's own
 * writes never leave an entry that hides a slot.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import './sim-mocks.js';
import { caughtLine, firstCaught } from './first-caught.js';
import type { StoreCommand } from './memory-dynamo.js';
import { stepOf } from './sim-client.js';
import { simulate } from './simulation.js';

/** The weakened advance: an acquire that claims a slot lists its job an hour after the next slot, not at it. */
function listedAnHourLate(command: StoreCommand): StoreCommand {
  if (stepOf(command) !== 'acquire') return command;
  const input = (command as UpdateCommand).input;
  const nextDueMs = input.ExpressionAttributeValues?.[':nextDue'];
  if (typeof nextDueMs !== 'number') return command;
  return new UpdateCommand({
    ...input,
    ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ':nextDue': nextDueMs + 3_600_000 },
  });
}

describe('the due index without its repair', () => {
  it('lets a damaged job stop, and the checker catches it as I3', async () => {
    const maxSeeds = Number(process.env.NEGATIVE_SEEDS ?? 40);
    const caught = await firstCaught(maxSeeds, (violation) => violation.invariant === 'I3' && /^t\d|^rt0$/.test(violation.job), {
      tenantJobs: true,
      indexDamage: true,
      dueRepair: false,
    });
    console.log(caughtLine('the due index without its repair sweep', maxSeeds, caught));
    expect(caught, `no I3 violation found in ${maxSeeds} seeds`).toBeDefined();
  }, 180_000);
});

describe('the due index with an acquire that moves it past the next slot', () => {
  it('stops the job, and the checker catches it as I3 (the sweep off: it would mend it)', async () => {
    const maxSeeds = Number(process.env.NEGATIVE_SEEDS ?? 40);
    const caught = await firstCaught(maxSeeds, (violation) => violation.invariant === 'I3' && /^t\d|^rt0$/.test(violation.job), {
      tenantJobs: true,
      indexDamage: false,
      dueRepair: false,
      rewrite: listedAnHourLate,
    });
    console.log(caughtLine('an acquire that lists its job an hour late', maxSeeds, caught));
    expect(caught, `no I3 violation found in ${maxSeeds} seeds`).toBeDefined();
  }, 180_000);
});

describe('the due index under the protocol alone', () => {
  it('never needs a repair: no entry hides a slot without damage from outside', async () => {
    const repaired: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const history = await simulate({ seed, tenantJobs: true, indexDamage: false });
      repaired.push(history.faults['due-repaired'] ?? 0);
      // The sweep did run: it took pages of definitions (its cursor item was written).
      expect(history.writes.some((write) => write.key.includes('CLUSTER#due-repair'))).toBe(true);
    }
    expect(repaired.filter((count) => count > 0)).toEqual([]);
  }, 180_000);
});

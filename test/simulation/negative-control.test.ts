/**
 * The negative control: the same simulation with the protocol deliberately broken must be
 * caught by the checker. The core is not edited; the table rewrites the condition it receives
 * (the bugs of ShedLock and friends), or the clocks drift past the assumed skew bound.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import './sim-mocks.js';
import { checkHistory, type Violation } from './checker.js';
import type { StoreCommand } from './memory-dynamo.js';
import { stepOf } from './sim-client.js';
import { type SimOptions, simulate } from './simulation.js';

/** A broken variant of the protocol, expressed as a rewrite of what the table receives. */
interface Weakening {
  name: string;
  options: Omit<SimOptions, 'seed'>;
  /** The invariants a violation of which proves the bug was caught. */
  expect: Violation['invariant'][];
  /** Seeds to try (default 80, or NEGATIVE_SEEDS). */
  seeds?: number;
}

const rewriteStep = (step: ReturnType<typeof stepOf>, change: (command: StoreCommand) => StoreCommand) => (command: StoreCommand) =>
  stepOf(command) === step ? change(command) : command;

const WEAKENINGS: Weakening[] = [
  {
    // Acquire takes a lease that is still running: the lease check is gone (the expiry, and the
    // holder the caller read).
    name: 'acquire without the lease check',
    options: {
      rewrite: rewriteStep('acquire', (command) => {
        const input = (command as UpdateCommand).input;
        const condition = input
          .ConditionExpression!.replace(
            '(attribute_not_exists(holder) OR leaseUntilMs < :now)',
            '(attribute_exists(pk) OR attribute_not_exists(pk))',
          )
          .replace(' AND attribute_not_exists(holder)', '')
          .replace(' AND holder = :expectedHolder', '');
        const { ':expectedHolder': _expectedHolder, ...values } = input.ExpressionAttributeValues ?? {};
        return new UpdateCommand({ ...input, ConditionExpression: condition, ExpressionAttributeValues: { ...values, ':now': 0 } });
      }),
    },
    expect: ['I2'],
  },
  {
    // ShedLock's unlock: a lapsed holder's release frees its successor's lease.
    name: 'release without the holder check',
    options: {
      rewrite: rewriteStep('release', (command) => {
        const { ConditionExpression: _dropped, ...input } = (command as UpdateCommand).input;
        return new UpdateCommand(input);
      }),
    },
    expect: ['I2'],
  },
  {
    // A scheduled slot is claimed on the lock by its acquire: without the last-slot check, a
    // duplicate delivery that finds the lease free again runs the slot a second time.
    name: 'acquire without the last-slot check',
    options: {
      rewrite: rewriteStep('acquire', (command) => {
        const input = (command as UpdateCommand).input;
        return new UpdateCommand({
          ...input,
          ConditionExpression: input.ConditionExpression!.replace(
            '(attribute_not_exists(lastSlotMs) OR lastSlotMs < :slot)',
            '(attribute_exists(pk) OR attribute_not_exists(pk))',
          ),
        });
      }),
    },
    expect: ['I1'],
  },
  {
    // Claim overwrites an existing slot: a manual run's claim, a skip or a buffered slot.
    name: 'claim without the not-claimed check',
    options: {
      rewrite: rewriteStep('claim', (command) => {
        const { ConditionExpression: _dropped, ReturnValuesOnConditionCheckFailure: _also, ...input } = (command as PutCommand).input;
        return new PutCommand(input);
      }),
    },
    expect: ['I1', 'I4'],
    // Scheduled runs no longer claim by a put, so only a skip racing a run's record shows it: rarer.
    seeds: 250,
  },
  {
    // The protocol is right but its assumption is broken: clocks four times further apart
    // than maxClockSkewMs.
    name: 'clocks skewed beyond maxClockSkewMs',
    options: { skewFactor: 6 },
    expect: ['I2'],
  },
];

describe('the checker catches a deliberately weakened protocol', () => {
  for (const weakening of WEAKENINGS) {
    it(`catches ${weakening.name}`, async () => {
      const maxSeeds = Number(process.env.NEGATIVE_SEEDS ?? weakening.seeds ?? 80);
      let caughtAt: number | undefined;
      let example: Violation | undefined;
      for (let seed = 1; seed <= maxSeeds && caughtAt === undefined; seed++) {
        // Only violations the unweakened protocol never shows count (not the known kinds).
        const found = checkHistory(await simulate({ seed, ...weakening.options })).find(
          (violation) => weakening.expect.includes(violation.invariant) && violation.known === undefined,
        );
        if (found) [caughtAt, example] = [seed, found];
      }
      console.log(
        `negative control "${weakening.name}": ${caughtAt === undefined ? `not caught in ${maxSeeds} seeds` : `caught at seed ${caughtAt}: ${example!.invariant} ${example!.message}`}`,
      );
      expect(caughtAt, `no ${weakening.expect.join('/')} violation found in ${maxSeeds} seeds`).toBeDefined();
    }, 180_000);
  }
});

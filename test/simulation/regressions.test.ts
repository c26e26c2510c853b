/**
 * Seeds that once broke an invariant, each kept as a regression test of its class of
 * interleavings (issue 12). Each replays exactly (the simulation is deterministic), so a
 * protocol change that reopens the class fails here by name, whatever the CI offset drew.
 */
import { describe, expect, it } from 'vitest';
import './sim-mocks.js';
import { checkHistory } from './checker.js';
import { simulate } from './simulation.js';

const REGRESSIONS = [
  {
    seed: 20867,
    // A Lambda run asked to stop by its deadline kept going (a stubborn handler); its renewal
    // was slow, the lease lapsed and a successor took it: the run was never told of the loss,
    // because its signal had already fired for the deadline.
    what: 'a lease lost after the deadline fired the signal is still signalled to the run',
  },
  {
    seed: 20174,
    // A tick read the lock while its holder ran, the holder released, another tick claimed the
    // same slot on the lock and ran it, then the first tick's skip landed on the slot item.
    what: 'a skip that lands after the slot was claimed on the lock does not hide the run',
  },
  { seed: 20213, what: 'a skip that lands after the slot was claimed on the lock (another node released)' },
  { seed: 20898, what: 'a skip that lands after the slot was claimed on the lock (the skipper had just released it itself)' },
  {
    seed: 90081,
    // A runtime job with bufferOne: the run's record was throttled while the hand-over sent beside
    // it applied, so the run left no trace (its successor was on the lock, not it). The record now
    // lands before the lease passes on, as before a release.
    what: 'a run whose record fails does not hand its lease over first (bufferOne, a runtime job)',
  },
  {
    seed: 140004,
    bounds: true,
    // A bounded job (endAt): its last run's process died holding the lease, and no later slot
    // came whose tick would have found the lapsed holder. Ended jobs now wind down (ended-jobs.ts).
    what: "an ended job's last run, whose holder died, is recorded lost though no slot follows",
  },
  {
    seed: 180797,
    bounds: true,
    // A slot buffered behind a holder that died was handed its lease and ran under its claim token
    // (buffered-takeover.ts) while its claimant was frozen with its bufferSlot in flight; woken, the
    // claimant's retry was refused, and it recorded the slot skipped over the run's outcome. A
    // retried bufferSlot now counts the lease held or let go under its token as parked, and no
    // skip lands on a run's outcome.
    what: 'a claimant that wakes after its buffered slot was taken over and ran does not skip it',
  },
  {
    seed: 201920,
    bounds: true,
    // The holder was slow, not dead: a take-over handed its lapsed lease to the slot buffered behind
    // it, and the holder's own hand-over to that slot, refused, found the slot's token holding the
    // lease and took it for a retry that applied. A take-over's mark (takenOverBy) now tells it not.
    what: "a late holder does not take another instance's take-over for its own hand-over",
  },
  { seed: 201215, bounds: true, what: "a late holder's hand-over after a take-over (the slot ran twice under one fence)" },
];

describe('seeds that once broke an invariant', () => {
  for (const { seed, what, bounds } of REGRESSIONS as { seed: number; what: string; bounds?: boolean }[]) {
    it(`seed ${seed}: ${what}`, async () => {
      // The older seeds without the bounded jobs drawn since (sim-bounds.ts), the newer with them as the seed draws
      // them: each replays the interleaving it was kept for.
      const history = await simulate({ seed, ...(bounds ? {} : { bounds: false }) });
      expect(history.runs.length).toBeGreaterThan(0);
      expect(checkHistory(history).map((v) => `${v.invariant} ${v.job}: ${v.message}`)).toEqual([]);
    });
  }
});

/**
 * Runtime jobs in the simulation: a job `rt0` that lives in the table only, created by an
 * operator and then changed (cron, overlap, lease, args), removed and created again throughout
 * the chaos phase, through the real definition writes (core/definition-writes.ts). Every
 * version carries its own `rev` in `args`, so the checker can tell which definition a run
 * started under. The nodes find it as they find any runtime job: through the index.
 */
import { putDefinition, removeDefinition } from '../../functions/core/definition-writes.js';
import { parseScheduleObject } from '../../functions/core/schedule.js';
import type { StoreContext } from '../../functions/core/table-keys.js';
import type { JobDefinition } from '../../functions/core/types.js';
import type { Prng } from './prng.js';

/** The runtime job's name. */
export const RUNTIME_JOB = 'rt0';

/** One operator action on the runtime job, at a time from the start. */
export type RuntimeAction = { atMs: number; kind: 'upsert'; keys: Record<string, unknown> } | { atMs: number; kind: 'remove' };

/** The runtime job's plan: the operator's actions, and the definition the checker judges I3 by (the slowest cron, the longest lease). */
export interface RuntimePlan {
  actions: RuntimeAction[];
  checkerJob: JobDefinition;
}

const EVERY_SEC = [1, 2, 3] as const;
const LEASE_SEC = [3, 4, 6] as const;

/** Random keys of one version of the runtime job; `rev` tells the versions apart. */
function randomKeys(rand: Prng, rev: number): Record<string, unknown> {
  const everySec = rand.pick([...EVERY_SEC]);
  return {
    cron: everySec === 1 ? '* * * * * *' : `*/${everySec} * * * * *`,
    class: 'sim',
    lease: `${rand.pick([...LEASE_SEC])}s`,
    catchupWindow: `${rand.pick([2, 3, 5])}s`,
    overlap: rand.pick(['skip', 'skip', 'bufferOne']),
    args: { rev },
  };
}

/**
 * A plan from the seed: created early, then every 1 to 4 s a change, a removal or (when removed)
 * a re-creation, often with the same keys again (an idempotent upsert); mostly defined again
 * before the chaos phase ends, so the quiet phase judges a live job (I3).
 */
export function runtimePlan(rand: Prng, chaosMs: number): RuntimePlan {
  let rev = 1;
  let keys = randomKeys(rand, rev);
  const actions: RuntimeAction[] = [{ atMs: rand.int(0, 1_500), kind: 'upsert', keys }];
  let removed = false;
  for (let atMs = 2_000; atMs < chaosMs - 1_500; atMs += rand.int(1_000, 4_000)) {
    const roll = rand.next();
    if (removed || roll < 0.55) {
      if (roll >= 0.2 || removed) keys = randomKeys(rand, ++rev);
      actions.push({ atMs, kind: 'upsert', keys });
      removed = false;
    } else {
      actions.push({ atMs, kind: 'remove' });
      removed = true;
    }
  }
  // Mostly defined again for the quiet phase; otherwise it ends removed, and its wind-down must
  // still give every slot it claimed a fate (I4).
  if (removed && rand.chance(0.7)) actions.push({ atMs: chaosMs - 1_000, kind: 'upsert', keys: randomKeys(rand, ++rev) });
  const [checkerJob] = parseScheduleObject(
    { [RUNTIME_JOB]: { cron: `*/${Math.max(...EVERY_SEC)} * * * * *`, class: 'sim', lease: `${Math.max(...LEASE_SEC)}s` } },
    { handlers: ['sim'], source: 'simulation' },
  );
  return { actions, checkerJob: checkerJob! };
}

/** Carries out one action through the real definition writes; an operator retries until it lands. */
export async function applyRuntimeAction(ctx: StoreContext, action: RuntimeAction): Promise<void> {
  if (action.kind === 'remove') await removeDefinition(ctx, RUNTIME_JOB);
  else {
    // Validated where it is written, as upsertJob does: the ticks run the validated definition.
    const [job] = parseScheduleObject({ [RUNTIME_JOB]: action.keys }, { handlers: ['sim'], source: 'simulation' });
    await putDefinition(ctx, { name: RUNTIME_JOB, keys: action.keys, compiled: JSON.stringify(job) });
  }
}

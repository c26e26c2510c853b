/**
 * Tenant jobs in the simulation (issue 16): a few runtime jobs `t0`, `t1`, ... created at the
 * start and never changed, as a SaaS creates a job per customer, found by the nodes only through
 * the due index. And the index's damage: during the chaos, an outside writer (a table restored
 * from a backup, an item edited by hand, an older version) makes one job's entry hide its next
 * slot: it drops `nextDueMs`, or moves it an hour on. The repair sweep (due-repair.ts) must list
 * the job again, or the checker finds it stopped (I3).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { putDefinition } from '../../functions/core/definition-writes.js';
import { parseScheduleObject } from '../../functions/core/schedule.js';
import { lockItemKey, type StoreContext } from '../../functions/core/table-keys.js';
import type { JobDefinition } from '../../functions/core/types.js';
import type { Prng } from './prng.js';

/** One tenant job, as created. */
export interface TenantJob {
  name: string;
  keys: Record<string, unknown>;
  /** Its definition, as validated: the checker judges I3 by it. */
  job: JobDefinition;
  createAtMs: number;
}

/** One act of damage to a job's index entry, at a time from the start. */
export interface IndexDamage {
  atMs: number;
  job: string;
  kind: 'forget' | 'postpone';
}

/** The tenants of a seed, and the damage done to their entries. */
export interface TenantPlan {
  tenants: TenantJob[];
  damage: IndexDamage[];
}

/**
 * From the seed: two to five tenants, each a per-1-to-3-second job; with `damage`, acts of damage
 * until 9 s before the chaos ends (the sweep has time to come round: it takes a page every
 * 500 ms), each on a tenant or on `others` (the runtime job that changes).
 */
export function tenantPlan(rand: Prng, chaosMs: number, options: { damage: boolean; others: readonly string[] }): TenantPlan {
  const tenants: TenantJob[] = Array.from({ length: rand.int(2, 5) }, (_, index) => {
    const name = `t${index}`;
    const everySec = rand.pick([1, 2, 3]);
    const keys = {
      cron: everySec === 1 ? '* * * * * *' : `*/${everySec} * * * * *`,
      class: 'sim',
      lease: `${rand.pick([3, 4])}s`,
      catchupWindow: `${rand.pick([2, 3, 5])}s`,
      overlap: rand.pick(['skip', 'skip', 'bufferOne']),
      args: { tenant: index },
    };
    const [job] = parseScheduleObject({ [name]: keys }, { handlers: ['sim'], source: 'simulation' });
    return { name, keys, job: job!, createAtMs: rand.int(0, 1_500) };
  });
  const damage: IndexDamage[] = [];
  if (options.damage) {
    const targets = [...tenants.map((tenant) => tenant.name), ...options.others];
    for (let atMs = 2_000; atMs < chaosMs - 9_000; atMs += rand.int(1_000, 4_000)) {
      damage.push({ atMs, job: rand.pick(targets), kind: rand.pick(['forget', 'postpone'] as const) });
    }
  }
  return { tenants, damage };
}

/** Creates one tenant job through the real definition write, as upsertJob does. */
export async function createTenant(ctx: StoreContext, tenant: TenantJob): Promise<void> {
  await putDefinition(ctx, { name: tenant.name, keys: tenant.keys, compiled: JSON.stringify(tenant.job) });
}

/** Damages one entry, outside the protocol (an unconditional write on an existing item). */
export async function damageEntry(ctx: StoreContext, damage: IndexDamage): Promise<void> {
  const forget = damage.kind === 'forget';
  await ctx.client.send(
    new UpdateCommand({
      TableName: ctx.tableName,
      Key: lockItemKey(damage.job),
      UpdateExpression: forget ? 'REMOVE nextDueMs' : 'SET nextDueMs = :later',
      ConditionExpression: 'attribute_exists(pk)',
      ...(!forget && { ExpressionAttributeValues: { ':later': ctx.clock() + 3_600_000 } }),
    }),
  );
}

/** A job per tenant, created at run time (see server.ts): the tenant comes in `args`. */
import type { RunContext } from 'cluster-cron';

export async function syncTenant({ args, slot, fence, log }: RunContext<{ tenant: string }>): Promise<void> {
  log.info('tenant.sync', { tenant: args.tenant, slot: slot.toISOString(), fence });
}

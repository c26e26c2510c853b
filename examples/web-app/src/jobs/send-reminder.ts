/** A one-time job per reminder, created at run time (see server.ts): runs once, at its time, on one node. */
import type { RunContext } from 'cluster-cron';

export async function sendReminder({ args, slot, log }: RunContext<{ tenant: string; text: string }>): Promise<void> {
  log.info('tenant.reminder', { tenant: args.tenant, text: args.text, slot: slot.toISOString() });
}

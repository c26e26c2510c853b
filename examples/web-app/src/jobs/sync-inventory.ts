/** The job: pretends to sync for `args.workMs`, and stops at once when its signal fires. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunContext } from 'cluster-cron';

export async function syncInventory({ args, slot, fence, signal, log }: RunContext<{ workMs: number }>): Promise<void> {
  log.info('sync.begin', { slot: slot.toISOString(), fence });
  await sleep(args.workMs, undefined, { signal });
}

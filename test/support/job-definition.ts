/** A valid JobDefinition for pure-logic tests: `print`, every minute, PrintWorker, the defaults. */
import { type JobDefinition, OverlapPolicy } from '../../functions/core/types.js';

export function jobDefinition(extra: Partial<JobDefinition> = {}): JobDefinition {
  return {
    name: 'print',
    cron: '* * * * *',
    timezone: 'UTC',
    handler: 'PrintWorker',
    args: {},
    enabled: true,
    leaseMs: 60_000,
    catchupWindowMs: 90_000,
    overlap: OverlapPolicy.skip,
    catchupLimit: 1,
    continuous: false,
    hasSeconds: false,
    ...extra,
  };
}

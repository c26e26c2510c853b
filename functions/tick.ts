/**
 * The tick Lambda handler configured from the environment: CLUSTER_CRON_TABLE, the schedule
 * (CLUSTER_CRON_SCHEDULE inline, or CLUSTER_CRON_SCHEDULE_FILE), optional DYNAMODB_ENDPOINT and
 * MAX_CLOCK_SKEW_MS, with the project's handler registry. The CDK stack deploys the same handler
 * with the schedule compiled into the bundle (infra/tick-entry.ts).
 */
import { handlers } from './jobs/index.js';
import { createTickHandler } from './tick-handler.js';

export type { TickResponse } from './tick-handler.js';

/** Handles one tick: an EventBridge scheduled event or a manual payload (see core/payload.ts). */
export const handler = createTickHandler({ handlers });

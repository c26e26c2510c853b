/**
 * `cluster-cron/cdk`: the ClusterCron construct for the user's own CDK app, its props, and the
 * status page it can add. `new ClusterCron(this, 'Cron', { config: 'cluster-cron.config.ts' })`.
 */
export {
  ClusterCron,
  type ClusterCronProps,
  type ClusterCronTableOptions,
  defaultTimeout,
  type HandlerRegistry,
  INDEX_ACTIONS,
  MAX_TIMEOUT,
  TABLE_ACTIONS,
} from './cluster-cron.js';
export { FAILURE_EVENT_PATTERN, type FailureNotificationsOptions } from './failure-notifications.js';
export { StatusPage, type StatusPageOptions, type StatusPageProps } from './status-page.js';
export { TICK_ARCHITECTURE, TICK_RUNTIME } from './tick-bundling.js';

/**
 * `cluster-cron/cdk`: the ClusterCron construct for the user's own CDK app, its props, and the
 * status page it can add. `new ClusterCron(this, 'Cron', { config: 'cluster-cron.config.ts' })`.
 */
export { ClusterCron, MAX_TIMEOUT, TABLE_ACTIONS, defaultTimeout, type ClusterCronProps, type ClusterCronTableOptions, type HandlerRegistry } from './cluster-cron.js';
export { StatusPage, type StatusPageOptions, type StatusPageProps } from './status-page.js';
export { TICK_ARCHITECTURE, TICK_RUNTIME } from './tick-bundling.js';

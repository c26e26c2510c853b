/**
 * The schedule file's validator as the tick loads it for runtime jobs: on first use, from a file
 * of its own. The deployed bundle leaves this module out (infra/tick-bundling.ts) and the asset
 * carries it beside the bundle (infra/sdk-client-chunks.ts), so the schema library and the YAML
 * parser it brings are parsed only by a tick that finds a runtime job, never at a cold start.
 */
export { validateJob } from './schedule.js';

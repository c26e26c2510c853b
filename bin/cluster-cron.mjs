#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`) in this same process, so signals reach
// the node. CLUSTER_CRON_FROM_SOURCE=1 (set by the project's own tests) runs the TypeScript
// sources of a checkout through tsx instead, so a test never runs a stale build.

// The SDK's notice that it will need Node 22 says nothing an operator can act on here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
if (process.env.CLUSTER_CRON_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../functions/cli/main.ts');
} else {
  await import('../dist/functions/cli/main.js').catch((error) => {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/functions/cli/main.js')) throw error;
    process.stderr.write('cluster-cron: dist/ is missing; in a checkout of cluster-cron, run "npm run build" first\n');
    process.exit(1);
  });
}

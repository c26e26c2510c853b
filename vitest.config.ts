import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLUSTER_CRON_FROM_SOURCE: bin/cluster-cron.mjs runs the TypeScript sources, never a stale dist/.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', CLUSTER_CRON_FROM_SOURCE: '1' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // No retries: a flaky test is a bug to fix, not to hide.
    retry: 0,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});

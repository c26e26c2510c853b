// The app's job: every second, a sync that takes longer than a second, never two at once.
// SyncTenant and SendReminder are the handlers of the jobs the app creates per tenant at run time (src/server.ts).
import { defineConfig, defineJob } from 'cluster-cron';
import { sendReminder } from './src/jobs/send-reminder.js';
import { syncInventory } from './src/jobs/sync-inventory.js';
import { syncTenant } from './src/jobs/sync-tenant.js';

export default defineConfig({
  jobs: {
    'sync-inventory': defineJob({
      cron: '* * * * * *',
      lease: '3s',
      overlap: 'skip',
      args: { workMs: 1_500 },
      handler: syncInventory,
    }),
  },
  handlers: { SyncTenant: syncTenant, SendReminder: sendReminder },
});

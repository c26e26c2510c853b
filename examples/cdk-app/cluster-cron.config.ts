// The app's jobs: one report per minute, written with the run's fence.
import { defineConfig, defineJob } from 'cluster-cron';
import { writeReport } from './src/write-report.js';

export default defineConfig({
  jobs: {
    'minute-report': defineJob({
      cron: '* * * * *',
      lease: '2m',
      description: 'Counts the minute into the reports table',
      args: { report: 'minutes' },
      handler: writeReport,
    }),
  },
});

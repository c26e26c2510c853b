/**
 * `npm run screenshot`: takes docs/status-page.png, the README's picture of the status page, of
 * the real page (a local DynamoDB, three real nodes, the real `cluster-cron ui`) after about a
 * minute of the demo's kind of jobs: one that skips slots while it runs, one that buffers them,
 * a short one in another zone, and one paused with a note. Takes about 80 seconds.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.js';
import { startStatusPageScene } from './status-page-scene.js';

const SCHEDULE = `
print:
  cron: "*/2 * * * * *"
  class: PrintWorker
  args: { sleepSeconds: 3 }
  lease: 5s
  catchupWindow: 10s
  description: "The seed's job: every 2 seconds, working 3 seconds; slots during a run are skipped"
drain:
  cron: "*/2 * * * * *"
  class: PrintWorker
  args: { sleepSeconds: 3.4 }
  overlap: bufferOne
  lease: 5s
  description: "A queue drain: one slot waits for the lease and starts the moment the run ends"
report:
  cron: "*/5 * * * * *"
  timezone: America/Chicago
  class: PrintWorker
  args: { sleepSeconds: 1.2 }
  lease: 5s
  description: "A short report every 5 seconds"
cleanup:
  cron: "*/3 * * * * *"
  class: PrintWorker
  args: { sleepSeconds: 1 }
  lease: 5s
  description: "Housekeeping every 3 seconds"
`;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? join(root, 'docs', 'status-page.png');

const scene = await startStatusPageScene(SCHEDULE, 3, 'cluster-cron-demo');
const browser = await launchChromium({ width: 1280, height: 800 });
try {
  console.log(`status page at ${scene.url.replace(/#.*/, '')}; letting the nodes run for a minute...`);
  await sleep(45_000);
  const response = await fetch(new URL('api/jobs/cleanup/pause', scene.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-cluster-cron-token': scene.token },
    body: JSON.stringify({ note: 'disk maintenance, back at 15:00' }),
  });
  if (!response.ok) throw new Error(`pause answered ${response.status}: ${await response.text()}`);
  await sleep(20_000);
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(scene.url);
  await page.locator('article[data-job="cleanup"] .paused-note').waitFor({ state: 'visible', timeout: 30_000 });
  // Two refreshes, so the countdowns and the chart have settled.
  await sleep(4_500);
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await scene.stop();
}

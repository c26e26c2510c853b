/**
 * The status page in a real browser: Debian's Chromium (headless, driven by playwright-core)
 * against a real `cluster-cron ui` and a real node on the local DynamoDB. The page must show the
 * jobs and their runs, and its buttons must reach the table: a paused job stops starting runs,
 * a resumed one starts again, a refused trigger shows the API's message. Only behaviour is
 * asserted, never timings. Screenshots go to test-results/.
 */
import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { storedDefinition } from '../../functions/core/job-definitions.js';
import { getLock, recentSlots, type SlotItem, type StoreContext } from '../../functions/core/store.js';
import { launchChromium } from '../../scripts/chromium.js';
import { type StatusPageScene, startStatusPageScene, waitFor } from '../../scripts/status-page-scene.js';

// `tick` runs every second for a moment; `hold` starts one run that holds its lease for minutes,
// so a trigger of it is refused (409 locked) whatever the timing; `retried` passes its timeout on
// every attempt, so its runs are timed out after two attempts; `broken` fails every run and
// pauses itself after two.
const SCHEDULE = `
tick:
  cron: "* * * * * *"
  class: PrintWorker
  args: { sleepSeconds: 0.2 }
  lease: 5s
  catchupWindow: 3s
  description: "A short run every second"
hold:
  cron: "* * * * * *"
  class: PrintWorker
  args: { sleepSeconds: 600 }
  lease: 5s
  description: "One long run that holds the lease"
  namespace: ops
retried:
  cron: "*/5 * * * * *"
  class: PrintWorker
  args: { sleepSeconds: 2 }
  lease: 5s
  timeout: 300ms
  retry: { attempts: 2, backoff: 100ms }
  description: "Times out, is tried again, times out again"
broken:
  cron: "*/2 * * * * *"
  class: PrintWorker
  args: { sleepSeconds: "never" }
  lease: 5s
  pauseAfterFailures: 2
  description: "Fails every run, and pauses itself after two"
`;

const WAIT_MS = 45_000;

let scene: StatusPageScene;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

const store = (): StoreContext => ({ client: scene.client, tableName: scene.tableName, clock: Date.now });
const card = (job: string) => page.locator(`article[data-job="${job}"]`);
const slotsOf = (job: string): Promise<SlotItem[]> => recentSlots(store(), job, 500);
const runStarts = (job: string) =>
  scene.nodes
    .flatMap((node) => node.lines)
    .filter((line) => line.includes('"message":"run.start"'))
    .map((line) => JSON.parse(line) as { job: string; slot: string })
    .filter((event) => event.job === job);

/** Opens the card's action, checks the confirmation dialog, types the note or picks the overlap if given, confirms. */
async function confirmAction(job: string, button: string, fields: { note?: string; overlap?: string } = {}): Promise<void> {
  await card(job).getByRole('button', { name: button, exact: true }).click();
  const dialog = page.locator('dialog.confirm');
  await dialog.waitFor({ state: 'visible' });
  expect(await dialog.locator('h2').innerText()).toContain(job);
  if (fields.note !== undefined) await dialog.locator('input[type="text"]').fill(fields.note);
  if (fields.overlap !== undefined) await dialog.locator('select').selectOption(fields.overlap);
  await dialog.locator('button[type="submit"]').click();
  await dialog.waitFor({ state: 'detached' });
}

let started: Promise<void> | undefined;
/**
 * Starts the browser, the scene and the page once, from the first test that needs them. Not a
 * beforeAll: vitest would report the tests as skipped if it failed. Here, without Chromium,
 * every test fails with the install command.
 */
function ready(): Promise<void> {
  started ??= (async () => {
    browser = await launchChromium({ width: 1280, height: 800 });
    context = browser.context;
    scene = await startStatusPageScene(SCHEDULE);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(scene.url);
  })();
  return started;
}

afterAll(async () => {
  await browser?.close();
  await scene?.stop();
}, 60_000);

describe('the status page in headless Chromium', () => {
  it('shows every job with its schedule in words, and a timeline with at least three runs', async () => {
    await ready();
    await card('tick').waitFor({ state: 'visible', timeout: WAIT_MS });
    await card('hold').waitFor({ state: 'visible', timeout: WAIT_MS });
    expect(await card('tick').locator('h2').innerText()).toBe('tick');
    expect(await card('tick').innerText()).toContain('Every second');
    // The token left the address bar, and the buttons are live.
    expect(page.url()).not.toContain('token');
    expect(await card('tick').getByRole('button', { name: 'Pause', exact: true }).isEnabled()).toBe(true);
    // The timeline's row of tick (its text summary says what the canvas draws) holds three runs.
    await expect
      .poll(async () => Number(await page.locator('.timeline-summary li[data-job="tick"]').getAttribute('data-bars')), { timeout: WAIT_MS })
      .toBeGreaterThanOrEqual(3);
    expect(await page.locator('.timeline-summary li[data-job="tick"]').textContent()).toMatch(/^tick: \d+ runs/);
    // A retried run's bar is divided at its second attempt, and drawn as timed out.
    const retried = page.locator('.timeline-summary li[data-job="retried"]');
    await expect.poll(async () => Number(await retried.getAttribute('data-retried')), { timeout: WAIT_MS }).toBeGreaterThanOrEqual(1);
    expect(await retried.textContent()).toMatch(/\d+ retried/);
    await card('retried').locator('details.runs summary').click();
    await expect
      .poll(() => card('retried').locator('details.runs tbody').innerText(), { timeout: WAIT_MS })
      .toContain('timed-out after 2 attempts');
    // The run the lease holder is on shows a live countdown.
    await card('hold').locator('[data-testid="lease-countdown"]').waitFor({ state: 'visible', timeout: WAIT_MS });
    expect(await card('hold').locator('[data-testid="lease-countdown"]').innerText()).toMatch(/expires in/);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/status-page.png', fullPage: true });
  }, 90_000);

  it('pauses a job from its card: the page shows it paused and the node stops starting it', async () => {
    await ready();
    await confirmAction('tick', 'Pause', { note: 'paused by the browser test' });
    await expect.poll(() => card('tick').locator('[data-testid="job-state"]').innerText(), { timeout: WAIT_MS }).toBe('Paused');
    expect(await card('tick').locator('.paused-note').innerText()).toContain('paused by the browser test');
    const pausedAtMs = (await getLock(store(), 'tick'))?.pausedAtMs;
    expect(pausedAtMs).toBeTypeOf('number');
    // Two slots after the pause, both recorded as paused...
    const after = await waitFor(
      async () => {
        const items = (await slotsOf('tick')).filter((item) => item.slotMs > pausedAtMs!);
        return items.filter((item) => item.status === 'skipped' && item.reason === 'paused').length >= 2 ? items : undefined;
      },
      WAIT_MS,
      'two slots of tick recorded paused',
    );
    // ...and none started: not in the table, not in the node's log.
    expect(after.filter((item) => item.startedAtMs !== undefined || item.status !== 'skipped')).toEqual([]);
    expect(runStarts('tick').filter((event) => Date.parse(event.slot) > pausedAtMs!)).toEqual([]);
    // The page lists them too.
    await card('tick').locator('details.runs summary').click();
    await expect.poll(() => card('tick').locator('details.runs tbody').innerText(), { timeout: WAIT_MS }).toContain('skipped: paused');
  }, 90_000);

  it('says why a job paused itself: after how many failed slots, the last one and its error', async () => {
    await ready();
    const note = card('broken').locator('[data-testid="self-paused"]');
    await note.waitFor({ state: 'visible', timeout: WAIT_MS });
    const text = await note.innerText();
    expect(text).toMatch(
      /^Paused itself after 2 failed slots in a row; the last was .+, with TypeError: PrintWorker: args\.sleepSeconds must be a number/,
    );
    expect(text).toContain('Fix the cause, then resume it.');
    expect(await card('broken').locator('[data-testid="job-state"]').innerText()).toBe('Paused itself');
    // The table agrees: paused for failures, after the slot the page names.
    const lock = await getLock(store(), 'broken');
    expect(lock).toMatchObject({ pausedReason: 'failures', failureStreak: 2 });
  }, 90_000);

  it("shows a runtime job beside the file's, marked with its version, runs it, and removes it from its card", async () => {
    await ready();
    // Created through the JSON API (as a SaaS back end would), with its own args.
    const origin = scene.url.replace(/#.*/, '').replace(/\/$/, '');
    const put = await fetch(`${origin}/api/jobs/sync-acme`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-Cluster-Cron-Token': scene.token },
      body: JSON.stringify({ cron: '*/2 * * * * *', class: 'PrintWorker', args: { sleepSeconds: 0.1, tenant: 'acme' }, lease: '5s' }),
    });
    expect(put.status).toBe(201);
    await card('sync-acme').waitFor({ state: 'visible', timeout: WAIT_MS });
    expect(await card('sync-acme').locator('[data-testid="job-runtime"]').innerText()).toBe('runtime v1');
    expect(await card('tick').locator('[data-testid="job-runtime"]').count()).toBe(0);
    expect(await card('tick').getByRole('button', { name: 'Remove', exact: true }).count()).toBe(0);
    // The node picks it up and runs it.
    await waitFor(() => (runStarts('sync-acme').length > 0 ? true : undefined), WAIT_MS, "a run.start of sync-acme in the node's log");
    await confirmAction('sync-acme', 'Remove');
    await card('sync-acme').waitFor({ state: 'detached', timeout: WAIT_MS });
    const removedAtMs = Date.now();
    // The table holds no live definition of it (the lock item stays: its fence counter outlives the job).
    expect(storedDefinition(await getLock(store(), 'sync-acme'), 'sync-acme')).toBeUndefined();
    // No run of it starts after its removal was seen (one tick period and a run's length of slack).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(runStarts('sync-acme').filter((event) => Date.parse(event.slot) > removedAtMs + 1_000)).toEqual([]);
  }, 90_000);

  it('shows a one-time job with its time, runs it once, and then shows it done with its run kept', async () => {
    await ready();
    const origin = scene.url.replace(/#.*/, '').replace(/\/$/, '');
    // A reminder a few seconds from now, with a short catch-up window so it is done soon after.
    const atMs = Math.ceil((Date.now() + 4_000) / 1_000) * 1_000;
    const put = await fetch(`${origin}/api/jobs/remind-ann`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-Cluster-Cron-Token': scene.token },
      body: JSON.stringify({ at: new Date(atMs).toISOString(), class: 'PrintWorker', args: { sleepSeconds: 0 }, catchupWindow: '2s' }),
    });
    expect(put.status).toBe(201);
    await card('remind-ann').waitFor({ state: 'visible', timeout: WAIT_MS });
    expect(await card('remind-ann').locator('[data-testid="job-schedule"]').innerText()).toMatch(/^once, at /);
    expect(await card('remind-ann').locator('[data-testid="job-state"]').innerText()).not.toBe('Done');
    await waitFor(
      async () => ((await card('remind-ann').locator('[data-testid="job-state"]').innerText()).includes('Done') ? true : undefined),
      WAIT_MS,
      'the one-time job shown as Done',
    );
    expect(runStarts('remind-ann').map((event) => Date.parse(event.slot))).toEqual([atMs]);
    expect(await card('remind-ann').locator('[data-testid="last-outcome"]').innerText()).toMatch(/succeeded/i);
  }, 90_000);

  it('resumes it: a new run starts and appears on the page', async () => {
    await ready();
    const resumedFromMs = Date.now();
    await confirmAction('tick', 'Resume', { note: 'back' });
    await expect.poll(() => card('tick').locator('[data-testid="job-state"]').innerText(), { timeout: WAIT_MS }).not.toBe('Paused');
    await expect
      .poll(async () => Number(await card('tick').getAttribute('data-last-started-ms')), { timeout: WAIT_MS })
      .toBeGreaterThan(resumedFromMs);
    await waitFor(
      () => (runStarts('tick').some((event) => Date.parse(event.slot) > resumedFromMs - 1_000) ? true : undefined),
      WAIT_MS,
      "a run.start of tick in the node's log after the resume",
    );
  }, 90_000);

  it('triggers a run now, alongside a running one when asked, and says it started', async () => {
    await ready();
    const before = (await slotsOf('tick')).filter((item) => item.trigger === 'manual').length;
    // "allow" runs it even if a scheduled run of tick holds the lease at this moment.
    await confirmAction('tick', 'Trigger now', { overlap: 'allow' });
    await expect.poll(() => card('tick').locator('[data-testid="action-message"]').innerText(), { timeout: WAIT_MS }).toMatch(/^started/);
    await waitFor(
      async () => ((await slotsOf('tick')).filter((item) => item.trigger === 'manual').length > before ? true : undefined),
      WAIT_MS,
      'a manual run of tick in the table',
    );
  }, 90_000);

  it("shows the API's message when a trigger is refused because a run holds the lease", async () => {
    await ready();
    await card('hold').locator('[data-testid="lease-countdown"]').waitFor({ state: 'visible', timeout: WAIT_MS });
    await confirmAction('hold', 'Trigger now');
    const message = card('hold').locator('[data-testid="action-message"]');
    await expect.poll(() => message.innerText(), { timeout: WAIT_MS }).toMatch(/^Refused: .*holds its lease/);
    expect(await message.getAttribute('class')).toContain('bad');
  }, 90_000);

  it('keeps the buttons off without the token, and says where to get it', async () => {
    await ready();
    // A new tab has its own sessionStorage: opened without #token=..., it has no token.
    const bare = await context.newPage();
    try {
      await bare.goto(scene.url.replace(/#.*/, ''));
      const hold = bare.locator('article[data-job="hold"]');
      await hold.waitFor({ state: 'visible', timeout: WAIT_MS });
      expect(await hold.getByRole('button', { name: 'Trigger now', exact: true }).isDisabled()).toBe(true);
      expect(await hold.getByRole('button', { name: 'Pause', exact: true }).isDisabled()).toBe(true);
      expect(await bare.locator('.banner').innerText()).toContain('#token=');
    } finally {
      await bare.close();
    }
  }, 90_000);

  it("shows a job's namespace on its card, and filters the cards and the timeline by namespace", async () => {
    await ready();
    await card('hold').waitFor({ state: 'visible', timeout: WAIT_MS });
    expect(await card('hold').locator('[data-testid="job-namespace"]').innerText()).toBe('namespace: ops');
    expect(await card('tick').locator('[data-testid="job-namespace"]').count()).toBe(0);
    const filter = page.getByRole('group', { name: 'Namespace' });
    await filter.getByRole('button', { name: 'ops', exact: true }).click();
    await card('tick').waitFor({ state: 'detached', timeout: WAIT_MS });
    expect(await card('hold').isVisible()).toBe(true);
    expect(await page.locator('.timeline-summary li[data-job="tick"]').count()).toBe(0);
    await filter.getByRole('button', { name: 'default', exact: true }).click();
    await card('hold').waitFor({ state: 'detached', timeout: WAIT_MS });
    await filter.getByRole('button', { name: 'all namespaces', exact: true }).click();
    await card('tick').waitFor({ state: 'visible', timeout: WAIT_MS });
    expect(await card('hold').isVisible()).toBe(true);
  }, 90_000);

  it('filters the jobs by a prefix, pages through them, and shows the counts over every job at the top', async () => {
    await ready();
    const origin = scene.url.replace(/#.*/, '').replace(/\/$/, '');
    // 60 runtime jobs that run once a year (the node never starts one here), named after every file job.
    const names = Array.from({ length: 60 }, (_, index) => `x-tenant-${String(index).padStart(3, '0')}`);
    for (let from = 0; from < names.length; from += 10) {
      const puts = names.slice(from, from + 10).map((name) =>
        fetch(`${origin}/api/jobs/${name}`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json', 'X-Cluster-Cron-Token': scene.token },
          body: JSON.stringify({ cron: '0 0 1 1 *', class: 'PrintWorker' }),
        }),
      );
      expect((await Promise.all(puts)).map((put) => put.status)).toEqual(Array(puts.length).fill(201));
    }
    const filter = page.getByRole('searchbox', { name: 'Filter by name' });
    const shown = page.locator('[data-testid="jobs-shown"]');
    const cards = page.locator('article[data-job]');
    const cardNames = async () => cards.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-job')));
    await filter.fill('x-tenant-01');
    await expect.poll(() => shown.innerText(), { timeout: WAIT_MS }).toMatch(/^All 10 jobs whose name starts with "x-tenant-01"/);
    expect(await cardNames()).toEqual(names.slice(10, 20));
    expect(await page.locator('.timeline-summary li[data-job]').count()).toBe(10);
    // Pages of 25 in name order: Next and Previous, Next off on the last page.
    await filter.fill('x-tenant-');
    await expect.poll(() => shown.innerText(), { timeout: WAIT_MS }).toMatch(/^Jobs 1–25 of 60 whose name starts with "x-tenant-"/);
    expect(await cardNames()).toEqual(names.slice(0, 25));
    const next = page.getByRole('button', { name: 'Next →' });
    const previous = page.getByRole('button', { name: '← Previous' });
    expect(await previous.isDisabled()).toBe(true);
    await next.click();
    await expect.poll(() => shown.innerText(), { timeout: WAIT_MS }).toMatch(/^Jobs 26–50 of 60/);
    expect(await cardNames()).toEqual(names.slice(25, 50));
    await next.click();
    await expect.poll(() => shown.innerText(), { timeout: WAIT_MS }).toMatch(/^Jobs 51–60 of 60/);
    expect(await cardNames()).toEqual(names.slice(50));
    expect(await next.isDisabled()).toBe(true);
    await previous.click();
    await expect.poll(() => shown.innerText(), { timeout: WAIT_MS }).toMatch(/^Jobs 26–50 of 60/);
    // The counts at the top are over every job, whatever the filter: the API's (counted at most every 30 s).
    const badge = async (name: string) =>
      Number((await page.locator(`[data-testid="count-${name}"] strong`).innerText()).replace(/,/g, ''));
    await expect.poll(() => badge('total'), { timeout: WAIT_MS }).toBeGreaterThanOrEqual(4 + names.length);
    const counts = async () => ((await (await fetch(`${origin}/api/jobs?limit=1`)).json()) as { counts: Record<string, number> }).counts;
    const same = async () => {
      const api = await counts();
      return [api.total, api.overdue, api.failing].join() === [await badge('total'), await badge('overdue'), await badge('failing')].join();
    };
    await expect.poll(same, { timeout: WAIT_MS }).toBe(true);
    // `broken` failed and paused itself: failing however the timing went.
    expect(await badge('failing')).toBeGreaterThanOrEqual(1);
    await filter.fill('');
    await card('tick').waitFor({ state: 'visible', timeout: WAIT_MS });
    await card('hold').waitFor({ state: 'visible', timeout: WAIT_MS });
  }, 90_000);

  it('fits a 390 px wide phone screen: no sideways scrolling, cards inside the screen', async () => {
    await ready();
    await page.setViewportSize({ width: 390, height: 844 });
    // Evaluated in the page (strings, as this file is compiled without the DOM's types).
    await expect.poll(() => page.evaluate<number>('document.documentElement.clientWidth')).toBe(390);
    // The chart follows its box on the next frame; then nothing is wider than the screen.
    const widest = () => page.evaluate<number>('Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)');
    await expect.poll(widest, { timeout: WAIT_MS }).toBeLessThanOrEqual(390);
    for (const job of ['tick', 'hold']) {
      const box = await card(job).boundingBox();
      expect(box).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
      const fontPx = await page.evaluate<number>(
        `parseFloat(getComputedStyle(document.querySelector('article[data-job="${job}"] .facts dd')).fontSize)`,
      );
      expect(fontPx).toBeGreaterThanOrEqual(13);
      const button = await card(job).getByRole('button', { name: 'Trigger now', exact: true }).boundingBox();
      expect(button!.x + button!.width).toBeLessThanOrEqual(390);
    }
    await page.screenshot({ path: 'test-results/status-page-phone.png', fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 90_000);
});

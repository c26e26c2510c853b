/**
 * Debian's Chromium for the browser test and the README screenshot, driven by playwright-core
 * (which never downloads a browser of its own). The flags keep it off the network: this machine
 * reaches only the package registries, and Chromium would otherwise call Google at every start.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** The exact commands that install it, as the error messages print them. */
const CHROMIUM_INSTALL_COMMAND = 'sudo apt-get update && sudo apt-get install -y chromium';

/** Headless, no sandbox (we run as root in CI), no GPU, and no background calls home. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `CHROMIUM_PATH` when set, else Debian's path when it exists; undefined when there is none. */
export function chromiumPath(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined;
}

/** Why the browser cannot start, with the command that fixes it. */
export function missingChromiumMessage(): string {
  const where = process.env.CHROMIUM_PATH
    ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`
    : `${DEBIAN_CHROMIUM} does not exist`;
  return `Chromium is needed for the status page's browser test and screenshot, and ${where}. Install Debian's package: ${CHROMIUM_INSTALL_COMMAND} (or set CHROMIUM_PATH to a Chromium binary).`;
}

/** A headless Chromium with a fresh, empty profile; `close()` also deletes the profile. */
export async function launchChromium(viewport: {
  width: number;
  height: number;
}): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(missingChromiumMessage());
  const userDataDir = mkdtempSync(join(tmpdir(), 'cluster-cron-chromium-'));
  // playwright-core passes userDataDir as --user-data-dir; launch() refuses that flag in args.
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args: CHROMIUM_ARGS, viewport });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `npm test`'s pretest check: the browser test needs Debian's Chromium. When it is missing and
 * apt-get is usable (we are root), it installs it the way `.ci/run` does; otherwise it stops with
 * the command to run, so the README's test command works on a fresh machine or says why not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromiumPath, missingChromiumMessage } from './chromium.js';

function run(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

if (!chromiumPath()) {
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get') && !process.env.CHROMIUM_PATH;
  if (!canInstall) {
    console.error(missingChromiumMessage());
    process.exit(1);
  }
  console.error(
    "Chromium is missing: installing Debian's chromium package (apt-get update, apt-get install -y chromium) for the browser test.",
  );
  if (!run('apt-get', ['update']) || !run('apt-get', ['install', '-y', 'chromium']) || !chromiumPath()) {
    console.error(`Installing Chromium failed. ${missingChromiumMessage()}`);
    process.exit(1);
  }
}

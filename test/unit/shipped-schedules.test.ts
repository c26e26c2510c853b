/**
 * The README's demo commands (`cluster-cron demo --schedule config/demo-buffer.yml`,
 * `cluster-cron start -s config/demo-fast.yml`) in a user's own folder, where config/ is not:
 * the package ships those files, so a --schedule naming one reads the package's copy. A file of
 * that name in the working directory still wins, and any other missing file is still an error.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/config.js';
import { PACKAGE_ROOT } from '../../functions/package-root.js';

const emptyFolder = (): string => mkdtempSync(join(tmpdir(), 'shipped-schedules-'));

describe('a --schedule the package ships, from a folder without it', () => {
  it.each(['config/demo-fast.yml', 'config/demo-buffer.yml', 'config/schedule.yml'])('%s is read from the package', async (schedule) => {
    const loaded = await loadConfig({ schedule, cwd: emptyFolder(), env: {} });
    expect(loaded.source).toBe(join(PACKAGE_ROOT, schedule));
    expect(loaded.jobs.length).toBeGreaterThan(0);
    expect(loaded.jobs.every((job) => job.handler === 'PrintWorker')).toBe(true);
  });

  it('a file of that name in the working directory wins', async () => {
    const cwd = emptyFolder();
    mkdirSync(join(cwd, 'config'));
    writeFileSync(join(cwd, 'config', 'demo-fast.yml'), 'mine:\n  cron: "0 9 * * *"\n  class: PrintWorker\n');
    const loaded = await loadConfig({ schedule: 'config/demo-fast.yml', cwd, env: {} });
    expect(loaded.jobs.map((job) => job.name)).toEqual(['mine']);
  });

  it('another missing file is still refused, by its name', async () => {
    await expect(loadConfig({ schedule: 'config/mine.yml', cwd: emptyFolder(), env: {} })).rejects.toThrow(
      /config\/mine\.yml: cannot read the schedule file \(ENOENT\)/,
    );
  });
});

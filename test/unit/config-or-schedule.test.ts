/**
 * A schedule file given as --config, or a config file given as --schedule: the user is told
 * which flag the file needs, not "Unknown file extension" or a YAML error about TypeScript.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/config.js';

const FIXTURES = 'test/fixtures/config';

describe('a file given to the other flag', () => {
  it.each(['schedule.yml', 'jobs.yaml', 'jobs.json'])('--config %s says it is a schedule file, for --schedule', async (name) => {
    await expect(loadConfig({ config: `${FIXTURES}/${name}`, env: {} })).rejects.toThrow(
      `${FIXTURES}/${name}: a YAML or JSON file is a schedule file: give it with --schedule (or as the config's "schedule"), not as a config file`,
    );
  });

  it.each(['cluster-cron.config.ts', 'app.config.mjs'])('--schedule %s says it is a config file, for --config', async (name) => {
    await expect(loadConfig({ schedule: `${FIXTURES}/${name}`, env: {} })).rejects.toThrow(
      `${FIXTURES}/${name}: a TypeScript or JavaScript file is a config file: give it with --config, not as a schedule file`,
    );
  });
});

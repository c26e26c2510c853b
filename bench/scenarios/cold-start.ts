/**
 * Scenario 4: the bundled tick handler's size and the time a fresh Node process takes to load
 * it (median of several), next to a minimal handler that only imports the DynamoDB client.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median, round2, runJsonChild, type ScenarioResult } from '../bench-env.js';
import { type BundleInfo, bundleForLambda } from '../bundle.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const loader = fileURLToPath(new URL('../load-module.mjs', import.meta.url));

/** One bundle's load measurements. */
export interface ColdStartRow {
  module: string;
  bundle: BundleInfo;
  /** `await import()` of the bundle in a fresh process. */
  importMs: number[];
  importMedianMs: number;
  /** Spawn to exit of the whole process (Node start + import). */
  processMs: number[];
  processMedianMs: number;
  maxRssKb: number;
}

/** What scenario 4 measured. */
export interface ColdStart {
  rows: ColdStartRow[];
  /** Tick median import time / minimal median import time. */
  importRatio: number;
  processRatio: number;
  sizeRatio: number;
}

// The handler reads these at load; the endpoint is never contacted (the module is only loaded).
const childEnv = {
  ...process.env,
  CLUSTER_CRON_TABLE: 'bench-cold-start',
  CLUSTER_CRON_SCHEDULE: 'print:\n  cron: "* * * * *"\n  class: PrintWorker\n',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NODE_OPTIONS: '',
};

function loadOnce(file: string): Promise<{ importMs: number; processMs: number; handler: string; maxRssKb: number }> {
  return runJsonChild<{ importMs: number; handler: string; maxRssKb: number }>(`loading ${file}`, [loader, file], childEnv);
}

/** Runs scenario 4 with `loads` fresh processes per bundle, alternating the two bundles. */
export async function coldStart(options: { loads: number; outDir: string }): Promise<ScenarioResult<ColdStart>> {
  const failures: string[] = [];
  mkdirSync(options.outDir, { recursive: true });
  const modules = [
    { module: 'tick handler (functions/tick.ts)', entry: `${root}functions/tick.ts`, outfile: `${options.outDir}/tick/index.mjs` },
    {
      module: 'minimal handler (DynamoDB client only)',
      entry: `${root}bench/fixtures/minimal-handler.ts`,
      outfile: `${options.outDir}/minimal/index.mjs`,
    },
  ];
  const bundles: BundleInfo[] = [];
  for (const m of modules) bundles.push(await bundleForLambda(m.entry, m.outfile));
  const samples = modules.map(() => ({ importMs: [] as number[], processMs: [] as number[], maxRssKb: 0 }));
  for (let i = 0; i < options.loads; i++) {
    for (const [index, m] of modules.entries()) {
      try {
        const result = await loadOnce(m.outfile);
        if (result.handler !== 'function') failures.push(`${m.module}: the bundle exports no handler function`);
        samples[index]!.importMs.push(result.importMs);
        samples[index]!.processMs.push(result.processMs);
        samples[index]!.maxRssKb = Math.max(samples[index]!.maxRssKb, result.maxRssKb);
      } catch (error) {
        failures.push(`${m.module}: ${(error as Error).message}`);
      }
    }
  }
  if (failures.length > 0)
    return { name: 'cold start', data: { rows: [], importRatio: Number.NaN, processRatio: Number.NaN, sizeRatio: Number.NaN }, failures };
  const rows = modules.map(
    (m, index): ColdStartRow => ({
      module: m.module,
      bundle: { ...bundles[index]!, outfile: bundles[index]!.outfile.replace(root, '') },
      importMs: samples[index]!.importMs.map(round2),
      importMedianMs: round2(median(samples[index]!.importMs)),
      processMs: samples[index]!.processMs.map(round2),
      processMedianMs: round2(median(samples[index]!.processMs)),
      maxRssKb: samples[index]!.maxRssKb,
    }),
  );
  const [tickRow, minimalRow] = rows as [ColdStartRow, ColdStartRow];
  return {
    name: 'cold start',
    data: {
      rows,
      importRatio: round2(tickRow.importMedianMs / minimalRow.importMedianMs),
      processRatio: round2(tickRow.processMedianMs / minimalRow.processMedianMs),
      sizeRatio: round2(tickRow.bundle.bytes / minimalRow.bundle.bytes),
    },
    failures,
  };
}

/**
 * Scenario 4: the bundled tick handler's size and the time a fresh Node process takes to load
 * it (median of several), next to two references bundled the same way: a handler that only
 * imports the DynamoDB client, and the floor, one that imports only the packages the tick cannot
 * do without. The tick measured is the one the construct deploys for a user's config
 * (examples/cdk-app); the handler configured from the environment (functions/tick.ts) is a row too.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseScheduleObject } from '../../functions/core/schedule.js';
import { writeTickEntry } from '../../infra/tick-entry.js';
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
  /** CPU time (user + system) of the same imports. */
  importCpuMs: number[];
  importCpuMedianMs: number;
  /** Spawn to exit of the whole process (Node start + import). */
  processMs: number[];
  processMedianMs: number;
  maxRssKb: number;
}

/** What scenario 4 measured. */
export interface ColdStart {
  /** The deployed tick, the DynamoDB-only handler, the floor handler, the tick configured from the environment. */
  rows: ColdStartRow[];
  /** Tick median import time / DynamoDB-only median import time. */
  importRatio: number;
  processRatio: number;
  sizeRatio: number;
  /** The same against the floor handler (the goal: at most 1.15). */
  floorImportRatio: number;
  floorImportCpuRatio: number;
  floorProcessRatio: number;
  floorSizeRatio: number;
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

type LoadResult = { importMs: number; importCpuMs: number; processMs: number; handler: string; maxRssKb: number };

function loadOnce(file: string): Promise<LoadResult> {
  return runJsonChild<Omit<LoadResult, 'processMs'>>(`loading ${file}`, [loader, file], childEnv);
}

/**
 * The entry the construct generates for examples/cdk-app's config, its job validated as at synth
 * (the same job as its cluster-cron.config.ts); its `cluster-cron` import is this checkout.
 */
function userConfigEntry(outDir: string): string {
  const jobs = parseScheduleObject(
    { 'minute-report': { cron: '* * * * *', lease: '2m', class: 'minute-report', args: { report: 'minutes' } } },
    { handlers: ['minute-report'], source: 'cluster-cron.config.ts' },
  );
  return writeTickEntry({ jobs, source: 'cluster-cron.config.ts', configModule: `${root}examples/cdk-app/cluster-cron.config.ts` }, outDir);
}

/** Runs scenario 4 with `loads` fresh processes per bundle, alternating the bundles. */
export async function coldStart(options: { loads: number; outDir: string }): Promise<ScenarioResult<ColdStart>> {
  const failures: string[] = [];
  mkdirSync(options.outDir, { recursive: true });
  const modules = [
    {
      module: "tick handler of a user's config (examples/cdk-app, as deployed)",
      entry: userConfigEntry(`${options.outDir}/entries`),
      outfile: `${options.outDir}/user-tick/index.mjs`,
      // Its one job never hands off: the construct builds no Lambda client's file for it.
      lazyClient: false,
    },
    { module: 'DynamoDB-only handler', entry: `${root}bench/fixtures/minimal-handler.ts`, outfile: `${options.outDir}/minimal/index.mjs` },
    {
      module: 'floor handler (DynamoDB, lib-dynamodb, cron-parser, luxon, Powertools)',
      entry: `${root}bench/fixtures/floor-handler.ts`,
      outfile: `${options.outDir}/floor/index.mjs`,
    },
    {
      module: 'tick handler from the environment (functions/tick.ts)',
      entry: `${root}functions/tick.ts`,
      outfile: `${options.outDir}/tick/index.mjs`,
      lazyClient: true,
    },
  ];
  const bundles: BundleInfo[] = [];
  for (const m of modules) {
    bundles.push(
      await bundleForLambda(m.entry, m.outfile, {
        lazyClient: m.lazyClient ?? false,
        alias: { 'cluster-cron': `${root}functions/index.ts` },
      }),
    );
  }
  const samples = modules.map(() => ({ importMs: [] as number[], importCpuMs: [] as number[], processMs: [] as number[], maxRssKb: 0 }));
  for (let i = 0; i < options.loads; i++) {
    for (const [index, m] of modules.entries()) {
      try {
        const result = await loadOnce(m.outfile);
        if (result.handler !== 'function') failures.push(`${m.module}: the bundle exports no handler function`);
        const sample = samples[index]!;
        sample.importMs.push(result.importMs);
        sample.importCpuMs.push(result.importCpuMs);
        sample.processMs.push(result.processMs);
        sample.maxRssKb = Math.max(sample.maxRssKb, result.maxRssKb);
      } catch (error) {
        failures.push(`${m.module}: ${(error as Error).message}`);
      }
    }
  }
  const none = Number.NaN;
  if (failures.length > 0) {
    const data = { rows: [], importRatio: none, processRatio: none, sizeRatio: none };
    return {
      name: 'cold start',
      data: { ...data, floorImportRatio: none, floorImportCpuRatio: none, floorProcessRatio: none, floorSizeRatio: none },
      failures,
    };
  }
  const rows = modules.map(
    (m, index): ColdStartRow => ({
      module: m.module,
      bundle: { ...bundles[index]!, outfile: bundles[index]!.outfile.replace(root, '') },
      importMs: samples[index]!.importMs.map(round2),
      importMedianMs: round2(median(samples[index]!.importMs)),
      importCpuMs: samples[index]!.importCpuMs.map(round2),
      importCpuMedianMs: round2(median(samples[index]!.importCpuMs)),
      processMs: samples[index]!.processMs.map(round2),
      processMedianMs: round2(median(samples[index]!.processMs)),
      maxRssKb: samples[index]!.maxRssKb,
    }),
  );
  const [tickRow, minimalRow, floorRow] = rows as [ColdStartRow, ColdStartRow, ColdStartRow];
  return {
    name: 'cold start',
    data: {
      rows,
      importRatio: round2(tickRow.importMedianMs / minimalRow.importMedianMs),
      processRatio: round2(tickRow.processMedianMs / minimalRow.processMedianMs),
      sizeRatio: round2(tickRow.bundle.bytes / minimalRow.bundle.bytes),
      floorImportRatio: round2(tickRow.importMedianMs / floorRow.importMedianMs),
      floorImportCpuRatio: round2(tickRow.importCpuMedianMs / floorRow.importCpuMedianMs),
      floorProcessRatio: round2(tickRow.processMedianMs / floorRow.processMedianMs),
      floorSizeRatio: round2(tickRow.bundle.bytes / floorRow.bundle.bytes),
    },
    failures,
  };
}

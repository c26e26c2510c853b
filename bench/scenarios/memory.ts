/**
 * Scenario 5: peak RSS of a node ticking N jobs (a separate process, bundled like the Lambda,
 * against this process's server), next to the same process ticking one job.
 */
import { fileURLToPath } from 'node:url';
import { type BenchEnv, round2, runJsonChild, type ScenarioResult } from '../bench-env.js';
import { bundleForLambda } from '../bundle.js';

/** What scenario 5 measured. */
export interface MemoryResult {
  jobs: number;
  ticks: number;
  outcomes: Record<string, number>;
  peakRssMb: number;
  /** Peak RSS of the same process ticking one job. */
  baselineRssMb: number;
  /** Peak RSS above the one-job process's. */
  tickRssMb: number;
  peakHeapUsedMb: number;
}

const entry = fileURLToPath(new URL('../memory-child.ts', import.meta.url));

function runChild(file: string, args: object): Promise<{ maxRssKb: number; peakHeapUsedBytes: number; outcomes: Record<string, number> }> {
  return runJsonChild('memory child', [file, JSON.stringify(args)], {
    ...process.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_OPTIONS: '',
  });
}

/** Runs scenario 5: `ticks` ticks of `jobs` jobs (the last a duplicate of the one before). */
export async function memory(
  env: BenchEnv,
  options: { jobs: number; ticks: number; outDir: string },
): Promise<ScenarioResult<MemoryResult>> {
  const failures: string[] = [];
  const { outfile } = await bundleForLambda(entry, `${options.outDir}/memory/index.mjs`);
  const toMb = (kb: number): number => round2(kb / 1024);
  try {
    // The baseline ticks one job as often: the SDK and core code paths are loaded in both.
    const baseline = await runChild(outfile, { endpoint: env.endpoint, tableName: await env.newTable(), jobs: 1, ticks: options.ticks });
    const loaded = await runChild(outfile, {
      endpoint: env.endpoint,
      tableName: await env.newTable(),
      jobs: options.jobs,
      ticks: options.ticks,
    });
    const expectedRuns = options.jobs * (options.ticks > 1 ? options.ticks - 1 : 1);
    const expectedDuplicates = options.ticks > 1 ? options.jobs : 0;
    if ((loaded.outcomes.ran ?? 0) !== expectedRuns || (loaded.outcomes.duplicate ?? 0) !== expectedDuplicates) {
      failures.push(
        `memory: outcomes ${JSON.stringify(loaded.outcomes)}, expected ${expectedRuns} ran and ${expectedDuplicates} duplicate`,
      );
    }
    return {
      name: 'memory',
      data: {
        jobs: options.jobs,
        ticks: options.ticks,
        outcomes: loaded.outcomes,
        peakRssMb: toMb(loaded.maxRssKb),
        baselineRssMb: toMb(baseline.maxRssKb),
        tickRssMb: toMb(loaded.maxRssKb - baseline.maxRssKb),
        peakHeapUsedMb: round2(loaded.peakHeapUsedBytes / 1024 / 1024),
      },
      failures,
    };
  } catch (error) {
    failures.push(`memory: ${(error as Error).message}`);
    return {
      name: 'memory',
      data: { jobs: options.jobs, ticks: options.ticks, outcomes: {}, peakRssMb: 0, baselineRssMb: 0, tickRssMb: 0, peakHeapUsedMb: 0 },
      failures,
    };
  }
}

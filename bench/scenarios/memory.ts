/**
 * Scenario 5: peak RSS of a node ticking N jobs (a separate process, bundled like the Lambda,
 * against this process's server, with the tick function's heap flags: infra/tick-heap.ts), next
 * to the same process ticking one job, and to N jobs under V8's default heap for this machine.
 */
import { fileURLToPath } from 'node:url';
import { tickHeapOptions } from '../../infra/tick-heap.js';
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
  /** The NODE_OPTIONS the measured processes ran with: the tick function's at its default 256 MB. */
  nodeOptions: string;
  /** The N-job process again without them: V8 sizes its heap from this machine's memory. */
  defaultHeapPeakRssMb: number;
  defaultHeapPeakHeapUsedMb: number;
}

/** The tick function's default memory size (infra/cluster-cron.ts), whose heap flags the child gets. */
const LAMBDA_MEMORY_MB = 256;

const entry = fileURLToPath(new URL('../memory-child.ts', import.meta.url));

function runChild(
  file: string,
  args: object,
  nodeOptions: string,
): Promise<{ maxRssKb: number; peakHeapUsedBytes: number; outcomes: Record<string, number> }> {
  return runJsonChild('memory child', [file, JSON.stringify(args)], {
    ...process.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_OPTIONS: nodeOptions,
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
    const nodeOptions = tickHeapOptions(LAMBDA_MEMORY_MB);
    const baseline = await runChild(
      outfile,
      { endpoint: env.endpoint, tableName: await env.newTable(), jobs: 1, ticks: options.ticks },
      nodeOptions,
    );
    const loadedArgs = async (): Promise<object> => ({
      endpoint: env.endpoint,
      tableName: await env.newTable(),
      jobs: options.jobs,
      ticks: options.ticks,
    });
    const loaded = await runChild(outfile, await loadedArgs(), nodeOptions);
    const defaultHeap = await runChild(outfile, await loadedArgs(), '');
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
        nodeOptions,
        defaultHeapPeakRssMb: toMb(defaultHeap.maxRssKb),
        defaultHeapPeakHeapUsedMb: round2(defaultHeap.peakHeapUsedBytes / 1024 / 1024),
      },
      failures,
    };
  } catch (error) {
    failures.push(`memory: ${(error as Error).message}`);
    return {
      name: 'memory',
      data: {
        jobs: options.jobs,
        ticks: options.ticks,
        outcomes: {},
        peakRssMb: 0,
        baselineRssMb: 0,
        tickRssMb: 0,
        peakHeapUsedMb: 0,
        nodeOptions: '',
        defaultHeapPeakRssMb: 0,
        defaultHeapPeakHeapUsedMb: 0,
      },
      failures,
    };
  }
}

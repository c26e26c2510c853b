/**
 * `npm run bench`: the seven scenarios against the local server in one process run, printed as
 * tables and written as JSON (and Markdown for the README). `--quick` runs each one small, for
 * CI: it asserts nothing about speed and exits 1 when a scenario breaks.
 */
import './quiet-sdk.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { type ScenarioResult, startBenchEnv } from './bench-env.js';
import { machineInfo } from './machine.js';
import { PRICES } from './prices.js';
import { type BenchReport, costTable, printReport, toMarkdown } from './report.js';
import { coldStart } from './scenarios/cold-start.js';
import { contention } from './scenarios/contention.js';
import { dutyCycle } from './scenarios/duty-cycle.js';
import { memory } from './scenarios/memory.js';
import { requestsPerRun } from './scenarios/requests-per-run.js';
import { tenThousand } from './scenarios/ten-thousand.js';
import { tickVsFloor } from './scenarios/tick-vs-floor.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
/** The scenarios' short names, for --only. */
const SCENARIOS = ['requests', 'floor', 'contention', 'cold-start', 'memory', 'duty-cycle', 'ten-thousand'] as const;

const program = new Command('bench')
  .description('cluster-cron benchmarks: requests and cost per run, tick vs floor, contention, cold start, memory')
  .option('--quick', 'every scenario small (CI): proves the scripts run, asserts nothing about speed')
  .option('--out <file>', 'JSON result file (default bench/results/latest.json, or quick.json with --quick)')
  .option('--only <scenarios>', `run only these scenarios, comma-separated (${SCENARIOS.join(', ')}); the others stay out of the JSON`)
  .option('--render <json>', 'print and write the Markdown of an earlier result file instead of measuring')
  .option('--lambda-memory-mb <mb>', 'Lambda memory size for the cost estimate (auto: from the measured peak RSS)', 'auto')
  .parse();
const options = program.opts<{ quick?: boolean; out?: string; only?: string; render?: string; lambdaMemoryMb: string }>();
const only = options.only?.split(',').map((name) => name.trim());
const unknown = only?.filter((name) => !(SCENARIOS as readonly string[]).includes(name)) ?? [];
if (unknown.length > 0) program.error(`option --only names no scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
if (options.render) {
  const earlier = JSON.parse(readFileSync(options.render, 'utf8')) as BenchReport;
  printReport(earlier);
  writeFileSync(`${options.render.replace(/\.json$/, '')}.md`, toMarkdown(earlier));
  process.exit(0);
}
const quick = options.quick === true;
const outFile = options.out ?? `${benchDir}/results/${quick ? 'quick' : 'latest'}.json`;
const lambdaMemoryMb = options.lambdaMemoryMb === 'auto' ? 'auto' : Number(options.lambdaMemoryMb);
if (lambdaMemoryMb !== 'auto' && (!Number.isInteger(lambdaMemoryMb) || lambdaMemoryMb < 128 || lambdaMemoryMb > 10_240)) {
  program.error(`option --lambda-memory-mb has value "${options.lambdaMemoryMb}"; give auto or a whole number of MB from 128 to 10240`);
}

const sizes = quick
  ? {
      idleJobs: 20,
      jobCounts: [1, 10],
      repeats: 1,
      instanceCounts: [1, 5],
      contentionJobs: 2,
      contentionRepeats: 1,
      loads: 2,
      memoryJobs: 50,
      memoryTicks: 2,
      scaleDefined: 1_000,
      scaleDueCounts: [10],
      scaleRepeats: 3,
      lagJobCounts: [50],
      lagWorkerCounts: [1, 2],
    }
  : {
      idleJobs: 1_000,
      jobCounts: [1, 10, 100, 1_000],
      repeats: 5,
      instanceCounts: [1, 10, 50],
      contentionJobs: 10,
      contentionRepeats: 3,
      loads: 11,
      memoryJobs: 1_000,
      memoryTicks: 3,
      scaleDefined: 10_000,
      scaleDueCounts: [10, 100, 1_000],
      scaleRepeats: 5,
      lagJobCounts: [1_000, 2_000, 4_000],
      lagWorkerCounts: [1, 4],
    };
const outDir = `${benchDir}/.out`;

const startedAt = new Date().toISOString();
const wallStart = performance.now();
const env = await startBenchEnv();
const results: ScenarioResult[] = [];
const step = async <T>(
  label: string,
  scenario: (typeof SCENARIOS)[number],
  run: () => Promise<ScenarioResult<T>>,
): Promise<ScenarioResult<T>> => {
  if (only && !only.includes(scenario)) return { name: label, data: undefined as T, failures: [] };
  process.stderr.write(`bench: ${label}...`);
  const started = performance.now();
  let result: ScenarioResult<T>;
  try {
    result = await run();
  } catch (error) {
    result = { name: label, data: undefined as T, failures: [`${label} threw: ${(error as Error).stack ?? error}`] };
  }
  process.stderr.write(
    ` ${((performance.now() - started) / 1000).toFixed(1)} s${result.failures.length ? ` (${result.failures.length} failure(s))` : ''}\n`,
  );
  results.push(result);
  return result;
};

const requests = await step('requests per run', 'requests', () => requestsPerRun(env, { idleJobs: sizes.idleJobs }));
const floor = await step('tick vs floor', 'floor', () => tickVsFloor(env, { jobCounts: sizes.jobCounts, repeats: sizes.repeats }));
const contended = await step('contention', 'contention', () =>
  contention(env, { instanceCounts: sizes.instanceCounts, jobs: sizes.contentionJobs, repeats: sizes.contentionRepeats }),
);
const cold = await step('cold start', 'cold-start', () => coldStart({ loads: sizes.loads, outDir }));
const mem = await step('memory', 'memory', () => memory(env, { jobs: sizes.memoryJobs, ticks: sizes.memoryTicks, outDir }));
const duty = await step('duty cycle', 'duty-cycle', () => dutyCycle({ seconds: quick ? 7 : 30, nodes: 3, outDir }));
const scale = await step('ten thousand runtime jobs', 'ten-thousand', () =>
  tenThousand(env, {
    defined: sizes.scaleDefined,
    dueCounts: sizes.scaleDueCounts,
    repeats: sizes.scaleRepeats,
    lagJobCounts: sizes.lagJobCounts,
    lagWorkerCounts: sizes.lagWorkerCounts,
    lambdaMemoryMb,
  }),
);
await env.close();

const report: BenchReport = {
  mode: quick ? 'quick' : 'full',
  startedAt,
  durationSec: Math.round((performance.now() - wallStart) / 100) / 10,
  machine: machineInfo(),
  server: env.server,
  prices: PRICES,
  lambdaMemoryMb,
  requestsPerRun: requests.data,
  tickVsFloor: floor.data,
  contention: contended.data,
  coldStart: cold.data,
  memory: mem.data,
  dutyCycle: duty.data,
  tenThousand: scale.data,
  costs: [],
  failures: results.flatMap((r) => r.failures),
};
if (report.requestsPerRun && report.tickVsFloor && report.memory) {
  try {
    report.costs = costTable(report);
  } catch (error) {
    report.failures.push(`cost table: ${(error as Error).message}`);
  }
}

printReport(report);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
const markdownFile = `${outFile.replace(/\.json$/, '')}.md`;
writeFileSync(markdownFile, toMarkdown(report));
process.stdout.write(`\nwrote ${relative(process.cwd(), outFile)} and ${relative(process.cwd(), markdownFile)}\n`);
if (report.failures.length > 0) {
  process.stderr.write(`\nbench: ${report.failures.length} failure(s):\n${report.failures.map((f) => `  - ${f}`).join('\n')}\n`);
  process.exit(1);
}

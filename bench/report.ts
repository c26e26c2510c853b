/**
 * The benchmark report: its JSON shape, the cost table derived from the measured requests, and
 * the two renderings (terminal tables with cli-table3, Markdown for the README).
 */
import Table from 'cli-table3';
import type { MachineInfo } from './machine.js';
import { monthlyCost, PRICES, SLOTS_PER_MONTH } from './prices.js';
import { scaleSections } from './report-scale.js';
import type { ColdStart } from './scenarios/cold-start.js';
import type { ContentionRow } from './scenarios/contention.js';
import type { DutyCycleRow } from './scenarios/duty-cycle.js';
import type { MemoryResult } from './scenarios/memory.js';
import type { RequestsPerRun } from './scenarios/requests-per-run.js';
import type { TenThousand } from './scenarios/ten-thousand.js';
import { FLOOR_WRITES_PER_RUN, type TickVsFloorRow } from './scenarios/tick-vs-floor.js';

/** One row of the monthly cost table. */
export interface CostRow {
  schedule: string;
  jobsPerMinute: number;
  readUnitsPerRun: number;
  writeUnitsPerRun: number;
  tickMs: number;
  /** Where tickMs comes from. */
  tickSource: string;
  lambdaMemoryMb: number;
  /** Where lambdaMemoryMb comes from. */
  memorySource: string;
  dynamoUsd: number;
  lambdaUsd: number;
  totalUsd: number;
  /** DynamoDB per month if a run cost only the floor's writes. */
  dynamoAtFloorUsd: number;
}

/** Everything one `npm run bench` measured; written as JSON. */
export interface BenchReport {
  mode: 'quick' | 'full';
  startedAt: string;
  durationSec: number;
  machine: MachineInfo;
  server: string;
  prices: typeof PRICES;
  /** Lambda memory for the cost table; `auto`: the smallest power of two above 1.25 x the measured peak RSS. */
  lambdaMemoryMb: number | 'auto';
  requestsPerRun: RequestsPerRun;
  tickVsFloor: TickVsFloorRow[];
  contention: ContentionRow[];
  coldStart: ColdStart;
  memory: MemoryResult;
  dutyCycle?: DutyCycleRow[];
  /** Scenario 7: 10,000 runtime jobs (issue 16). */
  tenThousand?: TenThousand;
  costs: CostRow[];
  failures: string[];
}

const usd = (value: number): string =>
  value >= 100 ? `$${value.toFixed(0)}` : value >= 1 ? `$${value.toFixed(2)}` : `$${value.toFixed(4)}`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** Monthly cost of 1 and 1,000 jobs per minute from the scheduled run's units and measured tick times. */
export function costTable(report: BenchReport): CostRow[] {
  const run = report.requestsPerRun.cases.find((c) => c.case === 'scheduled run');
  if (!run) throw new Error('no scheduled-run case measured');
  const readUnits = Math.max(run.counts.readUnits, run.counts.reads);
  const writeUnits = Math.max(run.counts.writeUnits + run.counts.failedConditionalWrites, run.counts.writes);
  const tickFor = (jobs: number): { tickMs: number; source: string } => {
    const exact = report.tickVsFloor.find((row) => row.jobs === jobs);
    if (exact) return { tickMs: exact.tickMedianMs, source: `median tick of ${jobs} due job(s), measured` };
    const largest = [...report.tickVsFloor].sort((a, b) => b.jobs - a.jobs)[0]!;
    return { tickMs: (largest.tickMedianMs / largest.jobs) * jobs, source: `scaled linearly from the tick of ${largest.jobs} jobs` };
  };
  const memoryFor = (jobs: number): { lambdaMemoryMb: number; memorySource: string } => {
    if (report.lambdaMemoryMb !== 'auto') return { lambdaMemoryMb: report.lambdaMemoryMb, memorySource: 'given (--lambda-memory-mb)' };
    const mem = report.memory;
    const [rssMb, source] =
      jobs === 1 ? [mem.baselineRssMb, 'peak RSS ticking 1 job'] : [mem.peakRssMb, `peak RSS ticking ${mem.jobs} jobs`];
    let sizeMb = 128;
    while (sizeMb < rssMb * 1.25) sizeMb *= 2;
    return { lambdaMemoryMb: sizeMb, memorySource: `${source} (${rssMb} MB) + 25%` };
  };
  return [1, 1_000].map((jobsPerMinute) => {
    const { tickMs, source } = tickFor(jobsPerMinute);
    const { lambdaMemoryMb, memorySource } = memoryFor(jobsPerMinute);
    const cost = monthlyCost({ jobsPerMinute, readUnits, writeUnits, tickMs, lambdaMemoryMb });
    const atFloor = monthlyCost({ jobsPerMinute, readUnits: 0, writeUnits: FLOOR_WRITES_PER_RUN, tickMs, lambdaMemoryMb });
    return {
      schedule: `${jobsPerMinute.toLocaleString('en-US')} job(s) every minute`,
      jobsPerMinute,
      readUnitsPerRun: readUnits,
      writeUnitsPerRun: writeUnits,
      tickMs: Math.round(tickMs * 100) / 100,
      tickSource: source,
      lambdaMemoryMb,
      memorySource,
      dynamoUsd: cost.dynamoUsd,
      lambdaUsd: cost.lambdaUsd,
      totalUsd: cost.totalUsd,
      dynamoAtFloorUsd: atFloor.dynamoUsd,
    };
  });
}

/** One table of the report, with the notes under it. */
export interface Section {
  title: string;
  head: string[];
  rows: (string | number)[][];
  notes: string[];
}

function commands(byCommand: Record<string, number>, per = 1): string {
  return Object.entries(byCommand)
    .map(([name, n]) => `${name.replace(/Command$/, '').replace(/Item$/, '')} ${Math.round((n / per) * 100) / 100}`)
    .join(', ');
}

function sections(report: BenchReport): Section[] {
  const out: Section[] = [];
  const m = report.machine;
  out.push({
    title: 'Machine',
    head: ['CPU', 'cores (nproc)', 'memory', 'Node', 'server', 'load (1 min) at start', 'mode'],
    rows: [[m.cpuModel, m.cpus, `${m.memoryGb} GB`, m.node, report.server, m.loadAverage1m, report.mode]],
    notes: [],
  });
  const r = report.requestsPerRun;
  if (r) {
    out.push({
      title: '1. DynamoDB requests per run',
      head: ['case', 'outcome', 'reads', 'writes', 'failed conditional writes', 'RRU', 'WRU', 'requests by command'],
      rows: r.cases.map((c) => {
        const per = c.jobs;
        const f = (n: number): number => Math.round((n / per) * 1000) / 1000;
        return [
          c.case,
          c.outcome,
          f(c.counts.reads),
          f(c.counts.writes),
          f(c.counts.failedConditionalWrites),
          f(c.counts.readUnits),
          f(c.counts.writeUnits),
          commands(c.counts.byCommand, per) || 'none',
        ];
      }),
      notes: [
        `Heartbeats: a ${r.heartbeat.runMs} ms run with a ${r.heartbeat.leaseMs} ms lease wrote ${r.heartbeat.heartbeatWrites} renewal(s); at the default 60 s lease a run renews ${r.heartbeat.writesPerMinuteOfRunAtDefaultLease} times per minute it lasts beyond the first 20 s.`,
        'RRU/WRU: the capacity units the server reported (ReturnConsumedCapacity). A failed conditional write reports none but is billed 1 WRU (items here are under 1 KB); dynalite reports 0 RRU for a Query that returns nothing: the cost table counts at least one unit per request (the conservative reading).',
      ],
    });
  }
  if (report.costs.length > 0) {
    out.push({
      title: 'Cost per month (30 days, on-demand)',
      head: ['schedule', 'RRU + WRU per run', 'DynamoDB', 'Lambda (tick time)', 'total', 'DynamoDB at the floor (3 WRU per run)'],
      rows: report.costs.map((c) => [
        c.schedule,
        `${c.readUnitsPerRun} + ${c.writeUnitsPerRun}`,
        usd(c.dynamoUsd),
        `${usd(c.lambdaUsd)} (${c.tickMs} ms at ${c.lambdaMemoryMb} MB)`,
        usd(c.totalUsd),
        usd(c.dynamoAtFloorUsd),
      ]),
      notes: [
        `Prices (${PRICES.region}, ${PRICES.asOf}): DynamoDB $${PRICES.dynamoWritePerMillionUsd} per million WRU, $${PRICES.dynamoReadPerMillionUsd} per million RRU; Lambda arm64 $${PRICES.lambdaArmPerGbSecondUsd} per GB-second and $${PRICES.lambdaPerMillionRequestsUsd} per million requests; EventBridge scheduled rules free.`,
        `${SLOTS_PER_MONTH.toLocaleString('en-US')} ticks a month, one per minute; Lambda memory ${report.lambdaMemoryMb === 'auto' ? 'the smallest power of two over 1.25 x the peak RSS measured in scenario 5' : `${report.lambdaMemoryMb} MB as given`}, billed for the tick time measured here against the local server (not AWS latency), handler time excluded; runs shorter than 20 s (no heartbeat); storage of the 30-day history not included.`,
      ],
    });
  }
  if (report.tickVsFloor) {
    out.push({
      title: '2. Tick time vs the floor',
      head: [
        'due jobs',
        'tick (median ms)',
        'floor (median ms)',
        'ratio of medians',
        'median ratio of pairs',
        'tick requests per run',
        'tick peak requests / jobs in flight',
        'floor jobs at once',
        'handler start after tick start (median / last, ms)',
      ],
      rows: report.tickVsFloor.map((row) => [
        row.jobs,
        row.tickMedianMs,
        row.floorMedianMs,
        row.ratio,
        row.pairedRatio,
        `${row.tickReadsPerRun} reads + ${row.tickWritesPerRun} writes (${commands(row.tickByCommand, row.jobs)})`,
        `${row.tickMaxInFlight} / ${row.tickMaxJobsInFlight ?? '-'}`,
        row.floorJobConcurrency,
        `${row.startLagMedianMs} / ${row.startLagMaxMs}`,
      ]),
      notes: [
        `Floor: per job the ${FLOOR_WRITES_PER_RUN} conditional writes a run needs (claim the slot; take the lease; record the outcome and release in one write on the lock item), each after the one before, as many jobs at once as the tick had requests in flight for (at most), through the same client and server. Median of ${report.tickVsFloor[0]?.tickMs.length ?? 0} alternating repeats; goal: ratio <= 1.5.`,
      ],
    });
  }
  if (report.contention) {
    out.push({
      title: '3. Contention: K instances tick the same slots at once',
      head: [
        'instances',
        'due jobs',
        'total (median ms)',
        'reads',
        'writes',
        'failed conditional writes',
        'requests per slot',
        'handler starts',
        'slots started twice',
      ],
      rows: report.contention.map((row) => [
        row.instances,
        row.jobs,
        row.medianMs,
        row.counts.reads,
        row.counts.writes,
        row.counts.failedConditionalWrites,
        row.requestsPerSlot,
        row.handlerStarts,
        row.slotsStartedTwice,
      ]),
      notes: ['Each instance has its own client and name; all share one table. Requests are those of the median-time repeat.'],
    });
  }
  const c = report.coldStart;
  if (c && c.rows.length > 0) {
    out.push({
      title: '4. Cold start: load the bundle in a fresh Node process',
      head: [
        'module',
        'bundle',
        'gzip',
        'loaded on first use',
        'import (median ms)',
        'import CPU (median ms)',
        'process start to exit (median ms)',
        'RSS after load',
      ],
      rows: c.rows.map((row) => [
        row.module,
        kb(row.bundle.bytes),
        kb(row.bundle.gzipBytes),
        row.bundle.lazyBytes ? kb(row.bundle.lazyBytes) : '-',
        row.importMedianMs,
        row.importCpuMedianMs ?? '-',
        row.processMedianMs,
        `${(row.maxRssKb / 1024).toFixed(1)} MB`,
      ]),
      notes: [
        `Largest parts of the tick bundle: ${c.rows[0]!.bundle.byPackage.slice(0, 6)
          .map((p) => `${p.name} ${kb(p.bytes)}`)
          .join(', ')}.`,
        `Ratios tick/DynamoDB-only: size ${c.sizeRatio}x, import ${c.importRatio}x, process ${c.processRatio}x; tick/floor: size ${c.floorSizeRatio ?? '-'}x, import ${c.floorImportRatio ?? '-'}x (CPU ${c.floorImportCpuRatio ?? '-'}x), process ${c.floorProcessRatio ?? '-'}x (goal: at most 1.15).`,
        `All bundled with the tick function's own esbuild options from infra/tick-bundling.ts (ESM, minified, source map, the AWS SDK included, the Lambda client in a file of its own loaded on first use, as deployed); median of ${c.rows[0]!.importMs.length} loads each, alternating.`,
      ],
    });
  }
  const mem = report.memory;
  if (mem) {
    out.push({
      title: '5. Memory: a node ticking many jobs',
      head: [
        'jobs',
        'ticks',
        'outcomes',
        'peak RSS',
        'same, ticking 1 job',
        'difference',
        'peak heap used',
        "V8's default heap: peak RSS / heap",
      ],
      rows: [
        [
          mem.jobs,
          mem.ticks,
          JSON.stringify(mem.outcomes),
          `${mem.peakRssMb} MB`,
          `${mem.baselineRssMb} MB`,
          `${mem.tickRssMb} MB`,
          `${mem.peakHeapUsedMb} MB`,
          mem.defaultHeapPeakRssMb !== undefined ? `${mem.defaultHeapPeakRssMb} / ${mem.defaultHeapPeakHeapUsedMb} MB` : '-',
        ],
      ],
      notes: [
        `A separate process bundled like the Lambda (process.resourceUsage().maxRSS), with the tick function's NODE_OPTIONS heap flags (${mem.nodeOptions ?? 'none'}; infra/tick-heap.ts), and without them in the last column; the last tick repeats the minute before, so every job is a duplicate.`,
      ],
    });
  }
  const duty = report.dutyCycle;
  if (duty && duty.length > 0) {
    out.push({
      title: '6. Duty cycle: a job that always has work, by overlap policy',
      head: [
        'policy',
        'nodes',
        'wall s',
        'runs',
        'duty cycle',
        'median gap end to start',
        'worst gap',
        'overlaps',
        'slots started twice',
        'stall after SIGKILL (lease)',
        'reference: one conditional write, back to back',
        'one write, spaced 250 ms',
      ],
      rows: duty.map((row) => [
        row.policy,
        row.nodes,
        row.wallSec,
        row.runs,
        row.dutyCycle,
        `${row.medianGapMs} ms`,
        `${row.worstGapMs} ms`,
        row.overlaps,
        row.slotsStartedTwice,
        row.stallAfterKillMs !== undefined
          ? `${row.stallAfterKillMs} ms (${row.leaseMs} ms${row.leaseLeftAtKillMs !== undefined ? `; ${row.leaseLeftAtKillMs} ms of it left at the kill` : ''})`
          : '-',
        `${row.refWriteMs} ms`,
        row.refWriteSpacedMs !== undefined ? `${row.refWriteSpacedMs} ms` : '-',
      ]),
      notes: [
        "Real `cluster-cron start` processes on one local server (`cluster-cron db --memory`, its own process, fresh per policy), a per-second cron, each run working 2.5 s (2.5 slot periods), lease 5 s (but the row marked default lease: 60 s); read back from the nodes' logs. The killed holder is the node whose run is open at half time.",
      ],
    });
  }
  out.push(...scaleSections(report.tenThousand));
  return out;
}

/** Prints every section as a terminal table, then the JSON. */
export function printReport(report: BenchReport): void {
  for (const section of sections(report)) {
    const table = new Table({ head: section.head, wordWrap: true, style: { head: [], border: [] } });
    for (const row of section.rows) table.push(row);
    process.stdout.write(`\n${section.title}\n${table.toString()}\n`);
    for (const note of section.notes) process.stdout.write(`  ${note}\n`);
  }
  process.stdout.write(`\n${JSON.stringify(report)}\n`);
}

/** The same sections as Markdown tables, for the README. */
export function toMarkdown(report: BenchReport): string {
  const cell = (value: string | number): string => String(value).replace(/\|/g, '\\|');
  const parts = [`Measured ${report.startedAt} (${report.mode} mode, ${report.durationSec} s).`];
  for (const section of sections(report)) {
    parts.push(
      `#### ${section.title}`,
      [
        `| ${section.head.map(cell).join(' | ')} |`,
        `|${section.head.map(() => '---').join('|')}|`,
        ...section.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
      ].join('\n'),
      ...section.notes,
    );
  }
  return `${parts.join('\n\n')}\n`;
}

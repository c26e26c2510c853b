/**
 * The report's sections for scenario 7 (scenarios/ten-thousand.ts): a tick's cost by jobs due,
 * start lag by workers, and the monthly bill of 10,000 runtime jobs.
 */
import type { Section } from './report.js';
import type { TenThousand } from './scenarios/ten-thousand.js';

const usd = (value: number): string => (value >= 1 ? `$${value.toFixed(2)}` : `$${value.toFixed(4)}`);
const byType = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([type, n]) => `${type} ${n}`)
    .join(', ');
const seconds = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** The sections of scenario 7, none when it did not run. */
export function scaleSections(scale: TenThousand | undefined): Section[] {
  if (!scale) return [];
  const out: Section[] = [];
  const d = scale.dueTicks;
  out.push({
    title: '7a. Tick cost by jobs due, not defined',
    head: [
      'defined',
      'due',
      'tick (median ms)',
      'reference: only the due jobs defined (median ms)',
      'ratio of medians',
      'median ratio of pairs',
      'tick requests',
      'reference requests',
      'requests ratio',
      'listing RRU (tick / reference)',
      'RRU ratio',
      'failed attempts, sent again (tick / reference, all ticks)',
      'ticks that started fewer than due',
    ],
    rows: d.rows.map((row) => [
      row.defined.toLocaleString('en-US'),
      row.due.toLocaleString('en-US'),
      row.tickMedianMs,
      row.refMedianMs,
      row.ratio,
      row.pairedRatio,
      byType(row.requests.byType),
      byType(row.refRequests.byType),
      row.requestsRatio,
      `${row.requests.listingReadUnits} / ${row.refRequests.listingReadUnits}`,
      row.readUnitsRatio,
      `${JSON.stringify(row.errors)} / ${JSON.stringify(row.refErrors)}`,
      row.shortTicks.map((t) => `minute ${t.minute}: ${t.ran} of ${t.due} (${JSON.stringify(t.outcomes)})`).join('; ') || 'none',
    ]),
    notes: [
      `Measured ${scale.startedAt ?? '-'} (load ${scale.loadAverage1m ?? '-'} at the start of the scenario).`,
      `Runtime jobs stored as upsertJob stores them (${d.defined.toLocaleString('en-US')} in ${seconds(d.writeMs)}, ${d.writeMsPerJob} ms each, 20 at a time); the not-due ones daily at 03:00 UTC, the due ones every 1, 2 or 4 minutes; ticked with an injected clock at consecutive minutes just after the boundary (the reference at the minutes its jobs are due), alternating which goes first, ${d.rows[0]?.tickMs.length ?? 0} or more ticks each; handler a no-op. Requests of the last tick of each. Goal (issue 16): ratio <= 1.5.`,
    ],
  });
  if (scale.startLag.length > 0) {
    out.push({
      title: '7b. Start lag: jobs due at one slot, by workers',
      head: [
        'jobs',
        'workers',
        'p50',
        'p99',
        'last start',
        'of the catch-up window',
        'jobs within the window at this rate',
        'not started (missed)',
        'outcomes',
        'worker ticks',
      ],
      rows: scale.startLag.map((row) => [
        row.jobs.toLocaleString('en-US'),
        row.workers,
        seconds(row.p50Ms),
        seconds(row.p99Ms),
        seconds(row.lastMs),
        `${Math.round(row.windowUsed * 100)}% of ${row.catchupWindowMs / 1000} s`,
        row.jobsWithinWindow.toLocaleString('en-US'),
        row.notStarted,
        JSON.stringify(row.outcomes),
        row.workerTicks.map((t) => `${seconds(t.tickMs)} (${t.ran} ran)`).join(', '),
      ]),
      notes: [
        'Worker processes (bench/start-lag-worker.ts, warmed by two ticks of their own) each tick once 5 ms after the slot on the real clock, as a node wakes at a boundary, against one `cluster-cron db --memory` in its own process; lag = Date.now() - the slot the handler receives. The server is single-threaded: more workers add requests (each reads every job; one wins each slot) and do not add server time.',
      ],
    });
  }
  const c = scale.cost;
  if (c) {
    out.push({
      title: `7c. Monthly cost of ${c.input.jobs.toLocaleString('en-US')} runtime jobs every ${c.input.periodMinutes} minutes`,
      head: ['item', 'quantity', 'per month', 'with 3 index WRU a run'],
      rows: [
        ...c.cost.lines.map((line, i) => [line.item, line.quantity, usd(line.usd), usd(c.withAllIndexWrites.lines[i]!.usd)]),
        ['total', `${(c.cost.runsPerMonth / 1e6).toFixed(1)} M runs`, usd(c.cost.totalUsd), usd(c.withAllIndexWrites.totalUsd)],
        [
          'reference: EventBridge Scheduler, one invocation a run',
          'after 14 M free / without',
          usd(c.cost.schedulerUsd),
          usd(c.cost.schedulerWithoutFreeTierUsd),
        ],
      ],
      notes: [
        ...c.sources,
        "3 index WRU a run: AWS bills a GSI key change as a delete and a put in that index, and runtimeJobs projects nextDueMs (one more write there). EventBridge Scheduler's price is its invocations only: its target (a Lambda a run) is billed on top, as the handler's time is here.",
      ],
    });
  }
  return out;
}

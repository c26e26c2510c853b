/**
 * Reads runs back from the JSON logs of several nodes and checks them: no two runs of a job
 * overlap (run.start..run.end are logged while the lease is held), at most one start per slot,
 * and fences rise in start order.
 */

/** One run as read from the logs. */
export interface LoggedRun {
  job: string;
  slot: string;
  fence: number;
  instance: string;
  startMs: number;
  /** Undefined while the run has not ended (or its node died). */
  endMs?: number;
  status?: string;
}

/** What the checker found; every list empty means the invariants held. */
export interface RunCheck {
  runs: LoggedRun[];
  /** Each run that started while an earlier run of its job was going, with the one that ends last. */
  overlaps: { job: string; first: LoggedRun; second: LoggedRun }[];
  duplicateStarts: { job: string; slot: string; count: number }[];
  fenceOrder: { job: string; earlier: LoggedRun; later: LoggedRun }[];
}

/** Parses log lines (any mix of JSON and other text) into runs, pairing start and end by holder. */
export function parseRuns(lines: Iterable<string>): LoggedRun[] {
  const byHolder = new Map<string, LoggedRun>();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a line cut off by a killed process
    }
    const holder = String(event.holder ?? '');
    if (event.message === 'run.start') {
      byHolder.set(holder, {
        job: String(event.job),
        slot: String(event.slot),
        fence: Number(event.fence),
        instance: String(event.instance),
        startMs: Date.parse(String(event.timestamp)),
      });
    } else if (event.message === 'run.end') {
      const run = byHolder.get(holder);
      if (run) {
        run.endMs = Date.parse(String(event.timestamp));
        run.status = String(event.status);
      }
    }
  }
  return [...byHolder.values()];
}

/** Checks the runs; a run without an end is taken to last until `openEndMs`. */
export function checkRuns(runs: LoggedRun[], openEndMs = Number.POSITIVE_INFINITY): RunCheck {
  const result: RunCheck = { runs, overlaps: [], duplicateStarts: [], fenceOrder: [] };
  const jobs = new Map<string, LoggedRun[]>();
  for (const run of runs) jobs.set(run.job, [...(jobs.get(run.job) ?? []), run]);
  for (const [job, list] of jobs) {
    list.sort((a, b) => a.startMs - b.startMs);
    // Compare each run with the earlier run that ends last, not only with its neighbour: a long
    // run overlaps every later run that starts before it ends, not just the next one.
    let longest: LoggedRun | undefined;
    for (const [i, second] of list.entries()) {
      const first = list[i - 1];
      if (!first) continue;
      if (!longest || (first.endMs ?? openEndMs) > (longest.endMs ?? openEndMs)) longest = first;
      if ((longest.endMs ?? openEndMs) > second.startMs) result.overlaps.push({ job, first: longest, second });
      if (second.fence <= first.fence) result.fenceOrder.push({ job, earlier: first, later: second });
    }
    const perSlot = new Map<string, number>();
    for (const run of list) perSlot.set(run.slot, (perSlot.get(run.slot) ?? 0) + 1);
    for (const [slot, count] of perSlot) if (count > 1) result.duplicateStarts.push({ job, slot, count });
  }
  return result;
}
